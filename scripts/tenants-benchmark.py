#!/usr/bin/env python3
"""Requests per poll cycle and poll CPU of one exporter watching 20 tenants of 200 flows each,
against the same 4,000 flows in one tenant (issue #28).

  scripts/tenants-benchmark.py [--binary .build/release/etlworks-exporter] [--seconds 60] [--rounds 3] [--sla]

Each round starts `simulate` (plain names, a run every hour per flow, three hours of history)
and `serve` with every resource polled every 5 s, lets the first cycle (the day's backfill)
pass, then counts, over `--seconds`, the API requests by endpoint (the simulator's own count)
and the exporter's CPU seconds (`process_cpu_seconds_total`), divided by the executions polls
made meanwhile (of every tenant: one cycle is one executions poll of each). Prints each round
and the medians, and the ratio of the tenants' figures to the single tenant's. `--sla` adds four
SLA rules on every flow (evaluated per tenant with tenants) and reports the exporter's resident
memory at the end of each round too."""
import json, os, re, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
arg = lambda name, default: sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default
binary = arg("--binary", os.path.join(ROOT, ".build", "release", "etlworks-exporter"))
seconds = float(arg("--seconds", "60"))
rounds = int(arg("--rounds", "3"))
SLA = """sla:
  - {name: errors, error_rate: {max: 0.2, window: 1h, min_runs: 1}}
  - {name: streak, consecutive_failures: 2}
  - {name: long, max_duration: 2h}
  - {name: slo, objective: {target: 0.9, window: 1d}}
""" if "--sla" in sys.argv else ""


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def scrape(exporter):
    text = get(f"{exporter}/metrics").decode()
    cpu = float(re.search(r"^process_cpu_seconds_total (\S+)$", text, re.M).group(1))
    rss = float(re.search(r"^process_resident_memory_bytes (\S+)$", text, re.M).group(1))
    polls = sum(float(m.group(1)) for m in re.finditer(
        r'^etlworks_exporter_polls_total\{(?:tenant_id="[^"]*",)?resource="executions",result="success"\} (\S+)$', text, re.M))
    return cpu, polls, rss


def measure(tenants, flows):
    work = tempfile.mkdtemp()
    sim_port, exp_port = port(), port()
    simulator, exporter = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{exp_port}"
    extra = ["--tenants", str(tenants)] if tenants > 1 else []
    processes = [subprocess.Popen([binary, "simulate", "--listen", f"127.0.0.1:{sim_port}", "--flows", str(flows),
                                   "--run-every", "1h", "--history", "3h", "--plain-names"] + extra,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1)
        config = os.path.join(work, "config.yaml")
        tenant_line = "\n  tenants: discover" if tenants > 1 else ""
        with open(config, "w") as f:
            f.write(f"""etlworks:
  url: "{simulator}"
  username: admin
  password: sim-password
  max_requests_per_second: 1000
  timeout: 60s
  max_response_bytes: 256MiB{tenant_line}
poll: {{executions: 5s, flows: 5s, summary: 5s, agents: 5s, billing: 5s, health: 5s, backfill: 1d}}
storage: {{path: {work}/bench.db}}
web: {{listen_address: "127.0.0.1:{exp_port}"}}
{SLA}""")
        processes.append(subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL,
                                          stderr=open(os.path.join(work, "serve.log"), "w")))
        # The first cycle reads a day of history: wait for two executions polls of every tenant.
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if scrape(exporter)[1] >= 2 * tenants:
                    break
            except (OSError, AttributeError):
                pass
            time.sleep(0.5)
        else:
            sys.exit("the exporter did not poll every tenant twice within 300 s")
        requests_before = json.loads(get(f"{simulator}/_sim/stats"))["requests"]
        cpu_before, polls_before, _ = scrape(exporter)
        time.sleep(seconds)
        requests_after = json.loads(get(f"{simulator}/_sim/stats"))["requests"]
        cpu_after, polls_after, rss = scrape(exporter)
        cycles = (polls_after - polls_before) / tenants
        requests = {endpoint: (count - requests_before.get(endpoint, 0)) / cycles
                    for endpoint, count in requests_after.items() if count > requests_before.get(endpoint, 0)}
        return cycles, requests, (cpu_after - cpu_before) / cycles, rss
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait()


results = {}
for label, tenants, flows in [("1 tenant x 4000 flows", 1, 4000), ("20 tenants x 200 flows", 20, 200)]:
    results[label] = []
    for round in range(rounds):
        cycles, requests, cpu, rss = measure(tenants, flows)
        total = sum(requests.values())
        results[label].append((total, cpu, rss))
        print(f"{label}, round {round + 1}: {cycles:.1f} cycles, {total:.1f} requests per cycle, "
              f"{cpu * 1000:.0f} ms CPU per cycle, {rss / 2**20:.0f} MiB resident", flush=True)
        for endpoint, count in sorted(requests.items()):
            print(f"    {endpoint}: {count:.2f}")

medians = {label: tuple(statistics.median(r[i] for r in rows) for i in range(3)) for label, rows in results.items()}
for label, (requests, cpu, rss) in medians.items():
    print(f"median {label}: {requests:.1f} requests per cycle, {cpu * 1000:.0f} ms CPU per cycle, "
          f"{rss / 2**20:.0f} MiB resident")
one, many = medians["1 tenant x 4000 flows"], medians["20 tenants x 200 flows"]
print(f"ratio tenants / one tenant: requests {many[0] / one[0]:.2f}, CPU {many[1] / one[1]:.2f}, "
      f"memory {many[2] / one[2]:.2f}")
