#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the build and the tests need (run as root or with sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    libsqlite3-dev zlib1g-dev libcurl4-openssl-dev prometheus prometheus-alertmanager python3-prometheus-client python3-yaml sqlite3 gzip
# Headless Chromium renders the HTML usage report in the tests: Debian calls it chromium,
# Ubuntu chromium-browser.
apt-get install -y -qq --no-install-recommends chromium || apt-get install -y -qq chromium-browser
