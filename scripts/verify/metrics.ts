import { PrometheusClient, PrometheusError, Sample } from './prometheus';
import { CheckResult, Endpoints, failedGroup, guard } from './result';

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
const exploreMetric = (grafana: string, expr: string) =>
  `${grafana}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify({ a: { datasource: 'prometheus', queries: [{ refId: 'A', datasource: { type: 'prometheus', uid: 'prometheus' }, expr }], range: { from: 'now-15m', to: 'now' } } }))}`;

/** Error faults known to have been on during the last traffic: which services, and who says so. */
export interface FaultsOn {
  services: string[];
  /** e.g. "verify's traffic (--scenario errors)", "--faults-on". */
  by: string;
}

/** A query's samples, or the error Prometheus answered it with. */
export type Answer = Sample[] | PrometheusError;

const appsOf = (samples: Sample[]) => apps.filter((a) => samples.some((s) => s.metric.app === a));

/** A RED query: a series for every app. */
export function seriesCheck(expr: string, answer: Answer, grafana: string): CheckResult {
  const base = { name: `Prometheus: ${expr}`, link: exploreMetric(grafana, expr) };
  if (answer instanceof Error) return { ...base, ok: false, detail: `the query failed: ${answer.message}` };
  const missing = apps.filter((a) => !appsOf(answer).includes(a));
  return {
    ...base,
    ok: missing.length === 0,
    detail: missing.length ? `no series for ${missing.join(', ')}` : `series for ${apps.join(', ')}`,
  };
}

/**
 * The 5xx query. No 5xx is a healthy answer, so its absence fails only when error faults were on (then the
 * services answered some requests 503 and the series must be there); otherwise an empty answer is "not checked".
 */
export function errorSeriesCheck(
  expr: string,
  answer: Answer,
  faults: FaultsOn | undefined,
  grafana: string,
): CheckResult {
  const base = { name: `Prometheus: ${expr}`, link: exploreMetric(grafana, expr) };
  if (answer instanceof Error) return { ...base, ok: false, detail: `the query failed: ${answer.message}` };
  const seen = appsOf(answer);
  const faulted = faults?.services.filter((s) => seen.includes(s)) ?? [];
  if (faults && !faulted.length)
    return {
      ...base,
      ok: false,
      detail: `no 5xx series from ${faults.services.join(', ')}, although error faults were on there (${faults.by})`,
    };
  if (seen.length) return { ...base, ok: true, detail: `5xx series for ${seen.join(', ')}` };
  return {
    ...base,
    ok: true,
    notChecked: true,
    detail:
      'not checked: no 5xx, and no error faults known to have been on (`docker compose run --rm verify --traffic --scenario errors` makes some and checks them)',
  };
}

const answerOf = (prometheus: PrometheusClient, expr: string): Promise<Answer> =>
  prometheus.query(expr).catch((error: Error) => {
    if (error instanceof PrometheusError) return error;
    throw error;
  });

/** The chapter's RED queries return a series for every app; the Node.js runtime series exist; alerts loaded. */
export function metricChecks(e: Endpoints, faults?: FaultsOn): Promise<CheckResult[]> {
  return guard(failedGroup, 'Prometheus', async () => {
    const prometheus = new PrometheusClient(e.prometheus);
    const results: CheckResult[] = [];
    for (const expr of chapterQueries) {
      const answer = await answerOf(prometheus, `sum by (app) (${expr})`);
      results.push(
        expr.includes('5..')
          ? errorSeriesCheck(expr, answer, faults, e.grafana)
          : seriesCheck(expr, answer, e.grafana),
      );
    }
    for (const name of runtimeSeries) {
      const answer = await answerOf(prometheus, `count by (app) (${name})`);
      const missing = answer instanceof Error ? [] : apps.filter((a) => !appsOf(answer).includes(a));
      results.push({
        name: `Prometheus: ${name} per app`,
        ok: !(answer instanceof Error) && missing.length === 0,
        detail:
          answer instanceof Error
            ? `the query failed: ${answer.message}`
            : missing.length
              ? `missing for ${missing.join(', ')}`
              : 'present for every app',
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
