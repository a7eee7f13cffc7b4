"""Independent oracle for handoff LANGUAGE.md v0.2 decision semantics.

Policies are ASTs (built by gen.py) which are printed to .policy text and evaluated here.
Three-valued logic: True / False / None (unknown).
"""
import json, re, unicodedata

U = None  # unknown
class Unk:  # unknown *value*
    def __repr__(self): return "UNK"
UNK = Unk()

PRIOS = ["low", "normal", "high", "urgent"]
SIGNALS = {
    "sentiment": ("num", -1, 1), "sentiment_min": ("num", -1, 1), "distress": ("num", 0, 1),
    "negative_streak": ("whole",), "repeated": ("whole",), "ai_turns": ("whole",),
    "human_requested": ("bool",), "crisis": ("bool",),
}

def k_and(a, b):
    if a is False or b is False: return False
    if a is None or b is None: return None
    return True
def k_or(a, b):
    if a is True or b is True: return True
    if a is None or b is None: return None
    return False
def k_not(a): return None if a is None else (not a)

def is_num(v): return isinstance(v, (int, float)) and not isinstance(v, bool)

# ---------------- printing ----------------
def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\t', '\\t') + '"'
def qre(s):  # regex: keep backslashes as written (only \" \\ \n \t are escapes) -> we avoid those
    return '"' + s + '"'

def lit(v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, str): return q(v)
    if isinstance(v, list): return "[" + ", ".join(lit(x) for x in v) + "]"
    return repr(v)

PREC = {"or": 1, "and": 2, "not": 3}
def pexpr(e, ctx=0):
    t = e[0]
    if t in ("or", "and"):
        p = PREC[t]
        s = pexpr(e[1], p) + f" {t} " + pexpr(e[2], p + 1)  # left-assoc
        return f"({s})" if ctx > p else s
    if t == "not":
        s = "not " + pexpr(e[1], 3)
        return f"({s})" if ctx > 3 else s
    if t == "paren":
        return "(" + pexpr(e[1]) + ")"
    if t == "lit": return lit(e[1])
    if t == "cmp": return f"{pval(e[2])} {e[1]} {pval(e[3])}"
    if t == "in": return f"{e[1]} {'not in' if e[3] else 'in'} {lit(e[2])}"
    if t == "contains": return f"{e[1]} contains {q(e[2])}"
    if t == "matches": return f"{e[1]} matches {qre(e[2])}"
    if t == "mentions": return f"{e[1]} mentions {e[2]}"
    if t == "missing": return f"{e[1]} is {'present' if e[2] else 'missing'}"
    if t == "bare": return e[1]
    if t == "quant":
        kind, who, pred = e[1], e[2], e[3]
        w = (who + " ") if who else ""
        return f"{kind} {w}message {ppred(pred)}"
    raise ValueError(t)

def ppred(pred):
    if pred[0] == "mentions": return f"mentions {pred[1]}"
    if pred[0] == "matches": return f"matches {qre(pred[1])}"
    if pred[0] == "where":
        if len(pred) > 2 and pred[2]: return f"where {pexpr(pred[1])}"
        return f"where ({pexpr(pred[1])})"
    raise ValueError(pred)

def pval(v):
    if v[0] == "path": return v[1]
    if v[0] == "lit": return lit(v[1])
    if v[0] == "count":
        who = (v[1] + " ") if v[1] else ""
        if v[2] is None: return f"count({who}messages)"
        return f"count({who}messages where {pexpr(v[2])})"
    raise ValueError(v)

