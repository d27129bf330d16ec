#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its committed corpus:
#   run_fuzz.sh BINARY CORPUS_DIR WORK_DIR
# Every committed input (seed or regression input) runs first, then the
# fuzzer mutates for ROPEKV_FUZZ_SECONDS (default 20). New inputs go to
# WORK_DIR/new, never into the committed corpus; a crashing input is saved
# as WORK_DIR/artifacts/crash-* and the run fails (exit code of libFuzzer).
set -euo pipefail
bin=$1 corpus=$2 work=$3
seconds=${ROPEKV_FUZZ_SECONDS:-20}
rm -rf "$work"
mkdir -p "$work/new" "$work/artifacts" "$work/tmp"
# Files a target makes (fuzz_cursors' index) stay in WORK_DIR even after a crash.
export TMPDIR="$work/tmp"
echo "fuzz: $(basename "$bin") for ${seconds}s over $corpus"
# -timeout: one input taking over 10 s is a hang, reported like a crash.
# -max_len 8192: long enough for every body shape the targets parse.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/new" "$corpus" \
  >"$work/fuzz.log" 2>&1 || {
  status=$?
  tail -n 60 "$work/fuzz.log"
  echo "fuzz: $(basename "$bin") FAILED (exit $status); input(s): $(ls "$work/artifacts")" >&2
  echo "fuzz: reproduce with $bin $work/artifacts/<file>; after the fix, copy it into $corpus" >&2
  exit "$status"
}
grep -E '^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/fuzz.log" || true
rm -rf "$work/new"
