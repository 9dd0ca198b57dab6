local g = import '../lib/grafana.libsonnet';
local q = import 'queries.libsonnet';

function(config)
  local runs = q.metric('etlworks_flow_runs_total');
  local runsOk = q.metric('etlworks_flow_runs_total', 'status="success"');
  local runsError = q.metric('etlworks_flow_runs_total', 'status="error"');
  // The mixin's recording rule (rules.libsonnet): runs a second by flow and status.
  local rate = q.metric('flow_id_status:etlworks_flow_runs:rate5m');
  local rateOk = q.metric('flow_id_status:etlworks_flow_runs:rate5m', 'status="success"');
  local breach = q.metric('etlworks_sla_breach', 'severity=~"$severity"');
  g.dashboard(
    config, 'etlworks-overview', 'Etlworks / Overview',
    'Runs, success ratio, errors, running and stuck runs, and SLA breaches now, for the chosen flows.',
    ['flow', 'tag', 'severity'],
    [
      [g.stat('Runs', 'sum(' + q.flows('increase(' + runs + '[$__range])') + ')', description='Completed runs in the time range.'), 4, 4],
      [g.stat('Success ratio', 'sum(' + q.flows('increase(' + runsOk + '[$__range])') + ') / sum(' + q.flows('increase(' + runs + '[$__range])') + ')',
              unit='percentunit', description='Successful runs over completed runs in the time range.',
              thresholds=[{ color: 'red', value: null }, { color: 'orange', value: 0.9 }, { color: 'green', value: 0.98 }]), 4, 4],
      [g.stat('Errors', 'sum(' + q.flows('increase(' + runsError + '[$__range])') + ')',
              description='Runs that ended in error in the time range.', thresholds=q.alarm('red')), 4, 4],
      [g.stat('Running now', 'sum(' + q.flows(q.metric('etlworks_flow_running_runs')) + ')'), 4, 4],
      [g.stat('Stuck runs (over %s h)' % (config.stuckRunSeconds / 3600),
              'count(' + q.flows('time() - ' + q.metric('etlworks_flow_oldest_running_start_timestamp_seconds') + ' > %d' % config.stuckRunSeconds) + ') or vector(0)',
              description='Flows whose oldest running run started more than %s hours ago.' % (config.stuckRunSeconds / 3600),
              thresholds=q.alarm('orange')), 4, 4],
      [g.stat('SLA breaches now', 'sum(' + breach + ') or vector(0)',
              description='Targets breaching an SLA rule of the exporter now.', thresholds=q.alarm('red')), 4, 4],
      [g.timeseries('Runs by status', [['sum by (status) (' + q.flows(rate) + ')', '{{status}}']],
                    unit='ops', description='Completed runs per second, over 5 minutes.', stack=true), 12, 8],
      [g.timeseries('Success ratio', [['sum(' + q.flows(rateOk) + ') / sum(' + q.flows(rate) + ')', 'success ratio']],
                    unit='percentunit', description='Successful runs over completed runs, over 5 minutes.'), 12, 8],
      [g.timeseries('Errors by flow', [['topk(10, ' + q.named('sum by (job, instance, tenant_id, flow_id) (' + q.flows('increase(' + runsError + '[$__rate_interval])') + ')') + ')', '{{flow_name}}']],
                    description='Runs ending in error, the ten flows with most.'), 12, 8],
      [g.timeseries('Running and queued runs', [
        ['sum(' + q.flows(q.metric('etlworks_flow_running_runs')) + ')', 'running'],
        ['sum(' + q.flows(q.metric('etlworks_flow_queued_runs')) + ')', 'queued'],
      ]), 12, 8],
      [g.timeseries('SLA breaches by rule', [['sum by (sla, severity) (' + breach + ')', '{{sla}} ({{severity}})']],
                    description="Targets breaching each SLA rule; which ones on the SLA dashboard or the exporter's /sla page.", stack=true), 24, 8],
    ]
  )
