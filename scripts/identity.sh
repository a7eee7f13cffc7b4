#!/usr/bin/env bash
# Byte-identity harness for refactorings that must not change behaviour (issue 15).
#
#   scripts/identity.sh record [DIR]    write every output of the current build to DIR
#   scripts/identity.sh compare [DIR]   write them again to DIR.new and diff against DIR
#
# DIR defaults to target/identity/baseline. The outputs: verdict JSON (`eval --format json`,
# with and without `--explain`, also `table`, `yaml` and `jsonl`), `check` (human and JSON),
# `fmt` (the rewritten files), `serve --stdio` and `serve` over HTTP (`POST /v1/verdict`,
# `POST /v1/verdicts`), each with its stderr and exit code, on
# - the shipped policies and samples/,
# - every tests/corpus/*.policy on its own, with samples/,
# - a generated 1,000-rule set (tests/differential.rs `write_generated_sets`) with 300
#   generated conversations (20 of them for `--explain`).
# BIN chooses the binary (default target/debug/handoff, built first unless SKIP_BUILD is set).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?usage: scripts/identity.sh record|compare [DIR]}
BASE=${2:-target/identity/baseline}
BIN=${BIN:-target/debug/handoff}
case "$MODE" in
  record) OUT=$BASE ;;
  compare) OUT=$BASE.new ;;
  *) echo "usage: scripts/identity.sh record|compare [DIR]" >&2; exit 2 ;;
esac
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --quiet
  [ -f target/generated/1000/conversations.jsonl ] \
    || cargo test --quiet --test differential -- --ignored write_generated_sets >/dev/null
fi
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# run NAME CMD...: stdout, stderr and exit code of CMD under $OUT/NAME.*; paths of the scratch
# directory are written as $WORK so that two runs compare equal.
run() {
  local name=$1 rc=0
  shift
  timeout 300 "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  sed "s|$WORK|\$WORK|g" "$WORK/stdout" >"$OUT/$name.out"
  sed "s|$WORK|\$WORK|g" "$WORK/stderr" >"$OUT/$name.err"
  echo "$rc" >"$OUT/$name.rc"
}

# cases NAME POLICY_DIR CONVERSATIONS...: every command over one policy directory.
cases() {
  local name=$1 dir=$2
  shift 2
  run "$name.check" "$BIN" check -p "$dir"
  run "$name.check-json" "$BIN" check -p "$dir" --format json
  for f in json table yaml jsonl; do
    run "$name.eval-$f" "$BIN" eval -p "$dir" --format "$f" "$@"
  done
  run "$name.eval-explain" "$BIN" eval -p "$dir" --format json --explain "${EXPLAIN[@]:-$@}"
  rm -rf "$WORK/fmt" && cp -r "$dir" "$WORK/fmt"
  run "$name.fmt-check" "$BIN" fmt -p "$WORK/fmt" --check
  run "$name.fmt" "$BIN" fmt -p "$WORK/fmt"
  (cd "$WORK/fmt" && find . -name '*.policy' | sort | xargs cat) >"$OUT/$name.fmt.policy"
}

EXPLAIN=()
cases shipped policies samples
GEN=target/generated/1000
# --explain traces all 1,000 rules: 20 conversations are enough.
head -n 20 "$GEN/conversations.jsonl" >"$WORK/explain.jsonl"
EXPLAIN=("$WORK/explain.jsonl")
cases generated "$GEN" "$GEN/conversations.jsonl"
EXPLAIN=()
for p in tests/corpus/*.policy; do
  name=$(basename "$p" .policy)
  mkdir -p "$WORK/corpus/$name"
  cp "$p" "$WORK/corpus/$name/"
  cases "corpus-$name" "$WORK/corpus/$name" samples
done

# serve --stdio: JSONL in, JSONL out.
run shipped.stdio "$BIN" serve -p policies --stdio --no-watch <"$GEN/conversations.jsonl"
run generated.stdio "$BIN" serve -p "$GEN" --stdio --no-watch <"$GEN/conversations.jsonl"

# serve over HTTP: each conversation to /v1/verdict, all of them to /v1/verdicts.
"$BIN" serve -p "$GEN" --listen 127.0.0.1:0 --no-watch 2>"$WORK/serve.err" &
PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve.err" && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' "$WORK/serve.err")
head -n 100 "$GEN/conversations.jsonl" | while IFS= read -r line; do
  printf '%s' "$line" | curl -s --max-time 10 -D - -H 'content-type: application/json' \
    --data-binary @- "http://$ADDR/v1/verdict" | grep -vi '^date:'
  echo
done >"$OUT/generated.http-verdict.out"
{ printf '{"conversations": ['; head -n 300 "$GEN/conversations.jsonl" | paste -sd, -; printf ']}'; } \
  | curl -s --max-time 30 -H 'content-type: application/json' --data-binary @- \
    "http://$ADDR/v1/verdicts" >"$OUT/generated.http-verdicts.out"
printf '{"messages": 3}' | curl -s --max-time 10 --data-binary @- "http://$ADDR/v1/verdict" \
  >"$OUT/generated.http-error.out"

if [ "$MODE" = compare ]; then
  if diff -r "$BASE" "$OUT" >"$WORK/diff"; then
    echo "identity: $(ls "$OUT" | wc -l) outputs byte-identical to $BASE"
  else
    head -n 100 "$WORK/diff"
    echo "identity: DIFFERENT from $BASE (diff -r $BASE $OUT)" >&2
    exit 1
  fi
else
  echo "identity: $(ls "$OUT" | wc -l) outputs recorded in $OUT"
fi
