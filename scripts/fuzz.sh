#!/usr/bin/env bash
# libFuzzer targets of test/fuzz (docs/reliability.md, "Fuzzing").
#   scripts/fuzz.sh [--ci] [--seconds N] [--build-only | --no-build] [TARGET...]
# Installs clang and libFuzzer's runtime when missing, builds build-fuzz/ with clang++
# (-DGEMINI_FUZZ=ON), then runs each target (default: all) for N seconds (default 30) from its
# seed corpus test/fuzz/corpus/<target>/. New inputs go to build-fuzz/corpus/<target>/ (the
# committed seeds are never written); a crash leaves its input in build-fuzz/artifacts/ and
# makes the script fail. --ci is the bounded run of .ci/run: the defaults, all targets, and a fixed
# seed, so that CI replays the same inputs each time and its verdict is reproducible; exploring
# with fresh random seeds is the job of runs without --ci.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
GEMINI_PACKAGES+=(clang libclang-rt-14-dev)

seconds=30
seed_args=()
build_only=0
no_build=0
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --ci) seed_args=(-seed=20261202) ;;
    --seconds) seconds=$2; shift ;;
    --build-only) build_only=1 ;;
    --no-build) no_build=1 ;;   # run the programs as they are (e.g. while another build runs)
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=(sse interaction event error_body structured_output reply emulator)

gemini_install_packages
dir=$GEMINI_ROOT/build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  gemini_configure build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DGEMINI_FUZZ=ON \
    -DGEMINI_BUILD_TESTS=OFF -DGEMINI_BUILD_EXAMPLES=OFF -DGEMINI_BUILD_BENCH=OFF
fi
[ $no_build -eq 1 ] || ninja -C "$dir" -j"${GEMINI_JOBS:-2}" gemini-fuzz-all
[ $build_only -eq 0 ] || exit 0

mkdir -p "$dir/artifacts" "$dir/logs"
failed=()
for t in "${targets[@]}"; do
  exe=$dir/bin/fuzz-${t//_/-}
  work=$dir/corpus/$t
  mkdir -p "$work"
  log=$dir/logs/$t.log
  # -timeout: one input taking 10 s is a hang, reported like a crash.
  if "$exe" "${seed_args[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$dir/artifacts/$t-" "$work" "$GEMINI_ROOT/test/fuzz/corpus/$t" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1 || true)
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  printf '%-18s %-6s execs=%-9s %s\n' "$t" "$status" "${execs:-?}" "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9/a-zA-Z]+')"
  if [ $status = FAILED ]; then
    grep -E 'ERROR|SUMMARY|invariant|threw|Test unit written' "$log" | head -10
    echo "--- full log: $log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in: ${failed[*]}" >&2
  exit 1
fi
