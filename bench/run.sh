#!/usr/bin/env bash
# conform benchmarks, side by side with a hello-world ceiling and with peer
# tools, in one run on loopback.  Writes reports/bench/<date>.md and .json.
#
#   bash bench/run.sh                 # everything (about 10 minutes on 2 cores)
#   BENCH_QUICK=1 bash bench/run.sh   # a short run (under a minute): one
#                                     # suite round, 1-second load rounds,
#                                     # ×1 memory, no fuzzing, no npm install
#
# Environment: BENCH_BUILD_DIR (default build-bench/), BENCH_NO_BUILD=1 (use
# the binaries already in BENCH_BUILD_DIR), BENCH_PEERS_DIR (default
# bench/.peers), BENCH_OUT_DIR (default reports/bench), BENCH_PAGES_DIR
# (default ../shared/pages), BENCH_FUZZ=0 (skip fuzz exec/s), BENCH_PIDFILE
# (every PID the bench starts is appended to it), BENCH_ROUNDS, BENCH_SECS.
#
# Every process the bench starts is tracked and stopped with its
# descendants on exit, on error and on SIGINT/SIGTERM (exit 130/143).
# Peers (Prism, Dredd) are installed from npm into bench/.peers/ (not
# committed) in the full run only; a peer that is missing or does not do
# the same work is reported as "skipped" or "failed" with the reason, and
# no ratio is printed against it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
quick=${BENCH_QUICK:-0}
build=${BENCH_BUILD_DIR:-$here/build-bench}
peers=${BENCH_PEERS_DIR:-$here/bench/.peers}
out_dir=${BENCH_OUT_DIR:-$here/reports/bench}
pages_dir=${BENCH_PAGES_DIR:-$here/../shared/pages}
pidfile=${BENCH_PIDFILE:-}
fuzz=${BENCH_FUZZ:-1}
[ "$quick" = 1 ] && fuzz=0
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d /tmp/conform-bench.XXXXXX)
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in bench/
measure=(python3 "$here/bench/measure.py")
note() { printf '%s\n' "$*" >&2; }

# --- process tracking --------------------------------------------------
pids=()
track() {
  pids+=("$1")
  if [ -n "$pidfile" ]; then echo "$1" >>"$pidfile"; fi
}
alive() { # running (a zombie or a reused dead PID does not count)
  local s
  s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}
stop_all() {
  local all=() p i left
  for p in "${pids[@]}"; do
    alive "$p" || continue
    all+=("$p")
    while read -r c; do all+=("$c"); done < <(descendants "$p")
  done
  pids=()
  [ ${#all[@]} -eq 0 ] && return 0
  kill -TERM "${all[@]}" 2>/dev/null || true
  for i in $(seq 1 50); do
    left=0
    for p in "${all[@]}"; do alive "$p" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for p in "${all[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null || true
}
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  rm -rf "$work"
  exit "$rc"
}
trap on_exit EXIT
trap 'note "bench: interrupted"; exit 130' INT
trap 'note "bench: terminated"; exit 143' TERM

# Runs a command as a tracked child and waits for it, so a signal to the
# bench stops it too (bash runs traps only between commands it waits for).
run() {
  "$@" </dev/null &
  local p=$!
  track "$p"
  local rc=0
  wait "$p" || rc=$?
  return "$rc"
}

# Starts a server that prints its port on the first stdout line and sets
# the variables <name>_port and <name>_pid (never in $(...): the PID must
# reach the clean-up list of this shell).
start_server() { # name cmd...
  local name=$1 p i port
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null &
  p=$!
  track "$p"
  printf -v "${name}_pid" %s "$p"
  for i in $(seq 1 100); do
    port=$(grep -Eo '[0-9]{2,5}' "$work/$name.out" 2>/dev/null | tail -1 || true)
    if [ -n "$port" ]; then
      printf -v "${name}_port" %s "$port"
      return 0
    fi
    alive "$p" || break
    sleep 0.1
  done
  note "bench: $name did not start: $(head -c 300 "$work/$name.err")"
  return 1
}
# Set by start_server.
hello_pid='' hello_port='' mock_pid='' mock_port='' memmock_pid='' memmock_port=''
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- build -------------------------------------------------------------
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  CONFORM_BENCH_DEPS=1 bash scripts/install-deps.sh >&2
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCONFORM_BUILD_TESTS=OFF \
    -DCONFORM_BUILD_FUZZ_REPLAY=OFF >/dev/null
  run cmake --build "$build" -j"$(nproc)" >/dev/null
fi
conform=$build/conform
for b in "$conform" "$build/bench/bench_hello" "$build/bench/bench_exec"; do
  [ -x "$b" ] || { note "bench: $b is missing (build with -DCONFORM_BUILD_BENCH=ON)"; exit 2; }
done
export BENCH_EXEC=$build/bench/bench_exec
mkdir -p "$out_dir"
{
  echo "command=$(env | grep -E '^BENCH_' | grep -v '^BENCH_EXEC=' | sort | tr '\n' ' ')bash bench/run.sh"
  echo "quick=$quick"
  echo "cores=$(nproc)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "dirty=$(git status --porcelain -- runner mock bench specs 2>/dev/null | wc -l)"
} >"$work/machine.txt"

rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECS:-4}
suite_runs=7
exec_n=100000
mem_repeats="1 10 100"
if [ "$quick" = 1 ]; then
  rounds=${BENCH_ROUNDS:-2}
  secs=${BENCH_SECS:-1}
  suite_runs=1
  exec_n=5000
  mem_repeats="1"
