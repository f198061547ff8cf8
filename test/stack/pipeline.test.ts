// The telemetry pipeline end to end with everything that can run here: the three services exporting to the
// real collector (built with ocb) running otel-collector/config.yaml, and the real Prometheus scraping them
// with compose/prometheus's scrape config and rules. Tempo and Loki cannot run here: in their place stand
// OTLP/HTTP receivers that decode what the collector sends to tempo:4318 and loki:3100/otlp, and a stand-in
// for Tempo's metrics generator that makes the service graph from what reached Tempo, with the settings of
// compose/tempo/tempo.yaml, and remote-writes it into the real Prometheus as Tempo does.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { launchChromium } from '../support/browser';
import { collectorConfig, TestCollector } from '../support/collector';
import { dashboardQueries } from '../support/dashboards';
import { createDatabase, freshRedis } from '../support/databases';
import { variableExpression } from '../support/grammars';
import { startLobby } from '../support/lobby';
import { OtlpReceiver } from '../support/otlp-receiver';
import { eventually } from '../support/poll';
import { TestPrometheus } from '../support/prometheus';
import { composeTelemetryEnv, RunningService, startStack, Stack } from '../support/services';
import {
  ServiceGraphGenerator,
  serviceGraphEdges,
  tempoServiceGraphSettings,
} from '../support/service-graph';
import { serviceMapQueries, serviceTableQueries } from '../support/tempo-views';

const run = promisify(execFile);
const apps = ['queue-service', 'user-service', 'ticket-service'];
// Series only the servers that cannot run here make about themselves (Loki, Tempo, Pyroscope, Grafana), and the
// containers' own (cAdvisor, kube-state-metrics), which the engine test reads.
const elsewhere = /\b(loki_|tempo_|pyroscope_|grafana_|container_|kube_)/;
// Every edge of the flow: the traffic tool (Tempo's virtual `user`) calls each service; queue-service calls
// user-service and Redis, ticket-service calls queue-service; both Postgres services call it. A database node is
// named by the host the services reach it at (Tempo: server.address): `redis` and `postgres` in compose, here
// `localhost` for Redis and 127.0.0.1 for Postgres, so that the two stay apart.
const flowEdges = [
  'user -> user-service (virtual_node)',
  'user -> queue-service (virtual_node)',
  'user -> ticket-service (virtual_node)',
  // The lobby's page, in the browser, calls all three through its web server.
  'lobby -> user-service',
  'lobby -> queue-service',
  'lobby -> ticket-service',
  'queue-service -> user-service',
  'queue-service -> localhost (database)',
  'ticket-service -> queue-service',
  'user-service -> 127.0.0.1 (database)',
  'ticket-service -> 127.0.0.1 (database)',
];
const edgeName = (e: {
  client?: string;
  server?: string;
  connection_type?: string;
  connectionType?: string;
}) => {
  const type = e.connection_type ?? e.connectionType;
  return `${e.client} -> ${e.server}${type ? ` (${type})` : ''}`;
};

describe('the real collector on otel-collector/config.yaml', () => {
  const validate = (config: string) =>
    run(inject('otelcol'), ['validate', `--config=${config}`], { env: { PATH: process.env.PATH } });

  it('validates our config with the components the builder manifest lists', async () => {
    await expect(validate(collectorConfig)).resolves.toBeDefined();
  });

  it('refuses a config naming a component it was not built with, so validation can fail', async () => {
    const broken = `/tmp/ticketing-otelcol-${process.pid}.yaml`;
    writeFileSync(broken, readFileSync(collectorConfig, 'utf8').replace('otlp_http/tempo:', 'zipkin/tempo:'));
    await expect(validate(broken)).rejects.toMatchObject({ stderr: expect.stringMatching(/zipkin/) });
  });
});

