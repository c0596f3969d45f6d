#!/usr/bin/env bash
# Installs what is missing, builds, and runs the quickstart: against the real API when
# GEMINI_API_KEY is set, otherwise against an in-process emulator.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
gemini_install_packages
gemini_configure build -DGEMINI_BUILD_TESTS=OFF
cmake --build "$GEMINI_ROOT/build" -j2 --target quickstart
"$GEMINI_ROOT/build/bin/quickstart"
