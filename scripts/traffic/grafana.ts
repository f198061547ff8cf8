/** Links into the provisioned Grafana (data source uids `loki`, `tempo`; dashboard uids under grafana/dashboards). */
export const dashboards = {
  overview: 'ticketing-overview',
  flow: 'ticketing-flow',
  runtime: 'ticketing-nodejs',
  pipeline: 'ticketing-pipeline',
  use: 'ticketing-use',
  lobby: 'ticketing-lobby',
};

interface Range {
  from: number;
  to: number;
}

function explore(
  grafana: string,
  datasource: { type: string; uid: string },
  query: Record<string, unknown>,
  range: Range,
) {
  const panes = {
    a: {
      datasource: datasource.uid,
      queries: [{ refId: 'A', datasource, ...query }],
      range: { from: String(range.from), to: String(range.to) },
    },
  };
  return `${grafana}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

export const lokiLink = (grafana: string, expr: string, range: Range) =>
  explore(grafana, { type: 'loki', uid: 'loki' }, { expr, queryType: 'range' }, range);

export const traceLink = (grafana: string, traceId: string, range: Range) =>
  explore(grafana, { type: 'tempo', uid: 'tempo' }, { queryType: 'traceql', query: traceId }, range);

export const dashboardLink = (grafana: string, uid: string, range: Range) =>
  `${grafana}/d/${uid}?orgId=1&from=${range.from}&to=${range.to}`;

/** The profile type of the services' CPU profiles (wall clock with CPU time), as Pyroscope names it. */
export const cpuProfileType = 'wall:cpu:nanoseconds:wall:nanoseconds';

/** The CPU flame graph of one service in Explore (Pyroscope, uid `pyroscope`), over the last 15 minutes. */
export const profileLink = (grafana: string, service: string) =>
  explore(
    grafana,
    { type: 'grafana-pyroscope-datasource', uid: 'pyroscope' },
    {
      queryType: 'profile',
      profileTypeId: cpuProfileType,
      labelSelector: `{service_name="${service}"}`,
      groupBy: [],
    },
    { from: Date.now() - 15 * 60_000, to: Date.now() },
  );
