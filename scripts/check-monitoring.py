#!/usr/bin/env python3
"""Proves the monitoring kit against the real thing (the tests run it; so can you):

  scripts/check-monitoring.py [--binary .build/debug/etlworks-exporter]

1. Starts `etlworks-exporter demo` twice, once with `flow_name` on etlworks_flow_info alone
   (the default, job etlworks) and once on every per-flow series too (`--metrics.flow-name-label
   true`, job etlworks-named), and a real Prometheus (Debian package) scraping both every
   2 s with the mixin's alerts and recording rules loaded (rendered with a selector for both
   jobs); waits for two scrapes of each.
2. For each job, sends every PromQL expression in dashboards/ and alerts/ to Prometheus's
   query API, with Grafana's variables set to "All": each must parse and evaluate; every
   Overview panel must return data; with one flow chosen, every Flow detail panel must return
   data and name the flow where its legend does. Every rule must evaluate healthy; every
   etlworks_* metric they name must be in the metric catalogue (`etlworks-exporter metrics`)
   and served by the demo.
3. Runs promtool check/test rules, amtool check-config, promtool check config, parses the
   Kubernetes YAML (and checks its ConfigMap's configuration with `check-config`), and
   checks that alerts/, dashboards/ and the PrometheusRule are the mixin's rendering.

Exit status 0 when everything holds; otherwise every failure is listed."""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_for(description, check, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if check():
                return True
        except Exception:
            pass
        time.sleep(0.5)
    fail(f"timed out waiting for {description}")
    return False


def query(prometheus, expr):
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        _, body = get(url)
        return json.loads(body)
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}") or {"status": "error", "error": str(error)}


# Grafana's variables, as the dashboards use them, set to "All".
SUBSTITUTIONS = [("${tag:regex}", ".*"), ("${flow:regex}", ".*"), ("$__rate_interval", "1m"), ("$__interval", "30s"), ("$__range", "5m"),
                 ("$job", ".*"), ("$instance", ".*"), ("$tenant", ".*"), ("$flow", ".*"), ("$tag", ".*"), ("$severity", ".*")]


def substitute(expr, job=".*", flow=None):
    """`expr` with Grafana's variables set: `flow` is one chosen name, which Grafana writes
    escaped for ${flow:regex} and as it is for $flow (None: "All")."""
    chosen = []
    if flow is not None:
        escaped = re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", flow).replace("\\", "\\\\").replace('"', '\\"')
        raw = flow.replace("\\", "\\\\").replace('"', '\\"')
        chosen = [("${flow:regex}", escaped), ("$flow", raw)]
    for variable, value in chosen + [("$job", job)] + SUBSTITUTIONS:
        expr = expr.replace(variable, value)
    return expr


def dashboard_queries():
    """(where, expr, must_return_data) for every panel target and variable query."""
    queries = []
    for board, path in dashboards():
        name = os.path.basename(path)
        if not board.get("uid"):
            fail(f"{name}: no uid")
        variables = {v["name"]: v for v in board.get("templating", {}).get("list", [])}
        if variables.get("datasource", {}).get("type") != "datasource":
            fail(f"{name}: no datasource variable")
        for variable in variables.values():
            definition = variable.get("definition", "")
            match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", definition)
            if variable.get("type") == "query":
                if not match:
                    fail(f"{name}: variable {variable['name']} does not use label_values(): {definition}")
                else:
                    queries.append((f"{name} variable {variable['name']}", match.group(1), False))
        for panel in board.get("panels", []):
            if panel.get("datasource", {}).get("uid") != "${datasource}":
                fail(f"{name}: panel {panel.get('title')} does not use the datasource variable")
            for target in panel.get("targets", []):
                queries.append((f"{name} panel '{panel.get('title')}'", target["expr"], board["uid"] == "etlworks-overview"))
    return queries


def dashboards():
    for path in sorted(glob.glob(os.path.join(ROOT, "dashboards", "*.json"))):
        with open(path, encoding="utf-8") as f:
            yield json.load(f), path


# Served only with etlworks.tenants (the demo watches one tenant; TenantsEndToEndTests serves them).
ONLY_WITH_TENANTS = {"etlworks_tenant_info", "etlworks_tenant_up", "etlworks_tenants"}

JOBS = {"etlworks": [], "etlworks-named": ["--metrics.flow-name-label", "true"]}


def binary_path():
    return os.path.abspath(sys.argv[sys.argv.index("--binary") + 1]) if "--binary" in sys.argv \
        else os.path.join(ROOT, ".build", "debug", "etlworks-exporter")


