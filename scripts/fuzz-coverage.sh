#!/usr/bin/env bash
# Line coverage of the code each fuzz harness targets, from replaying a
# corpus through clang source-based coverage builds of the replay
# executables (docs/fuzzing.md).
#
#   scripts/fuzz-coverage.sh [CORPUS_ROOT]
#
# CORPUS_ROOT holds one directory per harness (default: corpus/, the
# committed seeds); corpus/regressions/<harness> is always replayed too.
# Prints a markdown table: harness, files, line coverage, inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "${1:-$here/corpus}" && pwd)
build=${COVERAGE_BUILD_DIR:-$here/build-cov}
out=$(mktemp -d /tmp/conform-cov-XXXXXX)
trap 'rm -rf "$out"' EXIT
CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCONFORM_BUILD_TESTS=OFF \
  -DCONFORM_BUILD_BENCH=OFF -DCONFORM_BUILD_FUZZ_REPLAY=ON \
  -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
declare -A files=(
  [spec]="runner/lib/spec.c runner/lib/spec_lint.c runner/lib/schema.c runner/lib/cases.c"
  [response]="runner/lib/schema.c runner/lib/errmap.c"
  [errmap_agora]="runner/lib/errmap.c" [errmap_dingtalk]="runner/lib/errmap.c"
  [errmap_tencent]="runner/lib/errmap.c"
  [mock]="mock/mock_core.c mock/mock_agora.c mock/mock_agora_read.c mock/mock_agora_write.c mock/mock_tencent.c mock/mock_dingtalk.c"
  [usersig]="runner/lib/usersig.c" [config]="runner/lib/config.c"
  [baseline]="runner/lib/baseline.c" [extract]="$(cd "$here" && echo runner/lib/extract*.c)"
  [report]="runner/lib/report_json.c")
echo "| harness | files | line coverage | inputs |"
echo "|---|---|---|---|"
for short in spec response errmap_agora errmap_dingtalk errmap_tencent mock usersig config \
             baseline extract report; do
  exe=$build/fuzz/fuzz_${short}_replay
  dirs=()
  [ -d "$root/$short" ] && dirs+=("$root/$short")
  [ -d "$here/corpus/regressions/$short" ] && dirs+=("$here/corpus/regressions/$short")
  if [ ${#dirs[@]} -eq 0 ]; then
    echo "| $short | ${files[$short]} | (no corpus) | 0 |"
    continue
  fi
  if ! LLVM_PROFILE_FILE=$out/$short.profraw "$exe" "${dirs[@]}" >"$out/$short.log" 2>&1; then
    echo "fuzz-coverage: $short crashed replaying its corpus:" >&2
    tail -20 "$out/$short.log" >&2
    exit 1
  fi
  llvm-profdata-14 merge -sparse "$out/$short.profraw" -o "$out/$short.profdata"
  paths=()
  for f in ${files[$short]}; do paths+=("$here/$f"); done
  total=$(llvm-cov-14 report "$exe" -instr-profile="$out/$short.profdata" "${paths[@]}" | tail -1)
  # TOTAL regions missed cover functions missed executed lines missed cover ...
  lines=$(echo "$total" | awk '{print $10}')
  n=$(find "${dirs[@]}" -type f | wc -l)
  echo "| $short | ${files[$short]} | $lines | $n |"
done
