#!/usr/bin/env bash
# examples/ci/ locally: the shard and merge sequence the GitHub Actions and
# GitLab CI examples run, here N shards one after the other against the
# embedded mock, then the merge that gates.  Usage: test_ci_example.sh BIN SRC
set -euo pipefail
export CONFORM=$1
src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
n=3
# Both CI files call the same two scripts with the same run id per pipeline.
grep -q 'examples/ci/shard.sh' "$src/examples/ci/github-actions.yml"
grep -q 'examples/ci/merge.sh' "$src/examples/ci/github-actions.yml"
grep -q 'examples/ci/shard.sh "$CI_NODE_INDEX" "$CI_NODE_TOTAL"' "$src/examples/ci/gitlab-ci.yml"
grep -q 'examples/ci/merge.sh' "$src/examples/ci/gitlab-ci.yml"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 -c 'import sys, yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' \
    "$src/examples/ci/github-actions.yml" "$src/examples/ci/gitlab-ci.yml"
fi
export CONFORM_RUN_ID=local-$$
for i in $(seq 1 $n); do
  bash "$src/examples/ci/shard.sh" "$i" "$n" "shard-$i" >/dev/null 2>&1
  test -s "shard-$i/report.json" && test -s "shard-$i/junit.xml" && test -s "shard-$i/report.html"
  test "$(cat "shard-$i/exit-code")" = 0
done
bash "$src/examples/ci/merge.sh" merged shard-* >merge.out 2>&1 || { cat merge.out; exit 1; }
total=$(python3 -c 'import json; print(json.load(open("merged/report.json"))["summary"]["total"])')
all=$("$CONFORM" run --list | wc -l)
[ "$total" = "$all" ] || { echo "FAIL: merged $total cases, the suite has $all"; exit 1; }
grep -q '<testsuites name="conform" tests="'"$all"'"' merged/junit.xml
grep -q "merged $n reports: $all pass, 0 warn, 0 skip, 0 fail, 0 error" merge.out || { echo "FAIL: no merged summary"; cat merge.out; exit 1; }
# A shard missing: the merge refuses (exit 3) and the job fails.
set +e
bash "$src/examples/ci/merge.sh" partial shard-1 shard-2 >partial.out 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || { echo "FAIL: a missing shard must fail the merge with 3, got $rc"; cat partial.out; exit 1; }
# A shard of another pipeline: refused as well.
CONFORM_RUN_ID=other bash "$src/examples/ci/shard.sh" 3 "$n" other-3 >/dev/null 2>&1
set +e
bash "$src/examples/ci/merge.sh" mixed shard-1 shard-2 other-3 >mixed.out 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || { echo "FAIL: shards of two runs must not merge, got $rc"; cat mixed.out; exit 1; }
echo "ok: $n shards merged into $total cases; a missing or foreign shard fails the merge"
