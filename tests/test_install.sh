#!/usr/bin/env bash
# cmake --install into a temporary prefix, move the prefix elsewhere, hide
# the source specs, and run the suite from the installed copy: the binary
# must find its specs and meta-schema beside itself, never in the tree it
# was built from.  Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conform-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in bin/conform share/conform/specs/spec.schema.json share/conform/specs/agora-chat.json \
         share/conform/reports/report.schema.json share/doc/conform/cli.md share/doc/conform/README.md; do
  test -e "$tmp/prefix/$f" || fail "not installed: $f"
done
mv "$tmp/prefix" "$tmp/moved"          # relocatable: no path of the prefix is baked in
bin=$tmp/moved/bin/conform
mkdir "$tmp/empty"

# In a private mount namespace the source specs are hidden under an empty
# directory; where namespaces are not allowed, the checks below on a
# modified installed copy still show which copy is read.
hide() {
  if unshare -rm true 2>/dev/null; then
    unshare -rm sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$tmp/empty" "$src/specs" "$@"
  else
    "$@"
  fi
}
if unshare -rm true 2>/dev/null; then
  hide sh -c 'test ! -e "$1/specs/spec.schema.json"' sh "$src" || fail "the source specs are not hidden"
else
  echo "test_install: no mount namespace here; checking with a modified installed copy only"
fi

cd "$tmp"
hide "$bin" lint >"$tmp/lint.out" 2>&1 || { cat "$tmp/lint.out"; fail "lint of the installed specs"; }
grep -q "3 specs, 0 findings" "$tmp/lint.out" || { cat "$tmp/lint.out"; fail "lint output"; }
hide "$bin" run --reports "$tmp/reports" >"$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; fail "run"; }
grep -q "362 pass, 0 warn, 0 skip, 0 fail, 0 error" "$tmp/run.out" || { cat "$tmp/run.out"; fail "run output"; }

# The installed copy is what is read: without its Agora spec no Agora case
# is listed; a broken installed meta-schema breaks lint.
cp -r "$tmp/moved/share/conform/specs" "$tmp/copy"
rm "$tmp/moved/share/conform/specs/agora-chat.json"
hide "$bin" run --list >"$tmp/list.out" 2>&1 || { cat "$tmp/list.out"; fail "run --list"; }
! grep -q "^agora-chat\." "$tmp/list.out" || fail "agora-chat cases listed: the source specs were read"
grep -q "^tencent-im\." "$tmp/list.out" || fail "no tencent-im case listed"
# --specs-dir and CONFORM_SPECS_DIR choose another copy.
hide "$bin" run --list --specs-dir "$tmp/copy" >"$tmp/list2.out" 2>&1 || fail "--specs-dir run"
grep -q "^agora-chat\." "$tmp/list2.out" || fail "--specs-dir is not honoured"
CONFORM_SPECS_DIR="$tmp/copy" hide "$bin" run --list >"$tmp/list3.out" 2>&1 || fail "env run"
grep -q "^agora-chat\." "$tmp/list3.out" || fail "CONFORM_SPECS_DIR is not honoured"
echo '{' >"$tmp/moved/share/conform/specs/spec.schema.json"
if hide "$bin" lint "$tmp/copy/agora-chat.json" >/dev/null 2>&1; then
  fail "lint passed with a broken installed meta-schema: another meta-schema was read"
fi
echo "test_install: ok"
