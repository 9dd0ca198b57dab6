// The alerts: the exporter's own health and what it watches (etlworks-exporter), and the
// exporter's SLA rules with their error-budget burn (etlworks-sla). Tests:
// alerts/tests/etlworks-exporter.test.yml (promtool test rules on the rendering).

// A flow alert names the flow by its flow_name label or, with `metrics.flow_name_label:
// false` (only etlworks_flow_info carries the name), by looking it up in etlworks_flow_info;
// a flow with no per-flow series (`metrics.flows.exclude`) is named by its id.
local flowName = '{{ $flow := $labels.flow_name }}{{ if not $flow }}{{ with printf "etlworks_flow_info{job=%q,instance=%q,tenant_id=%q,flow_id=%q}" $labels.job $labels.instance $labels.tenant_id $labels.flow_id | query }}{{ $flow = . | first | label "flow_name" }}{{ end }}{{ end }}';
local flow = '{{ or $flow $labels.flow_id }}';

{
  local config = $._config,
  local alert(name, expr, wait, severity, summary, description) = {
    alert: name,
    expr: expr % config,
    [if wait != null then 'for']: wait,
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: description,
      runbook_url: config.runbookURLPattern % std.asciiLower(name),
    },
  },

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'etlworks-exporter',
        rules: [
          alert('EtlworksExporterDown', 'up{%(selector)s} == 0', '5m', 'critical',
                'etlworks-exporter is down',
                'Prometheus has not been able to scrape {{ $labels.instance }} for 5 minutes; no Etlworks data is collected.'),
          alert('EtlworksAPIUnreachable', 'etlworks_up{%(selector)s} == 0', '5m', 'critical',
                'The Etlworks API does not answer the exporter',
                'The latest polls of {{ $labels.instance }} got no answer from the Etlworks API (connection errors, timeouts, 5xx or rate limiting) for 5 minutes.'),
          alert('EtlworksExporterPollFailing', |||
            increase(etlworks_exporter_polls_total{%(selector)s,result="error"}[15m]) > 0
            unless on (instance, job, resource) increase(etlworks_exporter_polls_total{%(selector)s,result="success"}[15m]) > 0
          |||, '5m', 'warning',
                'Polls of {{ $labels.resource }} keep failing',
                'Every poll of {{ $labels.resource }} by {{ $labels.instance }} failed in the last 15 minutes; see its /health for the error.'),
          alert('EtlworksExporterStoreFailing', 'etlworks_exporter_store_up{%(selector)s} == 0', '2m', 'critical',
                'etlworks-exporter cannot write its database',
                'Writes to the SQLite database of {{ $labels.instance }} fail (disk full, read-only file or corruption); runs are not being recorded.'),
          // Judged on more than one run: the latest failed and so did another in the last 6
          // hours. One failure of a weekly flow is for an SLA rule (`consecutive_failures: 1`).
          alert('EtlworksFlowFailing', |||
            etlworks_flow_last_run_status{%(selector)s,status="error"} == 1
            and on (instance, job, tenant_id, flow_id) increase(etlworks_flow_runs_total{%(selector)s,status="error"}[6h]) >= 1.5
          |||, '10m', 'warning',
                flowName + 'Flow ' + flow + ' failed',
                flowName + 'The most recent run of flow ' + flow + ' (id {{ $labels.flow_id }}) ended in error.'),
          // Staleness for scheduled flows only, against their own cadence: no success for a
          // whole interval of their schedules plus their expected run time (half an hour of
          // grace in `for`). A weekly flow is not stale three days after its run; a flow run
          // by hand never is.
          alert('EtlworksFlowStale', |||
            (time() - etlworks_flow_last_success_timestamp_seconds{%(selector)s})
            > on (instance, job, tenant_id, flow_id) group_left ()
              (
                max by (instance, job, tenant_id, flow_id) (etlworks_flow_schedule_interval_seconds{%(selector)s})
                + on (instance, job, tenant_id, flow_id)
                  (
                    max by (instance, job, tenant_id, flow_id) (etlworks_flow_expected_duration_seconds{%(selector)s})
                    or max by (instance, job, tenant_id, flow_id) (etlworks_flow_schedule_interval_seconds{%(selector)s}) * 0
                  )
              )
            unless on (instance, job, tenant_id, flow_id) etlworks_flow_info{%(selector)s,kind="streaming"}
          |||, '30m', 'warning',
                flowName + 'Flow ' + flow + ' missed its schedule',
                flowName + 'The last successful run of flow ' + flow + ' (id {{ $labels.flow_id }}) ended {{ $value | humanizeDuration }} ago, longer than the interval of its schedules and its expected run time together.'),
          // Stuck: running three times its own expected duration and half an hour more (6
          // hours for a flow with no expectation yet); never a stream, which runs until stopped.
          alert('EtlworksRunStuck', |||
            (time() - etlworks_flow_oldest_running_start_timestamp_seconds{%(selector)s})
            > on (instance, job, tenant_id, flow_id) group_left ()
              (
                3 * max by (instance, job, tenant_id, flow_id) (etlworks_flow_expected_duration_seconds{%(selector)s}) + 1800
                or max by (instance, job, tenant_id, flow_id) (etlworks_flow_oldest_running_start_timestamp_seconds{%(selector)s}) * 0 + %(stuckRunSeconds)d
              )
            unless on (instance, job, tenant_id, flow_id) etlworks_flow_info{%(selector)s,kind="streaming"}
          |||, '5m', 'warning',
                flowName + 'A run of flow ' + flow + ' runs far longer than expected',
                flowName + 'The oldest running run of flow ' + flow + ' (id {{ $labels.flow_id }}) started {{ $value | humanizeDuration }} ago, over three times its expected run time.'),
          // Streams (change-data-capture flows) are judged by their stream, not their run.
          // Down: the run is up but no stream task answers; no change reaches the destination.
          alert('EtlworksStreamDown', 'etlworks_stream_up{%(selector)s} == 0', '5m', 'critical',
                flowName + 'Stream ' + flow + ' is down',
                flowName + 'The run of streaming flow ' + flow + ' (id {{ $labels.flow_id }}) is running, but no stream task has answered for 5 minutes: changes are not being captured.'),
          // Stalled: the task answers, has run 30 minutes, and its records counter has not
          // grown for 30 minutes. A source with no changes looks the same, hence a warning.
          alert('EtlworksStreamStalled', |||
            (
              time() - etlworks_stream_last_progress_timestamp_seconds{%(selector)s}
              or time() - etlworks_stream_started_timestamp_seconds{%(selector)s}
            ) > 1800
            and on (instance, job, tenant_id, flow_id) time() - etlworks_stream_started_timestamp_seconds{%(selector)s} > 1800
            and on (instance, job, tenant_id, flow_id) etlworks_stream_up{%(selector)s} == 1
          |||, '5m', 'warning',
                flowName + 'Stream ' + flow + ' has stalled',
                flowName + 'The stream of flow ' + flow + ' (id {{ $labels.flow_id }}) is up but has processed no records for {{ $value | humanizeDuration }}.'),
          alert('EtlworksStreamLagging', 'etlworks_stream_latency_seconds{%(selector)s} > 900', '10m', 'warning',
                flowName + 'Stream ' + flow + ' is lagging',
                flowName + 'The stream of flow ' + flow + ' (id {{ $labels.flow_id }}) is {{ $value | humanizeDuration }} behind its source, over 15 minutes for 10 minutes.'),
          alert('EtlworksAgentOffline', 'etlworks_agent_up{%(selector)s} == 0', '10m', 'warning',
                'Etlworks agent {{ $labels.agent_name }} is offline',
                'The on-premise agent {{ $labels.agent_name }} (id {{ $labels.agent_id }}) has been offline for 10 minutes; flows it runs cannot start.'),
          alert('EtlworksAllowanceNearlyUsed', |||
            etlworks_billing_records_used{%(selector)s,period="month"}
              / on (instance, job, period) etlworks_billing_records_allowance{%(selector)s,period="month"} > 0.9
          |||, '15m', 'warning',
                'Over 90% of the monthly Etlworks allowance is used',
                "{{ $value | humanizePercentage }} of this month's allowance of records processed is used."),
        ],
      },
      // SLA rules evaluated by the exporter (`sla:` in its configuration). The exporter
      // applies each rule's `for`, so a breach alerts at once; the rule's severity passes through.
      {
        name: 'etlworks-sla',
        rules: [
          alert('EtlworksSLABreach', 'etlworks_sla_breach{%(selector)s} == 1', null, '{{ $labels.severity }}',
                flowName + 'SLA {{ $labels.sla }} breached by {{ if $labels.flow_id }}flow ' + flow + '{{ else }}{{ with $labels.agent_name }}agent {{ . }}{{ else }}the tenant{{ end }}{{ end }}',
                "The exporter's SLA rule {{ $labels.sla }} breaches; its /sla page and GET /api/v1/sla show the value, threshold and since when."),
          // Multi-window, multi-burn-rate alerts on `objective` rules (Google SRE workbook,
          // ch. 5): 2% of a 30-day budget in an hour or 5% in six hours pages; 10% in three
          // days files a ticket. The exporter scales the factors to each objective's window.
          alert('EtlworksErrorBudgetBurnFast', |||
            max without (window) (
              etlworks_sla_burn_rate{%(selector)s,window="1h"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="1h"}
              and ignoring (window)
                etlworks_sla_burn_rate{%(selector)s,window="5m"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="1h"}
            )
            or
            max without (window) (
              etlworks_sla_burn_rate{%(selector)s,window="6h"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="6h"}
              and ignoring (window)
                etlworks_sla_burn_rate{%(selector)s,window="30m"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="6h"}
            )
          |||, '2m', 'critical',
                flowName + 'SLO {{ $labels.sla }}{{ if $labels.flow_id }} of flow ' + flow + '{{ end }} is burning its error budget fast',
                'Runs fail {{ $value | printf "%.1f" }} times faster than the objective allows; at this rate the error budget of the objective\'s window is gone long before the window ends.'),
          alert('EtlworksErrorBudgetBurnSlow', |||
            max without (window) (
              etlworks_sla_burn_rate{%(selector)s,window="1d"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="1d"}
              and ignoring (window)
                etlworks_sla_burn_rate{%(selector)s,window="2h"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="1d"}
            )
            or
            max without (window) (
              etlworks_sla_burn_rate{%(selector)s,window="3d"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="3d"}
              and ignoring (window)
                etlworks_sla_burn_rate{%(selector)s,window="6h"} > ignoring (window) etlworks_sla_burn_rate_threshold{%(selector)s,window="3d"}
            )
          |||, '15m', 'warning',
                flowName + 'SLO {{ $labels.sla }}{{ if $labels.flow_id }} of flow ' + flow + '{{ end }} is burning its error budget',
                'Runs fail {{ $value | printf "%.1f" }} times faster than the objective allows, steadily; the error budget will not last the objective\'s window.'),
          alert('EtlworksErrorBudgetExhausted', 'etlworks_sla_error_budget_remaining_ratio{%(selector)s} <= 0', '15m', 'warning',
                flowName + 'SLO {{ $labels.sla }}{{ if $labels.flow_id }} of flow ' + flow + '{{ end }} has used its whole error budget',
                "More runs failed in the objective's window than it allows ({{ $value | humanizePercentage }} of the budget remains)."),
        ],
      },
    ],
  },
}