def main():
    binary = binary_path()
    work = tempfile.mkdtemp(prefix="check-monitoring-")
    processes = []
    try:
        prometheus_port = free_port()
        prometheus = f"http://127.0.0.1:{prometheus_port}"
        ports = {}
        for job, arguments in JOBS.items():
            ports[job] = free_port()
            log = open(os.path.join(work, f"demo-{job}.log"), "w")
            processes.append(subprocess.Popen([binary, "demo", "--web.listen-address", f"127.0.0.1:{ports[job]}",
                                               "--storage.path", os.path.join(work, f"demo-{job}.db"), "--flows", "30"]
                                              + arguments, stdout=log, stderr=subprocess.STDOUT))
        for job, port in ports.items():
            wait_for(f"the demo ({job}) to be ready", lambda: get(f"http://127.0.0.1:{port}/-/ready")[0] == 200)
        # The shipped rules rendered by the mixin with a selector for both demo jobs (its
        # default, job="etlworks", would leave the second without recording rules).
        selector = "|".join(JOBS)
        os.makedirs(os.path.join(work, "alerts"))
        os.makedirs(os.path.join(work, "deploy", "kubernetes"))
        subprocess.run(["jsonnet", "-S", "-J", "mixin", "-m", work, "--tla-code", f'config={{selector: "job=~\\"{selector}\\""}}',
                        "mixin/render/rules.jsonnet"], cwd=ROOT, check=True, capture_output=True)
        rules = os.path.join(work, "alerts", "etlworks-exporter.rules.yml")
        config = os.path.join(work, "prometheus.yml")
        jobs = "".join(f"""  - job_name: {job}
    static_configs:
      - targets: ["127.0.0.1:{port}"]
""" for job, port in ports.items())
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files:
  - {rules}
