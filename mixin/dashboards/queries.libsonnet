// What every dashboard query filters on: $job, $instance, $tenant (flows are chosen within
// it; without etlworks.tenants there is no tenant_id and "All" matches every flow), $flow,
// $tag (through the `tags` label of etlworks_flow_info, `,a,b,`) and $severity.
//
// Flows are chosen and named through etlworks_flow_info alone (joined on flow_id), never by
// a `flow_name` matcher on other series: with `metrics.flow_name_label: false` only the info
// metric carries the name, and the dashboards work the same in both modes.
local sel = 'job=~"$job",instance=~"$instance"';
local flowSel = sel + ',tenant_id=~"$tenant"';
local info = 'etlworks_flow_info{' + flowSel + '}';
// ${flow:regex}: Grafana escapes the regex metacharacters of the chosen names (a single
// value in `$flow` it writes as it is, and `orders (daily)` would match nothing).
local chosen = 'etlworks_flow_info{' + flowSel + ',flow_name=~"${flow:regex}"}';
local chosenTagged = 'etlworks_flow_info{' + flowSel + ',flow_name=~"${flow:regex}",tags=~"(.*,)?${tag:regex}(,.*)?"}';

{
  sel: sel,
  // A metric with the dashboard's job and instance, and more matchers if given.
  metric(name, matchers=''):: name + '{' + sel + (if matchers == '' then '' else ',' + matchers) + '}',
  // `expr` restricted to the chosen flows (and tags, where the dashboard has them).
  flows(expr, tagged=true):: '(' + expr + ' and on (job, instance, tenant_id, flow_id) ' + (if tagged then chosenTagged else chosen) + ')',
  // `expr` (one series per flow) with the flow's name from etlworks_flow_info.
  named(expr):: '(' + expr + ') * on (job, instance, tenant_id, flow_id) group_left (flow_name) ' + info,
  // SLA series of the chosen flows, named, plus those of agents, the tenant and flows
  // without per-flow series (metrics.flows.exclude).
  slaTargets(expr):: '((' + expr + ') * on (job, instance, tenant_id, flow_id) group_left (flow_name) ' + chosen + ') '
                     + 'or ((' + expr + ') unless on (job, instance, tenant_id, flow_id) ' + info + ')',
  green:: [{ color: 'green', value: null }],
  alarm(colour, from=1):: [{ color: 'green', value: null }, { color: colour, value: from }],
}
