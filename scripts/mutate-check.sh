#!/usr/bin/env bash
# A test of the tests: applies each of a fixed list of small source
# mutations to a copy of the tree, rebuilds it, runs every ctest case and
# the main job (`conform run` against the embedded mock), and prints what
# caught each mutation.  Fails if a mutation survives, if a snippet is not
# found exactly once (refresh the list after a refactor), if a mutation
# does not compile, or if the unmutated copy is not green.
#
#   scripts/mutate-check.sh [NAME...]       # default: every mutation
#   MUTATE_FULL=1 scripts/mutate-check.sh    # every test for every mutation
#
# Cost: each mutation first builds and runs only its known catcher (the
# test that caught it last time, $MUTATE_DIR/catchers.txt, else the
# `hints` list below).  Only when that test does not fail (no hint, a
# stale hint, a renamed test) is everything built and run, in two stages,
# and the catcher found is remembered.  "Caught" always means a test that
# passes on the unmutated copy failed on the mutated one.
#
# The copy lives in $MUTATE_DIR (default /tmp/conform-mutate): src/ is
# synced from this tree (changed files only, so builds stay incremental)
# and build/ is one build directory reused for every mutation.  The tree
# itself is never modified.  docs/testing.md lists the mutations and what
# catches each.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${MUTATE_DIR:-/tmp/conform-mutate}
src=$work/src
build=$work/build
jobs=$(nproc)
mkdir -p "$work"
start=$(date +%s)

