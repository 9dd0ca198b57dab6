local g = import '../lib/grafana.libsonnet';
local q = import 'queries.libsonnet';

function(config)
  local m = q.metric;
  local used(period) = m('etlworks_billing_records_used', 'period="%s"' % period);
  local allowance(period) = m('etlworks_billing_records_allowance', 'period="%s"' % period);
  g.dashboard(
    config, 'etlworks-agents-billing', 'Etlworks / Agents and billing',
    'On-premise agents, and the records allowance: used, and projected to the end of the billing period.',
    [],
    [
      [g.stat('Agents up', 'sum(' + m('etlworks_agent_up') + ') or vector(0)'), 6, 4],
      [g.stat('Agents down', 'count(' + m('etlworks_agent_up') + ' == 0) or vector(0)', thresholds=q.alarm('red')), 6, 4],
      [g.stat('Allowance used', 'max(' + used('month') + ' / on (job, instance, period) ' + allowance('month') + ')',
              unit='percentunit', thresholds=[{ color: 'green', value: null }, { color: 'orange', value: 0.8 }, { color: 'red', value: 0.95 }]), 6, 4],
      [g.stat('Projected at period end',
              'max((' + used('month') + ' + deriv(' + used('month') + '[6h])'
              + ' * on (job, instance) group_left () (' + m('etlworks_billing_period_end_timestamp_seconds') + ' - time()))'
              + ' / on (job, instance, period) ' + allowance('month') + ')',
              unit='percentunit', description='Usage at the end of the billing period at the pace of the last six hours, over the allowance.',
              thresholds=[{ color: 'green', value: null }, { color: 'orange', value: 0.9 }, { color: 'red', value: 1 }]), 6, 4],
      [g.timeseries('Agents online', [[m('etlworks_agent_up'), '{{agent_name}}']]), 12, 8],
      [g.timeseries('Records used this month against the allowance', [
        ['max(' + used('month') + ')', 'used'],
        ['max(' + allowance('month') + ')', 'allowance'],
      ]), 12, 8],
      [g.timeseries('Agent last heartbeat age', [['time() - ' + m('etlworks_agent_last_seen_timestamp_seconds'), '{{agent_name}}']], unit='s'), 12, 8],
      [g.timeseries('Records used today against the daily allowance', [
        ['max(' + used('day') + ')', 'used'],
        ['max(' + allowance('day') + ')', 'allowance'],
      ]), 12, 8],
    ]
  )
