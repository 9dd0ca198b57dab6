local g = import '../lib/grafana.libsonnet';
local q = import 'queries.libsonnet';

function(config)
  local one(expr) = q.flows(expr, tagged=false);
  local m = q.metric;
  local buckets = 'rate(' + m('etlworks_flow_run_duration_seconds_bucket') + '[$__rate_interval])';
  g.dashboard(
    config, 'etlworks-flow', 'Etlworks / Flow detail',
    'One flow: run time percentiles from the histogram, time since the last success, records, status.',
    ['one_flow'],
    [
      [g.stat('Since last success', 'max(' + one('time() - ' + m('etlworks_flow_last_success_timestamp_seconds')) + ')', unit='s'), 6, 4],
      [g.stat('Last run took', 'max(' + one(m('etlworks_flow_last_run_duration_seconds')) + ')', unit='s'), 6, 4],
      [g.stat('Running now', 'sum(' + one(m('etlworks_flow_running_runs')) + ')'), 6, 4],
      [g.stat('Queued now', 'sum(' + one(m('etlworks_flow_queued_runs')) + ')'), 6, 4],
      [g.timeseries('Run time p50 / p95 (from the histogram)', [
        ['histogram_quantile(0.5, sum by (le) (' + one(buckets) + '))', 'p50'],
        ['histogram_quantile(0.95, sum by (le) (' + one(buckets) + '))', 'p95'],
        ['sum(' + one('rate(' + m('etlworks_flow_run_duration_seconds_sum') + '[$__rate_interval])') + ') / sum('
         + one('rate(' + m('etlworks_flow_run_duration_seconds_count') + '[$__rate_interval])') + ')', 'mean'],
      ], unit='s'), 12, 8],
      [g.timeseries('Time since last success', [[q.named('max by (job, instance, tenant_id, flow_id) (' + one('time() - ' + m('etlworks_flow_last_success_timestamp_seconds')) + ')'), '{{flow_name}}']], unit='s'), 12, 8],
      [g.timeseries('Records processed', [['sum(' + one('rate(' + m('etlworks_flow_records_processed_total') + '[$__rate_interval])') + ')', 'records/s']],
                    description='Records per second.'), 12, 8],
      [g.timeseries('Runs by status', [['sum by (status) (' + one('increase(' + m('etlworks_flow_runs_total') + '[$__rate_interval])') + ')', '{{status}}']], stack=true), 12, 8],
    ]
  )
