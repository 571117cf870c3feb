#!/usr/bin/env bash
# Builds every libFuzzer harness with clang + ASan + UBSan, replays its seed
# corpus and regressions (a crash fails), then fuzzes each for FUZZ_SECONDS
# (default 30) on a scratch copy of the corpus.  New crashers are left in
# build-fuzz/artifacts/ and fail the run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$here/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONFORM_BUILD_FUZZERS=ON -DCONFORM_SANITIZE=ON -DCONFORM_BUILD_TESTS=OFF \
  -DCONFORM_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for exe in "$build"/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe"); short=${name#fuzz_}
  seeds="$here/corpus/$short"; regs="$here/corpus/regressions/$short"
  dict="$here/corpus/$short.dict"
  args=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$short-")
  [ -f "$dict" ] && args+=(-dict="$dict")
  dirs=()
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -d "$regs" ] && dirs+=("$regs")
  echo "-- $name: replay ${dirs[*]:-(no corpus)}"
  if [ ${#dirs[@]} -gt 0 ]; then
    "$exe" "${args[@]}" -runs=0 "${dirs[@]}" </dev/null 2>"$build/$short.replay.log" || {
      echo "fuzz-ci: $name crashed on its corpus:"; tail -40 "$build/$short.replay.log"; status=1; continue; }
  fi
  scratch="$build/scratch/$short"; rm -rf "$scratch"; mkdir -p "$scratch"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$scratch"/
  echo "-- $name: fuzz ${seconds}s"
  if "$exe" "${args[@]}" -max_total_time="$seconds" -print_final_stats=1 "$scratch" \
      </dev/null 2>"$build/$short.fuzz.log"; then
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/$short.fuzz.log" | tr '\n' ' '; echo
  else
    echo "fuzz-ci: $name found a crash:"; tail -60 "$build/$short.fuzz.log"; status=1
  fi
done
exit $status
