// Static checks of Grafana's provisioning and of the dashboards scripts/dashboards writes: every uid reference
// resolved, every link and variable found, every query parsed by the upstream PromQL, LogQL and TraceQL grammars.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { flattenPanels } from '../../scripts/verify/grafana';
import { dashboardQueries, loadDashboards } from '../support/dashboards';
import { syntaxErrors, variableExpression } from '../support/grammars';
import { compose, tempo as tempoConfig } from './compose-files';

const datasources = parse(readFileSync('grafana/provisioning/datasources/datasources.yaml', 'utf8'))
  .datasources as { uid: string; type: string; url: string; jsonData?: Record<string, any> }[];
const byUid = Object.fromEntries(datasources.map((d) => [d.uid, d]));

describe('Grafana data sources', () => {
  it('provisions Prometheus, Loki, Tempo and Pyroscope under the fixed uids the tools link to', () => {
    expect(Object.fromEntries(datasources.map((d) => [d.uid, d.type]))).toEqual({
      prometheus: 'prometheus',
      loki: 'loki',
      tempo: 'tempo',
      pyroscope: 'grafana-pyroscope-datasource',
    });
    expect(datasources.map((d) => new URL(d.url).host).sort()).toEqual(
      ['loki:3100', 'prometheus:9090', 'pyroscope:4040', 'tempo:3200'].sort(),
    );
  });

  it('links a span to the CPU profile of its service (tracesToProfiles), by the label profiles carry', () => {
    expect(byUid.tempo.jsonData!.tracesToProfiles).toEqual({
      datasourceUid: 'pyroscope',
      profileTypeId: 'wall:cpu:nanoseconds:wall:nanoseconds',
      tags: [{ key: 'service.name', value: 'service_name' }],
      customQuery: false,
    });
    expect(byUid.pyroscope.jsonData!.minStep).toBe('15s');
  });

  it('links every signal both ways: log -> trace, trace -> logs and metrics, exemplar -> trace, service map', () => {
    const derived = byUid.loki.jsonData!.derivedFields[0];
    expect(derived).toMatchObject({
      matcherType: 'label',
      matcherRegex: '^trace_id$',
      datasourceUid: 'tempo',
    });
    // Grafana tests the regex against every label name unanchored: it must match trace_id and nothing else.
    const matcher = new RegExp(derived.matcherRegex);
    expect(['trace_id', 'parent_trace_id', 'trace_id_x', 'span_id'].filter((n) => matcher.test(n))).toEqual([
      'trace_id',
    ]);
    const tempo = byUid.tempo.jsonData!;
    expect(tempo.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki' });
    expect(tempo.tracesToLogsV2.tags).toContainEqual({ key: 'service.name', value: 'service_name' });
    expect(tempo.tracesToMetrics).toMatchObject({ datasourceUid: 'prometheus' });
    expect(tempo.serviceMap).toEqual({ datasourceUid: 'prometheus' });
    expect(tempo.nodeGraph).toEqual({ enabled: true });
  });

  it('links every exemplar the stack writes to its trace, by the label name each maker uses', () => {
    const destinations = byUid.prometheus.jsonData!.exemplarTraceIdDestinations as {
      name: string;
      datasourceUid: string;
    }[];
    const metricsSource = readFileSync('libs/common/src/metrics/http-metrics.ts', 'utf8');
    const labels = {
      // prom-client exemplars set by the apps
      apps: /exemplarLabels: \(sampled \? \{ (\w+):/.exec(metricsSource)?.[1],
      // the spanmetrics connector always names it trace_id (connector/spanmetricsconnector, exemplars)
      collector: 'trace_id',
      // Tempo's registry: trace_id_label_name, "traceID" unless set (modules/generator/registry/histogram.go)
      tempo: tempoConfig.overrides?.defaults?.metrics_generator?.trace_id_label_name ?? 'traceID',
    };
    expect(labels.apps).toBe('trace_id');
    for (const [maker, label] of Object.entries(labels)) {
      expect(destinations.find((d) => d.name === label)?.datasourceUid, maker).toBe('tempo');
    }
  });

  it('parses every query the links run', () => {
    const tempo = byUid.tempo.jsonData!;
    const unescape = (text: string) => text.replace(/\$\$/g, '$');
    for (const { query } of tempo.tracesToMetrics.queries) {
      const promql = unescape(query)
        .replace(/\$__tags/g, 'service_name="x"')
        .replace(/\$__\w+/g, '1m');
      expect(syntaxErrors('prometheus', promql), promql).toEqual([]);
    }
    const logs = unescape(tempo.tracesToLogsV2.query)
      .replace('${__tags}', 'service_name="x"')
      .replace(/\$\{__trace\.traceId\}/g, 'abc');
    expect(syntaxErrors('loki', logs), logs).toEqual([]);
  });
});

describe('Grafana dashboards', () => {
  const dashboards = loadDashboards();

  it('are the seven the tools and the README link to, none with an import placeholder', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      'ticketing-flow',
      'ticketing-home',
      'ticketing-lobby',
      'ticketing-nodejs',
      'ticketing-overview',
      'ticketing-pipeline',
      'ticketing-use',
    ]);
    // What Grafana's "Export for sharing externally" leaves in: pasted into the code, provisioning would fail.
    for (const dashboard of dashboards)
      expect(JSON.stringify(dashboard), dashboard.file).not.toMatch(/\$\{DS_|__inputs/);
  });

  it('is home when Grafana opens, from the file compose mounts', () => {
    const path = compose.services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    const file = path.replace('/var/lib/grafana/dashboards/', '');
    expect(dashboards.find((d) => d.file === file)?.uid).toBe('ticketing-home');
  });

  it('are each linked from home, whose Explore link to the lobby’s logs carries the query', () => {
    const home = dashboards.find((d) => d.uid === 'ticketing-home')!;
    const [steps] = (home.panels ?? []).filter((p) => p.type === 'text') as Record<string, any>[];
    const content: string = steps.options.content;
    for (const { uid } of dashboards.filter((d) => d.uid !== home.uid))
      expect(content, uid).toContain(`(/d/${uid})`);
    expect(content).toContain(encodeURIComponent(JSON.stringify({ expr: '{app="lobby"}' }).slice(1, -1)));
  });

  it('reference only provisioned data sources, by uid', () => {
    const uids = new Set<string>();
    JSON.stringify(dashboards, (key, value) => {
      if (key === 'datasource' && value && typeof value === 'object') uids.add(`${value.type}/${value.uid}`);
      return value;
    });
    const unresolved = [...uids].filter((id) => {
      const [type, uid] = id.split('/');
      return byUid[uid]?.type !== type && !(type === 'datasource' && uid === '-- Grafana --');
    });
    expect(uids.size).toBeGreaterThanOrEqual(3);
    expect(unresolved).toEqual([]);
  });

  it('hold the chapter: its three RED queries verbatim, the Joined queue logs, CPU / heap / event loop lag', () => {
    const texts = dashboardQueries(dashboards).map((q) => q.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'rate(http_request_duration_seconds_count[1m])',
        'rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])',
        'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
        '{app="queue-service"} |= "Joined queue"',
      ]),
    );
    const runtime = dashboardQueries(dashboards.filter((d) => d.uid === 'ticketing-nodejs')).map(
      (q) => q.text,
    );
    for (const metric of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag',
    ]) {
      expect(
        runtime.some((text) => text.includes(metric)),
        metric,
      ).toBe(true);
    }
  });

  it('show CPU flame graphs of the selected services, of the profile type spans link to, linked from home', () => {
    const nodejs = dashboards.find((d) => d.uid === 'ticketing-nodejs')!;
    const flames = (nodejs.panels ?? []).filter((p) => p.type === 'flamegraph') as Record<string, any>[];
    const variables = nodejs.templating!.list!.map((v) => v.name);
    expect(flames.length).toBeGreaterThanOrEqual(1);
    for (const panel of flames) {
      expect(panel.description.length, panel.title).toBeGreaterThan(40);
      if (panel.repeat) expect(variables).toContain(panel.repeat);
      expect(panel.targets[0]).toMatchObject({
        queryType: 'profile',
        profileTypeId: byUid.tempo.jsonData!.tracesToProfiles.profileTypeId,
        labelSelector: '{service_name=~"$app"}',
      });
    }
    const home = JSON.stringify(dashboards.find((d) => d.uid === 'ticketing-home'));
    expect(home).toContain('Profiles: CPU flame graph');
    expect(home).toContain(encodeURIComponent('"datasource":"pyroscope"'));
  });

  it('link each trace table row to the CPU profile of its root service over the same time range', () => {
    const nodejs = dashboards.find((d) => d.uid === 'ticketing-nodejs')!;
    expect(nodejs.templating!.list!.map((v) => v.name)).toContain('app');
    const tables = dashboards.flatMap((d) =>
      flattenPanels(d.panels ?? [])
        .filter((p) => (p.targets ?? []).some((t: Record<string, unknown>) => t.tableType === 'traces'))
        .map((p) => ({ dashboard: d.uid, panel: p as Record<string, any> })),
    );
    expect(tables.map((t) => t.dashboard).sort()).toEqual(['ticketing-flow', 'ticketing-overview']);
    for (const { dashboard, panel } of tables) {
      // The Tempo data source names the root service's column traceService (resultTransformer.ts).
      const override = panel.fieldConfig.overrides.find(
        (o: Record<string, any>) => o.matcher.id === 'byName' && o.matcher.options === 'traceService',
      );
      const [link] = override.properties.find((p: { id: string }) => p.id === 'links').value;
      const url = new URL(link.url, 'http://grafana');
      expect(url.pathname, dashboard).toBe('/d/ticketing-nodejs');
      expect(url.searchParams.get('var-app'), dashboard).toBe('${__value.raw:percentencode}');
      expect(link.url, dashboard).toContain('${__url_time_range}');
    }
  });

  describe('Lobby (browser)', () => {
    const lobby = dashboards.find((d) => d.uid === 'ticketing-lobby')!;
    const panels = flattenPanels(lobby.panels ?? []) as Record<string, any>[];
    const queries = dashboardQueries([lobby]);
    const texts = (kind: string) => queries.filter((q) => q.kind === kind).map((q) => q.text);
    const panelOf = (match: (text: string) => boolean) =>
      panels.filter((p) => (p.targets ?? []).some((t: { expr?: string }) => t.expr && match(t.expr)));
    // The page's own source: what it measures, the spans of its clicks and the lines it logs.
    const telemetry = readFileSync('apps/lobby/web/telemetry.ts', 'utf8');
    const page = readFileSync('apps/lobby/web/main.ts', 'utf8');

    it('describes every panel', () => {
      for (const panel of panels) expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(40);
    });

    it.each([
      // web.dev's limits: good up to the first, poor beyond the second (web.dev/articles/vitals).
      ['lcp', 2500, 4000],
      ['inp', 200, 500],
      ['cls', 0.1, 0.25],
      ['ttfb', 800, 1800],
    ])(
      'shows %s at p75, green, amber and red at web.dev’s limits, which are edges of its buckets',
      (vital, good, poor) => {
        const source = new RegExp(
          `createHistogram\\('browser\\.web_vital\\.${vital}',\\s*\\{\\s*unit: '([^']+)',[^\\]]*explicitBucketBoundaries: \\[([^\\]]+)\\]`,
        ).exec(telemetry);
        expect(source, `browser.web_vital.${vital} in apps/lobby/web/telemetry.ts`).not.toBeNull();
        const [, unit, boundaries] = source!;
        // As the collector's Prometheus exporter names it: the unit `ms` becomes a _milliseconds suffix, `1` none.
        const metric = `browser_web_vital_${vital}${unit === 'ms' ? '_milliseconds' : ''}_bucket`;
        const [panel, ...others] = panelOf((expr) => expr.includes(metric));
        expect(others, metric).toEqual([]);
        expect(panel?.type, metric).toBe('stat');
        expect(panel.targets[0].expr).toBe(
          `histogram_quantile(0.75, sum by (le) (rate(${metric}[$__range])))`,
        );
        expect(panel.fieldConfig.defaults.thresholds.steps).toEqual([
          { color: 'green', value: null },
          { color: 'orange', value: good },
          { color: 'red', value: poor },
        ]);
        // A p75 either side of a limit then comes from the counts, not from interpolation inside a bucket.
        const buckets = boundaries.split(',').map(Number);
        expect(buckets, metric).toEqual(expect.arrayContaining([good, poor]));
      },
    );

    it('counts page loads and clicks from the span metrics, by the span names the page makes', () => {
      const prom = texts('prometheus');
      expect(prom.some((e) => e.includes('span_name="documentLoad"') && e.includes('[$__range]'))).toBe(true);
      const clicks = [...page.matchAll(/click\('([^']+)'/g)].map(([, name]) => name).sort();
      expect(clicks).toEqual(['buy ticket', 'join queue']);
      const named = prom.flatMap((e) => [...e.matchAll(/span_name=~"([^"]+)"/g)].map(([, names]) => names));
      expect(named.length).toBeGreaterThanOrEqual(2);
      for (const names of named) expect(names.split('|').sort()).toEqual(clicks);
      expect(
        prom.filter((e) => e.includes('SPAN_KIND_INTERNAL')).some((e) => e.includes('_latency_bucket')),
      ).toBe(true);
    });

    it('sets each route as the browser called it beside the same route as the server answered it', () => {
      const beside = panels.filter((p) => {
        const exprs: string[] = (p.targets ?? []).map((t: { expr?: string }) => t.expr ?? '');
        const side = (kind: string, service: string) =>
          exprs.some(
            (e) =>
              e.includes('traces_spanmetrics_latency_bucket') &&
              new RegExp(`\\{${service}, span_kind="SPAN_KIND_${kind}"\\}`).test(e) &&
              /by \(http_route, le\)/.test(e),
          );
        return side('CLIENT', 'service="lobby"') && side('SERVER', 'service!="lobby"');
      });
      expect(beside.map((p) => p.type).sort()).toEqual(['table', 'timeseries']);
      for (const panel of beside) expect(panel.description, panel.title).toMatch(/network.*proxy/);
    });

    it('shows the pages’ errors by their level, and the journey by the lines the page logs', () => {
      const loki = texts('loki');
      const errors = '{app="lobby"} | detected_level="error"';
      expect(loki).toContain(errors);
      expect(loki.some((e) => e.startsWith('sum') && e.includes(`count_over_time(${errors}`))).toBe(true);
      const logs = panels.filter((p) => p.type === 'logs').map((p) => p.targets[0].expr as string);
      expect(logs).toContain(errors);
      const journey = logs.map((e) => /^\{app="lobby"\} \|~ "([^"]+)"$/.exec(e)?.[1]).find(Boolean);
      expect(journey).toBeDefined();
      // Each step's words as main.ts logs them, `${name} was admitted`.
      for (const step of journey!.split('|'))
        expect(page, step).toMatch(new RegExp(`log\\(\`\\$\\{[^}]+\\} ${step}`));
    });
  });

  it('have queries that all parse with the upstream PromQL, LogQL and TraceQL grammars', () => {
    const queries = dashboardQueries(dashboards);
    expect(new Set(queries.map((q) => q.kind))).toEqual(
      new Set(['prometheus', 'loki', 'tempo', 'grafana-pyroscope-datasource']),
    );
    const failures = queries.flatMap((q) => {
      const text = q.kind === 'prometheus' ? variableExpression(q.resolved) : q.resolved;
      if (text === undefined) return [];
      const errors = syntaxErrors(q.kind, text);
      return errors.length ? [`${q.dashboard} / ${q.panel}: ${text} -> ${errors.join(', ')}`] : [];
    });
    expect(failures).toEqual([]);
  });
});