fi
agora_token="conform-demo-app-token"
agora_base="/app-id/conform-demo-app"
agora_path="$agora_base/chatgroups?limit=10"
auth="Authorization: Bearer $agora_token"

# --- 1. the suite against the embedded mock ---------------------------
note "== 1. full suite against the embedded mock ($suite_runs runs)"
for i in $(seq 1 "$suite_runs"); do
  run "${measure[@]}" rusage "$work/suite.$i.json" -- \
    "$conform" run --reports "$work/reports" 2>"$work/suite.$i.err" || true
done

# --- 2. servers, executor ----------------------------------------------
start_server hello "$build/bench/bench_hello" 0
start_server mock "$conform" mock --listen 127.0.0.1:0
note "bench: servers up (hello $hello_pid, mock $mock_pid)"
note "== 2. executor against the hello-world ceiling and the mock ($exec_n GETs)"
run "$BENCH_EXEC" "http://127.0.0.1:$hello_port/x" "$exec_n" 16 >"$work/exec_hello.json" || true
run "$BENCH_EXEC" "http://127.0.0.1:$mock_port$agora_path" "$exec_n" 16 "$auth" \
  >"$work/exec_mock.json" || true

# --- 3. peers -----------------------------------------------------------
run "$conform" export openapi -o "$work/agora.openapi.json" specs/agora-chat.json
# Paths carry the base path, so Prism and Dredd use the mock's URLs.
run "${measure[@]}" openapi "$work/agora.openapi.json" "$work/agora.peer.json" "$agora_base"
peer_installed() { [ -x "$peers/node_modules/.bin/$1" ]; }
install_peer() { # bin package
  peer_installed "$1" && return 0
  [ "$quick" = 1 ] && return 1
  mkdir -p "$peers"
  run npm install --prefix "$peers" --no-audit --no-fund --silent "$2" >"$work/npm-$1.log" 2>&1
}
prism_status="skipped: not installed in $peers"
dredd_status="skipped: not installed in $peers"
note "== 3. peers (Prism, Dredd from $peers)"
if install_peer prism @stoplight/prism-cli@5; then
  prism_port=$(free_port)
  "$peers/node_modules/.bin/prism" mock -p "$prism_port" -h 127.0.0.1 -v error \
    "$work/agora.peer.json" >"$work/prism.log" 2>&1 </dev/null &
  prism_pid=$!
  track "$prism_pid"
  code=000
  for i in $(seq 1 240); do
    code=$(curl -s -o "$work/prism.body" -w '%{http_code}' -H "$auth" \
      "http://127.0.0.1:$prism_port$agora_path" || true)
    [ "$code" != 000 ] && break
    alive "$prism_pid" || break
    sleep 0.25
  done
  if [ "$code" = 200 ]; then
    prism_status=ok
  else
    prism_status="failed: answered HTTP $code on $agora_path: $(head -c 200 "$work/prism.body" 2>/dev/null | tr '\n' ' ')"
  fi
elif [ "$quick" != 1 ]; then
  prism_status="failed: npm install: $(tail -3 "$work/npm-prism.log" | tr '\n' ' ')"
fi
note "bench: prism $prism_status"

# --- 4. server load: wall-clock and CPU per 1,000 requests -------------
note "== 4. server load, $rounds rounds"
servers=("hello|$hello_pid|http://127.0.0.1:$hello_port$agora_path"
  "mock|$mock_pid|http://127.0.0.1:$mock_port$agora_path|$auth")
[ "$prism_status" = ok ] &&
  servers+=("prism|$prism_pid|http://127.0.0.1:$prism_port$agora_path|$auth")
cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg.before"
run "${measure[@]}" load "$work/load.json" "$rounds" "$secs" "$exec_n" "${servers[@]}"
cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg.after"
if [ "$prism_status" = ok ]; then
  kill -TERM "$prism_pid" 2>/dev/null || true
fi

# --- 5. Dredd over the same document, hooks mapping examples -----------
if install_peer dredd dredd@14; then
  note "== 5. Dredd with bench/dredd-hooks.js against the mock"
  start=$(date +%s.%N)
  BENCH_TARGET="http://127.0.0.1:$mock_port$agora_base" BENCH_TOKEN="$agora_token" \
    run "$peers/node_modules/.bin/dredd" "$work/agora.peer.json" "http://127.0.0.1:$mock_port" \
    --hookfiles "$here/bench/dredd-hooks.js" --header "$auth" --loglevel=warning \
    >"$work/dredd.log" 2>&1 || true
  end=$(date +%s.%N)
  echo "$start $end" >"$work/dredd.time"
  dredd_status=ran
