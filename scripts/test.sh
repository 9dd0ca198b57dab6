#!/usr/bin/env bash
# The whole test suite: installs the system packages the build and the tests need when they
# are missing, then runs `swift test` (arguments are passed on, e.g. --filter SLA).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
export ETLWORKS_DEV_TARGETS=1
exec swift test "$@"
