#!/usr/bin/env python3
"""Writes the Grafana dashboards in dashboards/ from one description, so the five share
variables, filters and layout. Run it after editing; `--check` fails when the committed
files differ from what it would write (the tests run that).

Every query filters on the same variables: $job, $instance, $flow, $tag (through the
`tags` label of etlworks_flow_info, `,a,b,`) and $severity. Units are base units.

Flows are chosen and named through etlworks_flow_info alone (joined on flow_id), never by a
`flow_name` matcher on other series: with `metrics.flow_name_label: false` only the info
metric carries the name, and the dashboards work the same in both modes."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "dashboards")
DS = {"type": "prometheus", "uid": "${datasource}"}

SEL = 'job=~"$job",instance=~"$instance"'
FLOW = SEL
INFO = "etlworks_flow_info{" + SEL + "}"
# The flows chosen by $flow, and by $tag where the dashboard has it ("All" matches every flow,
# untagged too).
# ${flow:regex}: Grafana escapes the regex metacharacters of the chosen names (a single
# value in `$flow` it writes as it is, and `orders (daily)` would match nothing).
CHOSEN = "etlworks_flow_info{" + SEL + ',flow_name=~"${flow:regex}"}'
CHOSEN_TAGGED = "etlworks_flow_info{" + SEL + ',flow_name=~"${flow:regex}",tags=~"(.*,)?${tag:regex}(,.*)?"}'


def flows(expr, tagged=True):
    """`expr` restricted to the chosen flows."""
    return f"({expr} and on (job, instance, flow_id) {CHOSEN_TAGGED if tagged else CHOSEN})"


def named(expr):
    """`expr` (one series per flow) with the flow's name from etlworks_flow_info."""
    return f"({expr}) * on (job, instance, flow_id) group_left (flow_name) {INFO}"


def sla_targets(expr):
    """SLA series of the chosen flows, named, plus those of agents, the tenant and flows
    without per-flow series (metrics.flows.exclude)."""
    return (f"(({expr}) * on (job, instance, flow_id) group_left (flow_name) {CHOSEN}) "
            f"or (({expr}) unless on (job, instance, flow_id) {INFO})")


def variable(name, label, query, multi=True, include_all=True, all_value=".*"):
    return {
        "name": name, "label": label, "type": "query", "datasource": DS,
        "query": {"query": query, "refId": f"{name}-values"}, "definition": query,
        "refresh": 2, "sort": 1, "multi": multi, "includeAll": include_all,
        "allValue": all_value if include_all else None,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if include_all else {},
        "hide": 0, "options": [], "regex": "", "skipUrlSync": False,
    }


def templating(extra=()):
    items = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False},
        variable("job", "Job", "label_values(etlworks_up, job)"),
        variable("instance", "Instance", 'label_values(etlworks_up{job=~"$job"}, instance)'),
    ]
    names = {
        "flow": variable("flow", "Flow", 'label_values(etlworks_flow_info{job=~"$job",instance=~"$instance"}, flow_name)'),
        "one_flow": variable("flow", "Flow", 'label_values(etlworks_flow_info{job=~"$job",instance=~"$instance"}, flow_name)',
                             multi=False, include_all=False),
        "tag": variable("tag", "Tag", 'label_values(etlworks_flow_tag_info{job=~"$job",instance=~"$instance"}, tag)'),
        "severity": variable("severity", "Severity", 'label_values(etlworks_sla_breach{job=~"$job",instance=~"$instance"}, severity)'),
    }
    return {"list": items + [names[name] for name in extra]}


class Layout:
    """Places panels left to right in rows of 24 columns."""

    def __init__(self):
        self.x, self.y, self.row_height, self.next_id = 0, 0, 0, 1

    def place(self, panel, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        panel["id"] = self.next_id
        self.next_id += 1
        self.x += w
        self.row_height = max(self.row_height, h)
        return panel


def targets(queries):
    return [{"datasource": DS, "expr": expr, "legendFormat": legend, "refId": chr(65 + i),
             **({"instant": True, "range": False, "format": "table"} if legend == "__table" else {})}
            for i, (expr, legend) in enumerate(queries)]


def stat(title, expr, unit="short", description="", thresholds=None):
    steps = thresholds or [{"color": "green", "value": None}]
    return {"type": "stat", "title": title, "description": description, "datasource": DS,
            "targets": targets([(expr, "")]),
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "textMode": "auto", "orientation": "auto"}}


