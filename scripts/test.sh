#!/usr/bin/env bash
# The whole test suite, in two tiers: installs the system packages the build and the tests need
# when they are missing, builds once, runs the unit tier (`swift test`: everything but the
# end-to-end suite), then the end-to-end tier (ETLWORKS_E2E=1: the built binary against the
# simulator, promtool, Prometheus and Alertmanager). Arguments go to both runs, e.g.
# --filter SLA.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
export ETLWORKS_DEV_TARGETS=1
swift build --build-tests
echo "== unit tier" >&2
swift test --skip-build "$@"
echo "== end-to-end tier" >&2
ETLWORKS_E2E=1 swift test --skip-build --filter EndToEndTests "$@"
