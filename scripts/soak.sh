#!/usr/bin/env bash
# The soak run (docs/reliability.md, "Soak"): builds gemini-soak in ./build and runs it.
#   scripts/soak.sh [--minutes M] [other gemini-soak flags, see gemini-soak --help]
# Exits non-zero when a stream lost or repeated an event, an answer differed from the
# deterministic model's, or resident memory grew beyond the bound.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
gemini_install_packages
if [ ! -f "$GEMINI_ROOT/build/build.ninja" ]; then
  gemini_configure build
fi
ninja -C "$GEMINI_ROOT/build" -j"${GEMINI_JOBS:-2}" gemini-soak
exec "$GEMINI_ROOT/build/bin/gemini-soak" "$@"
