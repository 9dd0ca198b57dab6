#!/usr/bin/env bash
# Measures the built daemon from outside: `serve` (release build) polling `simulate` with
# FLOWS flows over loopback. Prints resident memory (now and peak), /metrics latency and
# size (bytes and series per flow), API requests and CPU per executions poll, and where
# resident memory goes (from /proc/PID/smaps). Usage:
#   [RUN_EVERY=30m] [METRICS='{flow_name_label: false}'] [STATIC=1 | BIN=path] scripts/bench-serve.sh [FLOWS]
# (RUN_EVERY=19m gives 2,000 flows about 60,000 runs a day; METRICS is the `metrics:` section;
# STATIC=1 measures the binary as deploy/Dockerfile builds it, the Swift runtime and
# Foundation linked in, built in .build-static; BIN measures a binary built elsewhere, such as
# a baseline alternated with the current build).
set -euo pipefail
# A binary given by path is found from where the script was called, before it moves.
if [ -n "${BIN:-}" ]; then BIN="$(realpath "$BIN")"; fi
cd "$(dirname "$0")/.."
FLOWS="${1:-2000}"
if [ -z "${BIN:-}" ] && [ "${STATIC:-}" = 1 ]; then
  swift build -c release --product etlworks-exporter --static-swift-stdlib --scratch-path .build-static >/dev/null
  BIN=.build-static/release/etlworks-exporter
elif [ -z "${BIN:-}" ]; then
  swift build -c release --product etlworks-exporter >/dev/null
  BIN=.build/release/etlworks-exporter
fi
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
  flows: 10m
  summary: 10m
  agents: 10m
  billing: 10m
  health: 10m
  backfill: 1d
storage:
  path: $WORK/exporter.db
web:
  listen_address: 127.0.0.1:0
log:
  level: warning
metrics: ${METRICS:-{\}}
YAML
${SERVE_ENV:-} $BIN serve --config "$WORK/config.yaml" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE=$!
until grep -q "listening on" "$WORK/serve.out" 2>/dev/null; do sleep 0.2; done
URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/serve.out" | head -1)"

polls() { curl -s "$URL/metrics" | sed -n 's/^etlworks_exporter_polls_total{resource="executions",result="success"} //p'; }
until [ "$(polls)" -ge 2 ] 2>/dev/null; do sleep 0.5; done
curl -s -X POST "$SIM_URL/_sim/stats/reset" >/dev/null
cpu() { awk '{print $14 + $15}' /proc/$SERVE/stat; }
# Polls are followed on /health (small), not /metrics: rendering and sending megabytes of
# exposition every half second would be counted as the poll's CPU.
last_success() { curl -s "$URL/health" | python3 -c 'import sys,json; print(json.load(sys.stdin)["resources"]["executions"].get("last_success"))'; }
START="$(polls)"
SEEN="$(last_success)"
CPU_START="$(cpu)"
for _ in 1 2 3 4 5; do
  while [ "$(last_success)" = "$SEEN" ]; do sleep 0.2; done
  SEEN="$(last_success)"
done
CPU_AFTER="$(cpu)"
AFTER="$(polls)"
REQUESTS="$(curl -s "$SIM_URL/_sim/stats" | python3 -c 'import sys,json; r=json.load(sys.stdin)["requests"]; print(r.get("/v1/metrics/executions",0)+r.get("/v1/executions/{flowId}",0))')"