def print_policy_file(f):
    out = []
    if f.get("header"):
        h = f["header"]
        parts = [f'policy {q(h["name"])} {{']
        if "version" in h: parts.append(f'  version {q(h["version"])}')
        if h.get("ai_must"): parts.append("  ai_must " + ", ".join(h["ai_must"]))
        parts.append("}")
        out += parts
    if f.get("default"):
        out.append(f'default {f["default"]} because {q("default reason")}')
    if f.get("context"):
        out.append("context {")
        for path, (ty, dflt) in f["context"]:
            s = f"  {path} : " + (f"one of {lit(ty[1])}" if isinstance(ty, tuple) else ty)
            if dflt is not None: s += " = " + lit(dflt)
            out.append(s)
        out.append("}")
    for g in f.get("guarantees", []):
        g["_line"] = len(out) + 1
        s = f'guarantee {q(g["name"])} {{ when {pexpr(g["when"])}'
        if g.get("unless") is not None: s += f' unless {pexpr(g["unless"])}'
        out.append(s + f' ensure {g["ensure"]} }}')
    for name, phrases in f.get("lexicons", []):
        out.append(f"lexicon {name} {{ " + ", ".join(q(p) for p in phrases) + " }")
    groups = {}
    for r in f.get("rules", []):
        groups.setdefault(r["principle"], []).append(r)
    for pr, rules in groups.items():
        ind = ""
        if pr is not None:
            out.append(f"principle {q(pr)} {{"); ind = "  "
        for r in rules:
            r["_line"] = len(out) + 1
            out.append(f'{ind}{r["effect"]} {r["route"]} {q(r["name"])} {{')
            out.append(f"{ind}  when {pexpr(r['when'])}")
            if r.get("unless") is not None: out.append(f"{ind}  unless {pexpr(r['unless'])}")
            if r.get("priority"): out.append(f"{ind}  priority {r['priority']}")
            if r.get("queue"): out.append(f"{ind}  queue {q(r['queue'])}")
            for t in r.get("tags", []): out.append(f"{ind}  tag {q(t)}")
            if r.get("say"): out.append(f"{ind}  say {q(r['say'])}")
            if r.get("must"): out.append(f"{ind}  must " + ", ".join(r["must"]))
            out.append(f"{ind}  because {q(r['because'])}")
            out.append(f"{ind}}}")
        if pr is not None: out.append("}")
    return "\n".join(out) + "\n"

# ---------------- conversation reading ----------------
CUST = {"customer", "user", "human"}; AIS = {"ai", "assistant", "bot", "model"}
SYS = {"system", "tool", "developer", "function"}

def ascii_lower(s): return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)
def ascii_strip(s): return s.strip(" \t\n\r\x0c")

def canon_sender(v):
    if not isinstance(v, str): return None
    s = ascii_lower(ascii_strip(v))
    if s in CUST: return "customer"
    if s in AIS: return "ai"
    if s == "agent": return "agent"
    if s in SYS: return "system"
    return None

def osa1(a, b):
    if a == b: return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1: return False
    if la == lb:
        d = [i for i in range(la) if a[i] != b[i]]
        if len(d) == 1: return True
        if len(d) == 2 and d[1] == d[0] + 1 and a[d[0]] == b[d[1]] and a[d[1]] == b[d[0]]: return True
        return False
    if la > lb: a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1:] == a: return True
    return False

class Msg:
    def __init__(self, raw):
        self.raw = raw
        if not isinstance(raw, dict):
            self.sender = None; self.text = UNK; self.sent = UNK; self.text_missing = True; self.from_missing = True
            self.nonmap = True
            return
        self.nonmap = False
        fr = raw.get("from"); 
        if fr is None: fr = raw.get("role")
        self.from_missing = fr is None
        self.sender = canon_sender(fr)
        # text
        if "text" in raw and raw["text"] is not None:
            t = raw["text"]
            self.text = t if isinstance(t, str) else UNK
            self.text_missing = False
        elif "content" in raw and raw["content"] is not None:
            self.text = read_content(raw["content"]); self.text_missing = False
        elif "text" in raw or "content" in raw:
            self.text = ""; self.text_missing = True
        else:
            self.text = UNK; self.text_missing = True
        if "sentiment" in raw:
            s = raw["sentiment"]
            self.sent = float(s) if is_num(s) and -1 <= s <= 1 else UNK
            if s is None: self.sent = "NULL"  # ambiguous
        else:
            self.sent = "ABSENT"

def read_content(c):
    if isinstance(c, str): return c
    if isinstance(c, list):
        parts = []
        for p in c:
            if isinstance(p, str): parts.append(p)
            elif isinstance(p, dict):
                ty = p.get("type")
                if ty is None or ty in ("text", "input_text", "output_text"):
                    if isinstance(p.get("text"), str): parts.append(p["text"])
                    else: return UNK
            else: return UNK
        return "\n".join(parts)
    return UNK

# lexicon tokenising (§6)
def words(s):
    s = s.lower().replace("\u2019", "'")
    out = []; cur = ""
    for i, c in enumerate(s):
        if c.isalnum():
            cur += c
        elif c == "'" and cur and cur[-1].isalpha() and i + 1 < len(s) and s[i + 1].isalpha():
            cur += c
        else:
            if cur: out.append((cur, i - len(cur)))
            cur = ""
    if cur: out.append((cur, len(s) - len(cur)))
    return out

