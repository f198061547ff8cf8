import { cpuProfileType, dashboardLink, dashboards as uids, profileLink } from '../traffic/grafana';
import { flattenPanels, GrafanaClient, Panel } from './grafana';
import { SlowAnswer } from './http';
import { logChecks } from './logs';
import { apps, FaultsOn, metricChecks } from './metrics';
import { PyroscopeClient } from './pyroscope';
import { CheckResult, Endpoints, failedGroup, guard, window } from './result';
import { Settle, until } from './settle';

export type { CheckResult, Endpoints } from './result';
export { logChecks } from './logs';
export { apps, chapterQueries, errorSeriesCheck, metricChecks, seriesCheck } from './metrics';
export type { FaultsOn } from './metrics';

/** Every service uploads CPU profiles to Pyroscope. */
export function profileChecks(e: Endpoints): Promise<CheckResult[]> {
  const pyroscope = e.pyroscope;
  if (!pyroscope) return Promise.resolve([]);
  return guard(failedGroup, 'Pyroscope', async () => {
    const { from, to } = window();
    const services = await new PyroscopeClient(pyroscope).services(cpuProfileType, from, to);
    const missing = apps.filter((app) => !services.includes(app));
    return [
      {
        name: 'Pyroscope: a CPU profile of every service',
        ok: missing.length === 0,
        detail: missing.length
          ? `no CPU profile in the last 15 minutes from ${missing.join(', ')} (PYROSCOPE_SERVER_ADDRESS set?)`
          : `CPU profiles from ${apps.join(', ')}`,
        link: profileLink(e.grafana, apps[0]),
      },
    ];
  });
}

// The lobby's panels: errors show only when the page failed, and the rest only once someone has used the page.
const onlyOnErrors = (panel: Panel) => /detected_level=\\?"error/.test(JSON.stringify(panel));

/**
 * Grafana's data sources answer their health checks, and every provisioned panel has data. The lobby's dashboard
 * is left unchecked (not failed) while none of its panels has data: nobody has opened the page in the window.
 */
export function grafanaChecks(e: Endpoints): Promise<CheckResult[]> {
  return guard(failedGroup, 'Grafana', async () => {
    const grafana = new GrafanaClient(e.grafana, e.grafanaAuth);
    const results: CheckResult[] = [];
    // Without Pyroscope, its data source and the flame graphs are left out rather than failed.
    const skipped = (panel: Panel) =>
      !e.pyroscope && JSON.stringify(panel).includes('"grafana-pyroscope-datasource"');
    for (const uid of ['prometheus', 'loki', 'tempo', ...(e.pyroscope ? ['pyroscope'] : [])]) {
      const health = await grafana.datasourceHealth(uid).catch((error: Error) => ({
        status: 'ERROR',
        message: error.message,
        slow: error instanceof SlowAnswer,
      }));
      results.push({
        name: `Grafana: data source ${uid}`,
        ok: health.status === 'OK',
        slow: 'slow' in health && health.slow,
        detail: health.message,
        link: `${e.grafana}/connections/datasources/edit/${uid}`,
      });
    }
    const dashboards = await grafana.dashboards();
    // No dashboard at all is a provisioning that failed, not a check with nothing to find.
    if (!dashboards.length)
      results.push({
        name: 'Grafana: every panel of every dashboard has data',
        ok: false,
        detail: 'Grafana holds no dashboard: were grafana/dashboards provisioned?',
        link: `${e.grafana}/dashboards`,
      });
    for (const { uid, title } of dashboards) {
      const dashboard = await grafana.dashboard(uid);
      const empty: string[] = [];
      let slow = false;
      let answered = true;
      const lobby = uid === uids.lobby;
      const panels = flattenPanels(dashboard.panels).filter(
        (panel) => !skipped(panel) && !(lobby && onlyOnErrors(panel)),
      );
      for (const panel of panels) {
        const { ok, error } = await grafana.panelHasData(dashboard, panel).catch((err: Error) => {
          slow ||= err instanceof SlowAnswer;
          return { ok: false, error: err.message };
        });
        if (!ok) empty.push(`"${panel.title}"${error ? ` (${error})` : ''}`);
        answered &&= !error;
      }
      if (lobby && panels.length > 0 && empty.length === panels.length && answered) {
        results.push({
          name: `Grafana: every panel of "${title}" has data`,
          ok: true,
          notChecked: true,
          detail:
            'not checked: no page of the lobby in the last 15 minutes (open it, port 8000 unless LOBBY_PORT moves it, and walk to a ticket)',
          link: dashboardLink(e.grafana, uid, window()),
        });
        continue;
      }
      results.push({
        name: `Grafana: every panel of "${title}" has data`,
        ok: panels.length > 0 && empty.length === 0,
        slow,
        detail: !panels.length
          ? 'no panel to show data'
          : empty.length
            ? `no data in the last 15 minutes: ${empty.join(', ')}`
            : `${panels.length} panels`,
        link: dashboardLink(e.grafana, uid, window()),
      });
    }
    return results;
  });
}

const settled = (results: CheckResult[]) => results.every((r) => r.ok || r.final);
const anySlow = (results: CheckResult[]) => results.some((r) => r.slow);

/**
 * Every check. Those that fail while the last traffic is younger than the settle time are run again until
 * they pass or that time has passed, so that verify right after `npm run traffic` waits for the telemetry;
 * those that fail because a server was slow to answer are run again within the settle time from now, so that
 * verify right after `docker compose up` waits for a server still warming up.
 */
export async function runChecks(e: Endpoints, settle: Settle, faults?: FaultsOn): Promise<CheckResult[]> {
  const warm = Date.now() + settle.waitMs;
  const logs = await until(
    settle,
    warm,
    'Loki and Tempo to answer',
    () => logChecks(e, settle),
    (l) => !anySlow(l.results),
  );
  const deadline = (logs.newest ?? 0) + settle.waitMs;
  const wait = (what: string, checks: () => Promise<CheckResult[]>) =>
    until(
      settle,
      Math.max(deadline, warm),
      what,
      checks,
      (results) => settled(results) || (Date.now() >= deadline && !anySlow(results)),
    );
  const [metrics, profiles, grafana] = await Promise.all([
    wait('the RED and runtime series in Prometheus', () => metricChecks(e, faults)),
    // A profile is uploaded every 15 s: it may arrive that long after the traffic.
    wait('a CPU profile of every service', () => profileChecks(e)),
    wait('every dashboard panel to have data', () => grafanaChecks(e)),
  ]);
  return [...logs.results, ...metrics, ...profiles, ...grafana];
}
