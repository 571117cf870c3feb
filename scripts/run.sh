#!/usr/bin/env bash
# The main job, from a fresh machine: install dependencies, build, and run
# every spec against the embedded reference mock.  Reports go to
# reports/latest/ (report.json, junit.xml, report.html).
# Arguments are passed to `conform run`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here"
exec "${BUILD_DIR:-$here/build}/conform" run --reports "$here/reports" "$@"