scrape_configs:
{jobs}""")
        processes.append(subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
                                           f"--web.listen-address=127.0.0.1:{prometheus_port}"],
                                          stdout=open(os.path.join(work, "prometheus.log"), "w"), stderr=subprocess.STDOUT))

        def scraped_twice():
            result = query(prometheus, 'count_over_time(up[5m]) >= 2 and up == 1')
            return result.get("status") == "success" and len(result["data"]["result"]) == len(JOBS)
        if wait_for("two scrapes of each demo", scraped_twice):
            # Rates need two samples of every series; the SLA series appear after an evaluation.
            time.sleep(4)
            for job in JOBS:
                check_queries(prometheus, job)
                check_one_flow(prometheus, job)
            check_names(prometheus)
            check_rules(prometheus)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if failures:
            for name in [f"demo-{job}.log" for job in JOBS] + ["prometheus.log"]:
                path = os.path.join(work, name)
                if os.path.exists(path):
                    print(f"--- last lines of {name}:\n" + "".join(open(path, errors="replace").readlines()[-15:]))
        shutil.rmtree(work, ignore_errors=True)
    check_tools()
    if failures:
        print(f"\n{len(failures)} failures")
        sys.exit(1)
    print("monitoring kit: all checks passed")


def check_queries(prometheus, job):
    queries = dashboard_queries()
    for where, expr, must_have_data in queries:
        result = query(prometheus, substitute(expr, job=job))
        if result.get("status") != "success":
            fail(f"{job}: {where}: {result.get('error')}: {expr}")
        elif must_have_data and not result["data"]["result"]:
            fail(f"{job}: {where}: no data from the demo: {substitute(expr, job=job)}")
    print(f"{job}: {len(queries)} dashboard queries sent to Prometheus", flush=True)


def check_one_flow(prometheus, job):
    """The Flow detail dashboard with one flow chosen by its name: every panel has data, and
    a legend of {{flow_name}} finds the name (in both label modes)."""
    result = query(prometheus, f'etlworks_flow_info{{job="{job}"}}')
    names = sorted(filter(None, (series["metric"].get("flow_name") for series in result.get("data", {}).get("result", []))))
    if not names:
        fail(f"{job}: no etlworks_flow_info to choose a flow from")
        return
    # The name full of regex metacharacters when the demo has it (the simulator's hostile names).
    flow = "a(b)+[c]? .*" if "a(b)+[c]? .*" in names else names[0]
    for board, _ in dashboards():
        if board["uid"] != "etlworks-flow":
            continue
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                expr = substitute(target["expr"], job=job, flow=flow)
                result = query(prometheus, expr)
                series = result.get("data", {}).get("result", []) if result.get("status") == "success" else []
                if not series:
                    fail(f"{job}: flow detail '{panel['title']}' has no data for flow {flow!r}: {result.get('error', '')} {expr}")
                elif "{{flow_name}}" in target.get("legendFormat", "") and \
                        any(s["metric"].get("flow_name") != flow for s in series):
                    fail(f"{job}: flow detail '{panel['title']}' does not name flow {flow!r}: {series[:2]}")
    print(f"{job}: the flow detail dashboard answers for flow {flow!r}", flush=True)


def check_names(prometheus):
    names = set(json.loads(get(f"{prometheus}/api/v1/label/__name__/values")[1])["data"])
    used = set()
    for path in glob.glob(os.path.join(ROOT, "dashboards", "*.json")) + [os.path.join(ROOT, "alerts", "etlworks-exporter.rules.yml")]:
        # Recorded series (level:metric:operations) are the rules' own, not the exporter's.
        text = re.sub(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", "", open(path, encoding="utf-8").read())
        used |= set(re.findall(r"\betlworks_[a-z0-9_]+", text))
    # The catalogue: every name a query may use for a family /metrics can serve.
    catalogue = json.loads(subprocess.run([binary_path(), "metrics", "--format", "json"], check=True,
                                          capture_output=True, text=True).stdout)
    known = {name for family in catalogue if family["scraped"] for name in family["query_names"]}
    for metric in sorted(used):
        if metric not in known:
            fail(f"{metric} is used by the dashboards or alerts but is not in the metric catalogue")
        elif metric not in names and metric not in ONLY_WITH_TENANTS:
            fail(f"{metric} is used by the dashboards or alerts but the demo does not serve it")
    print(f"{len(used)} metric names checked", flush=True)


def check_rules(prometheus):
    # Wait for an evaluation of every rule group, then read their health.
    time.sleep(3)
    groups = json.loads(get(f"{prometheus}/api/v1/rules")[1])["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    if len(rules) < 13:
        fail(f"Prometheus loaded {len(rules)} rules, expected every shipped alert")
    for rule in rules:
        if rule.get("health") != "ok":
            fail(f"alert {rule.get('name')}: health {rule.get('health')}: {rule.get('lastError')}")
        result = query(prometheus, rule["query"])
        if result.get("status") != "success":
            fail(f"alert {rule.get('name')}: {result.get('error')}")
        if rule.get("type") == "recording":
            continue
        for field in ("summary", "description", "runbook_url"):
            if not rule.get("annotations", {}).get(field):
                fail(f"alert {rule.get('name')} has no {field} annotation")
        if not rule.get("labels", {}).get("severity"):
            fail(f"alert {rule.get('name')} has no severity label")
    print(f"{len(rules)} rules evaluated by Prometheus", flush=True)


def run(command, what):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{what}: {(result.stdout + result.stderr).strip()[-800:]}")
    else:
        print(f"ok: {what}", flush=True)


def check_tools():
    run(["promtool", "check", "rules", "alerts/etlworks-exporter.rules.yml"], "promtool check rules")
    run(["promtool", "test", "rules", "alerts/tests/etlworks-exporter.test.yml"], "promtool test rules")
    run(["promtool", "check", "config", "--syntax-only", "deploy/prometheus.example.yml"], "promtool check config")
    run(["amtool", "check-config", "deploy/alertmanager.example.yml"], "amtool check-config")
    run(["scripts/mixin.sh", "--check"], "alerts/, dashboards/ and the PrometheusRule are the mixin's rendering")
    try:
        import yaml
        kinds = {}
        for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "kubernetes", "*.yaml"))):
            if os.path.basename(path) in ("kustomization.yaml", "etlworks-exporter.yaml"):
                continue
            for document in yaml.safe_load_all(open(path, encoding="utf-8")):
                if not document.get("apiVersion") or not document.get("kind"):
                    fail(f"{os.path.basename(path)}: a document without apiVersion or kind")
                kinds[document["kind"]] = document
        # The ConfigMap and the Secret are generated (kustomization.yaml); KubernetesKitTests
        # renders the kit with kustomize and validates it against the Kubernetes schemas.
        for kind in ("Deployment", "PersistentVolumeClaim", "Service", "ServiceMonitor", "PrometheusRule"):
            if kind not in kinds:
                fail(f"deploy/kubernetes has no {kind}")
        container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
        if container["livenessProbe"]["httpGet"]["path"] != "/-/healthy" or container["readinessProbe"]["httpGet"]["path"] != "/-/ready":
            fail("the Deployment's probes are not /-/healthy and /-/ready")
        print(f"ok: Kubernetes YAML parses ({', '.join(sorted(kinds))})", flush=True)
        # The ConfigMap's configuration must pass the exporter's own check (the key's file
        # is the Secret's in the pod; here a stand-in).
        with tempfile.TemporaryDirectory() as directory:
            key = os.path.join(directory, "api-key")
            open(key, "w").write("check-only")
            text = open(os.path.join(ROOT, "deploy", "kubernetes", "etlworks-exporter.yaml"), encoding="utf-8").read()
            path = os.path.join(directory, "etlworks-exporter.yaml")
            open(path, "w").write(text.replace("/run/secrets/etlworks-exporter/api-key", key))
            result = subprocess.run([binary_path(), "check-config", "--config", path], capture_output=True, text=True)
            if result.returncode != 0:
                fail("the ConfigMap's configuration fails check-config: " + (result.stdout + result.stderr).strip())
            else:
                print("ok: the ConfigMap's configuration passes check-config", flush=True)
    except ImportError:
        fail("python3-yaml is not installed (see .ci/run)")


if __name__ == "__main__":
    main()
