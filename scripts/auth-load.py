#!/usr/bin/env python3
"""Basic auth under attack: `serve` with a web configuration (bcrypt cost 10) while ATTACK
wrong-password requests a second hit /metrics for SECONDS seconds, and a Prometheus-like
scraper with good credentials asks for /metrics every 0.2 s. Prints the scraper's latency
percentiles and errors, and how the attacker's requests were answered (401, 429); exits 1
when a good scrape failed or its p99 passed 250 ms.

  scripts/auth-load.py [--binary .build/release/etlworks-exporter] [--attack 50] [--seconds 30]"""
import base64
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import daemon


def argument(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BINARY = os.path.abspath(argument("--binary", os.path.join(ROOT, ".build", "release", "etlworks-exporter")))
ATTACK, SECONDS = float(argument("--attack", "50")), float(argument("--seconds", "30"))
# bcrypt of "right" at cost 10 (libxcrypt, as htpasswd -B makes them).
HASH = "$2b$10$abuPkfW/5Y9d8nvzFIeWyuVPuw90.gyTdvMuY3n./Nbd73invXura"


def start(arguments, work, name):
    return daemon.start(BINARY, arguments, work, name)


def get(url, password):
    token = base64.b64encode(f"prometheus:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": "Basic " + token, "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:  # a timeout or a refused connection
        return type(error).__name__


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p + 0.999999) - 1)] if ordered else float("nan")


def main():
    work = tempfile.mkdtemp(prefix="auth-load-")
    simulator, simulator_url = start(["simulate", "--listen", "127.0.0.1:0", "--flows", "200"], work, "simulate")
    with open(os.path.join(work, "web.yml"), "w") as f:
        f.write(f'basic_auth_users:\n  prometheus: "{HASH}"\n')
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"""etlworks: {{url: "{simulator_url}", api_key: sim-admin-key}}
storage: {{path: {work}/exporter.db}}
web: {{listen_address: "127.0.0.1:0", config_file: {work}/web.yml}}
log: {{level: warning}}
""")
    serve, url = start(["serve", "--config", config], work, "serve")
    try:
        get(url + "/metrics", "right")
        stop = time.time() + SECONDS
        scrapes, scrape_errors, attacks = [], [], {}
        lock = threading.Lock()

        def scraper():
            while time.time() < stop:
                started = time.perf_counter()
                status = get(url + "/metrics", "right")
                elapsed = time.perf_counter() - started
                with lock:
                    (scrapes if status == 200 else scrape_errors).append(elapsed if status == 200 else status)
                time.sleep(0.2)

        def attacker(index, threads):
            attempt, interval = 0, threads / ATTACK
            next_at = time.time()
            while time.time() < stop:
                status = get(url + "/metrics", f"wrong-{index}-{attempt}")
                attempt += 1
                with lock:
                    attacks[status] = attacks.get(status, 0) + 1
                next_at += interval
                time.sleep(max(0, next_at - time.time()))

        threads = [threading.Thread(target=scraper)] + [threading.Thread(target=attacker, args=(i, 50)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # A scrape that failed (timed out) counts as slower than any that succeeded.
        p50, p99 = percentile(scrapes, 0.5) * 1000, percentile(scrapes + [float("inf")] * len(scrape_errors), 0.99) * 1000
        print(f"auth-load: {sum(attacks.values())} wrong-password requests in {SECONDS:.0f} s "
              f"({sum(attacks.values()) / SECONDS:.1f}/s), answered {dict(sorted(attacks.items(), key=str))}")
        print(f"auth-load: {len(scrapes)} good scrapes: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(scrapes, default=0) * 1000:.1f} ms; "
              f"errors: {len(scrape_errors)} {scrape_errors[:5]}")
        if scrape_errors or p99 > 250:
            sys.exit(1)
    finally:
        for process in (serve, simulator):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"auth-load: {process.args[1]} did not stop within 30 s of SIGTERM; killed")
                process.kill()


if __name__ == "__main__":
    main()
