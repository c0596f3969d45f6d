#!/usr/bin/env bash
# Benchmarks against the emulator over TLS on loopback, model latency 0, so that the client is
# what is measured. Never part of the pass/fail tests. Anchors, measured in the same run:
#  - the official TypeScript SDK (@google/genai, pinned by bench/node/package-lock.json);
#  - wrk, for unary creates only: one thread replaying one prebuilt request, parsing nothing
#    but the HTTP framing and verifying no certificate, the practical ceiling of a client;
#  - gemini-tls-floor, bare Asio+OpenSSL connections each holding a slow stream: the memory
#    floor of an open stream.
#
#   scripts/bench.sh [--bin DIR] [--out DIR] [-n N] [--wrk-seconds S] [--sdk-idle-deadline S]
#                    [--idle-opens C] [--quick]
#     --bin DIR    take gemini-bench, gemini-emulator and gemini-tls-floor from DIR instead of
#                  building them in build-bench
#     --out DIR    where results.tsv, table.md, bench.png and logs/ go (default out/bench)
#     -n N         unary creates per concurrency level (default 10000, so that the handshake
#                  counts are per 10,000 requests); a bare N does the same
#     --wrk-seconds S         length of each wrk run (default 5)
#     --sdk-idle-deadline S   the SDK's idle streams are measured after at most S seconds, with
#                             whatever is open by then (default 120)
#     --idle-opens C          open the idle streams C at a time (-c C to all three clients;
#                             default 200): all 10,000 at once overrun the emulator's 10 s
#                             handshake timeout, which would measure the server
#     --quick      a check of the script itself in a minute: everything small (N 300, 100 and
#                  1000 idle streams, 1 s wrk runs), the figures meaningless
set -euo pipefail
source "$(dirname "$0")/setup.sh"

die() { echo "bench.sh: $*" >&2; exit 2; }

bin=""
out="$GEMINI_ROOT/out/bench"
n=10000
wrk_seconds=5
sdk_idle_deadline=120
stream_runs=("1 100" "10 300")   # "concurrency streams"
image_runs=("1 20" "10 60")      # the same, each stream carrying a 1024 px PNG (4 MiB of base64)
image_width=1024
idle_counts=(1000 10000)
idle_opens=(-c 200)
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=${2:?--bin wants a directory}; shift 2 ;;
    --out) out=${2:?--out wants a directory}; shift 2 ;;
    -n) n=${2:?-n wants a count}; shift 2 ;;
    --wrk-seconds) wrk_seconds=${2:?--wrk-seconds wants a number}; shift 2 ;;
    --sdk-idle-deadline) sdk_idle_deadline=${2:?--sdk-idle-deadline wants a number}; shift 2 ;;
    --idle-opens) idle_opens=(-c "${2:?--idle-opens wants a count}"); shift 2 ;;
    --quick) n=300; wrk_seconds=1; sdk_idle_deadline=20; stream_runs=("1 5" "10 20"); image_runs=("1 2" "10 10"); idle_counts=(100 1000); shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    [0-9]*) n=$1; shift ;;
    *) die "unknown argument '$1' (--help)" ;;
  esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive integer, got '$n'"

# time: GNU time, for wrk's CPU time; curl: the emulator's own handshake count.
bench_packages=(wrk gnuplot-nox time curl)
command -v node >/dev/null || bench_packages+=(nodejs npm)
if [ -n "$bin" ]; then
  GEMINI_PACKAGES=("${bench_packages[@]}")   # nothing to build: no toolchain needed
else
  GEMINI_PACKAGES+=("${bench_packages[@]}")
fi
gemini_install_packages
if [ -z "$bin" ]; then
  gemini_configure build-bench -DGEMINI_BUILD_TESTS=OFF -DGEMINI_BUILD_EXAMPLES=OFF -DGEMINI_BUILD_BENCH=ON
  cmake --build "$GEMINI_ROOT/build-bench" -j2 --target gemini-bench gemini-emulator gemini-tls-floor
  bin="$GEMINI_ROOT/build-bench/bin"