# ---- the mutations --------------------------------------------------------
# "@@ name | file" then "-" lines (the exact snippet, which must occur once
# in the file) and "+" lines (its replacement).
mutations=$(cat <<'EOF'
@@ schema-maximum-inclusive-flip | runner/lib/schema.c
-json_is_number(k) && d > num(k))
+json_is_number(k) && d >= num(k))
@@ schema-minimum-inclusive-flip | runner/lib/schema.c
-json_is_number(k) && d < num(k))
+json_is_number(k) && d <= num(k))
@@ schema-maxlength-counts-bytes | runner/lib/schema.c
-json_is_number(k) && (double)chars > num(k))
+json_is_number(k) && (double)blen > num(k))
@@ schema-maxbytes-dropped | runner/lib/schema.c
-json_is_number(k) && (double)blen > num(k))
+json_is_number(k) && (double)blen > num(k) && 0)
@@ schema-maxitems-off-by-one | runner/lib/schema.c
-json_is_number(k) && (double)n > num(k))
+json_is_number(k) && (double)n > num(k) + 1)
@@ schema-minitems-inclusive-flip | runner/lib/schema.c
-json_is_number(k) && (double)n < num(k))
+json_is_number(k) && (double)n <= num(k))
@@ schema-exclusive-minimum-inclusive | runner/lib/schema.c
-json_is_number(k) && d <= num(k))
+json_is_number(k) && d < num(k))
@@ schema-exclusive-maximum-inclusive | runner/lib/schema.c
-json_is_number(k) && d >= num(k))
+json_is_number(k) && d > num(k))
@@ errmap-404-class | runner/lib/errmap.c
-  case 404:
-    return CFM_CLASS_NOT_FOUND;
+  case 404:
+    return CFM_CLASS_INVALID_ARGUMENT;
@@ errmap-success-code-inverted | runner/lib/errmap.c
-    if (strcmp(out->code, ok) == 0) {
+    if (strcmp(out->code, ok) != 0) {
@@ errmap-every-message-matches | runner/lib/pattern.c
-    rc = pcre2_match(code, (PCRE2_SPTR)(s ? s : ""), s ? len : 0, 0, 0, md, mc) >= 0;
+    rc = pcre2_match(code, (PCRE2_SPTR)(s ? s : ""), s ? len : 0, 0, 0, md, mc) >= -1000;
@@ errmap-row-status-ignored | runner/lib/errmap.c
-(json_is_integer(st) && json_integer_value(st) != status)
+(json_is_integer(st) && json_integer_value(st) != status && 0)
@@ redact-short-secrets-kept | runner/lib/sanitize_registry.c
-#define MIN_SECRET 4
+#define MIN_SECRET 40
@@ redact-usersig-skipped | runner/lib/sanitize.c
-    {"usersig=", 0, 1},
+    {"usersig=#", 0, 1},
@@ redact-auth-header-skipped | runner/lib/sanitize.c
-    {"authorization:", 1, 0},
+    {"authorization:#", 1, 0},
@@ usersig-inflate-cap-raised | runner/lib/usersig.c
-#define USERSIG_MAX_JSON 2048
+#define USERSIG_MAX_JSON 262144
@@ usersig-expiry-inclusive-flip | runner/lib/usersig.c
-  st = t + expire < now ?
+  st = t + expire <= now ?
@@ mock-agora-clamp-dropped | mock/mock_agora_read.c
-    if (limit > 1000 && !cfm__mock_fault(m, "agora-list-unclamped"))
+    if (limit > 1000 && 0 && !cfm__mock_fault(m, "agora-list-unclamped"))
@@ mock-agora-avatar-limit-1023 | mock/mock_agora_write.c
-#define LIMIT_AVATAR 1024
+#define LIMIT_AVATAR 1023
@@ mock-tencent-missing-group-10015 | mock/mock_tencent.c
-cfm__mock_fault(m, "tencent-missing-group-10015") ? 10015 : 10010
+cfm__mock_fault(m, "tencent-missing-group-10015") ? 10015 : 10015
@@ mock-tencent-delete-cap-501 | mock/mock_tencent.c
-#define MAX_DELETE 500
+#define MAX_DELETE 501
@@ mock-dingtalk-subgroup-check-dropped | mock/mock_dingtalk.c
-  if (has_children(m, id) && !cfm__mock_fault(m, "dingtalk-subgroup-delete-allowed")) {
+  if (0 && has_children(m, id) && !cfm__mock_fault(m, "dingtalk-subgroup-delete-allowed")) {
@@ cases-range-above-is-max | runner/lib/cases_limit.c
-{"above", x->max + 1, above
+{"above", x->max, above
@@ cases-length-above-is-at | runner/lib/cases_limit.c
-  vs[nv++] = variant_of("above", (size_t)max + 1, 1, 0);
+  vs[nv++] = variant_of("above", (size_t)max, 1, 0);
@@ cases-items-one-short | runner/lib/cases_limit.c
-    size_t n = (size_t)x->max + k;
+    size_t n = (size_t)x->max + k - 1;
@@ report-escape-lt-dropped | runner/lib/sanitize.c
-    emits(o, "&lt;");
+    emits(o, "<");
@@ report-escape-quote-dropped | runner/lib/sanitize.c
-    emits(o, "&quot;");
+    emits(o, "\"");
@@ report-control-bytes-kept | runner/lib/sanitize.c
-  if (k == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
+  if (k == 0 || (cp < 0x10 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
@@ passive-walk-deletion-before-start | runner/lib/passive_walk.c
-json_number_value(gone) < end)) ||
+json_number_value(gone) < start)) ||
@@ passive-walk-gap-ignored | runner/lib/passive_walk.c
-    if (s->gaps[i][0] < end && s->gaps[i][1] > made)
+    if (0 && s->gaps[i][0] < end && s->gaps[i][1] > made)
EOF
)

# The cheapest known catcher of each mutation: a ctest name, or
# "conform-run" (the main job).  Only an ordering: a wrong or missing entry
# costs time (the full stages run), never a verdict.
hints=$(cat <<'EOF'
schema-maximum-inclusive-flip test_schema
schema-minimum-inclusive-flip test_schema
schema-maxlength-counts-bytes test_schema
schema-maxbytes-dropped test_schema
schema-maxitems-off-by-one test_schema
schema-minitems-inclusive-flip test_schema
schema-exclusive-minimum-inclusive test_schema
schema-exclusive-maximum-inclusive test_schema
errmap-404-class test_errmap
errmap-success-code-inverted test_errmap
errmap-every-message-matches test_errmap
errmap-row-status-ignored test_mutation
redact-short-secrets-kept test_config
redact-usersig-skipped test_config
redact-auth-header-skipped test_redact
usersig-inflate-cap-raised test_usersig
usersig-expiry-inclusive-flip test_usersig
mock-agora-clamp-dropped test_mock_agora
mock-agora-avatar-limit-1023 test_mock_agora
mock-tencent-missing-group-10015 test_mock
mock-tencent-delete-cap-501 test_run
mock-dingtalk-subgroup-check-dropped test_cli
cases-range-above-is-max test_cases
cases-length-above-is-at test_cases
cases-items-one-short test_cases
report-escape-lt-dropped test_sanitize
report-escape-quote-dropped test_sanitize
report-control-bytes-kept test_sanitize
passive-walk-deletion-before-start test_passive_walk
passive-walk-gap-ignored test_passive_walk
EOF
)

# ---- helpers -------------------------------------------------------------
# mutate.py check|apply NAME: check verifies every snippet occurs exactly once
# in this tree; apply writes the mutated file into the copy.
py() {
  python3 - "$here" "$src" "$@" <<'PYEOF'
import os, sys
here, src, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
muts, cur = [], None
for line in os.environ["MUTATIONS"].split("\n"):
    if line.startswith("@@ "):
        name, path = [x.strip() for x in line[3:].split("|")]
        cur = {"name": name, "file": path, "old": [], "new": []}
        muts.append(cur)
    elif line.startswith("-"):
        cur["old"].append(line[1:])
    elif line.startswith("+"):
        cur["new"].append(line[1:])
if cmd == "names":
    print("\n".join(m["name"] for m in muts))
    sys.exit(0)
if cmd == "file":
    print(next(m["file"] for m in muts if m["name"] == sys.argv[4]))
    sys.exit(0)
bad = 0
for m in muts:
    if cmd == "apply" and m["name"] != sys.argv[4]:
        continue
    text = open(os.path.join(here, m["file"]), encoding="utf-8").read()
    old, new = "\n".join(m["old"]), "\n".join(m["new"])
    n = text.count(old)
    if n != 1 or not old or old == new:
        print(f"mutate-check: {m['name']}: snippet found {n} times in {m['file']} "
              f"(must be exactly once; refresh the list):\n  {old!r}", file=sys.stderr)
        bad = 1
        continue
    if cmd == "apply":
        with open(os.path.join(src, m["file"]), "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
sys.exit(bad)
PYEOF
}

# Copies the tree into src/, rewriting only files whose bytes differ (they
# get a fresh mtime, so make rebuilds exactly what changed).
sync_tree() {
  python3 - "$here" "$src" <<'PYEOF'
import os, shutil, sys
here, src = sys.argv[1], sys.argv[2]
skip_top = {".git", "reports"}
def skipped(rel):
    top = rel.split(os.sep)[0]
    return top in skip_top or top.startswith("build") or rel.startswith(os.path.join("bench", ".peers")) \
        or rel.startswith(os.path.join("bench", "node_modules"))
want = set()
for root, dirs, files in os.walk(here):
    rel_root = os.path.relpath(root, here)
    dirs[:] = [d for d in dirs if not skipped(os.path.normpath(os.path.join(rel_root, d)))]
    for f in files:
        rel = os.path.normpath(os.path.join(rel_root, f))
        want.add(rel)
        a, b = os.path.join(here, rel), os.path.join(src, rel)
        if os.path.islink(a):
            continue
        if os.path.exists(b) and open(a, "rb").read() == open(b, "rb").read():
            continue
        os.makedirs(os.path.dirname(b), exist_ok=True)
        shutil.copyfile(a, b)
        shutil.copymode(a, b)
for root, dirs, files in os.walk(src):
    for f in files:
        rel = os.path.normpath(os.path.relpath(os.path.join(root, f), src))
        if rel not in want:
            os.remove(os.path.join(src, rel))
PYEOF
}

restore() { cp "$here/$1" "$src/$1"; }

# Tests that exercise no mutated code path (packaging, the bench's process
# clean-up, example configs) and cost most of a ctest run: left out.
slow='^(test_bench|install_relocated|examples_dry_run)$'
# The whole-suite tests (every fault, every golden verdict) run second,
# only for a mutation the unit tests let through: most are caught in
# seconds, and the check stays bounded in CI.
suite='^(test_run_golden|test_mutation|test_mock|test_verdict|test_cli_run|test_passive|test_passive_recorded|test_efuzz|test_readings|test_safety|test_clamp|test_hostile|test_html_browser|test_readme|test_ci_example|test_ledger|test_wire|test_interrupt)$'

# Failed ctest names in ctest output $1.
failed_of() {
  printf '%s\n' "$1" | sed -En 's/^[[:space:]]*[0-9]+ - ([^ ]+) \(.*/\1/p' | tr '\n' ' '
  if printf '%s\n' "$1" | grep -q "No tests were found"; then printf 'ctest-found-no-tests '; fi
}

# Runs the unit tests, then (if they all pass) the suite-wide tests and the
# main job; prints what failed ("" when nothing did).  With "all" as $1
# every stage runs (the unmutated copy must be green everywhere).
catchers() {
  local out failed rc
  out=$(cd "$build" && timeout 600 ctest -j"$jobs" -E "$slow|$suite" 2>&1) || true
  failed=$(failed_of "$out")
  if [ -z "$failed" ] || [ "${1:-}" = all ]; then
    out=$(cd "$build" && timeout 600 ctest -j"$jobs" -R "$suite" 2>&1) || true
    failed+=$(failed_of "$out")
    rc=0
    (cd "$src" && timeout 300 "$build/conform" run --no-reports >/dev/null 2>&1) || rc=$?
    [ "$rc" -ne 0 ] && failed+="conform-run(exit-$rc)"
  fi
  echo "$failed" | sed 's/ *$//'
}

# ---- the known catchers --------------------------------------------------
cache=$work/catchers.txt

# The known catcher of mutation $1: remembered, else listed, else "".
hint_of() {
  local h
  h=$(awk -v n="$1" '$1 == n { h = $2 } END { print h }' "$cache" 2>/dev/null || true)
  [ -n "$h" ] || h=$(printf '%s\n' "$hints" | awk -v n="$1" '$1 == n { print $2 }')
  echo "$h"
}

# The build target and the ctest regex of catcher $1.
hint_target() {
  case $1 in
  conform-run) echo conform_bin ;;
  replay_*) echo "fuzz_${1#replay_}_replay" ;;
  *) echo "$1" ;;
  esac
}
hint_regex() { case $1 in replay_*) echo "^$1[.]" ;; *) echo "^$1\$" ;; esac; }

