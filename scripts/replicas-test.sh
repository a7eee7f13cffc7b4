#!/usr/bin/env bash
# Three `handoff serve` replicas behind HAProxy (Debian's package), on loopback only: a bounded
# load through the balancer while two policy rollouts reach the replicas one after another, as
# operators do them (a rename-swap of the directory, then a `git pull` in place). Checks: no
# request failed, every replica converged on each new digest, and clients that pin the digest
# (`If-Policy-Digest`) never got verdicts from two sets in one job. Prints the measurements
# (docs/SCALING.md quotes them).
#
#   scripts/replicas-test.sh                        defaults: 12 s of load, 6 free + 2 pinned clients
#   SECONDS_OF_LOAD=30 STAGGER=1 scripts/replicas-test.sh
#
# Needs python3, git and haproxy (installed with apt-get when missing and run as root). Where one
# cannot be had, the test is SKIPPED with a message saying why (exit 0), unless
# REPLICAS_TEST_REQUIRED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOAD=${SECONDS_OF_LOAD:-12}
STAGGER=${STAGGER:-0.3}

skip() {
  echo "replicas-test: SKIPPED: $*"
  [ "${REPLICAS_TEST_REQUIRED:-}" = 1 ] && exit 1
  exit 0
}
command -v python3 >/dev/null || skip "python3 is not installed"
command -v git >/dev/null || skip "git is not installed"
if ! command -v haproxy >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "replicas-test: installing haproxy with apt-get"
  (timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq haproxy >/dev/null) || true
fi
command -v haproxy >/dev/null || skip "haproxy is not installed (apt-get install haproxy)"
HAPROXY=$(command -v haproxy)
echo "replicas-test: $("$HAPROXY" -v | head -1)"

if [ -z "${BIN:-}" ]; then
  if [ -x target/release/handoff ]; then BIN=target/release/handoff; else
    timeout 900 cargo build --locked --quiet
    BIN=target/debug/handoff
  fi
fi
BIN=$(realpath "$BIN")
echo "replicas-test: binary $BIN"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The policy repository (v1 = the shipped set) and the two changes rolled out.
mkdir -p "$WORK/origin" "$WORK/v2" "$WORK/v3"
cp policies/*.policy "$WORK/origin/"
git -C "$WORK/origin" init -q -b main
git -C "$WORK/origin" -c user.name=ops -c user.email=ops@localhost add .
git -C "$WORK/origin" -c user.name=ops -c user.email=ops@localhost commit -qm v1
git -C "$WORK/origin" config user.name ops
git -C "$WORK/origin" config user.email ops@localhost
cp policies/routine.policy "$WORK/v2/"
sed -i 's/ai.confidence >= 0.85/ai.confidence >= 0.9/' "$WORK/v2/routine.policy"
cp policies/travel.policy policies/safety.policy "$WORK/v3/"
sed -i 's/ai.confidence >= 0.85/ai.confidence >= 0.9/' "$WORK/v3/travel.policy"
printf '\n# reviewed by the safety board\n' >> "$WORK/v3/safety.policy"
for v in v2 v3; do
  cmp -s "policies/$(ls "$WORK/$v" | head -1)" "$WORK/$v/$(ls "$WORK/$v" | head -1)" \
    && { echo "replicas-test: the $v change did not apply"; exit 1; }
done
digest() { echo '{}' | "$BIN" eval -p "$1" - --format jsonl 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["digest"])'; }
mkdir "$WORK/set2" "$WORK/set3"
cp policies/*.policy "$WORK/set2/"; cp "$WORK/v2/"* "$WORK/set2/"
cp "$WORK/set2/"* "$WORK/set3/"; cp "$WORK/v3/"* "$WORK/set3/"
D1=$(digest policies); D2=$(digest "$WORK/set2"); D3=$(digest "$WORK/set3")
echo "replicas-test: digests v1 ${D1:0:12}, v2 ${D2:0:12}, v3 ${D3:0:12}"

# Three replicas, each serving its own checkout.
REPLICAS=()
for k in 1 2 3; do
  git clone -q "$WORK/origin" "$WORK/r$k/live"
  "$BIN" serve -p "$WORK/r$k/live" --listen 127.0.0.1:0 2> "$WORK/r$k/stderr" &
  PIDS+=($!)
done
for k in 1 2 3; do
  for _ in $(seq 200); do grep -q '^listening on ' "$WORK/r$k/stderr" && break; sleep 0.05; done
  addr=$(sed -n 's/^listening on //p' "$WORK/r$k/stderr")
  [ -n "$addr" ] || { cat "$WORK/r$k/stderr"; echo "replicas-test: replica $k did not start"; exit 1; }
  REPLICAS+=("$addr")
done
echo "replicas-test: replicas ${REPLICAS[*]}"

# The balancer: round robin, health checks on /healthz, the answering replica in X-Replica.
LB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/haproxy.cfg" <<EOF
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
frontend verdicts
  bind 127.0.0.1:$LB_PORT
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  http-response set-header X-Replica %s
  server r1 ${REPLICAS[0]} check inter 1s
  server r2 ${REPLICAS[1]} check inter 1s
  server r3 ${REPLICAS[2]} check inter 1s
EOF
"$HAPROXY" -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$LB_PORT/healthz" >/dev/null && break; sleep 0.05; done
curl -fs "http://127.0.0.1:$LB_PORT/healthz" >/dev/null || { cat "$WORK/haproxy.log"; echo "replicas-test: the balancer did not answer"; exit 1; }
seen=$(for _ in 1 2 3 4 5 6; do curl -si "http://127.0.0.1:$LB_PORT/healthz" | sed -n 's/^x-replica: *//Ip' | tr -d '\r'; done | sort -u | tr '\n' ' ')
echo "replicas-test: balancer on 127.0.0.1:$LB_PORT spreads requests over: $seen"

echo "== ${LOAD}s of load; rollouts at 1/3 (rename-swap) and 2/3 (git pull), replicas ${STAGGER}s apart"
ARGS=()
for k in 1 2 3; do ARGS+=(--replica "${REPLICAS[$((k - 1))]}" --live "$WORK/r$k/live"); done
timeout $((LOAD + 90)) python3 scripts/replicas/rollout.py --lb "127.0.0.1:$LB_PORT" "${ARGS[@]}" \
  --origin "$WORK/origin" --v2 "$WORK/v2" --v3 "$WORK/v3" --digests "$D1,$D2,$D3" \
  --samples examples/spark/samples.jsonl --seconds "$LOAD" --stagger "$STAGGER" | tee "$WORK/summary.json"

python3 - "$WORK/summary.json" "$D3" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
checks = [
    ("no request failed", s["failed"] == 0, f'{s["failed"]} failed: {s["errors"]}'),
    ("the load ran", s["verdicts"] > 100, f'{s["verdicts"]} verdicts'),
    ("every replica converged after each rollout", all(r["converged"] for r in s["rollouts"]) and len(s["rollouts"]) == 2, s["rollouts"]),
    ("every replica ends on the last set", s["final_digest_of_every_replica"] == [sys.argv[2]], s["final_digest_of_every_replica"]),
    ("pinned jobs never mix two sets", s["pinned_jobs_mixing_two_sets"] == 0, s["pinned_jobs_mixing_two_sets"]),
    ("pinned jobs complete", s["pinned_jobs"] > 0, s["pinned_jobs"]),
]
failed = [(n, why) for n, ok, why in checks if not ok]
for n, ok, why in checks:
    print(f"replicas-test: {'ok' if ok else 'FAILED'}: {n}" + ("" if ok else f" ({why})"))
print(f"replicas-test: {len(checks) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
EOF
