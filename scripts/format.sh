#!/usr/bin/env bash
# Formats every Swift file in place as .swift-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel Package.swift Sources Tests Benchmarks
