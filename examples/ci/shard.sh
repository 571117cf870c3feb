#!/usr/bin/env bash
# One shard of a sharded conform run, as a CI job runs it.
#
#   examples/ci/shard.sh I N OUT [conform run options...]
#
# Runs shard I of N under the run id $CONFORM_RUN_ID (the same for every
# shard of one pipeline: `conform merge` refuses shards of different runs)
# and copies the shard's report.json, junit.xml and report.html to OUT/ for
# the artifact upload.  Exits 0 when the shard wrote its report, whatever
# its verdicts: the merge job gates on the whole run.  Without a report
# (a usage, spec or config error: exit 2, 3 or 5) it exits with conform's
# status, so a broken setup fails at once.  $CONFORM: the binary
# (default: conform on PATH).
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 I N OUT [conform run options...]" >&2
  exit 2
fi
i=$1 n=$2 out=$3
shift 3
conform=${CONFORM:-conform}
: "${CONFORM_RUN_ID:?set CONFORM_RUN_ID to the pipeline id, the same for every shard}"
mkdir -p "$out"
"$conform" run --shard "$i/$n" --run-id "$CONFORM_RUN_ID" --reports "$out/runs" "$@"
rc=$?
echo "$rc" >"$out/exit-code"
if [ ! -s "$out/runs/latest/report.json" ]; then
  echo "shard $i/$n: no report (conform exited $rc)" >&2
  exit "$rc"
fi
cp -L "$out/runs/latest/report.json" "$out/runs/latest/junit.xml" \
  "$out/runs/latest/report.html" "$out/"
echo "shard $i/$n: conform exited $rc; reports in $out/"
exit 0
