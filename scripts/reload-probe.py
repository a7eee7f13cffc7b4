#!/usr/bin/env python3
"""Finding 1 of issue 19, measured: the policy directory replaced (`rm -rf` + copy, and rename),
then edited; how long until `GET /v1/policy` shows each new digest. Bounded: 5 rounds, 10 s per
wait at most. Loopback only.

    scripts/reload-probe.py [--binary target/release/handoff] [--rounds 5]
"""
import argparse, json, os, re, shutil, subprocess, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/handoff"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    root = tempfile.mkdtemp()
    pol = os.path.join(root, "policies")
    shutil.copytree(os.path.join(ROOT, "policies"), pol)
    server = subprocess.Popen([args.binary, "serve", "-p", pol, "--listen", "127.0.0.1:0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    addr = None
    while addr is None:
        m = re.match(r"listening on (\S+)", server.stderr.readline().decode())
        addr = m.group(1) if m else None
    def digest():
        return json.load(urllib.request.urlopen(f"http://{addr}/v1/policy", timeout=5))["digest"]
    def wait_change(before):
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 10:
            if digest() != before:
                return round((time.perf_counter() - t0) * 1000)
            time.sleep(0.01)
        return None
    results = []
    for r in range(args.rounds):
        before = digest()
        staged = os.path.join(root, "new")
        shutil.copytree(os.path.join(ROOT, "policies"), staged)
        with open(os.path.join(staged, "care.policy"), "a") as f:
            f.write(f"\n# round {r}\n")
        if r % 2 == 0:  # rm -rf + cp -r
            shutil.rmtree(pol); shutil.copytree(staged, pol); shutil.rmtree(staged); how = "rm+cp"
        else:           # rename
            shutil.move(pol, pol + ".old"); os.rename(staged, pol); shutil.rmtree(pol + ".old"); how = "rename"
        replaced = wait_change(before)
        before = digest()
        with open(os.path.join(pol, "care.policy"), "a") as f:
            f.write(f"# edit {r}\n")
        edited = wait_change(before)
        results.append({"round": r, "how": how, "replaced_live_ms": replaced, "edit_live_ms": edited})
    watcher = json.load(urllib.request.urlopen(f"http://{addr}/v1/policy", timeout=5))["watcher"]
    server.terminate(); server.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)
    print(json.dumps({"rounds": results, "watcher": watcher}, indent=1))

main()
