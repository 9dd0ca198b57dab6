// The five Grafana dashboards, linked to each other by their tag; one file each.
{
  grafanaDashboards+:: {
    'etlworks-overview.json': (import 'overview.libsonnet')($._config),
    'etlworks-flow.json': (import 'flow.libsonnet')($._config),
    'etlworks-sla.json': (import 'sla.libsonnet')($._config),
    'etlworks-agents-billing.json': (import 'agents-billing.libsonnet')($._config),
    'etlworks-exporter.json': (import 'exporter.libsonnet')($._config),
  },
}
