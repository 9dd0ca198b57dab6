// What a user of the mixin sets: import mixin.libsonnet and override `_config`, e.g.
//   (import 'mixin.libsonnet') + { _config+:: { selector: 'job="etl"' } }
{
  _config+:: {
    // Matchers that select the exporter's series (its scrape job): added to every metric
    // selector of the alerts and recording rules, and to the dashboards' job variable.
    selector: 'job="etlworks"',
    // Where an alert's runbook_url points; %s is the alert's name in lower case, which is
    // the anchor of its section in docs/runbook.md.
    runbookURLPattern: 'https://github.com/etlworks-exporter/etlworks-exporter/blob/main/docs/runbook.md#%s',
    // The Grafana dashboards' tags and the tag their "Etlworks" link menu follows.
    dashboardTags: ['etlworks', 'etlworks-exporter'],
    // Overview and Flow detail's "stuck" stat: a run older than this (seconds).
    stuckRunSeconds: 6 * 3600,
  },
}