def mention_pos(text, phrases):
    """returns (bool, first phrase by position or None)"""
    ws = [w for w, _ in words(text)]
    pos = [p for _, p in words(text)]
    best = None
    for ph in phrases:
        pw = [w for w, _ in words(ph)]
        if not pw: continue
        for i in range(len(ws) - len(pw) + 1):
            if ws[i:i + len(pw)] == pw:
                if best is None or pos[i] < best[0]: best = (pos[i], ph)
                break
    return (best is not None, best[1] if best else None)

def to_rx(r):
    return re.compile(r)

class Conv:
    def __init__(self, raw, decls):
        self.raw = raw; self.decls = decls
        self.msgs_unknown = False
        m = raw.get("messages")
        if m is None:
            if any(k != "messages" and (ascii_lower(k) == "messages" or osa1(k, "messages")) for k in raw):
                self.msgs_unknown = True
            self.msgs = []
        elif not isinstance(m, list):
            self.msgs_unknown = True; self.msgs = []
        else:
            self.msgs = [Msg(x) for x in m]

    def lookup(self, path):
        """returns (value or UNK, missing: bool)"""
        if path.startswith("signals."): return self.signal(path[8:]), None
        if path in ("id", "channel"):
            v = self.raw.get(path)
            if v is None: return UNK, True
            return (v if isinstance(v, str) else UNK), False
        ty, dflt = self.decls[path]
        node = self.raw
        segs = path.split(".")
        for s in segs[:-1]:
            if not isinstance(node, dict): return UNK, True
            node = node.get(s)
            if node is None:
                return (typed(dflt, ty) if dflt is not None else UNK), True
        if not isinstance(node, dict): return UNK, True
        v = node.get(segs[-1])
        if v is None: return (typed(dflt, ty) if dflt is not None else UNK), True
        return typed(v, ty), False

    def signal(self, name):
        sig = self.raw.get("signals", "ABSENT")
        if sig != "ABSENT" and sig is not None:
            if not isinstance(sig, dict): return UNK
            if name in sig and sig[name] is not None:
                v = sig[name]; spec = SIGNALS[name]
                if spec[0] == "bool": return v if isinstance(v, bool) else UNK
                if not is_num(v): return UNK
                if spec[0] == "num": return float(v) if spec[1] <= v <= spec[2] else UNK
                return float(v) if (v >= 0 and float(v).is_integer()) else UNK
        # computed
        if self.msgs_unknown or any(m.sender is None for m in self.msgs): return UNK
        cust = [m for m in self.msgs if m.sender == "customer"]
        if name == "ai_turns": return float(sum(1 for m in self.msgs if m.sender == "ai"))
        if not cust:
            return {"sentiment": UNK, "sentiment_min": UNK, "distress": 0.0, "negative_streak": 0.0,
                    "repeated": 0.0, "human_requested": False, "crisis": False}[name]
        if name in ("sentiment", "sentiment_min", "negative_streak"):
            sc = [m.sent for m in cust]
            if any(x in ("ABSENT", "NULL") for x in sc): raise NoCompute(name)
            if name == "sentiment": return sc[-1]
            if name == "sentiment_min": return UNK if any(x is UNK for x in sc) else min(sc)
            n = 0
            for x in reversed(sc):
                if x is UNK: return UNK
                if x <= -0.05: n += 1
                else: break
            return float(n)
        raise NoCompute(name)

class NoCompute(Exception): pass

def typed(v, ty):
    if isinstance(ty, tuple):
        return v if isinstance(v, str) and v in ty[1] else UNK
    if ty == "bool": return v if isinstance(v, bool) else UNK
    if ty == "number": return float(v) if is_num(v) else UNK
    if ty == "string": return v if isinstance(v, str) else UNK
    if ty == "list": return v if isinstance(v, list) and all(isinstance(x, str) for x in v) else UNK
    raise ValueError(ty)