describe('services -> real collector -> Tempo / Loki stand-ins, and the real Prometheus', () => {
  const tempo = new OtlpReceiver();
  const loki = new OtlpReceiver();
  const prometheus = new TestPrometheus();
  let collector: TestCollector;
  let stack: Stack;
  let generator: ServiceGraphGenerator | undefined;
  let lobby: Awaited<ReturnType<typeof startLobby>> | undefined;

  beforeAll(async () => {
    await Promise.all([tempo.start(), loki.start()]);
    collector = await new TestCollector(inject('otelcol'), {
      TEMPO_OTLP_ENDPOINT: tempo.url,
      LOKI_OTLP_ENDPOINT: `${loki.url}/otlp`,
    }).start();
    const telemetry = {
      ...composeTelemetryEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
      FAULTS_ENABLED: 'true',
      LOG_LEVEL: 'info',
    };
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'pipeline'),
      redisUrl: (await freshRedis()).replace('//127.0.0.1:', '//localhost:'),
      extra: { all: telemetry, 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    await prometheus.startLikeCompose({
      'queue-service': new URL(stack.queue.url).host,
      'user-service': new URL(stack.user.url).host,
      'ticket-service': new URL(stack.ticket.url).host,
      'otel-collector': new URL(collector.ownMetrics).host,
      'span-metrics': new URL(collector.spanMetrics).host,
    });
    const env = {
      PATH: process.env.PATH!,
      USER_SERVICE_URL: stack.user.url,
      QUEUE_SERVICE_URL: stack.queue.url,
      TICKET_SERVICE_URL: stack.ticket.url,
    };
    const traffic = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'scripts/traffic/main.ts', ...args], {
        env,
        timeout: 90_000,
      });
    await traffic(['20', '--interval', '20ms']);
    // And one user in the lobby, in Chromium, to a ticket; then a second page load. Closing a page sends the
    // vitals it measured last (LCP, INP, CLS), and the Lobby (browser) dashboard has data.
    lobby = await startLobby({
      ...env,
      OTLP_HTTP_URL: collector.otlpHttp,
      GRAFANA_PUBLIC_URL: 'http://localhost:3000',
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(lobby.url);
      await page.click('#join');
      // Generous waits: on a busy machine the page, nginx, the services and the collector share the cores.
      await page.locator('#step-admitted').waitFor({ timeout: 90_000 });
      await page.click('#buy');
      await page.locator('#step-ticket').waitFor({ timeout: 90_000 });
      await page.close({ runBeforeUnload: true });
      const again = await browser.newPage();
      await again.goto(lobby.url);
      await again.click('#generate');
      await again.close({ runBeforeUnload: true });
    } finally {
      await browser.close();
    }
    // A few injected 5xx on every service, so the chapter's error query has a series per app, and the service
    // map a failed edge between two services.
    const faulted = { user: '/users/', queue: '/queue/status/', ticket: '/tickets/' } as const;
    for (const [name, path] of Object.entries(faulted)) {
      const url = stack[name as keyof typeof faulted].url;
      const faults = (errorRate: number) =>
        fetch(`${url}/admin/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ errorRate, delayMs: 0 }),
        });
      await faults(1);
      const failing = async () => {
        for (let i = 0; i < 3; i++) await fetch(`${url}${path}${randomUUID()}`);
      };
      await failing();
      // Three more once Prometheus holds the error series: it then grows within the window, so its rate (and
      // its route's) is above zero, as where errors keep coming, and the route ranks among the busiest of the
      // service table below rather than tying at zero with routes called only before their series existed.
      await prometheus.waitFor(
        `traces_spanmetrics_calls_total{service="${name}-service",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_ERROR"}`,
        90_000,
      );
      await failing();
      // And a call that fails on its way: queue-service asks the faulted user-service about the user.
      if (name === 'user')
        await fetch(`${stack.queue.url}/queue/join`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: randomUUID() }),
        });
      await faults(0);
    }
    // Once the spans of every edge (failed ones too) have reached Tempo, its generator writes them as it runs.
    // The wait counts any db.* attribute as a database call, so that it does not hang on the very setting of
    // tempo.yaml that the service-graph test below checks.
    const settings = {
      ...tempoServiceGraphSettings(),
      database_name_attributes: ['db.system.name', 'db.system', 'db.namespace', 'db.name'],
    };
    await tempo.waitFor(() => {
      const found = serviceGraphEdges(tempo.spans, settings);
      const names = new Set(found.map(edgeName));
      const failedEverywhere =
        ['user', 'queue', 'ticket'].every((app) =>
          found.some((e) => e.failed && e.server === `${app}-service`),
        ) && found.some((e) => e.failed && e.client === 'queue-service');
      return flowEdges.every((n) => names.has(n)) && failedEverywhere && found;
    }, 'every edge of the service graph, failed ones included');
    generator = new ServiceGraphGenerator(prometheus.url, () => tempo.spans);
    await generator.collect();
    generator.start();
  });

  afterAll(async () => {
    await generator?.stop();
    await lobby?.stop();
    await stack?.stop();
    await collector?.stop();
    await prometheus.stop();
    await Promise.all([tempo.stop(), loki.stop()]);
  });

  it('delivers the join trace to Tempo: queue-service calling Redis and user-service, which queries Postgres', async () => {
    const join = await tempo.waitFor(
      () =>
        tempo.spans.find(
          (s) => s.service === 'queue-service' && s.attributes['http.route'] === '/queue/join',
        ),
      'a /queue/join server span through the collector',
    );
    const trace = await tempo.waitFor(() => {
      const spans = tempo.trace(join.traceId);
      const services = new Set(spans.map((s) => s.service));
      const redis = spans.some(
        (s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis',
      );
      const sql = spans.some(
        (s) =>
          s.service === 'user-service' &&
          /postgres/.test(String(s.attributes['db.system'] ?? s.attributes['db.system.name'])),
      );
      return services.has('user-service') && redis && sql && spans;
    }, 'the whole join trace');
    expect(trace[0].resource).toMatchObject({ 'service.namespace': 'ticketing', app: expect.any(String) });
  });

  it("delivers the 'Joined queue' records to Loki's OTLP endpoint with app, service.name and the trace id", async () => {
    const record = await loki.waitFor(
      () => loki.logs.find((l) => l.service === 'queue-service' && String(l.body).includes('Joined queue')),
      'a Joined queue log record through the collector',
    );
    expect(String(record.body)).toMatch(/Joined queue.*user-[a-z0-9]{5}.*position \d+/);
    expect(record.resource).toMatchObject({ app: 'queue-service', 'service.name': 'queue-service' });
    expect(record.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Loki keeps these as structured metadata: `npm run verify` looks the user up by userId.
    expect(record.attributes).toMatchObject({
      userId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userName: String(record.body).split(' ')[2],
    });
    expect(tempo.trace(record.traceId).some((s) => s.service === 'queue-service')).toBe(true);
  });

  it('turns spans into span metrics under the names Grafana queries, scraped by Prometheus', async () => {
    for (const app of apps) {
      await prometheus.waitFor(
        `traces_spanmetrics_calls_total{service_name="${app}",span_kind="SPAN_KIND_SERVER"}`,
      );
    }
    // Renamed at scrape to the names of Tempo's own span metrics, with `service` beside service_name.
    await prometheus.waitFor('traces_spanmetrics_latency_bucket{service="queue-service"}');
    await prometheus.waitFor('traces_spanmetrics_latency_count{service="queue-service"}');
    expect(await prometheus.query('{__name__=~"traces_spanmetrics_duration_seconds.*"}')).toEqual([]);
    const unlabelled = await prometheus.query('traces_spanmetrics_calls_total{service!~".+"}');
    expect(unlabelled).toEqual([]);
    // Scraped at least twice, so the dashboards' rate() over them has something to work with.
    await prometheus.waitFor('rate(traces_spanmetrics_calls_total[1m])');
  });

  it('makes the service graph with every node: the three services, Redis, Postgres, the lobby and the traffic tool as `user`', async () => {
    await prometheus.waitFor('traces_service_graph_request_total');
    const series = await prometheus.query(
      'group by (client, server, connection_type) (traces_service_graph_request_total)',
    );
    expect(series.map((s) => edgeName(s.metric)).sort()).toEqual([...flowEdges].sort());
    const [{ metric }] = await prometheus.query('traces_service_graph_request_total{server="localhost"}');
    expect(metric).toMatchObject({ source: 'tempo', connection_type: 'database' });
  });

  // test/config/backends.spec.ts holds those buckets to a millisecond; here Prometheus holds the edges in them.
  it('resolves edge latencies in the histogram_buckets of tempo.yaml', async () => {
    const { histogram_buckets: buckets } = tempoServiceGraphSettings();
    for (const [client, server] of [
      ['queue-service', 'localhost'],
      ['user-service', '127.0.0.1'],
    ]) {
      // The buckets themselves, not a latency: a busy machine may make any call slow. The default buckets
      // start at 0.1 s, where a call of a millisecond or two reads as 90 ms.
      const series = await prometheus.query(
        `count by (le) (traces_service_graph_request_server_seconds_bucket{client="${client}",server="${server}"})`,
      );
      const bounds = series.map((s) => (s.metric.le === '+Inf' ? Infinity : Number(s.metric.le)));
      expect(
        bounds.sort((a, b) => a - b),
        `${client} -> ${server}`,
      ).toEqual([...buckets, Infinity]);
    }
  });

  it("answers the queries of Grafana's service map, unfiltered and filtered by server or client", async () => {
    for (const filter of ['', '{server="ticket-service"}', '{client="queue-service"}']) {
      for (const expr of serviceMapQueries(filter)) {
        const result = await prometheus.query(expr.replace('$__range', '15m'));
        expect(result.length, expr).toBeGreaterThan(0);
      }
    }
  });

  it('answers the queries of the service-graph table under the map, unfiltered and filtered', async () => {
    for (const app of apps)
      await prometheus.waitFor(
        `rate(traces_spanmetrics_calls_total{service="${app}",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_ERROR"}[15m]) > 0`,
      );
    for (const filter of ['', '{server="ticket-service"}', '{client="queue-service"}']) {
      const [rate] = serviceTableQueries(filter);
      const spans = await prometheus.query(rate.replace('$__range', '15m'));
      expect(spans.length, rate).toBeGreaterThan(0);
      const names = spans.map((s) => s.metric.span_name);
      for (const expr of serviceTableQueries(filter, names).slice(1)) {
        const result = await prometheus.query(expr.replace('$__range', '15m'));
        expect(result.length, expr).toBeGreaterThan(0);
      }
    }
  });

  it('takes OTLP over gRPC too (OTEL_EXPORTER_OTLP_PROTOCOL=grpc), on to Tempo and Loki', async () => {
    const users = await RunningService.start('user-service', {
      ...composeTelemetryEnv(),
      DATABASE_URL: await createDatabase(inject('runId'), 'grpc'),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpc,
      OTEL_SERVICE_NAME: 'user-service-grpc',
    });
    const response = await fetch(`${users.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(201);
    const traceId = String(response.headers.get('traceresponse')).split('-')[1];
    await users.stop();
    await tempo.waitFor(
      () => tempo.trace(traceId).some((s) => s.service === 'user-service-grpc'),
      'the gRPC-exported trace',
    );
    await loki.waitFor(() => loki.logs.some((l) => l.traceId === traceId), 'the gRPC-exported log record');
  });

  it("exposes the collector's own metrics: spans and log records accepted and sent", async () => {
    for (const metric of [
      'otelcol_receiver_accepted_spans_total',
      'otelcol_receiver_accepted_log_records_total',
      'otelcol_exporter_sent_spans_total',
      'otelcol_exporter_sent_log_records_total',
    ]) {
      await prometheus.waitFor(`${metric}{job="otel-collector"} > 0`);
    }
  });

  it("answers the chapter's three RED queries, verbatim, for every app", async () => {
    // rate() over 1m needs two scrapes of a series, 2 s apart.
    await prometheus.waitFor(
      'count(count by (app) (rate(http_request_duration_seconds_count{status_code=~"5.."}[1m]))) == 3',
    );
    for (const expr of [
      'rate(http_request_duration_seconds_count[1m])',
      'rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])',
      'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
    ]) {
      const answered = new Set((await prometheus.query(expr)).map((s) => s.metric.app));
      for (const app of apps) expect(answered.has(app), `${expr} for ${app}`).toBe(true);
    }
  });

  it('evaluates every rule without error, and every recording rule has series after the traffic', async () => {
    for (const app of apps) await prometheus.waitFor(`app:http_requests:rate5m{app="${app}"}`);
    const { data } = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] };
    };
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(20);
    expect(rules.filter((r) => r.health !== 'ok' || r.lastError)).toEqual([]);
    for (const rule of rules.filter((r) => r.type === 'recording')) await prometheus.waitFor(rule.name);
  });

  it('keeps trace-id exemplars from all three makers, under label names the Prometheus data source links', async () => {
    const datasources = parse(readFileSync('grafana/provisioning/datasources/datasources.yaml', 'utf8'));
    const linked = datasources.datasources
      .find((d: { uid: string }) => d.uid === 'prometheus')
      .jsonData.exemplarTraceIdDestinations.map((d: { name: string }) => d.name);
    for (const [metric, label] of [
      ['http_request_duration_seconds_bucket', 'trace_id'],
      ['traces_spanmetrics_latency_bucket', 'trace_id'],
      ['traces_service_graph_request_server_seconds_bucket', 'traceID'],
    ]) {
      const exemplarsOf = async () => {
        const now = Date.now() / 1000;
        const response = await fetch(
          `${prometheus.url}/api/v1/query_exemplars?query=${metric}&start=${now - 600}&end=${now}`,
        );
        const { data } = (await response.json()) as {
          data: { exemplars: { labels: Record<string, string> }[] }[];
        };
        return data.flatMap((series) => series.exemplars);
      };
      // A flush's exemplars are exposed until the next flush only: a request now and then gives fresh ones.
      const exemplars = await eventually(
        async () => {
          await fetch(`${stack.ticket.url}/event`);
          return exemplarsOf();
        },
        `exemplars of ${metric}`,
        30_000,
        500,
      );
      expect(exemplars.length, metric).toBeGreaterThan(0);
      expect(exemplars[0].labels, metric).toHaveProperty(label);
      // Tempo drops a trace id's leading zeros; its trace-by-id pads them back.
      expect(exemplars[0].labels[label], metric).toMatch(/^[0-9a-f]{1,32}$/);
      expect(linked, metric).toContain(label);
    }
  });

  it('returns data for every PromQL query of every dashboard (but those of Loki, Tempo and Grafana)', async () => {
    const queries = dashboardQueries().filter((q) => q.kind === 'prometheus');
    const empty: string[] = [];
    const skipped = new Set<string>();
    for (const q of queries) {
      const expr = variableExpression(q.resolved);
      if (!expr) continue;
      if (elsewhere.test(expr)) {
        skipped.add(`${q.dashboard} / ${q.panel}`);
        continue;
      }
      const result = await prometheus.query(expr).catch((error: Error) => error.message);
      if (!Array.isArray(result) || result.length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
    expect(skipped.size).toBeLessThan(queries.length / 4);
  });
});
