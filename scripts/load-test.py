#!/usr/bin/env python3
"""Load test of the built daemon: `serve` polling `simulate` (FLOWS flows) at full rate
(executions every second, every other resource every 2 s), while CLIENTS concurrent clients
fetch /metrics (gzip, as Prometheus does) and /health for SECONDS seconds. Prints requests,
errors, throughput and latency percentiles per endpoint, API requests per executions poll,
and the daemon's peak memory; exits 1 on any error.

  scripts/load-test.py [--binary .build/release/etlworks-exporter] [--flows 2000]
                       [--clients 50] [--seconds 30]"""
import os
import re
import sys
import tempfile
import threading
import time
import urllib.request

import daemon


def argument(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BINARY = os.path.abspath(argument("--binary", os.path.join(ROOT, ".build", "release", "etlworks-exporter")))
FLOWS, CLIENTS, SECONDS = int(argument("--flows", "2000")), int(argument("--clients", "50")), float(argument("--seconds", "30"))


def start(arguments, work, name):
    return daemon.start(BINARY, arguments, work, name)


def fetch(url, gzip):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def metric(text, name, labels=""):
    """The sum of `name`'s samples whose labels contain `labels`."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        head, _, value = line.rpartition(" ")
        if head.split("{", 1)[0] == name and labels in head:
            total += float(value)
    return total


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p + 0.999999) - 1)] if ordered else float("nan")


def main():
    work = tempfile.mkdtemp(prefix="load-test-")
    simulator, simulator_url = start(["simulate", "--listen", "127.0.0.1:0", "--flows", str(FLOWS), "--run-every", "2m",
                                      "--history", "2h"], work, "simulate")
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"""etlworks:
  url: {simulator_url}
  api_key: sim-admin-key
  max_requests_per_second: 1000
  timeout: 60s
poll: {{executions: 1s, flows: 2s, summary: 2s, agents: 2s, billing: 2s, health: 2s, backfill: 1d}}
storage:
  path: {work}/exporter.db
web:
  listen_address: 127.0.0.1:0
log:
  level: warning
""")
    serve, url = start(["serve", "--config", config], work, "serve")
    try:
        # Wait until the first executions poll has stored every run.
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if fetch(url + "/-/ready", False)[0] == 200:
                    break
            except Exception:
                pass
            time.sleep(0.5)
        _, before = fetch(url + "/metrics", False)
        before = before.decode()
        results = {"/metrics": [], "/health": []}
        errors = []
        lock = threading.Lock()
        stop = time.time() + SECONDS

        def client(index):
            path = "/metrics" if index % 2 == 0 else "/health"
            while time.time() < stop:
                started = time.perf_counter()
                try:
                    status, body = fetch(url + path, path == "/metrics")
                    elapsed = time.perf_counter() - started
                    # /health answers 503 when a poll failed; under load none may.
                    if status != 200 or not body:
                        raise RuntimeError(f"HTTP {status}")
                    with lock:
                        results[path].append(elapsed)
                except Exception as error:
                    with lock:
                        errors.append(f"{path}: {error}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        began = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.time() - began
        _, after = fetch(url + "/metrics", False)
        after = after.decode()
        polls = metric(after, "etlworks_exporter_polls_total", 'resource="executions",result="success"') \
            - metric(before, "etlworks_exporter_polls_total", 'resource="executions",result="success"')
        requests = sum(metric(after, "etlworks_exporter_api_requests_total", f'endpoint="{e}"')
                       - metric(before, "etlworks_exporter_api_requests_total", f'endpoint="{e}"')
                       for e in ["/v1/metrics/executions"])
        failed_polls = metric(after, "etlworks_exporter_polls_total", 'result="error"') - metric(before, "etlworks_exporter_polls_total", 'result="error"')
        status = open(f"/proc/{serve.pid}/status").read()
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        print(f"load: {FLOWS} flows, {CLIENTS} clients ({CLIENTS // 2 + CLIENTS % 2} on /metrics with gzip, {CLIENTS // 2} on /health), {wall:.1f} s")
        for path, latencies in results.items():
            print(f"load: {path}: {len(latencies)} requests, {len(latencies) / wall:.1f}/s, "
                  f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
                  f"max {max(latencies, default=float('nan')) * 1000:.1f} ms")
        print(f"load: meanwhile {polls:.0f} executions polls ({requests / polls if polls else float('nan'):.2f} executions requests per poll), "
              f"{failed_polls:.0f} failed polls; serve peak resident {peak:.0f} MiB")
        print(f"load: errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        if errors or polls == 0 or failed_polls > 0:
            sys.exit(1)
    finally:
        for process in (serve, simulator):
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