def timeseries(title, queries, unit="short", description="", stack=False):
    return {"type": "timeseries", "title": title, "description": description, "datasource": DS,
            "targets": targets(queries),
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                                    "stacking": {"mode": "normal" if stack else "none"}}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def table(title, expr, description="", unit="short", hide=("Time", "job", "__name__")):
    return {"type": "table", "title": title, "description": description, "datasource": DS,
            "targets": targets([(expr, "__table")]),
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "transformations": [{"id": "organize", "options": {"excludeByName": {name: True for name in hide}}}],
            "options": {"showHeader": True}}


def dashboard(uid, title, description, variables, panels):
    layout = Layout()
    return {
        "uid": uid, "title": title, "description": description, "tags": ["etlworks", "etlworks-exporter"],
        "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1, "timezone": "",
        "time": {"from": "now-24h", "to": "now"}, "refresh": "1m", "fiscalYearStartMonth": 0,
        "links": [{"type": "dashboards", "tags": ["etlworks"], "asDropdown": True, "title": "Etlworks", "includeVars": True,
                   "keepTime": True}],
        "annotations": {"list": []},
        "templating": templating(variables),
        "panels": [layout.place(panel, w, h) for panel, w, h in panels],
    }


RUNS = "etlworks_flow_runs_total{" + FLOW + "}"
RUNS_OK = "etlworks_flow_runs_total{" + FLOW + ',status="success"}'
RUNS_ERROR = "etlworks_flow_runs_total{" + FLOW + ',status="error"}'

overview = dashboard(
    "etlworks-overview", "Etlworks / Overview",
    "Runs, success ratio, errors, running and stuck runs, and SLA breaches now, for the chosen flows.",
    ["flow", "tag", "severity"],
    [
        (stat("Runs", f"sum({flows(f'increase({RUNS}[$__range])')})", description="Completed runs in the time range."), 4, 4),
        (stat("Success ratio", "sum(" + flows(f"increase({RUNS_OK}[$__range])") + ") / sum(" + flows(f"increase({RUNS}[$__range])") + ")",
              unit="percentunit", description="Successful runs over completed runs in the time range.",
              thresholds=[{"color": "red", "value": None}, {"color": "orange", "value": 0.9}, {"color": "green", "value": 0.98}]), 4, 4),
        (stat("Errors", "sum(" + flows(f"increase({RUNS_ERROR}[$__range])") + ")",
              description="Runs that ended in error in the time range.",
              thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]), 4, 4),
        (stat("Running now", f"sum({flows('etlworks_flow_running_runs{' + FLOW + '}')})"), 4, 4),
        (stat("Stuck runs (over 6 h)", f"count({flows('time() - etlworks_flow_oldest_running_start_timestamp_seconds{' + FLOW + '} > 6 * 3600')}) or vector(0)",
              description="Flows whose oldest running run started more than six hours ago.",
              thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1}]), 4, 4),
        (stat("SLA breaches now", 'sum(etlworks_sla_breach{' + SEL + ',severity=~"$severity"}) or vector(0)',
              description="Targets breaching an SLA rule of the exporter now.",
              thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]), 4, 4),
        (timeseries("Runs by status", [(f"sum by (status) ({flows(f'rate({RUNS}[$__rate_interval])')})", "{{status}}")],
                    unit="ops", description="Completed runs per second.", stack=True), 12, 8),
        (timeseries("Success ratio", [("sum(" + flows(f"rate({RUNS_OK}[$__rate_interval])") + ") / sum(" + flows(f"rate({RUNS}[$__rate_interval])") + ")", "success ratio")],
                    unit="percentunit"), 12, 8),
        (timeseries("Errors by flow", [("topk(10, " + named("sum by (job, instance, flow_id) (" + flows(f"increase({RUNS_ERROR}[$__rate_interval])") + ")") + ")", "{{flow_name}}")],
                    description="Runs ending in error, the ten flows with most."), 12, 8),
        (timeseries("Running and queued runs", [
            (f"sum({flows('etlworks_flow_running_runs{' + FLOW + '}')})", "running"),
            (f"sum({flows('etlworks_flow_queued_runs{' + FLOW + '}')})", "queued")]), 12, 8),
        (timeseries("SLA breaches by rule", [('sum by (sla, severity) (etlworks_sla_breach{' + SEL + ',severity=~"$severity"})', "{{sla}} ({{severity}})")],
                    description="Targets breaching each SLA rule; which ones on the SLA dashboard or the exporter's /sla page.", stack=True), 24, 8),
    ])

def one(expr):
    return flows(expr, tagged=False)


