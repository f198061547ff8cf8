// The telemetry pipeline end to end with everything that can run here: the three services exporting to the
// real collector (built with ocb) running otel-collector/config.yaml, and the real Prometheus scraping them
// with compose/prometheus's scrape config and rules. Tempo and Loki cannot run here: in their place stand
// OTLP/HTTP receivers that decode what the collector sends to tempo:4318 and loki:3100/otlp.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { collectorConfig, TestCollector } from '../support/collector';
import { dashboardQueries } from '../support/dashboards';
import { createDatabase, freshRedis } from '../support/databases';
import { variableExpression } from '../support/grammars';
import { OtlpReceiver } from '../support/otlp-receiver';
import { TestPrometheus } from '../support/prometheus';
import { freePort, startStack, Stack } from '../support/services';

const run = promisify(execFile);
const apps = ['queue-service', 'user-service', 'ticket-service'];
// Series only the servers that cannot run here make: Loki, Tempo (and its service graph), Grafana.
const elsewhere = /\b(loki_|tempo_|traces_service_graph_|grafana_)/;

/** compose/prometheus/prometheus.yml with each target moved to where it runs in this test. */
function scrapeConfig(targets: Record<string, string>, port: number) {
  const config = parse(readFileSync('compose/prometheus/prometheus.yml', 'utf8'), { merge: true });
  const dir = resolve('compose/prometheus');
  return {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: readdirSync(`${dir}/rules`).map((file) => `${dir}/rules/${file}`),
    scrape_configs: config.scrape_configs
      .filter((job: { job_name: string }) => job.job_name in targets)
      .map(({ dns_sd_configs: _dns, static_configs: _static, ...job }: Record<string, unknown>) => ({
        ...job,
        static_configs: [{ targets: [targets[job.job_name as string].replace('SELF', `127.0.0.1:${port}`)] }],
      })),
  };
}

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

  beforeAll(async () => {
    await Promise.all([tempo.start(), loki.start()]);
    collector = await new TestCollector(inject('otelcol'), {
      TEMPO_OTLP_ENDPOINT: tempo.url,
      LOKI_OTLP_ENDPOINT: `${loki.url}/otlp`,
    }).start();
    const telemetry = {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      FAULTS_ENABLED: 'true',
      LOG_LEVEL: 'info',
    };
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'pipeline'),
      redisUrl: await freshRedis(),
      extra: { all: telemetry, 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    const port = await freePort();
    await prometheus.run(
      port,
      scrapeConfig(
        {
          'queue-service': new URL(stack.queue.url).host,
          'user-service': new URL(stack.user.url).host,
          'ticket-service': new URL(stack.ticket.url).host,
          'otel-collector': new URL(collector.ownMetrics).host,
          'span-metrics': new URL(collector.spanMetrics).host,
          prometheus: 'SELF',
        },
        port,
      ),
    );
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
    // A few injected 5xx on every service, so the chapter's error query has a series per app.
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
      for (let i = 0; i < 3; i++) await fetch(`${url}${path}${randomUUID()}`);
      await faults(0);
    }
  });

  afterAll(async () => {
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
    expect(tempo.trace(record.traceId).some((s) => s.service === 'queue-service')).toBe(true);
  });

  it('turns spans into span metrics under the names Grafana queries, scraped by Prometheus', async () => {
    for (const app of apps) {
      await prometheus.waitFor(
        `traces_spanmetrics_calls_total{service_name="${app}",span_kind="SPAN_KIND_SERVER"}`,
      );
    }
    await prometheus.waitFor('traces_spanmetrics_duration_seconds_bucket');
    await prometheus.waitFor('traces_spanmetrics_latency_bucket');
    // Scraped at least twice, so the dashboards' rate() over them has something to work with.
    await prometheus.waitFor('rate(traces_spanmetrics_calls_total[1m])');
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
    for (const expr of [
      'rate(http_request_duration_seconds_count[1m])',
      'rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])',
      'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
    ]) {
      const apps = new Set((await prometheus.query(expr)).map((s) => s.metric.app));
      expect([...apps].sort(), expr).toEqual([...apps].sort().filter((a) => apps.has(a)));
      for (const app of ['queue-service', 'user-service', 'ticket-service'])
        expect(apps.has(app), `${expr} for ${app}`).toBe(true);
    }
  });

  it('evaluates the recording rules for every app', async () => {
    for (const app of apps) await prometheus.waitFor(`app:http_requests:rate5m{app="${app}"}`);
    await prometheus.waitFor('app:http_request_duration_seconds:p95_5m');
  });

  it('evaluates every rule without error, and every recording rule has series after the traffic', async () => {
    const { data } = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] };
    };
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(20);
    expect(rules.filter((r) => r.health !== 'ok' || r.lastError)).toEqual([]);
    for (const rule of rules.filter((r) => r.type === 'recording')) await prometheus.waitFor(rule.name);
  });

  it('keeps trace-id exemplars: the request histogram from the apps, the span metrics from the collector', async () => {
    for (const metric of [
      'http_request_duration_seconds_bucket',
      'traces_spanmetrics_duration_seconds_bucket',
    ]) {
      const now = Date.now() / 1000;
      const response = await fetch(
        `${prometheus.url}/api/v1/query_exemplars?query=${metric}&start=${now - 600}&end=${now}`,
      );
      const { data } = (await response.json()) as {
        data: { exemplars: { labels: Record<string, string> }[] }[];
      };
      const exemplars = data.flatMap((series) => series.exemplars);
      expect(exemplars.length, metric).toBeGreaterThan(0);
      expect(exemplars[0].labels.trace_id, metric).toMatch(/^[0-9a-f]{32}$/);
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
