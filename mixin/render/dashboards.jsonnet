// dashboards/*.json: `jsonnet -J mixin -m dashboards mixin/render/dashboards.jsonnet`.
// Settings as a top-level argument: --tla-code 'config={selector: "job=\"etl\""}'.
function(config={})
((import '../mixin.libsonnet') + { _config+:: config }).grafanaDashboards