flow_detail = dashboard(
    "etlworks-flow", "Etlworks / Flow detail",
    "One flow: run time percentiles from the histogram, time since the last success, records, status.",
    ["one_flow"],
    [
        (stat("Since last success", "max(" + one("time() - etlworks_flow_last_success_timestamp_seconds{" + FLOW + "}") + ")", unit="s"), 6, 4),
        (stat("Last run took", "max(" + one("etlworks_flow_last_run_duration_seconds{" + FLOW + "}") + ")", unit="s"), 6, 4),
        (stat("Running now", "sum(" + one("etlworks_flow_running_runs{" + FLOW + "}") + ")"), 6, 4),
        (stat("Queued now", "sum(" + one("etlworks_flow_queued_runs{" + FLOW + "}") + ")"), 6, 4),
        (timeseries("Run time p50 / p95 (from the histogram)", [
            ("histogram_quantile(0.5, sum by (le) (" + one("rate(etlworks_flow_run_duration_seconds_bucket{" + FLOW + "}[$__rate_interval])") + "))", "p50"),
            ("histogram_quantile(0.95, sum by (le) (" + one("rate(etlworks_flow_run_duration_seconds_bucket{" + FLOW + "}[$__rate_interval])") + "))", "p95"),
            ("sum(" + one("rate(etlworks_flow_run_duration_seconds_sum{" + FLOW + "}[$__rate_interval])") + ") / sum("
             + one("rate(etlworks_flow_run_duration_seconds_count{" + FLOW + "}[$__rate_interval])") + ")", "mean")],
            unit="s"), 12, 8),
        (timeseries("Time since last success", [(named("max by (job, instance, flow_id) (" + one("time() - etlworks_flow_last_success_timestamp_seconds{" + FLOW + "}") + ")"), "{{flow_name}}")], unit="s"), 12, 8),
        (timeseries("Records processed", [("sum(" + one("rate(etlworks_flow_records_processed_total{" + FLOW + "}[$__rate_interval])") + ")", "records/s")],
                    unit="short", description="Records per second."), 12, 8),
        (timeseries("Runs by status", [("sum by (status) (" + one("increase(etlworks_flow_runs_total{" + FLOW + "}[$__rate_interval])") + ")", "{{status}}")],
                    stack=True), 12, 8),
    ])

sla = dashboard(
    "etlworks-sla", "Etlworks / SLA",
    "The exporter's SLA rules: what breaches now, compliance, error budgets and burn rates.",
    ["flow", "severity"],
    [
        (stat("Breaching now", 'sum(etlworks_sla_breach{' + SEL + ',severity=~"$severity"}) or vector(0)',
              thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]), 6, 4),
        (stat("Pending now", 'sum(etlworks_sla_pending{' + SEL + ',severity=~"$severity"}) or vector(0)',
              thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1}]), 6, 4),
        (stat("Lowest 30-day compliance", 'min(etlworks_sla_compliance_ratio{' + SEL + ',severity=~"$severity",window="30d"})', unit="percentunit"), 6, 4),
        (stat("Lowest error budget left", 'min(etlworks_sla_error_budget_remaining_ratio{' + SEL + ',severity=~"$severity"})', unit="percentunit"), 6, 4),
        (table("Breaching now", sla_targets('etlworks_sla_breach{' + SEL + ',severity=~"$severity"} == 1')), 24, 7),
        (timeseries("Compliance, last 30 days", [(sla_targets('etlworks_sla_compliance_ratio{' + SEL + ',severity=~"$severity",window="30d"}'), "{{sla}} {{flow_name}}{{agent_name}}")],
                    unit="percentunit"), 12, 8),
        (timeseries("Error budget remaining", [(sla_targets('etlworks_sla_error_budget_remaining_ratio{' + SEL + ',severity=~"$severity"}'), "{{sla}} {{flow_name}}")],
                    unit="percentunit"), 12, 8),
        (timeseries("Burn rate (1 spends the budget in the objective's window)", [
            ("max by (sla, window) (" + sla_targets('etlworks_sla_burn_rate{' + SEL + ',severity=~"$severity"}') + ")", "{{sla}} {{window}}")]), 12, 8),
        (timeseries("Breaches started", [('sum by (sla) (increase(etlworks_sla_breaches_total{' + SEL + ',severity=~"$severity"}[$__rate_interval]))', "{{sla}}")]), 12, 8),
    ])

