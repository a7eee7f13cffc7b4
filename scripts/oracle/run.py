import json, os, random, shutil, subprocess, sys, collections
sys.path.insert(0, os.path.dirname(__file__))
import gen, oracle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("HANDOFF", os.path.join(ROOT, "target/release/handoff"))
OUT = os.environ.get("ORACLE_OUT", os.path.join(ROOT, "target/oracle"))

def write_set(policy, d):
    shutil.rmtree(d, ignore_errors=True)
    for f in policy["files"]:
        p = os.path.join(d, f["path"]); os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(oracle.print_policy_file(f))

def compare(o, h, policy):
    diffs = []
    def d(k, a, b):
        if a != b: diffs.append((k, a, b))
    d("route", o["route"], h["route"])
    d("matched", o["matched"], sorted(h["matched"]))
    d("decided_by", o["decided_by"], sorted(x["rule"] for x in h["decided_by"]))
    if not any(x[0] in ("matched", "decided_by", "route") for x in diffs):
        d("priority", o["priority"], h["priority"])
        d("queue", o["queue"], h.get("queue"))
        d("say", o["say"], h.get("say"))
        d("tags", o["tags"], sorted(h.get("tags", [])))
        d("obligations", o["obligations"], sorted(h["obligations"]))
        hr = {x["rule"]: x["reason"] for x in h["decided_by"]}
        rl = {r["name"]: r for r in policy["rules"]}
        for x in h["decided_by"]:
            r = rl[x["rule"]]
            exp_src = r["_file"] + ":" + str(r["_line"]) + ":"
            if not x["source"].endswith("/" + exp_src.rsplit(":", 1)[0] + ":" + x["source"].rsplit(":", 1)[1]) or ":%d:" % r["_line"] not in x["source"]:
                diffs.append(("source", exp_src, x["source"]))
            if x["principle"] != r["principle"]: diffs.append(("principle", r["principle"], x["principle"]))
            if x["effect"] != r["effect"] + " " + r["route"]: diffs.append(("effect", r["effect"], x["effect"]))
            if x["reason"] not in h["justification"]: diffs.append(("justification", x["reason"], h["justification"]))
        if not h["decided_by"] and "default reason" not in h["justification"]: diffs.append(("justification", "default reason", h["justification"]))
        for k, v in o["reasons"].items():
            if hr.get(k) != v: diffs.append(("reason:" + k, v, hr.get(k)))
    hu = sorted(h.get("unknown", []))
    ou = o["unknown"]
    if hu != ou:
        # ignore paths read only via is missing/present (ambiguous)
        if sorted(set(hu) - set(o["_unknown_amb"])) != ou:
            d("unknown", ou, hu)
    d("version", o["version"], (h.get("policy") or {}).get("version"))
    return diffs

def main(seed0, nsets, nconv):
    os.makedirs(OUT, exist_ok=True)
    stats = collections.Counter(); fails = []
    for seed in range(seed0, seed0 + nsets):
        R = random.Random(seed)
        policy = gen.gen_policy(R)
        d = os.path.join(OUT, f"s{seed}")
        write_set(policy, d)
        cp = subprocess.run(["timeout", "30", BIN, "check", "-p", d, "--format", "json"], capture_output=True, text=True)
        if cp.returncode != 0:
            stats["check_refused"] += 1
            fails.append({"seed": seed, "kind": "check", "out": cp.stdout[-3000:] + cp.stderr[-1000:]})
            continue
        convs = [gen.gen_conv(R, policy, i) for i in range(nconv)]
        if os.environ.get("FMT") == "yaml":
            cf = os.path.join(d, "convs.yaml")
            with open(cf, "w") as f:
                f.write("\n---\n".join(json.dumps(c, ensure_ascii=False, indent=1).replace("18446744073709551616", "18446744073709551615") for c in convs) + "\n")
        else:
            cf = os.path.join(d, "convs.jsonl")
            with open(cf, "w") as f:
                for c in convs: f.write(json.dumps(c, ensure_ascii=False) + "\n")
        ep = subprocess.run(["timeout", "60", BIN, "eval", "-p", d, cf, "--format", "json"], capture_output=True, text=True)
        try:
            hv = json.loads(ep.stdout)
        except Exception:
            stats["eval_fail"] += 1
            fails.append({"seed": seed, "kind": "eval", "out": ep.stdout[-2000:] + ep.stderr[-2000:]}); continue
        hv = {v["conversation"]: v for v in hv}
        for c in convs:
            try:
                o = oracle.evaluate(policy, c)
            except oracle.NoCompute:
                stats["skipped_nocompute"] += 1; continue
            h = hv.get(c["id"])
            if h is None:
                stats["missing_verdict"] += 1; fails.append({"seed": seed, "kind": "noverdict", "conv": c, "err": ep.stderr[-500:]}); continue
            df = compare(o, h, policy)
            if df:
                stats["disagree"] += 1
                fails.append({"seed": seed, "kind": "diff", "conv": c, "diffs": df})
            else:
                stats["agree"] += 1
                stats["route_" + o["route"]] += 1
                if o["unknown"]: stats["has_unknown"] += 1
                if "messages" in o["unknown"]: stats["unk_messages"] += 1
                if not o["decided_by"]: stats["by_default"] += 1
                if any(r.startswith("because") and not r.endswith("unknown") and "{" not in r and len(r.split()) > 2 for r in o["reasons"].values()): stats["phrase_rendered"] += 1
    json.dump(fails, open(os.path.join(OUT, f"fails_{seed0}.json"), "w"), indent=1, ensure_ascii=False, default=str)
    print(dict(stats))
    kinds = collections.Counter()
    for f in fails:
        if f["kind"] == "diff":
            for x in f["diffs"]: kinds[x[0].split(":")[0]] += 1
        else: kinds[f["kind"]] += 1
    print(dict(kinds))
    return len(fails)

if __name__ == "__main__":
    failed = main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    if failed:
        print(f"oracle: {failed} disagreements, see {OUT}/fails_{sys.argv[1]}.json")
    sys.exit(1 if failed else 0)
