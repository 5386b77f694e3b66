#!/usr/bin/env bash
# Runs every test of the project: installs what the tests need (scripts/install-deps.sh), then the
# Maven build with all module tests. Long soak runs are off by default: CAIRN_SOAK=true ./test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
. scripts/java-env.sh
echo "test.sh: using JDK at $JAVA_HOME"
bash scripts/install-deps.sh
exec "$CAIRN_MVN" -B --no-transfer-progress -Dcairn.soak="${CAIRN_SOAK:-false}" verify "$@"
