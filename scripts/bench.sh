#!/usr/bin/env bash
# Benchmarks against the emulator over TLS on loopback, model latency 0, so that the client is
# what is measured. Never part of the pass/fail tests.
#   scripts/bench.sh [N]      N creates per concurrency level (default 5000)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
GEMINI_PACKAGES+=(wrk)
gemini_install_packages
gemini_configure build-bench -DCMAKE_BUILD_TYPE=Release -DGEMINI_BUILD_TESTS=OFF -DGEMINI_BUILD_EXAMPLES=OFF
cmake --build "$GEMINI_ROOT/build-bench" -j2 --target gemini-bench gemini-emulator
bin="$GEMINI_ROOT/build-bench/bin"
n=${1:-5000}

work=$(mktemp -d)
trap 'kill $emulator 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin/gemini-emulator" --port 0 --threads 1 --latency-ms 0 --cert-out "$work/ca.pem" > "$work/emulator.out" &
emulator=$!
for _ in $(seq 100); do grep -q listening "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$work/emulator.out" | awk '{print $3}')
echo "emulator: $url (1 thread, latency 0)"

for c in 1 10 100 1000; do
  echo "== gemini-bench unary, concurrency $c"
  "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n "$n" -c "$c"
done
echo "== gemini-bench streams of ~1000 text deltas, concurrency 1"
"$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n 20 -c 1 --stream --events 1000
echo "== gemini-bench streams of ~1000 text deltas, concurrency 10"
"$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n 100 -c 10 --stream --events 1000

if command -v wrk >/dev/null; then
  cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"gemini-3.5-flash","input":"bench request"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = "bench-placeholder-key"
LUA
  for c in 10 100; do
    echo "== wrk, $c connections, 2 threads: the loopback ceiling of this emulator"
    wrk -t2 -c"$c" -d5s -s "$work/create.lua" "$url/v1beta/interactions"
  done
fi

# The official-SDK anchor: the same loads through @google/genai (pinned in bench/node) on Node,
# same emulator, same certificate.
if command -v node >/dev/null && command -v npm >/dev/null; then
  node_dir="$GEMINI_ROOT/bench/node"
  if (cd "$node_dir" && npm ci --engine-strict=false --no-audit --no-fund --loglevel=error); then
    export NODE_EXTRA_CA_CERTS="$work/ca.pem"
    for c in 1 10 100 1000; do
      echo "== @google/genai $(node -p "require('$node_dir/node_modules/@google/genai/package.json').version") (node $(node --version)) unary, concurrency $c"
      node "$node_dir/driver.mjs" --base-url "$url" -n "$n" -c "$c"
    done
    echo "== @google/genai streams of ~1000 text deltas, concurrency 1"
    node "$node_dir/driver.mjs" --base-url "$url" -n 20 -c 1 --stream --words 3000
    echo "== @google/genai streams of ~1000 text deltas, concurrency 10"
    node "$node_dir/driver.mjs" --base-url "$url" -n 100 -c 10 --stream --words 3000
  else
    echo "== @google/genai: npm ci failed in $node_dir, SDK anchor skipped"
  fi
fi
