local g = import '../lib/grafana.libsonnet';
local q = import 'queries.libsonnet';

function(config)
  // A tenant's SLA series carry its tenant_id (agent and tenant rules' too, which no flow join filters).
  local m(name, matchers='') = q.metric(name, 'severity=~"$severity",tenant_id=~"$tenant"' + (if matchers == '' then '' else ',' + matchers));
  g.dashboard(
    config, 'etlworks-sla', 'Etlworks / SLA',
    "The exporter's SLA rules: what breaches now, compliance, error budgets and burn rates.",
    ['flow', 'severity'],
    [
      [g.stat('Breaching now', 'sum(' + m('etlworks_sla_breach') + ') or vector(0)', thresholds=q.alarm('red')), 6, 4],
      [g.stat('Pending now', 'sum(' + m('etlworks_sla_pending') + ') or vector(0)', thresholds=q.alarm('orange')), 6, 4],
      [g.stat('Lowest 30-day compliance', 'min(' + m('etlworks_sla_compliance_ratio', 'window="30d"') + ')', unit='percentunit'), 6, 4],
      [g.stat('Lowest error budget left', 'min(' + m('etlworks_sla_error_budget_remaining_ratio') + ')', unit='percentunit'), 6, 4],
      [g.table('Breaching now', q.slaTargets(m('etlworks_sla_breach') + ' == 1')), 24, 7],
      [g.timeseries('Compliance, last 30 days', [[q.slaTargets(m('etlworks_sla_compliance_ratio', 'window="30d"')), '{{sla}} {{flow_name}}{{agent_name}}']],
                    unit='percentunit'), 12, 8],
      [g.timeseries('Error budget remaining', [[q.slaTargets(m('etlworks_sla_error_budget_remaining_ratio')), '{{sla}} {{flow_name}}']],
                    unit='percentunit'), 12, 8],
      [g.timeseries("Burn rate (1 spends the budget in the objective's window)", [
        ['max by (sla, window) (' + q.slaTargets(m('etlworks_sla_burn_rate')) + ')', '{{sla}} {{window}}'],
      ]), 12, 8],
      [g.timeseries('Breaches started', [['sum by (sla) (increase(' + m('etlworks_sla_breaches_total') + '[$__rate_interval]))', '{{sla}}']]), 12, 8],
    ]
  )
