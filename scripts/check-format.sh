#!/usr/bin/env bash
# Fails when a Swift file is not formatted as .swift-format says (fix with scripts/format.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel Package.swift Sources Tests Benchmarks
