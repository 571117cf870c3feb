#!/usr/bin/env bash
# Every `build/conform ...` line of the README's "Using it" block, run as
# written (in order, from a scratch directory laid out like the source
# tree) against the embedded mock.  Lines that need real credentials or
# serve until interrupted are on an explicit skip list, printed.
# Usage: test_readme.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(readlink -f "$1")
src=$(readlink -f "$2")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/work"
ln -s "$build" "$dir/work/build"
ln -s "$src/specs" "$dir/work/specs"
[ -d "$src/../shared" ] && ln -s "$(readlink -f "$src/../shared")" "$dir/shared"
cd "$dir/work"

# The lines that cannot run here, and why.
skip_reason() {
  case $1 in
  *"--config conform.json"*) echo "needs conform.json with real targets and credentials" ;;
  *"--config creds.json"*) echo "needs creds.json with real credentials" ;;
  *"mock --listen"*) echo "serves until SIGINT (docs/mock.md; tests/test_mock.c runs it)" ;;
  *"proxy --listen"*) echo "serves until SIGINT (docs/passive.md; tests/test_proxy.c runs it)" ;;
  *../shared/*) [ -d ../shared ] || echo "needs the seed documents in ../shared/seeds" ;;
  esac
}

# The documented exit status of a line (0 unless its comment says "exit N").
want_exit() {
  case $1 in
  *"# exit "[0-9]*) sed 's/.*# exit \([0-9]*\).*/\1/' <<<"$1" ;;
  *) echo 0 ;;
  esac
}

lines=$(awk '/^## Using it/{u=1} u&&/^```sh/{b=1;next} b&&/^```/{exit} b&&/build\/conform/' "$src/README.md")
[ -n "$lines" ] || { echo "FAIL: no build/conform line found in README.md"; exit 1; }
ran=0 skipped=0 fail=0
while IFS= read -r line; do
  why=$(skip_reason "$line")
  if [ -n "$why" ]; then
    echo "skip: $line  -- $why"
    skipped=$((skipped + 1))
    continue
  fi
  timeout 120 bash -c "$line" >"$dir/out" 2>&1
  rc=$?
  want=$(want_exit "$line")
  if [ "$rc" = "$want" ]; then
    ran=$((ran + 1))
  else
    echo "FAIL (exit $rc, README says $want): $line"
    tail -5 "$dir/out"
    fail=1
  fi
done <<<"$lines"
echo "README: $ran commands ran, $skipped skipped"
[ "$ran" -ge 10 ] || { echo "FAIL: too few commands ran"; fail=1; }
exit "$fail"
