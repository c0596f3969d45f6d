#!/usr/bin/env bash
# Shared by the two commands: installs the Debian packages the build needs (only when one is
# missing), then configures a build directory. Usage: source scripts/setup.sh; gemini_setup DIR [cmake args]
set -euo pipefail

GEMINI_PACKAGES=(g++ cmake ninja-build ccache pkg-config
                 libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev libssl-dev
                 tinyproxy-bin)   # tinyproxy-bin: the proxy tests' real proxy (binary only, no service)

gemini_install_packages() {
  local missing=()
  for p in "${GEMINI_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing missing packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# gemini_configure BUILD_DIR [extra cmake args...]
# The scripts' builds are unity builds at -O2 without debug information: the Beast, Asio and JSON
# headers are parsed once per batch of 8 sources instead of once per file (no precompiled headers,
# each of which is 350 MB), and the whole tree takes about 300 MB of disk instead of 9 GB with
# -g. The extra arguments override these (the sanitizer build asks for -O1 -g1).
gemini_configure() {
  local dir=$1; shift
  cmake -S "$GEMINI_ROOT" -B "$GEMINI_ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 \
    -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON "$@" >/dev/null
}

GEMINI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# ccache across clones of the repository (CI builds a fresh clone): paths relative to the
# root, and precompiled headers accepted.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/gemini-asio-ccache}
export CCACHE_BASEDIR=$GEMINI_ROOT
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