agents_billing = dashboard(
    "etlworks-agents-billing", "Etlworks / Agents and billing",
    "On-premise agents, and the records allowance: used, and projected to the end of the billing period.",
    [],
    [
        (stat("Agents up", "sum(etlworks_agent_up{" + SEL + "}) or vector(0)"), 6, 4),
        (stat("Agents down", "count(etlworks_agent_up{" + SEL + "} == 0) or vector(0)",
              thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]), 6, 4),
        (stat("Allowance used", 'max(etlworks_billing_records_used{' + SEL + ',period="month"} / on (job, instance, period) etlworks_billing_records_allowance{' + SEL + ',period="month"})',
              unit="percentunit", thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.8}, {"color": "red", "value": 0.95}]), 6, 4),
        (stat("Projected at period end",
              'max((etlworks_billing_records_used{' + SEL + ',period="month"} + deriv(etlworks_billing_records_used{' + SEL + ',period="month"}[6h])'
              ' * on (job, instance) group_left () (etlworks_billing_period_end_timestamp_seconds{' + SEL + '} - time()))'
              ' / on (job, instance, period) etlworks_billing_records_allowance{' + SEL + ',period="month"})',
              unit="percentunit", description="Usage at the end of the billing period at the pace of the last six hours, over the allowance.",
              thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.9}, {"color": "red", "value": 1}]), 6, 4),
        (timeseries("Agents online", [("etlworks_agent_up{" + SEL + "}", "{{agent_name}}")]), 12, 8),
        (timeseries("Records used this month against the allowance", [
            ('max(etlworks_billing_records_used{' + SEL + ',period="month"})', "used"),
            ('max(etlworks_billing_records_allowance{' + SEL + ',period="month"})', "allowance")]), 12, 8),
        (timeseries("Agent last heartbeat age", [("time() - etlworks_agent_last_seen_timestamp_seconds{" + SEL + "}", "{{agent_name}}")], unit="s"), 12, 8),
        (timeseries("Records used today against the daily allowance", [
            ('max(etlworks_billing_records_used{' + SEL + ',period="day"})', "used"),
            ('max(etlworks_billing_records_allowance{' + SEL + ',period="day"})', "allowance")]), 12, 8),
    ])

exporter = dashboard(
    "etlworks-exporter", "Etlworks / Exporter",
    "The exporter itself: polls, API requests and errors, its database and scrape duration.",
    [],
    [
        (stat("API reachable", "min(etlworks_up{" + SEL + "})",
              thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]), 6, 4),
        (stat("Database writable", "min(etlworks_exporter_store_up{" + SEL + "})",
              thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]), 6, 4),
        (stat("Database size", "max(etlworks_exporter_store_size_bytes{" + SEL + "})", unit="bytes"), 6, 4),
        (stat("Scrape duration", "max(scrape_duration_seconds{" + SEL + "})", unit="s"), 6, 4),
        (timeseries("Polls by resource and result", [
            ("sum by (resource, result) (increase(etlworks_exporter_polls_total{" + SEL + "}[$__rate_interval]))", "{{resource}} {{result}}")]), 12, 8),
        (timeseries("Poll duration", [("max by (resource) (etlworks_exporter_poll_duration_seconds{" + SEL + "})", "{{resource}}")], unit="s"), 12, 8),
        (timeseries("API requests by endpoint and code", [
            ("sum by (endpoint, code) (rate(etlworks_exporter_api_requests_total{" + SEL + "}[$__rate_interval]))", "{{endpoint}} {{code}}")],
            unit="reqps"), 12, 8),
        (timeseries("API errors (non-2xx)", [
            ('sum by (endpoint, code) (rate(etlworks_exporter_api_requests_total{' + SEL + ',code!~"2.."}[$__rate_interval]))', "{{endpoint}} {{code}}")],
            unit="reqps"), 12, 8),
        (timeseries("Database size", [("max(etlworks_exporter_store_size_bytes{" + SEL + "})", "bytes")], unit="bytes"), 12, 8),
        (timeseries("Scrape duration and samples", [
            ("max(scrape_duration_seconds{" + SEL + "})", "scrape duration"),
            ("max(scrape_samples_scraped{" + SEL + "}) / 1e6", "samples (millions)")], unit="s"), 12, 8),
    ])

DASHBOARDS = {
    "etlworks-overview.json": overview,
    "etlworks-flow.json": flow_detail,
    "etlworks-sla.json": sla,
    "etlworks-agents-billing.json": agents_billing,
    "etlworks-exporter.json": exporter,
}


def main():
    check = "--check" in sys.argv
    stale = []
    for name, board in DASHBOARDS.items():
        text = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(OUT, name)
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        sys.exit("dashboards out of date (run scripts/dashboards.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
