local g = import '../lib/grafana.libsonnet';
local q = import 'queries.libsonnet';

function(config)
  local m = q.metric;
  local up = [{ color: 'red', value: null }, { color: 'green', value: 1 }];
  g.dashboard(
    config, 'etlworks-exporter', 'Etlworks / Exporter',
    'The exporter itself: polls, API requests and errors, its database and scrape duration.',
    [],
    [
      [g.stat('API reachable', 'min(' + m('etlworks_up') + ')', thresholds=up), 6, 4],
      [g.stat('Database writable', 'min(' + m('etlworks_exporter_store_up') + ')', thresholds=up), 6, 4],
      [g.stat('Database size', 'max(' + m('etlworks_exporter_store_size_bytes') + ')', unit='bytes'), 6, 4],
      [g.stat('Scrape duration', 'max(' + m('scrape_duration_seconds') + ')', unit='s'), 6, 4],
      [g.timeseries('Polls by resource and result', [
        ['sum by (resource, result) (increase(' + m('etlworks_exporter_polls_total') + '[$__rate_interval]))', '{{resource}} {{result}}'],
      ]), 12, 8],
      [g.timeseries('Poll duration', [['max by (resource) (' + m('etlworks_exporter_poll_duration_seconds') + ')', '{{resource}}']], unit='s'), 12, 8],
      [g.timeseries('API requests by endpoint and code', [
        ['sum by (endpoint, code) (rate(' + m('etlworks_exporter_api_requests_total') + '[$__rate_interval]))', '{{endpoint}} {{code}}'],
      ], unit='reqps'), 12, 8],
      [g.timeseries('API errors (non-2xx)', [
        ['sum by (endpoint, code) (rate(' + m('etlworks_exporter_api_requests_total', 'code!~"2.."') + '[$__rate_interval]))', '{{endpoint}} {{code}}'],
      ], unit='reqps'), 12, 8],
      [g.timeseries('Database size', [['max(' + m('etlworks_exporter_store_size_bytes') + ')', 'bytes']], unit='bytes'), 12, 8],
      [g.timeseries('Scrape duration and samples', [
        ['max(' + m('scrape_duration_seconds') + ')', 'scrape duration'],
        ['max(' + m('scrape_samples_scraped') + ') / 1e6', 'samples (millions)'],
      ], unit='s'), 12, 8],
    ]
  )
