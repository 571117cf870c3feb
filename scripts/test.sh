#!/usr/bin/env bash
# All tests, from a fresh machine: install dependencies, build (warnings
# are errors), run every Criterion suite, fuzz-corpus replay and CLI check
# under ctest.  BUILD_DIR and extra cmake arguments select a variant, e.g.
#   BUILD_DIR=build-asan CC=clang scripts/test.sh -DCONFORM_SANITIZE=ON
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh" -DCONFORM_WERROR=ON -DCONFORM_BUILD_TESTS=ON "$@"
cd "${BUILD_DIR:-$here/build}"
ctest --output-on-failure -j"$(nproc)"