# ---------------- evaluation ----------------
class Ev:
    def __init__(self, policy, conv):
        self.p = policy; self.c = conv; self.lex = policy["lexicons"]

    def val(self, v, msg=None):
        if v[0] == "lit": return float(v[1]) if is_num(v[1]) else v[1]
        if v[0] == "path": return self.path_value(v[1], msg)
        if v[0] == "count": return self.count(v[1], v[2])
        raise ValueError(v)

    def path_value(self, path, msg):
        if msg is not None:
            if path == "text": return msg.text
            if path == "from": return msg.sender if msg.sender else UNK
            if path == "sentiment":
                if msg.sent == "ABSENT" or msg.sent == "NULL": raise NoCompute("msg sentiment")
                return msg.sent
        return self.c.lookup(path)[0]

    def ev(self, e, msg=None):
        t = e[0]
        if t == "and": return k_and(self.ev(e[1], msg), self.ev(e[2], msg))
        if t == "or": return k_or(self.ev(e[1], msg), self.ev(e[2], msg))
        if t == "not": return k_not(self.ev(e[1], msg))
        if t == "paren": return self.ev(e[1], msg)
        if t == "lit": return e[1]
        if t == "bare":
            v = self.path_value(e[1], msg)
            return U if v is UNK else (v is True)
        if t == "cmp":
            a = self.val(e[2], msg); b = self.val(e[3], msg)
            if a is UNK or b is UNK: return U
            op = e[1]
            if type(a) != type(b): return U  # wrong type (should not happen for declared types)
            return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if t == "in":
            v = self.path_value(e[1], msg)
            if v is UNK: return U
            r = any(v == (float(x) if is_num(x) else x) for x in e[2])
            return (not r) if e[3] else r
        if t == "contains":
            v = self.path_value(e[1], msg)
            if v is UNK: return U
            if isinstance(v, list): return e[2] in v
            return e[2].lower() in v.lower()
        if t == "matches":
            v = self.path_value(e[1], msg)
            if v is UNK: return U
            return to_rx(e[2]).search(v) is not None
        if t == "mentions":
            v = self.path_value(e[1], msg)
            if v is UNK: return U
            return mention_pos(v, self.lex[e[2]])[0]
        if t == "missing":
            if msg is not None and e[1] == "text": m = msg.text_missing
            elif msg is not None and e[1] == "from": m = msg.from_missing
            else: m = self.c.lookup(e[1])[1]
            return (not m) if e[2] else m
        if t == "quant": return self.quant(e[1], e[2], e[3])
        raise ValueError(t)

    def is_who(self, m, who):
        if who is None: return True
        if m.sender is None: return U
        return m.sender == who

    def pred(self, pred, m):
        if pred[0] == "mentions":
            return U if m.text is UNK else mention_pos(m.text, self.lex[pred[1]])[0]
        if pred[0] == "matches":
            return U if m.text is UNK else (to_rx(pred[1]).search(m.text) is not None)
        if pred[0] == "where": return self.ev(pred[1], m)
        raise ValueError(pred)

    def quant(self, kind, who, pred):
        if self.c.msgs_unknown: return U
        ms = self.c.msgs
        if kind in ("any", "no"):
            r = False
            for m in ms: r = k_or(r, k_and(self.is_who(m, who), self.pred(pred, m)))
            return k_not(r) if kind == "no" else r
        if kind == "every":
            r = True
            for m in ms: r = k_and(r, k_or(k_not(self.is_who(m, who)), self.pred(pred, m)))
            return r
        if kind == "last":
            return self.last(ms, who, pred)
        raise ValueError(kind)

    def last(self, ms, who, pred):
        for i in range(len(ms) - 1, -1, -1):
            w = self.is_who(ms[i], who)
            if w is True: return self.pred(pred, ms[i])
            if w is U:
                p = self.pred(pred, ms[i]); rest = self.last(ms[:i], who, pred)
                if p is not U and p == rest: return p
                return U
        return False

    def count(self, who, where):
        if self.c.msgs_unknown: return UNK
        n = 0; unk = False
        for m in self.c.msgs:
            w = self.is_who(m, who)
            p = True if where is None else self.pred(("where", where), m)
            if w is False: continue
            if w is U:
                if p is not False: unk = True
                continue
            if p is U: unk = True
            elif p: n += 1
        return UNK if unk else float(n)

# ---------------- reads ----------------
def reads(e, acc, in_msg=False):
    """collect (path, via_missing_only?) read by expression"""
    t = e[0]
    if t in ("and", "or"): reads(e[1], acc, in_msg); reads(e[2], acc, in_msg)
    elif t in ("not", "paren"): reads(e[1], acc, in_msg)
    elif t in ("bare", "in", "contains", "matches", "mentions"): addp(e[1], acc, in_msg, False)
    elif t == "missing": addp(e[1], acc, in_msg, True)
    elif t == "cmp":
        for v in (e[2], e[3]): readv(v, acc, in_msg)
    elif t == "quant":
        acc.setdefault("messages", False)
        if e[3][0] == "where": reads(e[3][1], acc, True)
