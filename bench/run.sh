#!/usr/bin/env bash
# conform benchmarks, side by side with the ceiling and with peer tools, in
# one run on loopback.  Writes reports/bench/<date>.md and .json.
#
#   bash bench/run.sh            # everything (about 5 minutes)
#   BENCH_QUICK=1 bash bench/run.sh   # shorter runs, no peers
#
# Peers (Prism, Dredd) are installed from the npm registry into
# bench/.peers/ (not committed).  A peer that cannot be installed or run is
# recorded as "not measured" with the reason; the script goes on.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
quick=${BENCH_QUICK:-0}
build=${BENCH_BUILD_DIR:-$here/build-bench}
out_dir=$here/reports/bench
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d /tmp/conform-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

CONFORM_BENCH_DEPS=1 bash scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCONFORM_BUILD_TESTS=OFF \
  -DCONFORM_BUILD_FUZZ_REPLAY=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
conform=$build/conform
mkdir -p "$out_dir"
results=$work/results.jsonl
: >"$results"
note() { printf '%s\n' "$*" >&2; }
record() { printf '%s\n' "$1" >>"$results"; }

# Starts a server command that prints its port on the first stdout line.
start_server() { # name cmd...
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  local i
  for i in $(seq 1 100); do
    port=$(grep -Eo '[0-9]{2,5}' "$work/$name.out" 2>/dev/null | tail -1 || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  note "bench: $name did not start: $(cat "$work/$name.err")"
  return 1
}

runs=7; [ "$quick" = 1 ] && runs=3
agora_token="conform-demo-app-token"
agora_path="/app-id/conform-demo-app/chatgroups?limit=10"

# 1. The full suite against the embedded mock: wall (median), cases, RSS.
note "== 1. full suite against the embedded mock ($runs runs)"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f '%e %M' -o "$work/time.$i" "$conform" run --reports "$work/reports" \
    2>"$work/run.$i.err" >/dev/null || true
done
python3 - "$work" "$runs" "$results" <<'EOF'
import json, re, statistics, sys, glob, os
work, runs, results = sys.argv[1], int(sys.argv[2]), sys.argv[3]
walls, rss, reqs = [], [], []
for i in range(1, runs + 1):
    e, m = open(f"{work}/time.{i}").read().split()[-2:]
    walls.append(float(e)); rss.append(int(m))
    err = open(f"{work}/run.{i}.err").read()
    m2 = re.search(r"(\d+) requests", err)
    if m2: reqs.append(int(m2.group(1)))
rep = json.load(open(os.path.join(work, "reports", "latest", "report.json")))
s = rep["summary"]
wall = statistics.median(walls)
r = reqs[-1] if reqs else None
out = {"bench": "suite", "cases": s["total"], "pass": s["pass"], "fail": s["fail"],
       "wall_s_median": wall, "wall_s_all": walls, "requests": r,
       "requests_per_s": (r / wall) if r and wall > 0 else None,
       "peak_rss_kb_max": max(rss), "target": "wall <= 0.3 s"}
open(results, "a").write(json.dumps(out) + "\n")
print(json.dumps(out))
EOF

# 2 + 3. Executor and mock throughput against the hello-world ceiling.
note "== 2/3. executor and mock throughput"
hello_port=$(start_server hello "$build/bench/bench_hello" 0)
mock_port=$(start_server mock "$conform" mock --listen 127.0.0.1:0)
n=100000; [ "$quick" = 1 ] && n=20000
conc=16
"$build/bench/bench_exec" "http://127.0.0.1:$hello_port/x" "$n" "$conc" >"$work/exec_hello.json"
"$build/bench/bench_exec" "http://127.0.0.1:$mock_port$agora_path" "$n" "$conc" \
  "Authorization: Bearer $agora_token" >"$work/exec_mock.json"
dur=4; [ "$quick" = 1 ] && dur=2
# Five alternating pairs: on a small shared VM a single pair swings by
# tens of percent; the report takes the median of the five ratios.
for r in 1 2 3 4 5; do
  wrk -t2 -c64 -d${dur}s "http://127.0.0.1:$hello_port/x" >"$work/wrk_hello.$r.txt"
  wrk -t2 -c64 -d${dur}s -H "Authorization: Bearer $agora_token" \
    "http://127.0.0.1:$mock_port$agora_path" >"$work/wrk_mock.$r.txt"
done
cp "$work/wrk_hello.1.txt" "$work/wrk_hello.txt"
cp "$work/wrk_mock.1.txt" "$work/wrk_mock.txt"

prism_status="not measured"
dredd_status="not measured"
if [ "$quick" != 1 ]; then
  note "== 3/4. peers: Prism and Dredd (npm, into bench/.peers)"
  peers=$here/bench/.peers
  mkdir -p "$peers"
  "$conform" export openapi -o "$work/agora.openapi.json" specs/agora-chat.json || true
  if (cd "$peers" && [ -x node_modules/.bin/prism ] ||
      npm install --no-audit --no-fund --silent @stoplight/prism-cli@5 >"$work/npm-prism.log" 2>&1); then
    prism_port=$((20000 + RANDOM % 20000))
    "$peers/node_modules/.bin/prism" mock -p "$prism_port" -h 127.0.0.1 "$work/agora.openapi.json" \
      >"$work/prism.log" 2>&1 &
    pids+=($!)
    for i in $(seq 1 100); do
      curl -s -o /dev/null "http://127.0.0.1:$prism_port/" && break; sleep 0.2; done
    if curl -s -o /dev/null -H "Authorization: Bearer $agora_token" \
        "http://127.0.0.1:$prism_port$agora_path"; then
      wrk -t2 -c64 -d${dur}s -H "Authorization: Bearer $agora_token" \
        "http://127.0.0.1:$prism_port$agora_path" >"$work/wrk_prism.txt" && prism_status=ok
    else
      prism_status="prism did not serve: $(tail -3 "$work/prism.log" | tr '\n' ' ')"
    fi
  else
    prism_status="npm install failed: $(tail -3 "$work/npm-prism.log" | tr '\n' ' ')"
  fi
  if (cd "$peers" && [ -x node_modules/.bin/dredd ] ||
      npm install --no-audit --no-fund --silent dredd@14 >"$work/npm-dredd.log" 2>&1); then
    start=$(date +%s.%N)
    "$peers/node_modules/.bin/dredd" "$work/agora.openapi.json" \
      "http://127.0.0.1:$mock_port/app-id/conform-demo-app" \
      --header "Authorization: Bearer $agora_token" --reporter=none --loglevel=error \
      >"$work/dredd.log" 2>&1 || true
    end=$(date +%s.%N)
    echo "$start $end" >"$work/dredd.time"
    dredd_status=ok
  else
    dredd_status="npm install failed: $(tail -3 "$work/npm-dredd.log" | tr '\n' ' ')"
  fi
fi

# 5. Memory scaling: the case set x1, x10, x100 against the mock running as
# its own process (so its growing state is not counted as the runner's);
# list walks are left out (they page through every group ever created).
note "== 5. memory scaling"
cat >"$work/scale.json" <<JSON
{"targets": {
  "tencent-im": {"base_url": "http://127.0.0.1:$mock_port", "credentials": {"sdkappid": "1400000000",
                 "identifier": "administrator", "secret_key": "conform-demo-secret-key"}},
  "agora-chat": {"base_url": "http://127.0.0.1:$mock_port", "credentials": {"app_token": "conform-demo-app-token"}},
  "dingtalk-rooms": {"base_url": "http://127.0.0.1:$mock_port", "credentials": {"access_token": "conform-demo-access-token"}}}}
JSON
for k in 1 10 100; do
  [ "$quick" = 1 ] && [ "$k" = 100 ] && continue
  /usr/bin/time -f '%e %M' -o "$work/scale.$k" "$conform" run --repeat "$k" --config "$work/scale.json" \
    --no-pace --concurrency 16 --exclude '*walk*' --reports "$work/reports-scale" >/dev/null 2>"$work/scale.$k.err" || true
done

# 6. Fuzz harness exec/s (short fixed runs, no sanitizers, then ASan+UBSan).
note "== 6. fuzz exec/s"
fuzz_secs=5; [ "$quick" = 1 ] && fuzz_secs=2
for flavour in plain asan; do
  fb=$work/fuzz-$flavour
  extra=(); [ "$flavour" = asan ] && extra=(-DCONFORM_SANITIZE=ON)
  CC=clang cmake -S . -B "$fb" -DCMAKE_BUILD_TYPE=Release -DCONFORM_BUILD_FUZZERS=ON \
    -DCONFORM_BUILD_TESTS=OFF -DCONFORM_BUILD_BENCH=OFF "${extra[@]}" >/dev/null
  cmake --build "$fb" -j"$(nproc)" >/dev/null
  for exe in "$fb"/fuzz/fuzz_*; do
    name=$(basename "$exe"); short=${name#fuzz_}
    mkdir -p "$work/fc/$flavour-$short"
    [ -d corpus/$short ] && cp -r corpus/$short/. "$work/fc/$flavour-$short/"
    ASAN_OPTIONS=detect_leaks=0 "$exe" -max_len=4096 -max_total_time=$fuzz_secs \
      -print_final_stats=1 "$work/fc/$flavour-$short" >/dev/null 2>"$work/fuzz.$flavour.$short.log" || true
  done
done

python3 - "$work" "$results" "$out_dir" "$stamp" "$prism_status" "$dredd_status" "$n" "$conc" <<'EOF'
import glob, json, os, re, sys
work, results, out_dir, stamp, prism_status, dredd_status, n, conc = sys.argv[1:9]
rows = [json.loads(l) for l in open(results)]
suite = rows[0]
def wrk_rps(name):
    p = os.path.join(work, name)
    if not os.path.exists(p): return None
    m = re.search(r"Requests/sec:\s+([\d.]+)", open(p).read())
    return float(m.group(1)) if m else None
exec_hello = json.load(open(os.path.join(work, "exec_hello.json")))
exec_mock = json.load(open(os.path.join(work, "exec_mock.json")))
pairs = [(wrk_rps("wrk_mock.%d.txt" % r), wrk_rps("wrk_hello.%d.txt" % r)) for r in (1, 2, 3, 4, 5)]
pairs = [p for p in pairs if p[0] and p[1]]
pairs.sort(key=lambda p: p[0] / p[1])
wm, wh = pairs[len(pairs) // 2] if pairs else (None, None)
wp = wrk_rps("wrk_prism.txt")
dredd = None
if os.path.exists(os.path.join(work, "dredd.time")):
    a, b = map(float, open(os.path.join(work, "dredd.time")).read().split())
    log = open(os.path.join(work, "dredd.log")).read()
    m = re.search(r"complete: .*?(\d+) total", log) or re.search(r"(\d+) total", log)
    tx = int(m.group(1)) if m else None
    dredd = {"seconds": b - a, "transactions": tx,
             "ms_per_transaction": (b - a) * 1000 / tx if tx else None, "log_tail": log[-400:]}
scale = {}
for k in (1, 10, 100):
    p = os.path.join(work, "scale.%d" % k)
    if os.path.exists(p):
        e, m = open(p).read().split()[-2:]
        scale[k] = {"wall_s": float(e), "peak_rss_kb": int(m)}
fuzz = {}
for p in sorted(glob.glob(os.path.join(work, "fuzz.*.log"))):
    _, flavour, short, _ = os.path.basename(p).split(".", 3)
    t = open(p).read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", t)
    m2 = re.search(r"Done (\d+) runs in (\d+) second", t)
    execs = int(m.group(1)) if m else (int(m2.group(1)) if m2 else None)
    secs = int(m2.group(2)) if m2 else None
    fuzz.setdefault(short, {})[flavour] = (execs / secs) if execs and secs else None
per_case_ms = suite["wall_s_median"] * 1000 / suite["cases"] if suite["cases"] else None
doc = {"date": stamp, "suite": suite,
       "executor": {"hello": exec_hello, "mock": exec_mock,
                    "mock_over_hello": exec_mock["requests_per_s"] / exec_hello["requests_per_s"]},
       "mock_wrk": {"hello_rps": wh, "mock_rps": wm, "prism_rps": wp,
                    "mock_over_hello": (wm / wh) if wm and wh else None,
                    "mock_over_prism": (wm / wp) if wm and wp else None, "prism": prism_status},
       "dredd": {"status": dredd_status, **(dredd or {}),
                 "conform_ms_per_case": per_case_ms,
                 "ratio": (dredd["ms_per_transaction"] / per_case_ms)
                          if dredd and dredd.get("ms_per_transaction") and per_case_ms else None},
       "memory_scaling": scale, "fuzz_execs_per_s": fuzz}
json.dump(doc, open(os.path.join(out_dir, stamp + ".json"), "w"), indent=2)
def f(v, fmt="%.0f"):
    return "n/a" if v is None else fmt % v
L = ["# conform benchmarks, %s" % stamp, "",
     "All on loopback on this machine (%d cores), in one run of `bench/run.sh`." % os.cpu_count(), "",
     "| measurement | value | target |", "|---|---|---|",
     "| suite vs embedded mock: cases | %d (%d pass, %d fail) | ≥ 300 |" % (suite["cases"], suite["pass"], suite["fail"]),
     "| suite wall time (median of %d) | %s s | ≤ 0.3 s |" % (len(suite["wall_s_all"]), f(suite["wall_s_median"], "%.3f")),
     "| suite requests/s | %s | |" % f(suite["requests_per_s"]),
     "| suite peak RSS | %s MB | ≤ 16 MB |" % f(suite["peak_rss_kb_max"] / 1024, "%.1f"),
     "| executor vs hello-world ceiling (%s GETs, concurrency %s) | %s vs %s req/s = %s | ≥ 60 %% |" % (
         n, conc, f(exec_mock["requests_per_s"]), f(exec_hello["requests_per_s"]),
         f(doc["executor"]["mock_over_hello"] * 100, "%.0f %%")),
     "| mock vs hello-world (wrk, median of 5 alternating pairs) | %s vs %s req/s = %s (pairs: %s) | ≥ 70 %% |" % (f(wm), f(wh), f(doc["mock_wrk"]["mock_over_hello"] and doc["mock_wrk"]["mock_over_hello"] * 100, "%.0f %%"), ", ".join("%.0f %%" % (100 * a / b) for a, b in pairs)),
     "| mock vs Prism mock (wrk) | %s vs %s req/s = %s× | ≥ 10× |" % (f(wm), f(wp), f(doc["mock_wrk"]["mock_over_prism"], "%.1f")),
     "| per case vs Dredd per transaction | %s ms vs %s ms = %s× | ≥ 30× |" % (
         f(per_case_ms, "%.3f"), f(dredd and dredd.get("ms_per_transaction"), "%.1f"),
         f(doc["dredd"]["ratio"], "%.0f")),
     ]
for k, v in scale.items():
    L.append("| memory, case set ×%d | %.1f MB peak RSS, %.2f s | flat, ≤ 16 MB |" % (k, v["peak_rss_kb"] / 1024, v["wall_s"]))
L += ["", "Prism: %s. Dredd: %s." % (prism_status, dredd_status), "",
      "## Fuzz harness exec/s (inputs ≤ 4 KB)", "", "| harness | no sanitizer | ASan + UBSan |", "|---|---|---|"]
for k, v in sorted(fuzz.items()):
    L.append("| %s | %s | %s |" % (k, f(v.get("plain")), f(v.get("asan"))))
open(os.path.join(out_dir, stamp + ".md"), "w").write("\n".join(L) + "\n")
print("\n".join(L))
EOF
note "bench: wrote reports/bench/$stamp.md and .json"
