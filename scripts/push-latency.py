#!/usr/bin/env python3
"""Push-to-metrics latency of pushed runs (issue #28): the time from posting a Flow.Executed
webhook for a run the exporter has not seen to that run being counted in /metrics.

  scripts/push-latency.py [--binary .build/release/etlworks-exporter] [--runs 100]

Starts `simulate` (clock paused) and `serve` (executions polled every 10 minutes, so only
the webhook can bring a run), lets a simulated hour pass with the sender off, then posts one
webhook per run that ended in it, one at a time, and polls /metrics every 2 ms until the
run's flow counts one more run. Prints the median and p99 over the runs."""
import base64, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
binary = sys.argv[sys.argv.index("--binary") + 1] if "--binary" in sys.argv else os.path.join(ROOT, ".build", "release", "etlworks-exporter")
count = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 100


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, headers={}):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def runs_total(exporter):
    _, text = call("GET", f"{exporter}/metrics")
    totals = {}
    for match in re.finditer(rb'^etlworks_flow_runs_total\{flow_id="(\d+)",status="[a-z]+"\} (\S+)$', text, re.M):
        totals[int(match.group(1))] = totals.get(int(match.group(1)), 0) + float(match.group(2))
    return totals


work = tempfile.mkdtemp()
processes = []
try:
    sim_port, exp_port = port(), port()
    simulator, exporter = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{exp_port}"
    processes.append(subprocess.Popen([binary, "simulate", "--listen", f"127.0.0.1:{sim_port}", "--flows", "20", "--run-every", "1m",
                                       "--history", "1h", "--plain-names"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1)
    call("POST", f"{simulator}/_sim/clock", {"paused": True})
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(f"""etlworks: {{url: "{simulator}", api_key: sim-admin-key, max_requests_per_second: 1000, stop_grace: 0s}}
poll: {{executions: 10m, flows: 10m, summary: 10m, agents: 10m, billing: 10m, health: 10m, backfill: 1d}}
storage: {{path: {work}/push.db}}
web: {{listen_address: "127.0.0.1:{exp_port}"}}
push: {{username: etl, password: hook-pass}}
""")
    processes.append(subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "w")))
    for _ in range(300):
        try:
            if b'resource="executions",result="success"} 1' in call("GET", f"{exporter}/metrics")[1]:
                break
        except OSError:
            pass
        time.sleep(0.1)
    before = call("GET", f"{simulator}/_sim/clock")[1]
    started = json.loads(before)["now"]
    call("POST", f"{simulator}/_sim/clock", {"advanceSeconds": 3600})
    flows = json.loads(call("GET", f"{simulator}/_sim/runs")[1])["flows"]
    ended = sorted(((run["ended"], flow["id"], run) for flow in flows for run in flow["runs"]
                    if run.get("ended", 0) > started), key=lambda item: item[0])
    if len(ended) < count:
        sys.exit(f"only {len(ended)} runs ended in the simulated hour")
    # /_sim/runs gives no audit ids: read them from the API as the exporter would.
    audits = {}
    for flow_id in {flow for _, flow, _ in ended}:
        _, body = call("GET", f"{simulator}/rest/v1/executions/{flow_id}/history?limit=200",
                       headers={"Authorization": "Bearer sim-admin-key"})
        items = json.loads(body)
        for item in items if isinstance(items, list) else items.get("items", items.get("content", [])):
            if item.get("endTime") or item.get("ended"):
                audits[(flow_id, item.get("endTime") or item.get("ended"))] = item.get("auditId") or item.get("id")
    auth = "Basic " + base64.b64encode(b"etl:hook-pass").decode()
    latencies = []
    for ended_at, flow_id, run in ended[:count]:
        audit = audits.get((flow_id, ended_at))
        if audit is None:
            continue
        totals = runs_total(exporter)
        event = {"eventId": f"bench-{audit}", "eventType": "Flow.Executed", "entityId": audit,
                 "entityUrl": f"https://h/rest/v1/flows/{flow_id}?auditId={audit}"}
        t0 = time.perf_counter()
        call("POST", f"{exporter}/api/v1/webhooks/etlworks", event, {"Authorization": auth, "Content-Type": "application/json"})
        while runs_total(exporter).get(flow_id, 0) <= totals.get(flow_id, 0):
            time.sleep(0.002)
            if time.perf_counter() - t0 > 10:
                sys.exit(f"run {audit} did not reach /metrics within 10 s")
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    n = len(latencies)
    print(f"pushed runs: {n}")
    print(f"push-to-metrics latency: median {latencies[n // 2] * 1000:.1f} ms, p99 {latencies[min(n - 1, int(n * 0.99))] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
finally:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=15)
    shutil.rmtree(work, ignore_errors=True)
