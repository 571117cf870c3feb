#!/usr/bin/env bash
# bench/run.sh in its quick mode leaves nothing running: not after a
# complete run, not after SIGINT to its whole process group (Ctrl-C) while
# its servers are up, not after SIGTERM to the script alone while the load
# runs.  A peer that is not installed is reported as skipped, with no ratio.
#
#   tests/test_bench.sh BUILD_DIR   (a build with the bench drivers)
# BENCH_SCRIPT overrides the script under test.  Exit 77: cannot run here.
set -euo pipefail
build=${1:?usage: test_bench.sh BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
script=${BENCH_SCRIPT:-$here/bench/run.sh}
for b in "$build/conform" "$build/bench/bench_hello" "$build/bench/bench_exec"; do
  [ -x "$b" ] || { echo "test_bench: skip: $b not built"; exit 77; }
done
command -v python3 >/dev/null || { echo "test_bench: skip: no python3"; exit 77; }
tmp=$(mktemp -d /tmp/conform-test-bench.XXXXXX)
bench_pid=
failures=0
finish() {
  # If a case failed half-way, do not leave its run behind either.
  if [ -n "$bench_pid" ]; then kill -KILL -- "-$bench_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap finish EXIT
fail() {
  echo "test_bench: FAIL: $*"
  failures=$((failures + 1))
}

start_bench() { # case-name [env...]
  local name=$1
  shift
  mkdir -p "$tmp/$name/out"
  : >"$tmp/$name/pids"
  : >"$tmp/$name/stderr"
  set -m # the run gets its own process group, and SIGINT is not ignored in it
  env BENCH_QUICK=1 BENCH_NO_BUILD=1 BENCH_BUILD_DIR="$build" BENCH_ROUNDS=1 \
    BENCH_OUT_DIR="$tmp/$name/out" BENCH_PIDFILE="$tmp/$name/pids" "$@" \
    bash "$script" >"$tmp/$name/stdout" 2>"$tmp/$name/stderr" &
  bench_pid=$!
  set +m
}
wait_for() { # pattern: until the bench's stderr has a line matching it
  for _ in $(seq 1 600); do
    grep -Eq "$1" "$tmp/$case/stderr" && return 0
    kill -0 "$bench_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
wait_bench() { # -> $rc; bounded: a bench that does not stop is killed
  rc=
  for _ in $(seq 1 1200); do
    if ! kill -0 "$bench_pid" 2>/dev/null; then
      wait "$bench_pid" && rc=0 || rc=$?
      return 0
    fi
    sleep 0.1
  done
  fail "$case: the bench did not stop within 120 s"
  kill -KILL -- "-$bench_pid" 2>/dev/null || true
  wait "$bench_pid" || true
  rc=timeout
}
check_nothing_left() {
  local p left
  # 1. Nothing is left in the bench's process group (every process it
  #    starts stays in it).
  sleep 0.2
  left=$(ps -eo pid=,pgid=,stat=,args= | awk -v g="$bench_pid" '$2 == g && $3 !~ /^Z/')
  if [ -n "$left" ]; then
    fail "$case: left running in the bench's process group: $left"
    kill -KILL -- "-$bench_pid" 2>/dev/null || true
  fi
  # 2. Every PID the bench recorded is gone.
  [ -s "$tmp/$case/pids" ] || fail "$case: the bench recorded no PID in BENCH_PIDFILE"
  while read -r p; do
    if [ -e "/proc/$p" ] && ! grep -q ') Z' "/proc/$p/stat" 2>/dev/null; then
      fail "$case: PID $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) is still running"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done <"$tmp/$case/pids"
  bench_pid=
}

interrupted() { # case pattern signal group|script want-status
  case=$1
  local pattern=$2 sig=$3 whom=$4 want=$5
  start_bench "$case"
  if wait_for "$pattern"; then
    if [ "$whom" = group ]; then kill "-$sig" -- "-$bench_pid"; else kill "-$sig" "$bench_pid"; fi
  else
    fail "$case: the bench never printed '$pattern': $(tail -5 "$tmp/$case/stderr")"
  fi
  wait_bench
  [ "$rc" = "$want" ] || fail "$case: exit status $rc, want $want"
  check_nothing_left
}

# 1. Ctrl-C (SIGINT to the whole process group) once the servers are up.
interrupted sigint '^== 2' INT group 130
# 2. SIGTERM to the script alone while the servers (and Prism, when it is
#    installed) are under load.
interrupted sigterm '^== [45]\.' TERM script 143

# 3. A complete quick run, peers not installed: they are reported as
#    skipped, and no ratio is printed against them.
case=complete
start_bench "$case" BENCH_PEERS_DIR="$tmp/no-peers"
wait_bench
[ "$rc" = 0 ] || fail "$case: exit status $rc, want 0: $(tail -5 "$tmp/$case/stderr")"
check_nothing_left
reports=("$tmp/$case/out/"*.json)
json=${reports[0]}
md=${json%.json}.md
if [ ! -s "$json" ] || [ ! -s "$md" ]; then
  fail "$case: no report written"
else
  python3 - "$json" <<'EOF' || fail "$case: the report does not mark the missing peers as skipped"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["prism"].startswith("skipped"), d["prism"]
assert d["dredd"]["status"].startswith("skipped"), d["dredd"]
assert d["dredd"].get("ratio") is None
assert "prism" not in d["server_load"]["servers"]
for k in ("mock_over_prism_rps", "prism_cpu_over_mock"):
    assert d["server_load"]["ratios"][k]["value"] is None, k
s = d["server_load"]["servers"]
assert s["mock"]["bad_responses"] == 0 and s["mock"]["requests"] > 0, s["mock"]
assert s["mock"]["cpu_ms_per_1k"] is not None, s["mock"]
EOF
  grep -q 'Prism mock (skipped: not installed' "$md" || fail "$case: the report does not say Prism was skipped"
  grep -q 'Dredd: skipped: not installed' "$md" || fail "$case: the report does not say Dredd was skipped"
  if grep -Eq 'Prism: ok|Dredd: ok' "$md"; then fail "$case: a missing peer is reported as ok"; fi
fi

if [ "$failures" -ne 0 ]; then
  echo "test_bench: $failures failure(s)"
  exit 1
fi
echo "test_bench: ok (3 cases)"
