#!/usr/bin/env bash
# The demo: installs the system packages the build needs when they are missing, then runs a
# simulated Etlworks tenant and the exporter in one process (arguments go to `demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
exec swift run etlworks-exporter demo "$@"
