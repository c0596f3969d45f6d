#!/usr/bin/env bash
# Benchmarks against the emulator over TLS on loopback, model latency 0, so that the client is
# what is measured; side by side with the official TypeScript SDK (@google/genai, pinned in
# bench/node) and wrk. Never part of the pass/fail tests.
#   scripts/bench.sh [N]      N creates per concurrency level (default 5000)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
GEMINI_PACKAGES+=(wrk)
gemini_install_packages
gemini_configure build-bench -DCMAKE_BUILD_TYPE=Release -DGEMINI_BUILD_TESTS=OFF -DGEMINI_BUILD_EXAMPLES=OFF
cmake --build "$GEMINI_ROOT/build-bench" -j2 --target gemini-bench gemini-emulator
bin="$GEMINI_ROOT/build-bench/bin"
n=${1:-5000}
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d)
emulator=""
trap 'stop_emulator; rm -rf "$work"' EXIT

stop_emulator() {
  if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; fi
  emulator=""
}

# Every measurement gets a fresh emulator: it keeps every stored interaction, and a store that
# grew during one run would slow the next.
fresh_emulator() {
  stop_emulator
  "$bin/gemini-emulator" --port 0 --threads 1 --latency-ms 0 --cert-out "$work/ca.pem" > "$work/emulator.out" &
  emulator=$!
  for _ in $(seq 100); do grep -q listening "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
  url=$(head -1 "$work/emulator.out" | awk '{print $3}')
}

node_dir="$GEMINI_ROOT/bench/node"
sdk=""
if command -v node >/dev/null && command -v npm >/dev/null &&
   (cd "$node_dir" && npm ci --engine-strict=false --no-audit --no-fund --loglevel=error); then
  sdk="@google/genai $(node -p "require('$node_dir/node_modules/@google/genai/package.json').version") on node $(node --version)"
  export NODE_EXTRA_CA_CERTS="$work/ca.pem"
else
  echo "(node/npm unavailable or npm ci failed: SDK anchor skipped)"
fi

# side_by_side TITLE GEMINI_BENCH_ARGS -- NODE_DRIVER_ARGS
side_by_side() {
  local title=$1; shift
  local ours=() theirs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do ours+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  theirs=("$@")
  fresh_emulator
  echo "== $title: gemini-bench"
  "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" "${ours[@]}"
  if [ -n "$sdk" ]; then
    fresh_emulator
    echo "== $title: $sdk"
    node "$node_dir/driver.mjs" --base-url "$url" "${theirs[@]}"
  fi
}

for c in 1 10 100 1000; do
  side_by_side "unary, $n creates, concurrency $c" -n "$n" -c "$c" -- -n "$n" -c "$c"
done
side_by_side "streams of ~1000 text deltas, concurrency 1" -n 20 -c 1 --stream --events 1000 -- \
  -n 20 -c 1 --stream --words 3000
side_by_side "streams of ~1000 text deltas, concurrency 10" -n 100 -c 10 --stream --events 1000 -- \
  -n 100 -c 10 --stream --words 3000

for k in 1000 10000; do
  fresh_emulator
  echo "== gemini-bench: $k idle streams held open"
  "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" --idle-streams "$k" || true
done

if command -v wrk >/dev/null; then
  cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"gemini-3.5-flash","input":"bench request"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = "bench-placeholder-key"
LUA
  for c in 10 100; do
    fresh_emulator
    echo "== wrk, $c connections, 2 threads, 5 s: the loopback ceiling of this emulator"
    wrk -t2 -c"$c" -d5s -s "$work/create.lua" "$url/v1beta/interactions"
  done
fi
