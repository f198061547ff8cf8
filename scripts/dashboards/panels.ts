// The panels every dashboard shares, written once: their presets, thresholds, links, variables, and the
// dashboard itself (ids, refIds and the grid filled in order). The queries are in queries.ts.
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { cpuProfile, logql, Query, sources, traceql } from './queries';
export * as units from '@grafana/grafana-foundation-sdk/units';
export { RowBuilder as Row } from '@grafana/grafana-foundation-sdk/dashboard';

const withQueries = <P extends { datasource(d: common.DataSourceRef): P; withTarget(t: Query): P }>(
  panel: P,
  queries: Query[],
) => {
  queries.forEach((query, i) => {
    query.refId(String.fromCharCode(65 + i));
    panel.withTarget(query);
  });
  return panel.datasource((queries[0].build() as unknown as { datasource: common.DataSourceRef }).datasource);
};

/** Absolute thresholds: the base colour, then each colour from its value up. */
export const thresholds = (base: string, steps: Record<string, number>) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([
      { color: base, value: null as unknown as number },
      ...Object.entries(steps).map(([color, value]) => ({ color, value })),
    ]);

export const graph = (title: string, description: string, queries: Query[]) =>
  withQueries(
    new timeseries.PanelBuilder()
      .title(title)
      .description(description)
      .legend(
        new common.VizLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom)
          .showLegend(true),
      )
      .tooltip(
        new common.VizTooltipOptionsBuilder()
          .mode(common.TooltipDisplayMode.Multi)
          .sort(common.SortOrder.Descending),
      ),
    queries,
  );

export const single = (title: string, description: string, queries: Query[]) =>
  withQueries(
    new stat.PanelBuilder()
      .title(title)
      .description(description)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
      .colorMode(common.BigValueColorMode.Value)
      .graphMode(common.BigValueGraphMode.None)
      .textMode(common.BigValueTextMode.Auto),
    queries,
  );
/** A single value on a background of its threshold's colour. */
export const signal = (
  title: string,
  description: string,
  queries: Query[],
  base: string,
  steps: Record<string, number>,
) =>
  single(title, description, queries)
    .colorMode(common.BigValueColorMode.Background)
    .thresholds(thresholds(base, steps));

export const bars = (title: string, description: string, queries: Query[]) =>
  withQueries(new bargauge.PanelBuilder().title(title).description(description), queries);

export const grid = (title: string, description: string, queries: Query[]) =>
  withQueries(
    new table.PanelBuilder()
      .title(title)
      .description(description)
      .showHeader(true)
      .cellHeight(common.TableCellHeight.Sm),
    queries,
  );

export const logLines = (title: string, description: string, expr: string, order: common.LogsSortOrder) =>
  withQueries(
    new logs.PanelBuilder()
      .title(title)
      .description(description)
      .showTime(true)
      .showLabels(false)
      .showCommonLabels(false)
      .wrapLogMessage(true)
      .prettifyLogMessage(false)
      .enableLogDetails(true)
      .dedupStrategy(common.LogsDedupStrategy.None)
      .sortOrder(order),
    [logql(expr)],
  );

/** Traces found in Tempo, each row's root service linked to its CPU profile (the column Tempo names traceService). */
export const traces = (title: string, description: string, query: string) =>
  grid(title, description, [traceql(query)]).overrideByName('traceService', [
    {
      id: 'links',
      value: [
        {
          title: 'CPU profile of ${__value.raw} over this time range',
          url: '/d/ticketing-nodejs?var-app=${__value.raw:percentencode}&${__url_time_range}',
        },
      ],
    },
  ]);

/** A flame graph of the CPU profiles: the SDK has no builder for this panel, so a typed raw one. */
export const flameGraph = (
  title: string,
  description: string,
  size: { w: number; h: number },
  labelSelector: string,
  extra: Partial<dashboard.Panel> = {},
): cog.Builder<dashboard.Panel> => ({
  build: () => ({
    type: 'flamegraph',
    title,
    description,
    datasource: sources.pyroscope,
    ...extra,
    targets: [cpuProfile(labelSelector).refId('A').build()],
    gridPos: { ...size, x: 0, y: 0 },
  }),
});

/** A multi-value Prometheus label variable, All by default. */
export const labelVariable = (name: string, label: string, definition: string) =>
  new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(sources.prometheus)
    .definition(definition)
    .query({ qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ text: ['All'], value: ['$__all'] });

/** A dashboard of the "Ticketing sandbox" folder, linked to the others by their tag. */
export const ticketing = (uid: string, title: string, description: string) =>
  new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['ticketing'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .timezone('browser')
    .time({ from: 'now-15m', to: 'now' })
    .refresh('10s')
    .links([
      new dashboard.DashboardLinkBuilder('Ticketing')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['ticketing'])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    ])
    .annotations([])
    .variables([]);

/** The JSON Grafana reads, its panels numbered in order. */
export function toJson(builder: dashboard.DashboardBuilder): string {
  const built = builder.build();
  built.panels?.forEach((panel, i) => (panel.id = i + 1));
  return JSON.stringify(built, null, 2) + '\n';
}
