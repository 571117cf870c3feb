#!/usr/bin/env bash
# Fails when a C source or header differs from .clang-format's style.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find runner mock fuzz tests bench -name '*.[ch]')
"$cf" --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files ok"
# File and function sizes, include cycles, vendor names (docs/internals.md, Layout rules).
python3 scripts/check-layout.py
