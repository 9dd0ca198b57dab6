// Grafana panel and dashboard builders for the mixin's dashboards, so the five share
// variables, filters and layout. Units are base units.
local datasource = { type: 'prometheus', uid: '${datasource}' };

local variable(name, label, query, multi=true, includeAll=true) = {
  name: name,
  label: label,
  type: 'query',
  datasource: datasource,
  query: { query: query, refId: name + '-values' },
  definition: query,
  refresh: 2,
  sort: 1,
  multi: multi,
  includeAll: includeAll,
  allValue: if includeAll then '.*' else null,
  current: if includeAll then { selected: true, text: ['All'], value: ['$__all'] } else {},
  hide: 0,
  options: [],
  regex: '',
  skipUrlSync: false,
};

// [expr, legend] pairs; the legend '__table' asks for one instant table.
local targets(queries) = [
  { datasource: datasource, expr: queries[i][0], legendFormat: queries[i][1], refId: std.char(65 + i) }
  + (if queries[i][1] == '__table' then { instant: true, range: false, format: 'table' } else {})
  for i in std.range(0, std.length(queries) - 1)
];

// Places [panel, width, height] left to right in rows of 24 columns, numbering them.
local layout(panels) =
  local step(state, item) =
    local wraps = state.x + item[1] > 24;
    local x = if wraps then 0 else state.x;
    local y = if wraps then state.y + state.rowHeight else state.y;
    local rowHeight = if wraps then 0 else state.rowHeight;
    {
      x: x + item[1],
      y: y,
      rowHeight: std.max(rowHeight, item[2]),
      panels: state.panels + [item[0] { gridPos: { x: x, y: y, w: item[1], h: item[2] }, id: std.length(state.panels) + 1 }],
    };
  std.foldl(step, panels, { x: 0, y: 0, rowHeight: 0, panels: [] }).panels;

{
  variable:: variable,

  templating(config, extra):: {
    local flowNames = 'label_values(etlworks_flow_info{job=~"$job",instance=~"$instance",tenant_id=~"$tenant"}, flow_name)',
    local named = {
      flow: variable('flow', 'Flow', flowNames),
      one_flow: variable('flow', 'Flow', flowNames, multi=false, includeAll=false),
      tag: variable('tag', 'Tag', 'label_values(etlworks_flow_tag_info{job=~"$job",instance=~"$instance"}, tag)'),
      severity: variable('severity', 'Severity', 'label_values(etlworks_sla_breach{job=~"$job",instance=~"$instance"}, severity)'),
    },
    list: [
      { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0,
        options: [], refresh: 1, regex: '', skipUrlSync: false },
      variable('job', 'Job', 'label_values(etlworks_up{%(selector)s}, job)' % config),
      variable('instance', 'Instance', 'label_values(etlworks_up{%(selector)s,job=~"$job"}, instance)' % config),
      // Empty without etlworks.tenants: "All" (.*) then matches the flows, which have no tenant_id.
      variable('tenant', 'Tenant', 'label_values(etlworks_tenant_info{job=~"$job",instance=~"$instance"}, tenant_id)'),
    ] + [named[name] for name in extra],
  },

  stat(title, expr, unit='short', description='', thresholds=[{ color: 'green', value: null }]):: {
    type: 'stat',
    title: title,
    description: description,
    datasource: datasource,
    targets: targets([[expr, '']]),
    fieldConfig: { defaults: { unit: unit, thresholds: { mode: 'absolute', steps: thresholds } }, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value', graphMode: 'area', textMode: 'auto', orientation: 'auto',
    },
  },

  timeseries(title, queries, unit='short', description='', stack=false):: {
    type: 'timeseries',
    title: title,
    description: description,
    datasource: datasource,
    targets: targets(queries),
    fieldConfig: {
      defaults: {
        unit: unit,
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, stacking: { mode: if stack then 'normal' else 'none' } },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  table(title, expr, description='', unit='short', hide=['Time', 'job', '__name__']):: {
    type: 'table',
    title: title,
    description: description,
    datasource: datasource,
    targets: targets([[expr, '__table']]),
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
    transformations: [{ id: 'organize', options: { excludeByName: { [name]: true for name in hide } } }],
    options: { showHeader: true },
  },

  dashboard(config, uid, title, description, variables, panels):: {
    uid: uid,
    title: title,
    description: description,
    tags: config.dashboardTags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    timezone: '',
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    fiscalYearStartMonth: 0,
    links: [{ type: 'dashboards', tags: [config.dashboardTags[0]], asDropdown: true, title: 'Etlworks',
              includeVars: true, keepTime: true }],
    annotations: { list: [] },
    templating: $.templating(config, variables),
    panels: layout(panels),
  },
}
