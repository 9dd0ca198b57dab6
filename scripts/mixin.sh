#!/usr/bin/env bash
# Renders the monitoring mixin (mixin/) into the files the kit ships: the Prometheus rules
# alerts/etlworks-exporter.rules.yml, the Grafana dashboards dashboards/*.json and the
# Prometheus Operator's deploy/kubernetes/prometheusrule.yaml. Edit the mixin, then run this.
# `--check` renders into a scratch directory and fails naming every shipped file that
# differs from the rendering (the tests run that). Needs jsonnet (Debian package jsonnet).
set -euo pipefail
cd "$(dirname "$0")/.."
check=no
[ "${1:-}" = --check ] && check=yes
command -v jsonnet >/dev/null || { echo "jsonnet is not installed (apt-get install jsonnet)" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/alerts" "$out/dashboards" "$out/deploy/kubernetes"
jsonnet -S -J mixin -m "$out" mixin/render/rules.jsonnet > /dev/null
jsonnet -J mixin -m "$out/dashboards" mixin/render/dashboards.jsonnet > /dev/null

stale=()
for file in alerts/etlworks-exporter.rules.yml deploy/kubernetes/prometheusrule.yaml "$out"/dashboards/*.json; do
    file=${file#"$out/"}
    if [ $check = yes ]; then
        cmp -s "$out/$file" "$file" || stale+=("$file")
    else
        cp "$out/$file" "$file"
    fi
done
# A dashboard the mixin no longer renders is stale too.
for file in dashboards/*.json; do
    [ -e "$out/$file" ] || stale+=("$file (not in the mixin)")
done
if [ ${#stale[@]} -gt 0 ]; then
    echo "not the mixin's rendering (run scripts/mixin.sh): ${stale[*]}" >&2
    exit 1
fi
