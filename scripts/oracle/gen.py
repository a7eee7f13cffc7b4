"""Seeded random policy sets + conversations for the oracle."""
import random, os

DECL_POOL = [
    ("customer.vip", "bool", [None, False, True]),
    ("customer.tier", ("oneof", ["standard", "plus", "premier"]), [None, "standard", "premier"]),
    ("customer.score", "number", [None, 0, 3]),
    ("intent", "string", [None, "other"]),
    ("flags", "list", [None, [], ["a", "b"]]),
    ("ai.confidence", "number", [None]),
    ("a.b.c", "string", [None, "x"]),
    ("note", "string", [None]),
]
PHRASES = ["died", "passed away", "can't pay", "well-being", "Café crème", "refund", "x2", "ÉTÉ"]
REGEXES = [r"\brefund\b", r"(?i)AGENT", r"[0-9]{3}", r"^hi", r"é", r"pay", r"(?i)café"]
CONTAINS = ["pay", "PAY", "é", "Refund", "a b"]
TEXTS = ["My dad died.", "I studied hard", "I CAN’T PAY", "cant pay", "can't pay", "well being matters",
         "wellbeing", "CAFÉ CRÈME!", "café-crème", "refunds", "refund-please", "x2x", "x2 now", "passed  away",
         "passed\naway", "hi there", "Hi there", "AGENT please", "call 123", "", "été", "ÉtÉ ok", "pay me",
         "Dïed", "died’s", "passed away", "a b c", "A\u00a0B"]
SENDERS = ["customer", "customer", "customer", "ai", "ai", "agent", "system", " User ", "ASSISTANT", "Bot",
           "model", "human", "tool", "Customer", "custmer", 5, None, "developer", "function", "\tai\n", "AI"]
NUMS = [0, 1, 2, 3, 0.5, -1, 0.85, 1e308, 18446744073709551616, -0.0, 2.5, 7]


def gen_expr(R, ctx, depth, in_msg=False):
    if depth <= 0 or R.random() < 0.45:
        return gen_atom(R, ctx, in_msg, depth)
    k = R.random()
    if k < 0.4: return ("and", gen_expr(R, ctx, depth - 1, in_msg), gen_expr(R, ctx, depth - 1, in_msg))
    if k < 0.75: return ("or", gen_expr(R, ctx, depth - 1, in_msg), gen_expr(R, ctx, depth - 1, in_msg))
    if k < 0.9: return ("not", gen_expr(R, ctx, depth - 1, in_msg))
    return ("paren", gen_expr(R, ctx, depth - 1, in_msg))