# Builds catcher $1 (and conform); 1 when it cannot be built (a stale name).
hint_build() {
  cmake --build "$build" -j"$jobs" --target "$(hint_target "$1")" conform_bin \
    >"$work/build.log" 2>&1
}

# 0 when catcher $1 fails on the copy as it is now.
hint_fails() {
  local out
  if [ "$1" = conform-run ]; then
    ! (cd "$src" && timeout 300 "$build/conform" run --no-reports >/dev/null 2>&1)
    return
  fi
  out=$(cd "$build" && timeout 600 ctest -R "$(hint_regex "$1")" 2>&1) || true
  out=$(failed_of "$out")
  [ -n "$out" ] && [ "$out" != "ctest-found-no-tests " ]
}

# The full stages need every test green on the unmutated copy: checked
# once, the first time a mutation needs them ($1: the file mutated now,
# $2: the mutation, applied again after).
full_green=0
full_baseline() {
  local base
  [ "$full_green" = 1 ] && return 0
  [ -n "${1:-}" ] && restore "$1"
  cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1 || {
    echo "mutate-check: the unmutated copy does not build"
    tail -5 "$work/build.log"
    return 1
  }
  base=$(catchers all)
  if [ -n "$base" ]; then
    echo "mutate-check: the unmutated copy is not green: $base"
    return 1
  fi
  echo "mutate-check: unmutated copy green in every test ($(($(date +%s) - start)) s)"
  full_green=1
  [ -n "${2:-}" ] && py apply "$2"
  return 0
}

