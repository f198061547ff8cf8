import { fetchJson } from './http';

export interface Panel {
  title: string;
  type: string;
  datasource?: { type?: string; uid?: string } | string;
  targets?: Record<string, unknown>[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; current?: { value?: unknown } }[] };
}

interface QueryResult {
  results: Record<
    string,
    { status?: number; error?: string; frames?: { data?: { values?: unknown[][] } }[] }
  >;
}

const builtins: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '30s',
  __range: '15m',
  __range_s: '900',
  __interval_ms: '30000',
};

/**
 * Grafana draws a Tempo service map in the browser from the service-graph series in Prometheus; the query API
 * cannot run that, so the check asks Prometheus for the series the map is drawn from.
 */
export const asApiQuery = (target: Record<string, unknown>): Record<string, unknown> =>
  target.queryType === 'serviceMap'
    ? {
        refId: target.refId,
        datasource: { type: 'prometheus', uid: 'prometheus' },
        expr: 'sum by (client, server) (rate(traces_service_graph_request_total[$__rate_interval]))',
      }
    : target;

/** Template variables as "all": `$app`, `${app}`, `${app:regex}` become `.*`; Grafana's own become fixed spans. */
export function resolveVariables(text: string, variables: string[]): string {
  return text.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string, bare: string) => {
    const name = braced ?? bare;
    if (name in builtins) return builtins[name];
    return variables.includes(name) ? '.*' : whole;
  });
}

/** What Grafana's HTTP API tells about data sources and the provisioned dashboards. */
export class GrafanaClient {
  private readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    authorization?: string,
  ) {
    this.headers = authorization ? { authorization } : {};
  }

  async datasourceHealth(uid: string): Promise<{ status: string; message: string }> {
    return fetchJson(`${this.url}/api/datasources/uid/${uid}/health`, { headers: this.headers });
  }

  async dashboards(): Promise<{ uid: string; title: string; url: string }[]> {
    return fetchJson(`${this.url}/api/search?type=dash-db&limit=500`, { headers: this.headers });
  }

  async dashboard(uid: string): Promise<Dashboard> {
    const url = `${this.url}/api/dashboards/uid/${uid}`;
    return (await fetchJson<{ dashboard: Dashboard }>(url, { headers: this.headers })).dashboard;
  }

  /** Runs a panel's queries over the last 15 minutes through /api/ds/query; true when any frame has rows. */
  async panelHasData(dashboard: Dashboard, panel: Panel): Promise<{ ok: boolean; error?: string }> {
    const variables = (dashboard.templating?.list ?? []).map((v) => v.name);
    const panelSource = typeof panel.datasource === 'object' ? panel.datasource : undefined;
    const queries = (panel.targets ?? []).map((target) => {
      const resolved = JSON.parse(resolveVariables(JSON.stringify(asApiQuery(target)), variables)) as Record<
        string,
        unknown
      >;
      return {
        ...resolved,
        datasource: resolved.datasource ?? panelSource,
        intervalMs: 30_000,
        maxDataPoints: 100,
      };
    });
    // A panel with no query shows nothing: it has no data to find.
    if (!queries.length) return { ok: false, error: 'no query' };
    // A panel waits for its data source's server, which may be Pyroscope's slow first query.
    const response = await fetchJson<QueryResult>(`${this.url}/api/ds/query`, {
      method: 'POST',
      headers: this.headers,
      body: { from: 'now-15m', to: 'now', queries },
      budgetMs: 30_000,
    });
    const results = Object.values(response.results);
    const error = results.find((r) => r.error)?.error;
    const ok = results.some((r) =>
      (r.frames ?? []).some((f) => (f.data?.values ?? []).some((column) => column.length > 0)),
    );
    return { ok: ok && !error, error };
  }
}

export function flattenPanels(panels: Panel[] = []): Panel[] {
  return panels
    .flatMap((p) => (p.type === 'row' ? flattenPanels(p.panels) : [p]))
    .filter((p) => p.type !== 'text');
}