# Resident memory by mapping: anonymous memory is the heap (Swift objects, malloc arenas,
# SQLite's page caches, NIO buffers); file-backed pages are code and data of each library.
breakdown() {
python3 - "$SERVE" <<'PY'
import re, sys
groups = {}
name = None
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
    if head:
        path = head.group(1).strip()
        if not path or path.startswith("[heap]") or path.startswith("[anon"):
            name = "heap and anonymous (Swift objects, malloc, SQLite caches, NIO buffers)"
        elif path.startswith("["):
            name = "stacks and kernel mappings"
        else:
            base = path.rsplit("/", 1)[-1]
            if "etlworks-exporter" in base: name = "the binary (our code, NIO, Hummingbird, BoringSSL: text and data)"
            elif base.startswith("libicu") or base.startswith("lib_FoundationICU"): name = "ICU (Foundation's Unicode and locale data)"
            elif base.startswith("libFoundation") or base.startswith("libdispatch") or base.startswith("libBlocksRuntime"): name = "Foundation and Dispatch"
            elif base.startswith("libswift"): name = "Swift runtime and standard library"
            elif base.startswith("libsqlite"): name = "SQLite"
            elif base.startswith("libcurl") or base.startswith("libssl") or base.startswith("libcrypto") or base.startswith("libnghttp") or base.startswith("libz"): name = "libcurl and its TLS"
            else: name = "libc and other system libraries"
        continue
    for field in ("Rss:", "Pss:"):
        if line.startswith(field) and name:
            groups.setdefault(name, {"Rss:": 0, "Pss:": 0})[field] += int(line.split()[1])
rss = sum(group["Rss:"] for group in groups.values())
pss = sum(group["Pss:"] for group in groups.values())
# Pss shares each page among the processes mapping it (the simulator maps the same libraries).
print(f"resident memory by mapping: Rss {rss / 1024:.1f} MiB, Pss {pss / 1024:.1f} MiB")
for key, group in sorted(groups.items(), key=lambda item: -item[1]["Rss:"]):
    print(f"  Rss {group['Rss:'] / 1024:5.1f} MiB  Pss {group['Pss:'] / 1024:5.1f} MiB  {key}")
PY
}
# Steady state as Prometheus leaves it (it asks for gzip): memory is read after gzipped
# scrapes only, before the uncompressed ones.
GZ_TIMES=()
for _ in $(seq 1 21); do GZ_TIMES+=("$(curl -s -H 'Accept-Encoding: gzip' -o "$WORK/metrics.gz" -w '%{time_total}' "$URL/metrics")"); done
GZ_MEDIAN="$(printf '%s\n' "${GZ_TIMES[@]}" | sort -n | sed -n '11p')"
RSS="$(awk '/VmRSS/ {print $2}' /proc/$SERVE/status)"
HWM="$(awk '/VmHWM/ {print $2}' /proc/$SERVE/status)"
ANON="$(awk '/^Anonymous/ {print $2}' /proc/$SERVE/smaps_rollup)"
BREAKDOWN="$(breakdown)"
TIMES=()
for _ in $(seq 1 21); do TIMES+=("$(curl -s -o "$WORK/metrics.txt" -w '%{time_total}' "$URL/metrics")"); done
MEDIAN="$(printf '%s\n' "${TIMES[@]}" | sort -n | sed -n '11p')"
echo "flows: $FLOWS; runs stored: $(sqlite3 "$WORK/exporter.db" 'SELECT count(*) FROM runs')"
echo "executions poll: $REQUESTS requests over $((AFTER - START)) polls (admin endpoint), $(python3 -c "print(round(($CPU_AFTER - $CPU_START) / $(getconf CLK_TCK) / max(1, $AFTER - $START), 2))") s of CPU per poll (other resources every 10m)"
echo "/metrics over HTTP: median $(python3 -c "print(round($MEDIAN*1000,1))") ms, $(wc -c <"$WORK/metrics.txt") bytes, $(wc -l <"$WORK/metrics.txt") lines"
echo "/metrics gzipped: median $(python3 -c "print(round($GZ_MEDIAN*1000,1))") ms, $(wc -c <"$WORK/metrics.gz") bytes"
echo "serve resident memory after gzipped scrapes: $((RSS / 1024)) MiB ($((ANON / 1024)) MiB of it heap, the rest shared libraries), $((HWM / 1024)) MiB peak"
SERIES="$(grep -ac '^etlworks_flow_' "$WORK/metrics.txt" || true)"
FLOW_BYTES="$(grep -a '^etlworks_flow_' "$WORK/metrics.txt" | wc -c)"
echo "per flow: $((FLOW_BYTES / FLOWS)) bytes, $(python3 -c "print(round($SERIES / $FLOWS, 1))") series (etlworks_flow_* lines); whole exposition $(( $(wc -c <"$WORK/metrics.txt") / FLOWS )) bytes per flow"
echo "$BREAKDOWN"