fi
bin=$(cd "$bin" && pwd)
for program in gemini-bench gemini-emulator gemini-tls-floor; do
  [ -x "$bin/$program" ] || die "$bin/$program is missing"
done

# 10,000 idle streams need as many descriptors in the client and in the emulator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt 10100 ] ||
  echo "(open-file limit $(ulimit -n): the 10,000-stream runs will fail)"

mkdir -p "$out/logs"
rm -f "$out"/logs/*.log
results="$out/results.tsv"
printf 'load\tmetric\tclient\tvalue\n' > "$results"
work=$(mktemp -d)
emulator=""
url=""
trap 'stop_emulator; rm -rf "$work"' EXIT

stop_emulator() {
  if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; fi
  emulator=""
}

# fresh_emulator [THREADS]: every measurement gets a fresh emulator, as it keeps every stored
# interaction and a store that grew during one run would slow the next.
fresh_emulator() {
  stop_emulator
  # The previous emulator's "listening on" line must not be read for this one's: the shell
  # truncates the file only once the new process has started.
  rm -f "$work/emulator.out"
  "$bin/gemini-emulator" --port 0 --threads "${1:-1}" --latency-ms 0 --cert-out "$work/ca.pem" \
    > "$work/emulator.out" 2>&1 &
  emulator=$!
  url=""
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/emulator.out" 2>/dev/null)
    [ -n "$url" ] && return
    sleep 0.1
  done
  cat "$work/emulator.out" >&2
  die "the emulator did not start"
}

# TLS handshakes the emulator completed since it started, less the one of this query.
server_handshakes() {
  local stats
  stats=$(curl -sf --cacert "$work/ca.pem" "$url/emulator/stats") || return 0
  sed -n 's/.*"tls_handshakes":\([0-9]*\).*/\1/p' <<<"$stats" | awk '{ print $1 - 1 }'
}

# The emulator's CPU time so far (user + system), in microseconds: read around a measurement, it
# tells whether the emulator or the client is the slower side of it.
emulator_cpu_us() {
  [ -r "/proc/$emulator/stat" ] || return 0
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$emulator/stat"
}

# record_emulator_cpu LOAD CLIENT BEFORE REQUESTS: the emulator's CPU per request since BEFORE
# (none when the emulator is gone).
record_emulator_cpu() {
  [ -n "$3" ] && [ -n "$4" ] && [ "$4" -gt 0 ] && [ -r "/proc/$emulator/stat" ] || return 0
  record "$1" emulator_cpu_per_request_us "$2" \
    "$(awk -v a="$3" -v b="$(emulator_cpu_us)" -v n="$4" 'BEGIN { printf "%.1f", (b - a) / n }')"
}

# measure NAME COMMAND...: runs COMMAND with its output in logs/NAME.log and shows it. A run
# in which some requests failed still has figures, so its status is only reported.
measure() {
  local log="$out/logs/$1.log"; shift
  local status=0
  "$@" > "$log" 2>&1 || status=$?
  sed 's/^/    /' "$log"
  if [ "$status" -ne 0 ]; then echo "    (exit status $status)"; fi
}

# field NAME SED_SCRIPT: the first thing SED_SCRIPT prints from logs/NAME.log.
field() { sed -n "$2" "$out/logs/$1.log" | sed -n 1p; }

# record LOAD METRIC CLIENT VALUE: one figure into results.tsv (none when VALUE is empty).
record() {
  if [ -n "$4" ]; then printf '%s\t%s\t%s\t%s\n' "$@" >> "$results"; fi
}

