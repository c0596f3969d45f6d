#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
#   scripts/test.sh             build/       (-O2, unity build: scripts/setup.sh)
#   scripts/test.sh --sanitize  build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer)
#   scripts/test.sh --tsan      build-tsan/  (ThreadSanitizer; only the library, the emulator and
#                                the integration tests are built, and only the suites labelled
#                                `threads` run: the ones that share one client between threads)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
dir=build
args=(-DGEMINI_BUILD_TESTS=ON -DGEMINI_BUILD_EXAMPLES=ON -DGEMINI_SANITIZE=OFF)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  # -O1 (what the sanitizers recommend) and no debug information: with -g1 this tree took 6 GB
  # of disk, more than CI machines may have. Reports keep their function names (symbol table)
  # and UBSan's their file:line (compiled into each check); add -g for line numbers locally.
  # No examples or benchmarks either: an instrumented program is over 100 MB, the examples run
  # in the normal build, and the integration tests cover the same paths under the sanitizers.
  args=(-DGEMINI_BUILD_TESTS=ON -DGEMINI_BUILD_EXAMPLES=OFF -DGEMINI_BUILD_BENCH=OFF -DGEMINI_SANITIZE=ON
        -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1")
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
if [ "${1:-}" = "--tsan" ]; then
  gemini_install_packages
  gemini_configure build-tsan -DGEMINI_BUILD_TESTS=ON -DGEMINI_BUILD_EXAMPLES=OFF -DGEMINI_TSAN=ON
  cmake --build "$GEMINI_ROOT/build-tsan" -j2 --target gemini gemini_emulator gemini-integration-tests
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$GEMINI_ROOT/test/tsan.supp}
  cd "$GEMINI_ROOT/build-tsan"
  exec ctest --output-on-failure -L threads
fi
gemini_install_packages
gemini_configure "$dir" "${args[@]}"
cmake --build "$GEMINI_ROOT/$dir" -j2
cd "$GEMINI_ROOT/$dir"
ctest --output-on-failure -j2
