#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that the build (`build`) or the build and the tests
# (`test`, the default) need, and only those that are missing: with nothing missing it
# changes nothing and needs no root. Uses sudo when not run as root.
set -euo pipefail
what=${1:-test}
build=(libsqlite3-dev zlib1g-dev libcurl4-openssl-dev)
# Tests: promtool, Alertmanager, Python's prometheus_client and PyYAML, the sqlite3 shell,
# gzip, headless Chromium (renders the HTML usage report), podman, buildah and runc (the
# release image test) and jsonnet (renders the monitoring mixin).
tests=(prometheus prometheus-alertmanager python3-prometheus-client python3-yaml sqlite3 gzip podman buildah runc jsonnet)
case "$what" in
    build) wanted=("${build[@]}") ;;
    test) wanted=("${build[@]}" "${tests[@]}") ;;
    *) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

# The Kubernetes schema validator comes from PyPI (KubernetesKitTests; skipped without it).
if [ "$what" = test ] && ! command -v kubernetes-validate >/dev/null 2>&1; then
    echo "installing: kubernetes-validate (PyPI)" >&2
    python3 -m pip install --quiet kubernetes-validate 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages kubernetes-validate \
        || echo "kubernetes-validate could not be installed: KubernetesKitTests will be skipped" >&2
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for package in "${wanted[@]}"; do installed "$package" || missing+=("$package"); done
# Debian calls it chromium, Ubuntu chromium-browser; either will do.
chromium=no
if [ "$what" = test ] && ! installed chromium && ! installed chromium-browser; then chromium=yes; fi
[ ${#missing[@]} -eq 0 ] && [ $chromium = no ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
echo "installing: ${missing[*]} $([ $chromium = yes ] && echo chromium)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $chromium = yes ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-browser >/dev/null
fi