# gemini-bench and the SDK driver print the same lines.
record_load_run() {
  local load=$1 client=$2 name=$3
  record "$load" requests_per_s "$client" "$(field "$name" 's/^requests\/s: \([0-9.]*\).*/\1/p')"
  record "$load" latency_p50_ms "$client" "$(field "$name" 's/^latency ms: p50 \([0-9.]*\),.*/\1/p')"
  record "$load" latency_p99_ms "$client" "$(field "$name" 's/^latency ms: .* p99 \([0-9.]*\).*/\1/p')"
  record "$load" cpu_per_request_us "$client" "$(field "$name" 's/^client CPU: .*per request \([0-9.]*\) us.*/\1/p')"
  record "$load" events_per_s "$client" "$(field "$name" 's/^events: .*events\/s \([0-9.]*\),.*/\1/p')"
  record "$load" cpu_per_event_us "$client" "$(field "$name" 's/^events: .*per event \([0-9.]*\) us.*/\1/p')"
  record "$load" handshakes_counted_by_client "$client" \
    "$(field "$name" 's/^TLS handshakes (connections opened): \([0-9]*\) .*/\1/p')"
  record "$load" handshakes_resumed_by_client "$client" \
    "$(field "$name" 's/^TLS handshakes (connections opened): [0-9]* (\([0-9]*\) resumed).*/\1/p')"
  record "$load" handshakes "$client" "$(server_handshakes)"
  record "$load" image_mib_per_s "$client" "$(field "$name" 's/^image data: .*MiB\/s \([0-9.]*\),.*/\1/p')"
  record "$load" cpu_per_image_mib_ms "$client" "$(field "$name" 's/^image data: .*per MiB \([0-9.]*\) ms.*/\1/p')"
  record "$load" peak_rss_mib "$client" "$(field "$name" 's/^peak RSS: \([0-9]*\) MiB.*/\1/p')"
}

record_idle_run() {
  local load=$1 client=$2 name=$3
  record "$load" open "$client" "$(field "$name" 's/^\(idle streams\|connections\) open: \([0-9]*\).*/\2/p')"
  record "$load" memory_per_stream_kib "$client" \
    "$(field "$name" 's/^resident memory per open \(stream\|connection\): \([0-9.]*\) KiB.*/\2/p')"
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
have_sdk() { [ -n "$sdk" ]; }

cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"gemini-3.5-flash","input":"bench request"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = "bench-placeholder-key"
LUA

# wrk's latencies carry their own unit (850.00us, 1.20ms, 2.00s).
wrk_latency_ms() {
  awk -v p="$2%" '$1 == p {
      unit = $2; sub(/^[0-9.]+/, "", unit); value = $2 + 0
      print value * (unit == "us" ? 0.001 : unit == "s" ? 1000 : unit == "m" ? 60000 : 1); exit
    }' "$out/logs/$1.log"
}