# ---- run -----------------------------------------------------------------
export MUTATIONS="$mutations"
py check
names=("$@")
[ ${#names[@]} -eq 0 ] && mapfile -t names < <(py names)
echo "mutate-check: ${#names[@]} mutations; copy in $work"
sync_tree
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONFORM_WERROR=ON \
  -DCONFORM_BUILD_TESTS=ON -DCONFORM_BUILD_BENCH=OFF \
  -DCONFORM_SEEDS_DIR="$(cmake -LA -N "$here/build" 2>/dev/null | sed -n 's/^CONFORM_SEEDS_DIR:PATH=//p' |
    grep . || echo "$here/../shared/seeds")" >/dev/null

# The known catchers must build and pass on the unmutated copy; one that
# does not build (renamed, removed) is not used.
declare -A usable=()
if [ -n "${MUTATE_FULL:-}" ]; then
  full_baseline || exit 1
else
  targets=()
  for name in "${names[@]}"; do
    h=$(hint_of "$name")
    [ -n "$h" ] && targets+=("$(hint_target "$h")")
  done
  # One build for all of them (each is tried alone below if one fails).
  all_built=0
  if [ ${#targets[@]} -gt 0 ] &&
    cmake --build "$build" -j"$jobs" --target "${targets[@]}" conform_bin >"$work/build.log" 2>&1; then
    all_built=1
  fi
  for name in "${names[@]}"; do
    h=$(hint_of "$name")
    [ -z "$h" ] || [ -n "${usable[$h]+x}" ] && continue
    usable[$h]=0
    if [ "$all_built" = 1 ] || hint_build "$h"; then
      if hint_fails "$h"; then
        echo "mutate-check: the unmutated copy is not green: $h"
        exit 1
      fi
      usable[$h]=1
    fi
  done
  echo "mutate-check: known catchers green on the unmutated copy ($(($(date +%s) - start)) s)"
fi

survived=() broken=()
for name in "${names[@]}"; do
  file=$(py file "$name")
  t0=$(date +%s)
  py apply "$name"
  h=$(hint_of "$name")
  caught=""
  if [ -z "${MUTATE_FULL:-}" ] && [ -n "$h" ] && [ "${usable[$h]:-0}" = 1 ] && hint_build "$h" &&
    hint_fails "$h"; then
    caught="$h (its known catcher)"
  fi
  if [ -z "$caught" ]; then
    full_baseline "$file" "$name" || exit 1
    if ! cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1; then
      echo "mutate-check: $name: DOES NOT COMPILE"
      tail -5 "$work/build.log"
      broken+=("$name")
      restore "$file"
      continue
    fi
    caught=$(catchers)
    first=${caught%% *}
    first=${first%%(*}
    [ -n "$caught" ] && echo "$name ${first%%.*}" >>"$cache"
  fi
  restore "$file"
  if [ -n "$caught" ]; then
    printf 'mutate-check: %-36s caught by %s (%ss)\n' "$name" "$caught" "$(($(date +%s) - t0))"
  else
    printf 'mutate-check: %-36s SURVIVED (%ss)\n' "$name" "$(($(date +%s) - t0))"
    survived+=("$name")
  fi
done
echo "mutate-check: ${#names[@]} mutations, $((${#names[@]} - ${#survived[@]} - ${#broken[@]})) caught, ${#survived[@]} survived, ${#broken[@]} broken; $(($(date +%s) - start)) s"
if [ ${#survived[@]} -gt 0 ] || [ ${#broken[@]} -gt 0 ]; then
  echo "mutate-check: FAILED: ${survived[*]:-} ${broken[*]:-}"
  exit 1
fi
