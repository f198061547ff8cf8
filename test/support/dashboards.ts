import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flattenPanels, Panel, resolveVariables } from '../../scripts/verify/grafana';

export const dashboardsDir = 'grafana/dashboards';

export interface DashboardFile {
  file: string;
  uid: string;
  title: string;
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown; datasource?: unknown }[] };
  [key: string]: unknown;
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  kind: 'prometheus' | 'loki' | 'tempo' | 'grafana-pyroscope-datasource';
  datasourceUid: string;
  /** As written, and with template variables resolved the way `npm run verify` does. */
  text: string;
  resolved: string;
}

export const loadDashboards = (): DashboardFile[] =>
  readdirSync(dashboardsDir)
    .filter((name) => name.endsWith('.json'))
    .map((file) => ({ file, ...JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) }));

const sourceOf = (value: unknown): { type?: string; uid?: string } | undefined =>
  typeof value === 'object' && value !== null ? (value as { type?: string; uid?: string }) : undefined;

/** Every query of every panel and template variable, with the data source it runs on. */
export function dashboardQueries(dashboards = loadDashboards()): DashboardQuery[] {
  return dashboards.flatMap((dashboard) => {
    const variables = (dashboard.templating?.list ?? []).map((v) => v.name);
    const query = (panel: string, source: { type?: string; uid?: string } | undefined, text: unknown) => {
      const kind = source?.type as DashboardQuery['kind'];
      if (typeof text !== 'string' || !text.trim()) return [];
      return [
        {
          dashboard: dashboard.uid,
          panel,
          kind,
          datasourceUid: source?.uid ?? '',
          text,
          resolved: resolveVariables(text, variables),
        },
      ];
    };
    const fromPanels = flattenPanels(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => {
        const source = sourceOf(target.datasource) ?? sourceOf(panel.datasource);
        // A Pyroscope target's query is its label selector, PromQL's selector syntax.
        return query(panel.title, source, target.expr ?? target.query ?? target.labelSelector);
      }),
    );
    const fromVariables = (dashboard.templating?.list ?? [])
      .filter((v) => v.type === 'query')
      .flatMap((v) => {
        const text = typeof v.query === 'object' ? (v.query as { query?: string }).query : v.query;
        return query(`variable ${v.name}`, sourceOf(v.datasource), text);
      });
    return [...fromPanels, ...fromVariables];
  });
}