# One thread at every concurrency: gemini-bench and the SDK run on one thread too, and CPU per
# request is what is compared. wrk's CPU comes from GNU time (user+sys of the whole process,
# startup included) and is divided by the responses wrk completed.
run_wrk() {
  local load=$1 c=$2 name=$3
  local emulator_before
  emulator_before=$(emulator_cpu_us)
  measure "$name" /usr/bin/time -f 'client CPU: user %U s, system %S s' \
    wrk -t1 -c"$c" -d"${wrk_seconds}s" --latency -s "$work/create.lua" "$url/v1beta/interactions"
  local requests cpu
  requests=$(field "$name" 's/^ *\([0-9]*\) requests in .*/\1/p')
  record_emulator_cpu "$load" wrk "$emulator_before" "$requests"
  cpu=$(field "$name" 's/^client CPU: user \([0-9.]*\) s, system \([0-9.]*\) s.*/\1 \2/p')
  # No response within the run (all of it went to handshakes): wrk's figures are zeros.
  if [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
    record "$load" requests wrk "$requests"
    record "$load" requests_per_s wrk "$(field "$name" 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')"
    record "$load" latency_p50_ms wrk "$(wrk_latency_ms "$name" 50)"
    record "$load" latency_p99_ms wrk "$(wrk_latency_ms "$name" 99)"
    [ -z "$cpu" ] ||
      record "$load" cpu_per_request_us wrk "$(awk -v r="$requests" '{ printf "%.1f", ($1 + $2) * 1e6 / r }' <<<"$cpu")"
  fi
  record "$load" handshakes wrk "$(server_handshakes)"
}

echo "bench: $n unary creates per concurrency, binaries from $bin, results in $out"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

for c in 1 10 100 1000; do
  load="unary c=$c"
  echo "== $load: $n creates"
  record "$load" pool target "$((c < n ? c : n))"   # gemini-bench's pool is c connections
  fresh_emulator
  echo "  gemini-bench"
  emulator_before=$(emulator_cpu_us)
  measure "unary-c$c-ours" "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n "$n" -c "$c"
  record_emulator_cpu "$load" ours "$emulator_before" "$n"
  record_load_run "$load" ours "unary-c$c-ours"
  if have_sdk; then
    fresh_emulator
    echo "  $sdk"
    measure "unary-c$c-sdk" node "$node_dir/driver.mjs" --base-url "$url" -n "$n" -c "$c"
    record_load_run "$load" sdk "unary-c$c-sdk"
  fi
  fresh_emulator
  echo "  wrk, 1 thread, $c connections, $wrk_seconds s"
  run_wrk "$load" "$c" "unary-c$c-wrk"
  # wrk spreads its handshakes over the requests of its run, gemini-bench over its -n: at
  # c=1000 the 1000 handshakes are most of the CPU of 10,000 requests. For the wrk ratio,
  # gemini-bench does as many requests as wrk did, so both pay the same handshakes per request.
  wrk_n=$(awk -F'\t' -v l="$load" '$1 == l && $2 == "requests" && $3 == "wrk" { print $4 }' "$results")
  if [ -n "$wrk_n" ]; then
    fresh_emulator
    echo "  gemini-bench, as many requests as wrk made ($wrk_n)"
    measure "unary-c$c-ours-wrk-n" "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n "$wrk_n" -c "$c"
    record "$load" cpu_per_request_us_wrk_n ours \
      "$(field "unary-c$c-ours-wrk-n" 's/^client CPU: .*per request \([0-9.]*\) us.*/\1/p')"
  fi
done

# stream_loads KIND WHAT OURS_ARGS SDK_ARGS "C N"...: for each concurrency C, N streams through
# gemini-bench and through the SDK, each with its own arguments (load "KIND c=C").
stream_loads() {
  local kind=$1 what=$2 c streams load
  local -a ours_args sdk_args
  read -ra ours_args <<<"$3"
  read -ra sdk_args <<<"$4"
  shift 4
  for c_streams in "$@"; do
    read -r c streams <<<"$c_streams"
    load="$kind c=$c"
    echo "== $load: $streams streams $what"
    fresh_emulator
    echo "  gemini-bench"
    measure "$kind-c$c-ours" "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" -n "$streams" -c "$c" \
      --stream "${ours_args[@]}"
    record_load_run "$load" ours "$kind-c$c-ours"
    if have_sdk; then
      fresh_emulator
      echo "  $sdk"
      measure "$kind-c$c-sdk" node "$node_dir/driver.mjs" --base-url "$url" -n "$streams" -c "$c" --stream \
        "${sdk_args[@]}"
      record_load_run "$load" sdk "$kind-c$c-sdk"
    fi
  done
}

# About 1000 step.delta events a stream: 3000 words, three a delta.
stream_loads stream "of ~1000 text deltas" "--events 1000" "--words 3000" "${stream_runs[@]}"
# Large inline images: one step.delta event of 4 MiB a stream, after its text deltas. What
# counts is the client's CPU per MiB (copies of large bodies) and its peak memory.
stream_loads image "each with a ${image_width} px PNG inline" "--image-width $image_width" \
  "--image-width $image_width" "${image_runs[@]}"

# Unless --idle-opens, all three open every stream at once, and a one-thread emulator cannot
# complete 10,000 concurrent handshakes within its 10 s handshake timeout on this machine: two
# threads. The emulator's memory is not what is measured.
for k in "${idle_counts[@]}"; do
  load="idle $k"
  echo "== $load streams held open, each after its first event"
  fresh_emulator 2
  echo "  gemini-bench"
  measure "idle-$k-ours" "$bin/gemini-bench" --base-url "$url" --ca "$work/ca.pem" --idle-streams "$k" "${idle_opens[@]}"
  record_idle_run "$load" ours "idle-$k-ours"
  fresh_emulator 2
  echo "  gemini-tls-floor (bare TLS connections)"
  measure "idle-$k-floor" "$bin/gemini-tls-floor" --base-url "$url" --ca "$work/ca.pem" -n "$k" "${idle_opens[@]}"
  record_idle_run "$load" floor "idle-$k-floor"
  if have_sdk; then
    fresh_emulator 2
    echo "  $sdk"
    measure "idle-$k-sdk" node --expose-gc "$node_dir/driver.mjs" --base-url "$url" --idle-streams "$k" \
      "${idle_opens[@]}" --deadline-s "$sdk_idle_deadline"
    record_idle_run "$load" sdk "idle-$k-sdk"
  fi
done
stop_emulator

# ---- the table: one row per load and measure, the issue's targets checked ---------------------
table="$out/table.md"
{
  echo "gemini-asio vs ${sdk:-(no SDK)} vs $(wrk -v 2>&1 | sed -n '1s/ \[.*//p') vs a bare Asio+OpenSSL connection;"
  echo "emulator over TLS on loopback, model latency 0; $n creates per unary load; $(nproc) cores, load average"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end. Handshakes: as the emulator counted them (gemini-asio: also its own"
  echo "count); client CPU per request includes them, spread over $n requests; against wrk (which runs ${wrk_seconds} s),"
  echo "gemini-bench is run again with as many requests as wrk made, so that both spread the handshakes alike."
  echo
  awk -F'\t' '
    NR > 1 {
      if (!($1 in seen)) { seen[$1]; loads[++n] = $1 }
      v[$1, $2, $3] = $4
    }
    function get(l, m, c) { return (l, m, c) in v ? v[l, m, c] : "" }
    function num(x) { return x == "" ? "" : x + 0 < 10 ? sprintf("%.2f", x) : x + 0 < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x) }
    # ratio TEXT A B OP TARGET: "TEXT = A/B x (target OP TARGET x) OK|MISS"
    function ratio(text, a, b, op, target,   r, ok) {
      if (a == "" || b == "" || b + 0 == 0) return text " n/a"
      r = a / b
      ok = op == ">=" ? r >= target : r <= target
      return sprintf("%s = %sx (target %s %sx) %s", text, num(r), op, target, ok ? "OK" : "**MISS**")
    }
    function row(load, what, ours, sdk, wrk, floor, check) {
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", load, what, ours, sdk, wrk, floor, check
    }
    function pair(l, c,   a, b) {
      a = get(l, "latency_p50_ms", c); b = get(l, "latency_p99_ms", c)
      return a == "" ? "" : num(a) " / " num(b)
    }
    function opened(l, c,   k, o) {   # "(8420 open)" when not every stream opened
      k = l; sub(/^idle /, "", k); o = get(l, "open", c)
      return o == "" || o + 0 == k + 0 ? "" : " (" o " open)"
    }
    BEGIN {
      print "| load | measure | gemini-asio | @google/genai | wrk | floor | target |"
      print "| --- | --- | ---: | ---: | ---: | ---: | --- |"
    }
    END {
      for (i = 1; i <= n; ++i) {
        l = loads[i]
        if (get(l, "requests_per_s", "ours") != "") {
          row(l, "requests/s", num(get(l, "requests_per_s", "ours")), num(get(l, "requests_per_s", "sdk")),
              num(get(l, "requests_per_s", "wrk")), "", "")
          row(l, "latency p50 / p99 ms", pair(l, "ours"), pair(l, "sdk"), pair(l, "wrk"), "", "")
        }
        if (l ~ /^unary/) {
          ours = get(l, "cpu_per_request_us", "ours")
          row(l, "client CPU per request, us", num(ours), num(get(l, "cpu_per_request_us", "sdk")), "", "",
              ratio("SDK/ours", get(l, "cpu_per_request_us", "sdk"), ours, ">=", 30))
          ours_w = get(l, "cpu_per_request_us_wrk_n", "ours")
          row(l, "client CPU per request over wrk'"'"'s " get(l, "requests", "wrk") " requests, us", num(ours_w), "",
              num(get(l, "cpu_per_request_us", "wrk")), "",
              ratio("ours/wrk", ours_w, get(l, "cpu_per_request_us", "wrk"), "<=", 2))
          emu = get(l, "emulator_cpu_per_request_us", "ours")
          row(l, "emulator CPU per request (serving this column'"'"'s client), us", num(emu), "",
              num(get(l, "emulator_cpu_per_request_us", "wrk")), "", ratio("emulator/ours", emu, ours, "<=", 1))
          pool = get(l, "pool", "target"); h = get(l, "handshakes", "ours"); hc = get(l, "handshakes_counted_by_client", "ours")
          hr = get(l, "handshakes_resumed_by_client", "ours")
          check = h == "" ? "n/a" : sprintf("pool %s, opened %s: %s", pool, hc, h == pool && h == hc ? "OK" : "**MISS**")
          row(l, "TLS handshakes per " n_requests " requests", (h == "" ? "?" : h) " (own count " hc ", " hr " resumed)",
              get(l, "handshakes", "sdk"), get(l, "handshakes", "wrk") " per " get(l, "requests", "wrk"), "", check)
        }
        if (l ~ /^stream/) {
          ours = get(l, "cpu_per_event_us", "ours")
          row(l, "events/s", num(get(l, "events_per_s", "ours")), num(get(l, "events_per_s", "sdk")), "", "", "")
          row(l, "client CPU per event, us", num(ours), num(get(l, "cpu_per_event_us", "sdk")), "", "",
              ratio("SDK/ours", get(l, "cpu_per_event_us", "sdk"), ours, ">=", 30))
        }
        if (l ~ /^image/) {
          ours = get(l, "cpu_per_image_mib_ms", "ours"); sdk = get(l, "cpu_per_image_mib_ms", "sdk")
          row(l, "image data MiB/s", num(get(l, "image_mib_per_s", "ours")), num(get(l, "image_mib_per_s", "sdk")), "", "", "")
          row(l, "client CPU per MiB of image, ms", num(ours), num(sdk), "", "",
              ours == "" || sdk == "" || ours + 0 == 0 ? "" : "SDK/ours = " num(sdk / ours) "x (no target)")
          row(l, "client peak RSS, MiB", get(l, "peak_rss_mib", "ours"), get(l, "peak_rss_mib", "sdk"), "", "", "")
        }
        if (l ~ /^idle/) {
          ours = get(l, "memory_per_stream_kib", "ours")
          floor = get(l, "memory_per_stream_kib", "floor")
          sdk = get(l, "memory_per_stream_kib", "sdk")
          row(l, "resident memory per open stream, KiB", num(ours) opened(l, "ours"), num(sdk) opened(l, "sdk"), "",
              num(floor) opened(l, "floor"),
              ratio("ours/floor", ours, floor, "<=", 1.25) "; " ratio("SDK/ours", sdk, ours, ">=", 10))
        }
      }
    }' n_requests="$n" "$results"
} > "$table"
echo
cat "$table"

