#!/bin/bash
# Instructions per call of `signals::compute` in the criterion bench binary (docs/SIGNALS.md,
# Speed): valgrind counts the instructions inside `compute` for a 1 s and a 4 s
# `--profile-time` run; the difference over the difference of calls excludes table building.
# usage: benches/signals_callgrind.sh BENCH_BINARY ["signals/10-message conversation"]
# (BENCH_BINARY: the path `cargo bench --bench signals --no-run` prints)
set -euo pipefail
bin=$1
name=${2:-signals/10-message conversation}
out=$(mktemp -d)
count() {
  python3 - "$1" <<'PY'
import re, sys
names, calls, incl, cur = {}, 0, 0, None
lines = open(sys.argv[1]).read().splitlines()
for i, l in enumerate(lines):
    m = re.match(r'c?fn=\((\d+)\)(?: (.*))?', l)
    if m:
        if m.group(2):
            names[m.group(1)] = m.group(2)
        if l.startswith('cfn='):
            cur = names.get(m.group(1), '')
        continue
    m = re.match(r'calls=(\d+)', l)
    if m and cur and cur.endswith('handoff::signals::compute'):
        calls += int(m.group(1))
        incl += int(lines[i + 1].split()[1])
        cur = None
print(calls, incl)
PY
}
for t in 1 4; do
  timeout 900 valgrind --tool=callgrind --callgrind-out-file="$out/cg.$t" \
    --toggle-collect='handoff::signals::compute*' "$bin" --bench --exact "$name" --profile-time "$t" >/dev/null 2>&1
done
read -r c1 i1 < <(count "$out/cg.1")
read -r c4 i4 < <(count "$out/cg.4")
echo "$name: $(( (i4 - i1) / (c4 - c1) )) instructions per call ($c1 and $c4 calls)"
rm -rf "$out"
