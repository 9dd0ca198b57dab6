#!/usr/bin/env bash
# Measures the built daemon from outside: `serve` (release build) polling `simulate` with
# FLOWS flows over loopback. Prints resident memory (now and peak), /metrics latency and
# size, and API requests per executions poll. Usage: [RUN_EVERY=30m] scripts/bench-serve.sh [FLOWS]
# (RUN_EVERY=19m gives 2,000 flows about 60,000 runs a day).
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWS="${1:-2000}"
swift build -c release --product etlworks-exporter >/dev/null
BIN=.build/release/etlworks-exporter
WORK="$(mktemp -d)"
trap 'kill $SIM $SERVE 2>/dev/null || true; rm -rf "$WORK"' EXIT

$BIN simulate --listen 127.0.0.1:0 --flows "$FLOWS" --run-every "${RUN_EVERY:-30m}" --history 1d >"$WORK/sim.out" 2>/dev/null &
SIM=$!
until grep -q "listening on" "$WORK/sim.out" 2>/dev/null; do sleep 0.2; done
SIM_URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/sim.out" | head -1)"

cat >"$WORK/config.yaml" <<YAML
etlworks:
  url: $SIM_URL
  api_key: sim-admin-key
  max_requests_per_second: 50
  timeout: 60s
poll:
  executions: 5s
  flows: 1m
  summary: 1m
  agents: 1m
  billing: 1m
  health: 30s
  backfill: 1d
storage:
  path: $WORK/exporter.db
web:
  listen_address: 127.0.0.1:0
log:
  level: warning
YAML
${SERVE_ENV:-} $BIN serve --config "$WORK/config.yaml" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE=$!
until grep -q "listening on" "$WORK/serve.out" 2>/dev/null; do sleep 0.2; done
URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/serve.out" | head -1)"

polls() { curl -s "$URL/metrics" | sed -n 's/^etlworks_exporter_polls_total{resource="executions",result="success"} //p'; }
until [ "$(polls)" -ge 2 ] 2>/dev/null; do sleep 0.5; done
curl -s -X POST "$SIM_URL/_sim/stats/reset" >/dev/null
cpu() { awk '{print $14 + $15}' /proc/$SERVE/stat; }
START="$(polls)"
CPU_START="$(cpu)"
until [ "$(polls)" -ge $((START + 5)) ]; do sleep 0.5; done
AFTER="$(polls)"
CPU_AFTER="$(cpu)"
REQUESTS="$(curl -s "$SIM_URL/_sim/stats" | python3 -c 'import sys,json; r=json.load(sys.stdin)["requests"]; print(r.get("/v1/metrics/executions",0)+r.get("/v1/executions/{flowId}",0))')"

TIMES=()
for _ in $(seq 1 21); do TIMES+=("$(curl -s -o "$WORK/metrics.txt" -w '%{time_total}' "$URL/metrics")"); done
MEDIAN="$(printf '%s\n' "${TIMES[@]}" | sort -n | sed -n '11p')"
GZ_TIMES=()
for _ in $(seq 1 21); do GZ_TIMES+=("$(curl -s -H 'Accept-Encoding: gzip' -o "$WORK/metrics.gz" -w '%{time_total}' "$URL/metrics")"); done
GZ_MEDIAN="$(printf '%s\n' "${GZ_TIMES[@]}" | sort -n | sed -n '11p')"
RSS="$(awk '/VmRSS/ {print $2}' /proc/$SERVE/status)"
HWM="$(awk '/VmHWM/ {print $2}' /proc/$SERVE/status)"
echo "flows: $FLOWS; runs stored: $(sqlite3 "$WORK/exporter.db" 'SELECT count(*) FROM runs')"
echo "executions poll: $REQUESTS requests over $((AFTER - START)) polls (admin endpoint), $(python3 -c "print(round(($CPU_AFTER - $CPU_START) / $(getconf CLK_TCK) / max(1, $AFTER - $START), 2))") s of CPU per poll (every resource included)"
echo "/metrics over HTTP: median $(python3 -c "print(round($MEDIAN*1000,1))") ms, $(wc -c <"$WORK/metrics.txt") bytes, $(wc -l <"$WORK/metrics.txt") lines"
ANON="$(awk '/^Anonymous/ {print $2}' /proc/$SERVE/smaps_rollup)"
echo "/metrics gzipped: median $(python3 -c "print(round($GZ_MEDIAN*1000,1))") ms, $(wc -c <"$WORK/metrics.gz") bytes"
echo "serve resident memory: $((RSS / 1024)) MiB now ($((ANON / 1024)) MiB of it heap, the rest shared libraries), $((HWM / 1024)) MiB peak"
