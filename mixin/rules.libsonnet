// Recording rules the Overview dashboard reads: the per-flow run rate by status, kept at
// the flow (not summed away) so the dashboard can still filter by flow and tag through
// etlworks_flow_info. Evaluated once per interval instead of once per panel and viewer.
{
  local config = $._config,
  prometheusRules+:: {
    groups+: [
      {
        name: 'etlworks-exporter.rules',
        rules: [
          {
            record: 'flow_id_status:etlworks_flow_runs:rate5m',
            expr: 'sum by (job, instance, tenant_id, flow_id, status) (rate(etlworks_flow_runs_total{%(selector)s}[5m]))' % config,
          },
        ],
      },
    ],
  },
}