def gen_atom(R, ctx, in_msg, depth):
    if in_msg and R.random() < 0.6:
        k = R.randrange(7)
        if k == 0: return ("contains", "text", R.choice(CONTAINS))
        if k == 1: return ("mentions", "text", R.choice(ctx["lexnames"]))
        if k == 2: return ("matches", "text", R.choice(REGEXES))
        if k == 3:
            ctx["uses_msg_sent"] = True
            return ("cmp", R.choice(["<=", ">", "==", "<"]), ("path", "sentiment"), ("lit", R.choice([-0.4, 0, 0.3, -1])))
        if k == 4: return ("cmp", R.choice(["==", "!="]), ("path", "from"), ("lit", R.choice(["customer", "ai", "agent", "system"])))
        if k == 5: return ("missing", R.choice(["text", "from"]), R.random() < 0.5)
        return ("cmp", "==", ("path", "from"), ("lit", "customer"))
    k = R.randrange(100)
    decls = ctx["decls"]
    if k < 12 and depth > 0 and (not in_msg or R.random() < 0.3):
        return gen_quant(R, ctx, depth)
    if k < 18 and (not in_msg or R.random() < 0.3):
        who = R.choice([None, "customer", "ai", "agent"])
        wh = gen_expr(R, ctx, 1 if not in_msg else 0, True) if R.random() < 0.6 else None
        return ("cmp", R.choice([">=", "==", "<", ">"]), ("count", who, wh), ("lit", R.choice([0, 1, 2])))
    if k < 30:
        s = R.choice(["distress", "human_requested", "crisis", "sentiment", "ai_turns", "repeated", "negative_streak", "sentiment_min"])
        p = "signals." + s
        if s in ("human_requested", "crisis"):
            return ("bare", p) if R.random() < 0.6 else ("cmp", "==", ("path", p), ("lit", R.choice([True, False])))
        lits = {"distress": [0.7, 0.5, 0], "sentiment": [-0.3, 0, 0.5], "sentiment_min": [-0.5, 0],
                "ai_turns": [1, 2, 0], "repeated": [1, 2], "negative_streak": [2, 1]}[s]
        return ("cmp", R.choice([">=", ">", "<", "<=", "==", "!="]), ("path", p), ("lit", R.choice(lits)))
    if k < 33:
        return ("cmp", R.choice(["==", "!="]), ("path", "channel"), ("lit", R.choice(["chat", "email"])))
    if k < 40:
        path = R.choice(list(decls) + ["channel"])
        return ("missing", path, R.random() < 0.5)
    path = R.choice(list(decls))
    ty = decls[path][0]
    if isinstance(ty, tuple):
        vals = ty[1]
        if R.random() < 0.5: return ("cmp", R.choice(["==", "!="]), ("path", path), ("lit", R.choice(vals)))
        return ("in", path, R.sample(vals, R.randint(1, 2)), R.random() < 0.3)
    if ty == "bool":
        if R.random() < 0.5: return ("bare", path)
        return ("cmp", R.choice(["==", "!="]), ("path", path), ("lit", R.choice([True, False])))
    if ty == "number":
        if R.random() < 0.15: return ("in", path, R.sample([0, 1, 3, 0.85], 2), R.random() < 0.3)
        return ("cmp", R.choice(["==", "!=", "<", "<=", ">", ">="]), ("path", path), ("lit", R.choice([0, 1, 3, 0.85, -1] + ([] if os.environ.get("NOBIG") else [1e300]))))
    if ty == "string":
        k2 = R.randrange(5)
        if k2 == 0: return ("cmp", R.choice(["==", "!="]), ("path", path), ("lit", R.choice(["billing", "Billing", "x", ""])))
        if k2 == 1: return ("in", path, R.sample(["billing", "x", "refund", "Billing"], 2), R.random() < 0.3)
        if k2 == 2: return ("contains", path, R.choice(CONTAINS))
        if k2 == 3: return ("matches", path, R.choice(REGEXES))
        return ("mentions", path, R.choice(ctx["lexnames"]))
    if ty == "list":
        return ("contains", path, R.choice(["a", "b", "A", "c"]))
    raise ValueError(ty)


def gen_quant(R, ctx, depth):
    kind = R.choice(["any", "any", "every", "no", "last"])
    who = R.choice([None, "customer", "customer", "ai", "agent"])
    k = R.randrange(3)
    if k == 0: pred = ("mentions", R.choice(ctx["lexnames"]))
    elif k == 1: pred = ("matches", R.choice(REGEXES))
    else:
        e = gen_expr(R, ctx, min(depth, 2), True)
        pred = ("where", e, e[0] not in ("and", "or", "not") and R.random() < 0.6)
    return ("quant", kind, who, pred)


