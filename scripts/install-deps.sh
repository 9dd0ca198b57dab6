#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the build and the tests need (run as root or with sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    libsqlite3-dev zlib1g-dev libcurl4-openssl-dev prometheus prometheus-alertmanager python3-prometheus-client sqlite3 gzip