elif [ "$quick" != 1 ]; then
  dredd_status="failed: npm install: $(tail -3 "$work/npm-dredd.log" | tr '\n' ' ')"
fi
printf '%s\n' "$prism_status" >"$work/prism.status"
printf '%s\n' "$dredd_status" >"$work/dredd.status"

# --- 6. memory: the suite ×1/×10/×100, embedded and external mock ------
note "== 6. memory scaling (×${mem_repeats// /, ×})"
start_server memmock "$conform" mock --listen 127.0.0.1:0
cat >"$work/scale.json" <<JSON
{"targets": {
  "tencent-im": {"base_url": "http://127.0.0.1:$memmock_port", "credentials": {"sdkappid": "1400000000",
                 "identifier": "administrator", "secret_key": "conform-demo-secret-key"}},
  "agora-chat": {"base_url": "http://127.0.0.1:$memmock_port", "credentials": {"app_token": "$agora_token"}},
  "dingtalk-rooms": {"base_url": "http://127.0.0.1:$memmock_port", "credentials": {"access_token": "conform-demo-access-token"}}}}
JSON
for k in $mem_repeats; do
  run "${measure[@]}" rusage "$work/mem.embedded.$k.json" -- \
    "$conform" run --repeat "$k" --no-reports 2>"$work/mem.embedded.$k.err" || true
  run "${measure[@]}" rusage "$work/mem.external.$k.json" -- \
    "$conform" run --repeat "$k" --config "$work/scale.json" --no-pace --concurrency 16 \
    --no-reports 2>"$work/mem.external.$k.err" || true
  # The external mock keeps its state across these runs (×1, then ×10,
  # then ×100): its RSS after each shows what the state costs.
  grep -E '^VmRSS' "/proc/$memmock_pid/status" | awk '{print $2}' >"$work/mem.mockrss.$k"
done

# --- 7. extraction pages/s ---------------------------------------------
note "== 7. extraction over $pages_dir"
pages=()
if [ -d "$pages_dir" ]; then
  for p in "$pages_dir"/*; do
    case $p in */README.md) ;; *.md | *.txt) pages+=("$p") ;; esac
  done
fi
if [ ${#pages[@]} -gt 0 ]; then
  ext_rounds=5
  [ "$quick" = 1 ] && ext_rounds=1
  run "${measure[@]}" extract "$work/extract.json" "$conform" "$ext_rounds" "${pages[@]}"
fi

# --- 8. fuzz harness exec/s (full run only) ----------------------------
if [ "$fuzz" = 1 ]; then
  note "== 8. fuzz exec/s"
  fuzz_secs=5
  for flavour in plain asan; do
    fb=$work/fuzz-$flavour
    extra=()
    [ "$flavour" = asan ] && extra=(-DCONFORM_SANITIZE=ON)
    CC=clang run cmake -S . -B "$fb" -DCMAKE_BUILD_TYPE=Release -DCONFORM_BUILD_FUZZERS=ON \
      -DCONFORM_BUILD_TESTS=OFF -DCONFORM_BUILD_BENCH=OFF "${extra[@]}" >/dev/null
    run cmake --build "$fb" -j"$(nproc)" >/dev/null
    for exe in "$fb"/fuzz/fuzz_*; do
      name=$(basename "$exe")
      short=${name#fuzz_}
      mkdir -p "$work/fc/$flavour-$short"
      [ -d "corpus/$short" ] && cp -r "corpus/$short/." "$work/fc/$flavour-$short/"
      ASAN_OPTIONS=detect_leaks=0 run "$exe" -max_len=4096 -max_total_time=$fuzz_secs \
        -print_final_stats=1 "$work/fc/$flavour-$short" >/dev/null \
        2>"$work/fuzz.$flavour.$short.log" || true
    done
  done
fi

# --- 9. proxy overhead; check exchanges/s on a large HAR ---------------
note "== 9. proxy overhead and check throughput"
if [ -x "$build/bench/bench_proxy" ]; then
  px_n=2000
  [ "$quick" = 1 ] && px_n=300
  run "$build/bench/bench_proxy" specs "$px_n" 4 >"$work/proxy.json" 2>"$work/proxy.err" || true
fi
# A recording of the whole suite (every vendor, clean-up included), then
# `check` over it: exchanges judged per second of wall and of CPU.
run "$conform" run --record "$work/suite.har" --no-reports >/dev/null 2>"$work/record.err" || true
if [ -s "$work/suite.har" ]; then
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' \
    "$work/suite.har" >"$work/check.entries"
  check_rounds=3
  [ "$quick" = 1 ] && check_rounds=1
  for i in $(seq 1 "$check_rounds"); do
    run "${measure[@]}" rusage "$work/check.$i.json" -- \
      "$conform" check --no-reports "$work/suite.har" 2>/dev/null || true
  done
fi

cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg.end"
stop_all
run "${measure[@]}" report "$work" "$out_dir" "$stamp"
note "bench: wrote $out_dir/$stamp.md and .json"
