// The queries every dashboard shares, written once: the data sources as Grafana has them provisioned, the
// query builders of each (PromQL, LogQL, TraceQL, Pyroscope), and the RED queries of the services' histogram.
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as pyroscope from '@grafana/grafana-foundation-sdk/grafanapyroscope';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';

/** As grafana/provisioning/datasources/datasources.yaml provisions them. */
export const sources = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  tempo: { type: 'tempo', uid: 'tempo' },
  pyroscope: { type: 'grafana-pyroscope-datasource', uid: 'pyroscope' },
};

export type Query = cog.Builder<cog.Dataquery> & { refId(refId: string): unknown };
const promql = (expr: string, legend?: string) => {
  const query = new prometheus.DataqueryBuilder()
    .datasource(sources.prometheus)
    .editorMode(prometheus.QueryEditorMode.Code)
    .expr(expr);
  return legend === undefined ? query : query.legendFormat(legend);
};
/** A PromQL query over the time range, one point per step. */
export const series = (expr: string, legend?: string) => promql(expr, legend).range();
/** A PromQL query at the end of the time range. */
export const instant = (expr: string, legend?: string) => promql(expr, legend).instant();
export const tableQuery = (expr: string) => instant(expr).format(prometheus.PromQueryFormat.Table);
export const logql = (expr: string, legend?: string) => {
  const query = new loki.DataqueryBuilder()
    .datasource(sources.loki)
    .editorMode(loki.QueryEditorMode.Code)
    .expr(expr);
  return (legend === undefined ? query : query.legendFormat(legend)).queryType('range');
};
export const traceql = (query: string) =>
  new tempo.DataqueryBuilder()
    .datasource(sources.tempo)
    .queryType('traceql')
    .query(query)
    .limit(20)
    .tableType(tempo.SearchTableType.Traces);
export const serviceMap = () =>
  new tempo.DataqueryBuilder().datasource(sources.tempo).queryType('serviceMap');
export const cpuProfile = (labelSelector: string) =>
  new pyroscope.DataqueryBuilder()
    .datasource(sources.pyroscope)
    .queryType('profile')
    .profileTypeId('wall:cpu:nanoseconds:wall:nanoseconds')
    .labelSelector(labelSelector)
    .groupBy([]);

/**
 * The RED queries of http_request_duration_seconds, summed by `by`. A ratio's `or ... * 0` (or `vector(0)`)
 * makes it 0 where there is traffic but no such status yet, rather than no value.
 */
export function red(by: string[], matchers: string[], window: string, fn = 'rate') {
  const sum = (labels: string[]) => (labels.length ? `sum by (${labels.join(', ')}) ` : 'sum');
  const of = (metric: string, extra: string[] = [], labels = by) => {
    const selector = [...matchers, ...extra].length ? `{${[...matchers, ...extra].join(', ')}}` : '';
    return `${sum(labels)}(${fn}(http_request_duration_seconds_${metric}${selector}[${window}]))`;
  };
  return {
    rate: of('count'),
    ratio: (status: string) =>
      `(${of('count', [`status_code=~"${status}"`])} or ${by.length ? `${of('count')} * 0` : 'vector(0)'}) / ${of('count')}`,
    quantile: (q: number) => `histogram_quantile(${q}, ${of('bucket', [], [...by, 'le'])})`,
  };
}
