#!/usr/bin/env bash
# Which mock faults `conform proxy` reports when `conform run` drives it:
# for the faithful mock and each fault, `conform mock --fault F` on a
# loopback port, `conform proxy` in front of it, the fault's vendor run
# through the proxy; the proxy's fail verdicts are counted.  One line per
# fault, then the score (docs/passive.md).  Every process it starts is
# stopped by its pid.
#
#   bash bench/proxy_detect.sh [BUILD/conform]
set -euo pipefail
bin=${1:-build/conform}
tmp=$(mktemp -d /tmp/conform-proxy-detect.XXXXXX)
mock_pid=
proxy_pid=
finish() {
  [ -n "$proxy_pid" ] && kill -TERM "$proxy_pid" 2>/dev/null || true
  [ -n "$mock_pid" ] && kill -TERM "$mock_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap finish EXIT
cat >"$tmp/demo.json" <<'EOF'
{"targets": {
 "tencent-im": {"credentials": {"sdkappid": "1400000000", "identifier": "administrator",
                                "secret_key": "conform-demo-secret-key"}},
 "agora-chat": {"credentials": {"app_token": "conform-demo-app-token"}},
 "dingtalk-rooms": {"credentials": {"access_token": "conform-demo-access-token"}}}}
EOF

# Waits (at most 10 s) for "listening on URL" in file $1; prints URL.
listening() {
  local i
  for i in $(seq 1 100); do
    if grep -q '^listening on ' "$1" 2>/dev/null; then
      sed -n 's/^listening on //p' "$1"
      return 0
    fi
    sleep 0.1
  done
  echo "proxy_detect: nothing listening ($1)" >&2
  return 1
}

# fails FAULT VENDOR: the proxy's fail verdicts for VENDOR's run ("" = faithful mock).
fails() {
  local fault=$1 vendor=$2 murl purl
  rm -rf "$tmp/r" "$tmp"/*.out
  if [ -n "$fault" ]; then
    "$bin" mock --fault "$fault" >"$tmp/mock.out" 2>/dev/null &
  else
    "$bin" mock >"$tmp/mock.out" 2>/dev/null &
  fi
  mock_pid=$!
  murl=$(listening "$tmp/mock.out")
  "$bin" proxy --config "$tmp/demo.json" --upstream "$vendor=$murl" --reports "$tmp/r" --queue 100000 \
    >"$tmp/proxy.out" 2>/dev/null &
  proxy_pid=$!
  purl=$(listening "$tmp/proxy.out")
  "$bin" run --config "$tmp/demo.json" --target "$vendor=$purl" --vendor "$vendor" \
    --no-reports >/dev/null 2>&1 || true
  kill -TERM "$proxy_pid"
  wait "$proxy_pid" || true
  proxy_pid=
  kill -TERM "$mock_pid"
  wait "$mock_pid" || true
  mock_pid=
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(sum(1 for c in r["cases"] if c["verdict"] == "fail"))' "$tmp/r/latest/report.json"
}

for v in tencent-im agora-chat dingtalk-rooms; do
  echo "faithful $v: $(fails "" "$v") fail"
done
found=0
total=0
missed=
while read -r name vendor _; do
  n=$(fails "$name" "$vendor")
  total=$((total + 1))
  if [ "$n" -gt 0 ]; then
    found=$((found + 1))
    echo "found  $name ($n fail)"
  else
    missed="$missed $name"
    echo "MISSED $name"
  fi
done < <("$bin" mock --list-faults)
echo "proxy detection: $found/$total${missed:+; missed:$missed}"