# ---- the plot ---------------------------------------------------------------------------------
# columns PREFIX METRIC CLIENT...: for each load named PREFIX<rest>, "<rest> value..." with "?"
# where a client has no figure: gnuplot's data files.
columns() {
  local prefix=$1 metric=$2; shift 2
  awk -F'\t' -v prefix="$prefix" -v metric="$metric" -v clients="$*" '
    NR > 1 && index($1, prefix) == 1 {
      if (!($1 in seen)) { seen[$1]; loads[++n] = $1 }
      v[$1, $2, $3] = $4
    }
    END {
      k = split(clients, c, " ")
      for (i = 1; i <= n; ++i) {
        line = substr(loads[i], length(prefix) + 1)
        for (j = 1; j <= k; ++j) line = line " " ((loads[i], metric, c[j]) in v ? v[loads[i], metric, c[j]] : "?")
        print line
      }
    }' "$results"
}
columns "unary c=" cpu_per_request_us ours sdk wrk > "$out/unary_cpu.dat"
columns "stream " cpu_per_event_us ours sdk > "$out/event_cpu.dat"
columns "idle " memory_per_stream_kib ours floor sdk > "$out/idle_memory.dat"
if gnuplot -e "dir='$out'" "$GEMINI_ROOT/bench/plot.gp"; then
  echo
  echo "plot: $out/bench.png"
else
  echo "(gnuplot failed: no plot)"
fi
echo "table: $table; figures: $results; logs: $out/logs/"