def gen_policy(R):
    # pick declarations
    decls = {}
    for path, ty, dflts in DECL_POOL:
        if R.random() < 0.8:
            d = R.choice(dflts)
            decls[path] = (ty if not isinstance(ty, tuple) else ("oneof", ty[1]), d)
    if not decls: decls["intent"] = ("string", None)
    nlex = R.randint(1, 3)
    lexicons = {}
    pool = PHRASES[:]
    for i in range(nlex):
        lexicons[f"lex{i}"] = R.sample(pool, R.randint(1, 3))
    ctx = {"decls": decls, "lexnames": list(lexicons), "uses_msg_sent": False}
    nfiles = R.randint(1, 3)
    files = [{"path": f"f{i}.policy" if R.random() < 0.7 else f"sub/z{i}.policy", "rules": []} for i in range(nfiles)]
    seen = set()
    for f in files:
        if f["path"] in seen: f["path"] = f["path"].replace(".policy", "_b.policy")
        seen.add(f["path"])
    default = R.choice(["human", "human", "review", "ai"])
    R.choice(files)["default"] = default
    ai_must = []; versions = []
    for f in files:
        if R.random() < 0.6:
            h = {"name": "H" + f["path"]}
            if R.random() < 0.7: h["version"] = f"v{R.randint(1, 9)}"
            if R.random() < 0.5:
                h["ai_must"] = R.sample(["disclose_ai", "offer_human", "log"], R.randint(1, 2)); ai_must += h["ai_must"]
            f["header"] = h
    # context: all decls in one file, some repeated in another
    cf = R.choice(files)
    cf["context"] = [(p, (ty if ty in ("bool", "number", "string", "list") else ("oneof", ty[1]), d)) for p, (ty, d) in decls.items()]
    for f in files:
        if f is not cf and R.random() < 0.3:
            p = R.choice(list(decls)); ty, d = decls[p]
            f["context"] = [(p, (ty, d))]
    lf = R.choice(files); lf["lexicons"] = list(lexicons.items())
    rules = []
    nrules = R.randint(1, int(os.environ.get("MAXR", "7")))
    for i in range(nrules):
        eff = R.choice(["allow", "allow", "require", "require"])
        route = "ai" if eff == "allow" else R.choice(["human", "review"])
        r = {"effect": eff, "route": route, "name": f"R{i}", "principle": R.choice([None, "P1", "P2"])}
        r["when"] = gen_expr(R, ctx, 3)
        if R.random() < 0.3: r["unless"] = gen_expr(R, ctx, 2)
        if R.random() < 0.5: r["priority"] = R.choice(["low", "normal", "high", "urgent"])
        if R.random() < 0.4: r["queue"] = R.choice(["q1", "q2", "q3"])
        if R.random() < 0.3: r["tags"] = R.sample(["t1", "t2", "t3"], R.randint(1, 2))
        if R.random() < 0.3: r["say"] = R.choice(["s1", "s2"])
        if route != "human" and R.random() < 0.4: r["must"] = R.sample(["m1", "m2", "offer_human"], R.randint(1, 2))
        r["because"] = "because " + r["name"]
        if R.random() < 0.25:
            qn = ("quant", "any", R.choice(["customer", None]), ("mentions", R.choice(list(lexicons))))
            shape = R.randrange(3)
            if shape == 0: r["when"] = qn
            elif shape == 1: r["when"] = ("and", qn, r["when"])
            else: r["when"] = ("and", r["when"], qn)
            r["_mq"] = qn
            r["because"] += " {matched}"
        elif R.random() < 0.2:
            sp = [p for p, (ty, d) in decls.items() if ty in ("string", "bool") or isinstance(ty, tuple)]
            if sp: r["because"] += " {" + R.choice(sp) + "}"
        f = R.choice(files); f["rules"].append(r); r["_file"] = f["path"]
        rules.append(r)
    gs = []
    if os.environ.get("GUAR"):
        for i in range(R.randint(1, 4)):
            reqs = [r for r in rules if r["effect"] == "require"]
            if reqs and R.random() < 0.6:
                r = R.choice(reqs)
                w = r["when"] if R.random() < 0.5 else ("and", r["when"], gen_expr(R, ctx, 1))
                g = {"name": f"G{i}", "when": w, "ensure": r["route"] if R.random() < 0.8 else "review"}
                if r.get("unless") is not None: g["unless"] = r["unless"] if R.random() < 0.7 else ("or", r["unless"], gen_expr(R, ctx, 1))
            else:
                g = {"name": f"G{i}", "when": gen_expr(R, ctx, 2), "ensure": R.choice(["review", "human"])}
                if R.random() < 0.3: g["unless"] = gen_expr(R, ctx, 1)
            f = R.choice(files); f.setdefault("guarantees", []).append(g); g["_file"] = f["path"]; gs.append(g)
    vers = [f["header"]["version"] for f in sorted(files, key=lambda f: f["path"].encode()) if f.get("header") and "version" in f["header"]]
    policy = {"decls": {p: (ty if not (isinstance(ty, tuple)) else ty, d) for p, (ty, d) in decls.items()},
              "lexicons": lexicons, "rules": rules, "default": default, "ai_must": sorted(set(ai_must)),
              "version": "+".join(vers) if vers else None, "files": files, "ctx": ctx, "guarantees": gs}
    return policy


def nasty_value(R, ty):
    k = R.random()
    if k < 0.12: return "ABSENT"
    if k < 0.2: return None
    if k < 0.35:
        return R.choice(["5", "true", [], {}, 3, True, "", "premier ", "PREMIER", ["a", 1], [None], 1e308, -0.0, "€"])
    if isinstance(ty, tuple): return R.choice(ty[1] + ["Premier"])
    if ty == "bool": return R.choice([True, False])
    if ty == "number": return R.choice(NUMS)
    if ty == "string": return R.choice(["billing", "Billing", "x", "", "refund please", "I can’t pay", "café", "call 123", "AGENT"])
    if ty == "list": return R.choice([[], ["a"], ["a", "b"], ["A"], ["c", "b"]])


def set_path(d, path, v):
    segs = path.split(".")
    for s in segs[:-1]:
        if s not in d or not isinstance(d[s], dict):
            if s in d and not isinstance(d[s], dict): return
            d[s] = {}
        d = d[s]
    d[segs[-1]] = v


