#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
#   scripts/test.sh             build/       (RelWithDebInfo)
#   scripts/test.sh --sanitize  build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
dir=build
args=(-DGEMINI_BUILD_TESTS=ON -DGEMINI_BUILD_EXAMPLES=ON -DGEMINI_SANITIZE=OFF)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  args=(-DGEMINI_BUILD_TESTS=ON -DGEMINI_BUILD_EXAMPLES=ON -DGEMINI_SANITIZE=ON)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
gemini_install_packages
gemini_configure "$dir" "${args[@]}"
cmake --build "$GEMINI_ROOT/$dir" -j2
cd "$GEMINI_ROOT/$dir"
ctest --output-on-failure -j2