def readv(v, acc, in_msg):
    if v[0] == "path": addp(v[1], acc, in_msg, False)
    elif v[0] == "count":
        acc.setdefault("messages", False)
        if v[2] is not None: reads(v[2], acc, True)
def addp(p, acc, in_msg, via_missing):
    if in_msg and p in ("text", "from", "sentiment"): return
    if via_missing: acc.setdefault(p, True)
    else: acc[p] = False

# ---------------- verdict ----------------
def render_template(tmpl, ev, rule, matched_phrase):
    def rep(m):
        name = m.group(1)
        if name == "matched": return matched_phrase if matched_phrase else "unknown"
        v = ev.c.lookup(name)[0]
        if v is UNK: return "unknown"
        if isinstance(v, bool): return "true" if v else "false"
        if isinstance(v, float): return repr(v)  # ambiguous formatting; we only use strings/bools
        return str(v)
    return re.sub(r"\{([a-z_][a-z0-9_.]*)\}", rep, tmpl)

def first_phrase(ev, quant):
    _, kind, who, pred = quant
    for m in ev.c.msgs:
        if ev.is_who(m, who) is False or m.text is UNK: continue
        ok, ph = mention_pos(m.text, ev.lex[pred[1]])
        if ok: return ph
    return None

def evaluate(policy, raw):
    conv = Conv(raw, policy["decls"])
    ev = Ev(policy, conv)
    rules = policy["rules"]
    res = {}
    for r in rules:
        w = ev.ev(r["when"])
        u = ev.ev(r["unless"]) if r.get("unless") is not None else False
        if r["effect"] == "require":
            m = (w is not False) and (u is not True)
        else:
            m = (w is True) and (u is False)
        res[r["name"]] = (m, w, u)
    matched = [r for r in rules if res[r["name"]][0]]
    req_h = [r for r in matched if r["effect"] == "require" and r["route"] == "human"]
    req_r = [r for r in matched if r["effect"] == "require" and r["route"] == "review"]
    allow = [r for r in matched if r["effect"] == "allow"]
    dflt = policy["default"]
    if req_h: route, dec = "human", req_h
    elif not allow and dflt == "human": route, dec = "human", []
    elif req_r: route, dec = "review", req_r
    elif allow: route, dec = "ai", allow
    else: route, dec = dflt, []
    order = lambda r: (r["_file"].encode(), r["_line"])
    if dec:
        prio = max(PRIOS.index(r.get("priority") or "normal") for r in dec)
        def pick(key):
            cands = [r for r in dec if r.get(key)]
            if not cands: return None
            best = max(PRIOS.index(r.get("priority") or "normal") for r in cands)
            cands = sorted([r for r in cands if PRIOS.index(r.get("priority") or "normal") == best], key=order)
            return cands[0][key]
        queue, say = pick("queue"), pick("say")
        prio = PRIOS[prio]
    else:
        prio, queue, say = "normal", None, None
    tags = sorted({t for r in dec for t in r.get("tags", [])})
    obl = set()
    if route != "human":
        for r in matched:
            if r["effect"] == "allow" or r["route"] == "review": obl |= set(r.get("must", []))
        obl |= set(policy["ai_must"])
    # reasons
    reasons = {}
    for r in dec:
        ph = None; amb = False
        if "{matched}" in r["because"]:
            qn = r["_mq"]
            qv = ev.ev(qn)
            if qv is True and res[r["name"]][1] is True: ph = first_phrase(ev, qn)
        reasons[r["name"]] = render_template(r["because"], ev, r, ph)
    # unknown
    acc = {}
    for r in rules:
        reads(r["when"], acc)
        if r.get("unless") is not None: reads(r["unless"], acc)
    unknown, unknown_amb = set(), set()
    for p, via_missing in acc.items():
        if p == "messages":
            if conv.msgs_unknown or any(m.sender is None or m.text is UNK or m.sent is UNK for m in conv.msgs):
                unknown.add("messages")
            continue
        v = conv.lookup(p)[0] if not p.startswith("signals.") else safe_sig(conv, p)
        if v is UNK:
            (unknown_amb if via_missing else unknown).add(p)
    return {"route": route, "priority": prio, "queue": queue, "say": say, "tags": tags,
            "obligations": sorted(obl), "decided_by": sorted(r["name"] for r in dec),
            "matched": sorted(r["name"] for r in matched), "unknown": sorted(unknown),
            "_unknown_amb": sorted(unknown_amb), "reasons": reasons,
            "version": policy["version"]}

def safe_sig(conv, p):
    try: return conv.lookup(p)[0]
    except NoCompute: return "NC"
