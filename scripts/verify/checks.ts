import { dashboardLink, lokiLink, traceLink } from '../traffic/grafana';
import { flattenPanels, GrafanaClient } from './grafana';
import { LokiClient } from './loki';
import { PrometheusClient } from './prometheus';
import { TempoClient } from './tempo';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  link?: string;
}

export interface Endpoints {
  prometheus: string;
  loki: string;
  tempo: string;
  grafana: string;
}

export const apps = ['queue-service', 'user-service', 'ticket-service'];
export const chapterQueries = [
  'rate(http_request_duration_seconds_count[1m])',
  'rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])',
  'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
];
const runtimeSeries = [
  'process_cpu_seconds_total',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_seconds',
];
const window = () => ({ from: Date.now() - 15 * 60_000, to: Date.now() });
const exploreMetric = (grafana: string, expr: string) =>
  `${grafana}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify({ a: { datasource: 'prometheus', queries: [{ refId: 'A', datasource: { type: 'prometheus', uid: 'prometheus' }, expr }], range: { from: 'now-15m', to: 'now' } } }))}`;

async function guard(name: string, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return [{ name, ok: false, detail: (error as Error).message }];
  }
}

/** The chapter's Loki step, and its log -> trace step through the trace id of a "Joined queue" line. */
export function logChecks(e: Endpoints): Promise<CheckResult[]> {
  const expr = '{app="queue-service"} |= "Joined queue"';
  return guard('Loki: "Joined queue" lines', async () => {
    const lines = await new LokiClient(e.loki).lines(expr, new Date(window().from));
    const named = lines.filter((l) => /user-[a-z0-9]{5}|Joined queue: \S+/.test(l.line));
    const ordered = lines.every((l, i) => i === 0 || lines[i - 1].at <= l.at);
    const results: CheckResult[] = [
      {
        name: 'Loki: {app="queue-service"} |= "Joined queue"',
        ok: named.length > 0 && ordered,
        detail: named.length
          ? `${named.length} lines naming users, in time order; last: ${named.at(-1)!.line}`
          : 'no line in the last 15 minutes: run `npm run traffic`',
        link: lokiLink(e.grafana, expr, window()),
      },
    ];
    const traceId = [...lines].reverse().find((l) => l.labels.trace_id)?.labels.trace_id;
    if (!traceId) {
      results.push({
        name: 'Loki -> Tempo: the line carries a trace id',
        ok: false,
        detail: 'no trace_id on the "Joined queue" lines',
      });
      return results;
    }
    const spans = await new TempoClient(e.tempo).spans(traceId);
    const queueRedis = spans.some(
      (s) =>
        s.service === 'queue-service' &&
        (s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis'),
    );
    const userSql = spans.some(
      (s) =>
        s.service === 'user-service' &&
        (s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql'),
    );
    results.push({
      name: 'Loki -> Tempo: the join trace shows Redis and database spans',
      ok: queueRedis && userSql,
      detail: `trace ${traceId}: ${spans.length} spans; queue-service -> redis ${queueRedis ? 'yes' : 'MISSING'}, user-service -> postgres ${userSql ? 'yes' : 'MISSING'}`,
      link: traceLink(e.grafana, traceId, window()),
    });
    return results;
  });
}

/** The chapter's RED queries return a series for every app; the Node.js runtime series exist; alerts loaded. */
export function metricChecks(e: Endpoints): Promise<CheckResult[]> {
  return guard('Prometheus', async () => {
    const prometheus = new PrometheusClient(e.prometheus);
    const results: CheckResult[] = [];
    for (const expr of chapterQueries) {
      const series = await prometheus.query(`sum by (app) (${expr})`);
      const seen = new Set(series.map((s) => s.metric.app));
      const missing = apps.filter((a) => !seen.has(a));
      // No 5xx at all is a healthy answer for the error query: it needs series only when errors happened.
      const isErrorQuery = expr.includes('5..');
      results.push({
        name: `Prometheus: ${expr}`,
        ok: isErrorQuery ? true : missing.length === 0,
        detail:
          missing.length === 0
            ? `series for ${apps.join(', ')}`
            : isErrorQuery
              ? `no 5xx from ${missing.join(', ')} (fine; \`npm run traffic -- --scenario errors\` makes some)`
              : `no series for ${missing.join(', ')}`,
        link: exploreMetric(e.grafana, expr),
      });
    }
    for (const name of runtimeSeries) {
      const series = await prometheus.query(`count by (app) (${name})`);
      const missing = apps.filter((a) => !series.some((s) => s.metric.app === a));
      results.push({
        name: `Prometheus: ${name} per app`,
        ok: missing.length === 0,
        detail: missing.length ? `missing for ${missing.join(', ')}` : 'present for every app',
        link: exploreMetric(e.grafana, name),
      });
    }
    const alerts = await prometheus.ruleNames();
    results.push({
      name: 'Prometheus: alert rules loaded',
      ok: alerts.length > 0,
      detail: alerts.length ? `${alerts.length} alert rules` : 'no alert rules loaded',
    });
    return results;
  });
}

/** Grafana's data sources answer their health checks, and every provisioned panel has data. */
export function grafanaChecks(e: Endpoints): Promise<CheckResult[]> {
  return guard('Grafana', async () => {
    const grafana = new GrafanaClient(e.grafana);
    const results: CheckResult[] = [];
    for (const uid of ['prometheus', 'loki', 'tempo']) {
      const health = await grafana
        .datasourceHealth(uid)
        .catch((error: Error) => ({ status: 'ERROR', message: error.message }));
      results.push({
        name: `Grafana: data source ${uid}`,
        ok: health.status === 'OK',
        detail: health.message,
        link: `${e.grafana}/connections/datasources/edit/${uid}`,
      });
    }
    for (const { uid, title } of await grafana.dashboards()) {
      const dashboard = await grafana.dashboard(uid);
      const empty: string[] = [];
      const panels = flattenPanels(dashboard.panels);
      for (const panel of panels) {
        const { ok, error } = await grafana
          .panelHasData(dashboard, panel)
          .catch((err: Error) => ({ ok: false, error: err.message }));
        if (!ok) empty.push(`"${panel.title}"${error ? ` (${error})` : ''}`);
      }
      results.push({
        name: `Grafana: every panel of "${title}" has data`,
        ok: empty.length === 0,
        detail: empty.length
          ? `no data in the last 15 minutes: ${empty.join(', ')}`
          : `${panels.length} panels`,
        link: dashboardLink(e.grafana, uid, window()),
      });
    }
    return results;
  });
}
