#!/usr/bin/env bash
# Dry-runs every example config with placeholder secrets from the
# environment: each must load, produce requests, and never print a secret.
# Usage: examples/check.sh PATH/TO/conform   (run by ctest as examples_dry_run)
set -euo pipefail
bin=${1:?usage: check.sh CONFORM_BINARY}
dir=$(cd "$(dirname "$0")" && pwd)
export TENCENT_IM_SDKAPPID=1400000000
export TENCENT_IM_SECRET_KEY=placeholder-tencent-secret
export AGORA_APP_CERTIFICATE=placeholder-agora-certificate
# (no placeholder contains a host word such as "dingtalk": any 8 bytes of a
# secret are redacted wherever they appear, host names included)
export DINGTALK_APP_KEY=placeholder-dt-app-key
export DINGTALK_APP_SECRET=placeholder-dt-app-secret
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0
for cfg in "$dir"/*.json; do
  name=$(basename "$cfg" .json)
  args=(run --config "$cfg" --dry-run --no-reports)
  [ "$name" = all ] || args+=(--vendor "$name")
  if ! "$bin" "${args[@]}" >"$out"; then
    echo "examples: $name.json: dry run failed" >&2
    exit 1
  fi
  lines=$(wc -l <"$out")
  if [ "$lines" -lt 10 ]; then
    echo "examples: $name.json: only $lines requests in the dry run" >&2
    exit 1
  fi
  # no secret, and no app token minted from one (AccessToken2 starts "007")
  if grep -q -e 'placeholder-' -e 'Bearer 007' "$out"; then
    echo "examples: $name.json: a secret appears in the dry run" >&2
    exit 1
  fi
  [ -f "$dir/$name.md" ] || { echo "examples: $name.json has no $name.md" >&2; exit 1; }
  echo "examples: $name.json: $lines requests (dry run)"
  n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "examples: expected 4 configs, found $n" >&2; exit 1; }
