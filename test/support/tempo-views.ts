/**
 * The PromQL that Grafana 13's Tempo data source sends for Explore -> Tempo -> Service Graph, written out from
 * grafana/grafana-tempo-datasource 13.1.5: the map from src/datasource.ts (makePromServiceMapRequest), the
 * table under it from src/graphTransform.ts (rateMetric, errorRateMetric, durationMetric, defaultTableFilter)
 * and buildExpr in src/datasource.ts, which turns a map filter into the table's filter. `$__range` is the
 * picker's range, e.g. 900s.
 */
const mapMetrics = [
  'traces_service_graph_request_server_seconds_sum',
  'traces_service_graph_request_total',
  'traces_service_graph_request_failed_total',
  'traces_service_graph_request_server_seconds_bucket',
];

/** The map: two instant queries per metric, the filter (`{server="..."}`) appended after the metric name. */
export const serviceMapQueries = (filter = ''): string[] =>
  mapMetrics.flatMap((metric) => [
    `sum by (client, server) (rate(${metric}${filter}[$__range]))`,
    `group by (client, connection_type, server) (${metric}${filter})`,
  ]);

/** buildExpr: the map filter without its braces and prefixes, the first client/server becoming `service`. */
const tableFilter = (filter: string) =>
  filter
    .replace('{', '')
    .replace('}', '')
    .replaceAll('client_', '')
    .replaceAll('server_', '')
    .replace('client', 'service')
    .replace('server', 'service');

const withParams = (expr: string, params: string[]) =>
  expr.replace('{}', `{${params.filter((p) => p).join(',')}}`);

/** The table: the rate of the top server spans, then their error rate and p90 (asked per span name). */
export function serviceTableQueries(filter = '', spanNames: string[] = []): string[] {
  const service = tableFilter(filter);
  // Regex metacharacters escaped, the backslash doubled for the PromQL string.
  const names = spanNames.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'));
  return [
    withParams('topk(5, sum(rate(traces_spanmetrics_calls_total{}[$__range])) by (span_name))', [
      service,
      'span_kind="SPAN_KIND_SERVER"',
    ]),
    withParams('topk(5, sum(rate(traces_spanmetrics_calls_total{}[$__range])) by (span_name))', [
      'status_code="STATUS_CODE_ERROR"',
      service,
      `span_name=~"${names.join('|')}"`,
    ]),
    ...names.map((name) =>
      withParams('histogram_quantile(.9, sum(rate(traces_spanmetrics_latency_bucket{}[$__range])) by (le))', [
        service,
        `span_name=~"${name}"`,
      ]),
    ),
  ];
}
