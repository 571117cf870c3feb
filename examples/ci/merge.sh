#!/usr/bin/env bash
# The final job of a sharded conform run: merges every shard's report and
# gates on the merged run.
#
#   examples/ci/merge.sh OUT SHARD_DIR...
#
# Each SHARD_DIR holds a shard's report.json (examples/ci/shard.sh).
# Writes the merged report.json, junit.xml and report.html to OUT/ and
# exits with `conform merge`'s status: 0 pass, 1 failures not accepted by
# a baseline, 6 errors, 3 when the shards do not form one complete run
# (a shard missing, given twice, interrupted, or of another run).
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT SHARD_DIR..." >&2
  exit 2
fi
out=$1
shift
conform=${CONFORM:-conform}
reports=()
for d in "$@"; do reports+=("$d/report.json"); done
mkdir -p "$out"
"$conform" merge --reports "$out/runs" "${reports[@]}"
rc=$?
if [ -s "$out/runs/latest/report.json" ]; then
  cp -L "$out/runs/latest/report.json" "$out/runs/latest/junit.xml" \
    "$out/runs/latest/report.html" "$out/"
  echo "merged $# shards: $out/report.html (conform merge exited $rc)"
fi
exit "$rc"
