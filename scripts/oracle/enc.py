"""Metamorphic test: the same conversation written in different but equivalent JSON must get the same verdict."""
import json, random, subprocess, sys, os, math
import run
BIN = run.BIN

def enc_str(R, s, mode):
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"': out.append('\\"')
        elif ch == '\\': out.append('\\\\')
        elif c < 0x20: out.append(R.choice(['\\u%04x' % c, '\\u%04X' % c]) if ch not in "\n\t\r\b\f" or R.random() < 0.5 else {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}[ch])
        elif ch == '/' and R.random() < 0.5: out.append('\\/')
        elif mode and R.random() < 0.4:
            if c > 0xFFFF:
                c -= 0x10000; out.append('\\u%04x\\u%04x' % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)))
            else: out.append(R.choice(['\\u%04x' % c, '\\u%04X' % c]))
        else: out.append(ch)
    out.append('"'); return "".join(out)

def enc_num(R, v):
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, int):
        if abs(v) < 10**15 and R.random() < 0.6:
            return R.choice([f"{v}.0", f"{v}e0", f"{v}E+0", f"{v}.000", f"{v*10}e-1"])
        return str(v)
    if math.isfinite(v) and R.random() < 0.6:
        r = repr(v)
        return R.choice([r.upper(), f"{v:.17e}", f"{v:.17E}", r + ("0" if "." in r and "e" not in r.lower() else "")])
    return json.dumps(v)

def ws(R):
    return R.choice(["", " ", "  ", "\t", " \t "])

def enc(R, v, mode):
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)): return enc_num(R, v)
    if isinstance(v, str): return enc_str(R, v, mode)
    if isinstance(v, list): return "[" + ws(R) + ("," + ws(R)).join(enc(R, x, mode) for x in v) + ws(R) + "]"
    return "{" + ws(R) + ("," + ws(R)).join(enc_str(R, k, mode) + ws(R) + ":" + ws(R) + enc(R, x, mode) for k, x in v.items()) + ws(R) + "}"

def strip(v):
    v = dict(v); v.pop("conversation", None)
    return v

def main(seeds):
    same = diff = 0
    for seed in seeds:
        d = os.path.join(run.OUT, f"s{seed}")
        if not os.path.exists(d + "/convs.jsonl"): continue
        convs = [json.loads(l) for l in open(d + "/convs.jsonl")]
        R = random.Random(seed)
        lines = []
        for c in convs:
            lines.append(json.dumps(c, ensure_ascii=False))
            for k in range(3):
                c2 = dict(c); c2["id"] = c["id"] + f"#v{k}"
                lines.append(enc(R, c2, k > 0))
        f = d + "/enc.jsonl"; open(f, "w").write("\n".join(lines) + "\n")
        p = subprocess.run(["timeout", "60", BIN, "eval", "-p", d, f, "--format", "json"], capture_output=True, text=True)
        vs = {v["conversation"]: v for v in json.loads(p.stdout)}
        for c in convs:
            base = vs.get(c["id"])
            for k in range(3):
                v = vs.get(c["id"] + f"#v{k}")
                if base is None or v is None:
                    diff += 1; print(seed, c["id"], k, "missing", p.stderr[-300:]); continue
                a, b = strip(base), strip(v)
                if a != b:
                    diff += 1
                    ks = [x for x in a if a[x] != b.get(x)]
                    print(seed, c["id"], k, ks, [(a[x], b.get(x)) for x in ks][:2])
                else: same += 1
    print("same", same, "diff", diff)
if __name__ == "__main__":
    main(range(int(sys.argv[1]), int(sys.argv[2])))
