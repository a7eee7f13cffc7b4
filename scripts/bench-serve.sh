#!/usr/bin/env bash
# Load benchmark of `handoff serve` (a benchmark, not a test): verdicts/s and latency with wrk on
# loopback, the same during a reload storm (a policy file rewritten every 100 ms), reload latency
# after a write, and RSS. Needs wrk (`apt-get install -y wrk`) and python3.
#
#   scripts/bench-serve.sh [DURATION] [CONNECTIONS] [WRK_THREADS]     defaults: 10s 32 1
#
# Results go to stdout; see docs/PERFORMANCE.md (## Service) for how to read them. The load average
# (other work on the machine) is printed with every run: compare runs taken at similar load, and
# prefer the server CPU per request, which the load disturbs least.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONNS=${2:-32}
THREADS=${3:-1}
BIN=${BIN:-target/release/handoff}
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
PID=
STORM=
cleanup() {
  [ -n "$STORM" ] && kill "$STORM" 2>/dev/null || true
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r policies "$WORK/policies"
cp scripts/bench/body.json scripts/bench/minimal.json "$WORK/"

"$BIN" serve -p "$WORK/policies" --listen 127.0.0.1:0 2>"$WORK/stderr" &
PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/stderr" && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' "$WORK/stderr")
echo "server pid $PID on $ADDR; $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"
sleep 1
echo "idle RSS after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

cd scripts/bench
# CPU seconds the server has used so far (user + system), from /proc.
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' /proc/$PID/stat; }
# Seconds spent in evaluation and verdicts given so far, from /metrics.
evals() { curl -s "http://$ADDR/metrics" | awk '/^handoff_evaluation_seconds_sum/ {s=$2} /^handoff_evaluation_seconds_count/ {c=$2} END {print s + 0, c + 0}'; }
# Runs wrk and adds the server's CPU time per answered request, and how much of it the evaluation
# itself took (the rest is the service: HTTP, JSON in and out, runtime, kernel).
run() {
  local before after out e0 e1
  e0=$(evals)
  before=$(cpu)
  out=$(wrk "$@")
  after=$(cpu)
  e1=$(evals)
  echo "$out"
  echo "$out" | awk -v b="$before" -v a="$after" '/requests in/ {n=$1} END {if (n > 0) printf "server CPU: %.1f s for %d requests = %.1f us per request\n", a - b, n, (a - b) * 1e6 / n}'
  echo "$e0 $e1" | awk '{n = $4 - $2; if (n > 0) printf "evaluation (set.evaluate, from /metrics): %.1f us per verdict\n", ($3 - $1) * 1e6 / n}'
  echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo
echo "== single-conversation POST /v1/verdict, wrk -t$THREADS -c$CONNS -d$DURATION"
BODY="$WORK/body.json" run -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s post.lua "http://$ADDR/v1/verdict"

echo
echo "== a conversation without messages (no signals to compute): the service's own overhead"
BODY="$WORK/minimal.json" run -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s post.lua "http://$ADDR/v1/verdict"
curl -s "http://$ADDR/metrics" | grep -E '^handoff_evaluation_seconds_(sum|count)'

echo
echo "== the realistic conversation, every answer checked (status 200 and a digest)"
BODY="$WORK/body.json" run -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s check.lua "http://$ADDR/v1/verdict"

echo
echo "== HTTP/1.1 pipelining, 8 requests per round trip (wrk latency is per batch): without messages, then realistic"
BODY="$WORK/minimal.json" DEPTH=8 run -t"$THREADS" -c16 -d"$DURATION" -s pipeline.lua "http://$ADDR/v1/verdict"
BODY="$WORK/body.json" DEPTH=8 run -t"$THREADS" -c16 -d"$DURATION" -s pipeline.lua "http://$ADDR/v1/verdict"

echo
echo "== the same during a reload storm: a policy file rewritten (by rename) every 100 ms"
python3 storm.py "$WORK/policies/routine.policy" 0.1 &
STORM=$!
BODY="$WORK/body.json" run -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s check.lua "http://$ADDR/v1/verdict"
kill "$STORM"; wait "$STORM" 2>/dev/null || true; STORM=
curl -s "http://$ADDR/metrics" | grep -E '^handoff_(reloads_total|errors_total\{status="(400|413|500)"\})' || true
curl -s "http://$ADDR/v1/policy" | python3 -c 'import json,sys; p=json.load(sys.stdin); print("reloads", p["reloads"], "failed", p["failed_reloads"], "last_error", p["last_error"])'

echo
echo "== reload latency: rename-save a valid edit, poll GET /v1/policy until the digest changes"
python3 reload_latency.py "$ADDR" "$WORK/policies/routine.policy" 30

sleep 1
echo
echo "RSS after the runs: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

echo
echo "== the realistic conversation with the decision log on (--decision-log, a second server)"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
"$BIN" serve -p "$WORK/policies" --listen 127.0.0.1:0 --decision-log "$WORK/decisions.jsonl" 2>"$WORK/stderr2" &
PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/stderr2" && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' "$WORK/stderr2")
BODY="$WORK/body.json" run -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s post.lua "http://$ADDR/v1/verdict"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
echo "decision log: $(wc -l < "$WORK/decisions.jsonl") lines"