def gen_message(R, ctx):
    k = R.random()
    if k < 0.04: return R.choice(["hello", 3, None, ["x"]])
    m = {}
    sender = R.choice(SENDERS)
    sk = R.random()
    if sk < 0.6: m["from"] = sender
    elif sk < 0.85: m["role"] = sender
    elif sk < 0.9: m["from"] = None; m["role"] = sender
    elif sk < 0.93: m["from"] = R.choice([5, "custmer", ""]); m["role"] = "customer"
    # else: no sender
    t = R.choice(TEXTS)
    tk = R.random()
    if tk < 0.55: m["text"] = t
    elif tk < 0.7: m["content"] = t
    elif tk < 0.8:
        parts = []
        for _ in range(R.randint(0, 3)):
            pk = R.random()
            if pk < 0.3: parts.append(R.choice(TEXTS))
            elif pk < 0.6: parts.append({"type": R.choice(["text", "input_text", "output_text", None]), "text": R.choice(TEXTS)})
            elif pk < 0.7: parts.append({"text": R.choice(TEXTS)})
            elif pk < 0.85: parts.append({"type": "image_url", "image_url": {"url": "x"}})
            elif pk < 0.87: parts.append({"type": "text", "text": 5})
            elif pk < 0.9: parts.append({"type": R.choice(["TEXT", "input_image", 5]), "text": R.choice(TEXTS)})
            else: parts.append(R.choice([5, None]))
        m["content"] = parts
    elif tk < 0.85: m["text"] = None
    elif tk < 0.88: m["text"] = None; m["content"] = t
    elif tk < 0.91: m["text"] = R.choice([5, ["a"], True]);  m.update({"content": t} if R.random() < 0.5 else {})
    elif tk < 0.94: m["content"] = None
    # else: no text key -> unknown
    sv = R.random()
    if sv < 0.75 or ctx["uses_msg_sent"]:
        m["sentiment"] = R.choice([-0.6, -0.4, -0.05, 0, 0.3, 0.9, -1, 1] * 3 + [2, "0.5", True, -1.5])
    return m


def gen_conv(R, policy, i):
    c = {"id": f"c{i}"}
    for p, (ty, d) in policy["decls"].items():
        v = nasty_value(R, ty)
        if v != "ABSENT": set_path(c, p, v)
    if R.random() < 0.05: c["customer"] = R.choice([3, [], "x", None])
    if R.random() < 0.05: c["a"] = R.choice([[], 3, {"b": 3}, {"b": None}])
    if R.random() < 0.7: c["channel"] = R.choice(["chat", "email", "Chat", 5])
    mk = R.random()
    if mk < 0.8:
        c["messages"] = [gen_message(R, policy["ctx"]) for _ in range(R.randint(0, int(os.environ.get("MAXM", "5"))))]
    elif mk < 0.85: c["messages"] = None
    elif mk < 0.9: c["messages"] = R.choice(["hi", 3, {"from": "customer"}])
    elif mk < 0.95:
        if R.random() < 0.3: c["messages"] = [gen_message(R, policy["ctx"]) for _ in range(R.randint(0, 2))]
        c[R.choice(["Messages", "mesages", "message", "messgaes", "MESSAGES", "messagesx"])] = [{"from": "customer", "text": "hi"}]
    # signals
    sk = R.random()
    if sk < 0.06: c["signals"] = R.choice([3, [], "x"])
    elif sk < 0.2:
        if R.random() < 0.5: c["signals"] = None
        else: c["signals"] = {n: 1 for n in R.sample(["repeated", "distress", "crisis"], 1)}
    elif sk < 0.97:
        s = {}
        for name in ["sentiment", "sentiment_min", "distress", "negative_streak", "repeated", "human_requested", "crisis", "ai_turns"]:
            if name == "ai_turns" and R.random() < 0.5: continue
            if R.random() < 0.2:
                s[name] = R.choice([2, -2, "0.5", True, 1.5, -1, 3.0, 2.5, "true", 1e308])
            elif name in ("human_requested", "crisis"): s[name] = R.choice([True, False])
            elif name in ("negative_streak", "repeated", "ai_turns"): s[name] = R.choice([0, 1, 2, 3])
            elif name == "distress": s[name] = R.choice([0, 0.5, 0.7, 0.9, 1])
            else: s[name] = R.choice([-1, -0.5, -0.3, 0, 0.5, 1])
        c["signals"] = s
    return c
