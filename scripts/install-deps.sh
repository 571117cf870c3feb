#!/usr/bin/env bash
# Installs conform's build and test dependencies (Debian 12).  Idempotent:
# does nothing when every package is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3
  libcurl4-openssl-dev libjansson-dev libpcre2-dev libcriterion-dev
  libmicrohttpd-dev libssl-dev zlib1g-dev libxml2-utils
  clang clang-14 libclang-rt-14-dev llvm-14 clang-format
  # report.html in a headless browser (tests/test_html_browser.sh; skipped
  # without it): 122 MB download, about 65 s to install on Debian 12.
  chromium
)
if [ "${CONFORM_BENCH_DEPS:-0}" = 1 ]; then
  packages+=(wrk hyperfine time)
  # Peer tools come from npm; a machine with its own Node.js keeps it.
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
