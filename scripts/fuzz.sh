#!/usr/bin/env bash
# Fuzzes handoff with cargo-fuzz (libFuzzer): the policy parser + checker, the conversation
# reader, the evaluator (random set + conversation) and the stdio line protocol.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 600 seconds each, every target
#
# Targets run ONE AT A TIME with -jobs=1 -workers=1 (the machine may be shared). Each starts from
# the seed corpus in fuzz/seeds/TARGET (committed) and grows a working corpus in
# fuzz/corpus/TARGET (not committed). A crash leaves its input in fuzz/artifacts/TARGET/ and the
# script exits 1 after the remaining targets; turn each finding into a regression test.
#
# What it needs, and what it does when something is missing:
# - the nightly toolchain (libFuzzer needs -Z sanitizer flags): when `rustup` is present and
#   nightly is not, it installs it (`rustup toolchain install nightly --profile minimal`); without
#   rustup it says so and exits 2, fuzzing nothing;
# - cargo-fuzz: installed with `cargo install cargo-fuzz --locked` when missing;
# - a C/C++ compiler (libFuzzer is built with it).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(policy conversation evaluate stdio)
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "fuzz.sh: rustup is not installed; cargo-fuzz needs the nightly toolchain. Nothing fuzzed." >&2
  exit 2
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz.sh: the nightly toolchain is missing; installing it (minimal profile)" >&2
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1 && ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz is missing; installing it" >&2
  cargo install cargo-fuzz --locked
fi

status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  echo "== fuzz.sh: $target for ${seconds}s ($(date -u +%H:%M:%S) UTC)" >&2
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -jobs=1 -workers=1 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1; then
    echo "fuzz.sh: $target found a failure; see fuzz/artifacts/$target/" >&2
    status=1
  fi
  # libFuzzer with -jobs writes its output to fuzz-0.log; keep it per target
  mkdir -p fuzz/logs
  if [ -f fuzz-0.log ]; then mv fuzz-0.log "fuzz/logs/$target.log"; fi
  tail -n 6 "fuzz/logs/$target.log" 2>/dev/null >&2 || true
done
exit "$status"
