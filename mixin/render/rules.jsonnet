// The mixin's alerts and recording rules as the two files the kit ships: a Prometheus rule
// file, and the same groups in a Prometheus Operator PrometheusRule.
// `jsonnet -S -J mixin -m OUT mixin/render/rules.jsonnet` (scripts/mixin.sh).
// Settings as a top-level argument: --tla-code 'config={selector: "job=\"etl\""}'.
function(config={})
  local mixin = (import '../mixin.libsonnet') + { _config+:: config };
  // Manifested once: jsonnet's YAML writer takes seconds for these groups.
  local groups = std.manifestYamlDoc({ groups: mixin.prometheusAlerts.groups + mixin.prometheusRules.groups },
                                     indent_array_in_object=true, quote_keys=false);
  {
    'alerts/etlworks-exporter.rules.yml': |||
      # Generated from mixin/ (alerts.libsonnet, rules.libsonnet, config.libsonnet) by
      # scripts/mixin.sh: edit those and re-run it. Selector: %(selector)s.
      # Runbook: docs/runbook.md. Tests: alerts/tests/ (promtool test rules).
    ||| % mixin._config + groups + '\n',
    'deploy/kubernetes/prometheusrule.yaml': |||
      # Generated from mixin/ by scripts/mixin.sh: edit the mixin and re-run it. The Prometheus
      # Operator loads these rules.
      apiVersion: monitoring.coreos.com/v1
      kind: PrometheusRule
      metadata:
        name: etlworks-exporter
        namespace: monitoring
        labels:
          app.kubernetes.io/name: etlworks-exporter
      spec:
    ||| + std.join('\n', [if line == '' then '' else '  ' + line for line in std.split(groups, '\n')]) + '\n',
  }
