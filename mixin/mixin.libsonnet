// The etlworks-exporter monitoring mixin: alerts, recording rules and Grafana dashboards
// from one configuration (config.libsonnet). scripts/mixin.sh renders it into alerts/,
// dashboards/ and deploy/kubernetes/prometheusrule.yaml.
(import 'config.libsonnet')
+ (import 'alerts.libsonnet')
+ (import 'rules.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
