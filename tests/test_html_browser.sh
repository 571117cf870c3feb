#!/usr/bin/env bash
# report.html in a headless browser: a failing run against `conform mock
# --fault ...` loads, its script runs to the end without a console message,
# and the filters preset by the URL fragment select the right cases.
# Skips (exit 77) where chromium is not installed.
# Usage: test_html_browser.sh CONFORM_BIN [SCREENSHOT.png]
set -euo pipefail
bin=$1
shot=${2:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium not installed (apt-get install chromium)"
  exit 77
fi
dir=$(mktemp -d)
mock_pid=
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" mock --listen 127.0.0.1:0 --fault tencent-errorcode-string --fault agora-auth-403 \
  --fault dingtalk-token-not-checked >"$dir/port" 2>/dev/null &
mock_pid=$!
for _ in $(seq 1 100); do grep -q listening "$dir/port" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$dir/port")
[ -n "$url" ] || { echo "FAIL: the mock did not start"; exit 1; }
cat >"$dir/cfg.json" <<JSON
{"targets": {
  "tencent-im": {"base_url": "$url", "credentials": {"sdkappid": "1400000000",
    "identifier": "administrator", "secret_key": "conform-demo-secret-key"}},
  "agora-chat": {"base_url": "$url", "credentials": {"app_token": "conform-demo-app-token"}},
  "dingtalk-rooms": {"base_url": "$url", "credentials": {"access_token": "conform-demo-access-token"}}}}
JSON
set +e
"$bin" run --config "$dir/cfg.json" --no-pace --reports "$dir/reports" >/dev/null 2>"$dir/run.err"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "FAIL: the faulty mock should fail the run (exit 1), got $rc"; cat "$dir/run.err"; exit 1; }
html=$(readlink -f "$dir/reports/latest")/report.html
jq_count() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for c in d['cases'] if all(c.get(k)==v for k,v in zip(sys.argv[2::2], sys.argv[3::2]))))" "$@"; }
want=$(jq_count "$dir/reports/latest/report.json" vendor tencent-im verdict fail)
total=$(jq_count "$dir/reports/latest/report.json")

dom() { # fragment -> the DOM after the script ran; console output in $dir/console
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 \
    --dump-dom "file://$html#$1" 2>"$dir/console"
}
fail=0
out=$(dom "vendor=tencent-im&verdict=fail")
grep -q '<body data-ready="1">' <<<"$out" || { echo "FAIL: the script did not run to its end"; fail=1; }
grep -q "id=\"shown\" class=\"muted\">$want of $total cases shown" <<<"$out" ||
  { echo "FAIL: vendor+verdict filter: expected $want of $total shown"; grep -o 'id="shown"[^<]*>[^<]*' <<<"$out"; fail=1; }
grep -q 'class="banner FAIL"' <<<"$out" || { echo "FAIL: no FAIL banner"; fail=1; }
if grep -a ':CONSOLE' "$dir/console"; then echo "FAIL: console messages"; fail=1; fi
# free-text search: one case id
out=$(dom "q=agora-chat.create_group.auth.missing")
grep -q 'id="shown" class="muted">1 of ' <<<"$out" || { echo "FAIL: search"; grep -o 'id="shown"[^<]*>[^<]*' <<<"$out"; fail=1; }
# no network: nothing the page could load from elsewhere
if grep -Eo '<(script|link|img|iframe)[^>]*(src|href)="https?:' "$html"; then
  echo "FAIL: an external resource"; fail=1
fi
if [ -n "$shot" ]; then
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$dir/profile" --window-size=1280,3200 --screenshot="$shot" \
    "file://$html#verdict=fail" 2>/dev/null
  echo "screenshot: $shot"
fi
[ "$fail" = 0 ] && echo "ok: report.html loads, filters and searches in $browser"
exit "$fail"
