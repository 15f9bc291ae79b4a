#!/usr/bin/env bash
# Runs fuzz targets one after another and prints a table of executions, rate, coverage and
# findings from libFuzzer's final statistics. Crash inputs land in fuzz/artifacts/TARGET/;
# copy each into fuzz/corpus/TARGET/ once it is fixed, so `cargo test --test fuzz_corpus`
# keeps it as a regression test.
#
#   bash fuzz/run.sh RUNS SECONDS TARGET...
#
# RUNS is the number of executions to stop at, SECONDS the time limit for each target
# (whichever comes first; 0 is no limit, so a run paused with SIGSTOP still counts its
# executions). Without targets it runs them all, cheapest first.
#
# Inputs are capped per target (libFuzzer's -max_len): the renderers' cost grows with the
# input, and a longer input mostly repeats what a short one reaches. The validators keep
# libFuzzer's default, the largest seed (the hostile fixture), since their limits are
# about size; the corpus replay in `cargo test` still runs every seed at full length.
set -uo pipefail
cd "$(dirname "$0")"
runs=${1:-10000000}
seconds=${2:-600}
shift 2 || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(validate_protobuf validate_json font body_markdown body_html text paragraph epub request_json request_protobuf)
fi
mkdir -p logs
cargo +nightly fuzz build -O -s none "${targets[@]/#/--bin=}" >/dev/null 2>&1 || cargo +nightly fuzz build -O -s none
printf '%-18s %12s %8s %10s %8s %6s  %s\n' target executions seconds "exec/s" cov ft findings
for target in "${targets[@]}"; do
  log=logs/$target.log
  mkdir -p "corpus/$target" "artifacts/$target"
  start=$(date +%s)
  # The corpus folder is read, and new inputs that add coverage are written to a scratch
  # folder, so a long run does not flood the committed corpus.
  mkdir -p "scratch/$target"
  case $target in
    validate_protobuf | validate_json | font) max_len=() ;;
    paragraph) max_len=(-max_len=1024) ;;
    *) max_len=(-max_len=4096) ;;
  esac
  cargo +nightly fuzz run -O -s none "$target" "scratch/$target" "corpus/$target" -- \
    -runs="$runs" -max_total_time="$seconds" "${max_len[@]}" -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=$(find "artifacts/$target" -type f | wc -l)
  findings="none"
  [ "$status" -ne 0 ] && findings="exit $status, $crashes artifact(s): $(grep -m1 -E 'panicked|ERROR' "$log" | cut -c1-120)"
  printf '%-18s %12s %8s %10s %8s %6s  %s\n' "$target" "${executions:-?}" "$elapsed" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$findings"
done
