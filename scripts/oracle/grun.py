import json, os, random, subprocess, sys, collections
sys.path.insert(0, os.path.dirname(__file__))
os.environ["GUAR"] = "1"
import gen, oracle, run
BIN = run.BIN
RANK = {"ai": 0, "review": 1, "human": 2}
def main(s0, n, nconv):
    st = collections.Counter(); bad = []
    for seed in range(s0, s0 + n):
        R = random.Random(seed); pol = gen.gen_policy(R)
        d = os.path.join(run.OUT, f"g{seed}"); run.write_set(pol, d)
        cp = subprocess.run(["timeout", "120", BIN, "check", "-p", d, "--format", "json"], capture_output=True, text=True)
        if cp.returncode == 124: st["timeout"] += 1; bad.append({"seed": seed, "kind": "check-timeout"}); continue
        try: diags = json.loads(cp.stdout)["diagnostics"]
        except Exception: st["checkfail"] += 1; bad.append({"seed": seed, "out": cp.stdout[-500:] + cp.stderr[-500:]}); continue
        status = {}
        for g in pol["guarantees"]:
            hit = [x["code"] for x in diags if x["code"].startswith("guarantee") and x["file"].endswith(g["_file"]) and x["line"] == g["_line"]]
            status[g["name"]] = hit[0] if hit else "proved"
            st[status[g["name"]]] += 1
        import yaml
        for g in pol["guarantees"]:
            if status[g["name"]] != "guarantee-violated": continue
            x = [x for x in diags if x["code"] == "guarantee-violated" and x["file"].endswith(g["_file"]) and x["line"] == g["_line"]][0]
            h = x["help"]
            try:
                body = h.split(":\n\n", 1)[1].split("\nwrite it out")[0]
                cx = yaml.load("\n".join(l[4:] for l in body.split("\n")), Loader=yaml.BaseLoader if False else yaml.SafeLoader)
                o = oracle.evaluate(pol, cx)
                ev = oracle.Ev(pol, oracle.Conv(cx, pol["decls"]))
                w = ev.ev(g["when"]); u = ev.ev(g["unless"]) if g.get("unless") is not None else False
                if w is not False and u is not True and RANK[o["route"]] < RANK[g["ensure"]]: st["cx_confirmed"] += 1
                else:
                    st["CX_NOT_CONFIRMED"] += 1; bad.append({"seed": seed, "g": g["name"], "cx": cx, "oracle_route": o["route"], "w": w, "u": u})
            except oracle.NoCompute: st["cx_nc"] += 1
            except Exception as e: st["cx_parse_err"] += 1; bad.append({"seed": seed, "g": g["name"], "help": h, "err": repr(e)})
        if any(x["severity"] == "error" and not x["code"].startswith("guarantee") for x in diags):
            st["other_error"] += 1; continue
        convs = [gen.gen_conv(R, pol, i) for i in range(nconv)]
        for c in convs:
            try:
                o = oracle.evaluate(pol, c)
                ev = oracle.Ev(pol, oracle.Conv(c, pol["decls"]))
                for g in pol["guarantees"]:
                    if status[g["name"]] not in ("proved", "guarantee-unproved"): continue
                    w = ev.ev(g["when"]); u = ev.ev(g["unless"]) if g.get("unless") is not None else False
                    if w is not False and u is not True and RANK[o["route"]] < RANK[g["ensure"]]:
                        if status[g["name"]] == "proved":
                            st["PROVED_BUT_BROKEN"] += 1
                            bad.append({"seed": seed, "g": g["name"], "conv": c, "route": o["route"]})
                        else:
                            st["UNPROVED_BUT_REFUTABLE"] += 1
                            bad.append({"seed": seed, "g": g["name"], "conv": c, "route": o["route"], "unproved": 1})
                    else: st["proved_ok_case"] += 1
            except oracle.NoCompute: st["nc"] += 1
    json.dump(bad, open(os.path.join(run.OUT, f"gbad_{s0}.json"), "w"), indent=1, ensure_ascii=False, default=str)
    print(dict(st))
if __name__ == "__main__": main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
