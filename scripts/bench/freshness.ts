import { setTimeout as sleep } from 'node:timers/promises';
import { builtBinary } from '../../test/support/binaries';
import { TestCollector } from '../../test/support/collector';
import { OtlpReceiver } from '../../test/support/otlp-receiver';
import { TestPrometheus } from '../../test/support/prometheus';
import { composeTelemetryEnv, RunningService } from '../../test/support/services';
import { BenchContext, PartResult } from './context';
import { cpuSeconds, load, OtlpSink, postJson, spread } from './harness';

const signals = ['trace in Tempo', 'log in Loki', 'request metric', 'span metric'] as const;
type Signal = (typeof signals)[number];

/**
 * Part 7: how long after its response a request can be queried, with compose's settings: user-service ->
 * the real collector (otel-collector/config.yaml) -> the Tempo and Loki stand-ins, and the real Prometheus
 * scraping the service and the span metrics as compose/prometheus/prometheus.yml does. Requests are spaced by
 * random gaps so that they do not lock onto the flush and scrape periods. Then what the 500 ms export delay
 * costs the service against the SDK's defaults, alternated round by round.
 */
export async function freshness(ctx: BenchContext): Promise<PartResult> {
  const samples = ctx.quick ? 3 : 10;
  const tempo = await new OtlpReceiver().start();
  const loki = await new OtlpReceiver().start();
  const collector = await new TestCollector(await builtBinary('scripts/collector/build.sh'), {
    TEMPO_OTLP_ENDPOINT: tempo.url,
    LOKI_OTLP_ENDPOINT: `${loki.url}/otlp`,
  }).start();
  const users = await RunningService.start('user-service', {
    ...composeTelemetryEnv(),
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
    DATABASE_URL: ctx.databaseUrl,
    LOG_LEVEL: 'info',
  });
  const prometheus = await new TestPrometheus().startLikeCompose({
    'user-service': new URL(users.url).host,
    'span-metrics': new URL(collector.spanMetrics).host,
  });
  const total = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? 0);
  const counters: Record<'request metric' | 'span metric', string> = {
    'request metric': 'sum(http_request_duration_seconds_count{app="user-service",route="/users"})',
    'span metric': 'sum(traces_spanmetrics_calls_total{service="user-service",span_name="POST /users"})',
  };
  const delays: Record<Signal, number[]> = Object.fromEntries(signals.map((s) => [s, []])) as never;
  try {
    for (let i = 0; i < samples; i++) {
      await sleep(500 + Math.random() * 2500);
      const before = { 'request metric': 0, 'span metric': 0 };
      for (const [signal, expr] of Object.entries(counters))
        before[signal as keyof typeof before] = await total(expr);
      const response = await fetch(`${users.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await response.text();
      const answered = Date.now();
      const traceId = String(response.headers.get('traceresponse')).split('-')[1];
      const seen: Partial<Record<Signal, number>> = {};
      while (Object.keys(seen).length < signals.length && Date.now() - answered < 30_000) {
        seen['trace in Tempo'] ??= tempo.spans.find((s) => s.traceId === traceId)?.receivedAt;
        seen['log in Loki'] ??= loki.logs.find((l) => l.traceId === traceId)?.receivedAt;
        for (const [signal, expr] of Object.entries(counters) as [keyof typeof before, string][]) {
          if (seen[signal] === undefined && (await total(expr)) > before[signal]) seen[signal] = Date.now();
        }
        await sleep(50);
      }
      for (const signal of signals) delays[signal].push(((seen[signal] ?? Number.NaN) - answered) / 1000);
    }
  } finally {
    await prometheus.stop();
    await users.stop();
    await collector.stop();
    await Promise.all([tempo.stop(), loki.stop()]);
  }

  const table = [['signal', 'queryable after (median)', 'min..max', 'samples']];
  const figures: Record<string, unknown> = { samples };
  for (const signal of signals) {
    const s = spread(delays[signal].filter((d) => !Number.isNaN(d)));
    table.push([
      signal,
      `${s.median.toFixed(2)} s`,
      `${s.min.toFixed(2)}..${s.max.toFixed(2)} s`,
      String(delays[signal].length),
    ]);
    figures[signal] = { ...s, missed: delays[signal].filter((d) => Number.isNaN(d)).length };
  }
  const cost = await exportDelayCost(ctx);
  table.push(
    [],
    ['export delay (OTEL_BSP / OTEL_BLRP)', 'CPU ms per s', 'export requests per s', 'rounds'],
    ...cost.rows,
  );
  figures.cost = cost.figures;
  return {
    part: 'Freshness: response to queryable, compose settings (target: every signal within 5 s)',
    table,
    figures,
    notes: [
      'Tempo and Loki are stand-ins here: their figures are the arrival at their OTLP endpoint. Real Tempo 3.0.3 adds 1-2 s before search finds a trace; its service graph reaches Prometheus 1-16 s after the spans (README, Troubleshooting).',
    ],
  };
}

/** The service at the chapter's pace (20 requests/s), exporting every 500 ms (compose) or at the SDK defaults. */
async function exportDelayCost(ctx: BenchContext) {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 5 : 10;
  const variants = {
    '500 / 500 ms (compose)': ['500', '500'],
    '5000 / 1000 ms (SDK defaults)': ['5000', '1000'],
  };
  const results: Record<string, { cpu: number[]; exports: number[] }> = {};
  const sink = await new OtlpSink().start();
  for (let round = 0; round < rounds; round++) {
    for (const [name, [spans, logs]] of Object.entries(variants)) {
      const users = await RunningService.start('user-service', {
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_BSP_SCHEDULE_DELAY: spans,
        OTEL_BLRP_SCHEDULE_DELAY: logs,
        DATABASE_URL: ctx.databaseUrl,
        LOG_LEVEL: 'info',
      });
      const { body } = await postJson(`${users.url}/users`, {});
      const before = { cpu: cpuSeconds(users.process.pid!), sink: await sink.counts() };
      await load({
        url: users.url,
        connections: 2,
        seconds,
        rate: 20,
        next: () => ({ path: `/users/${body.id}` }),
      });
      await sleep(6000); // the slower variant's last batch
      const after = { cpu: cpuSeconds(users.process.pid!), sink: await sink.counts() };
      await users.stop();
      const elapsed = seconds + 6;
      results[name] ??= { cpu: [], exports: [] };
      results[name].cpu.push(((after.cpu - before.cpu) * 1000) / elapsed);
      const requests = (c: { traces: number; logs: number }) => c.traces + c.logs;
      results[name].exports.push((requests(after.sink) - requests(before.sink)) / elapsed);
    }
  }
  await sink.stop();
  const rows = Object.entries(results).map(([name, r]) => {
    const cpu = spread(r.cpu);
    return [
      name,
      `${cpu.median.toFixed(1)} (${cpu.min.toFixed(1)}..${cpu.max.toFixed(1)})`,
      spread(r.exports).median.toFixed(2),
      String(rounds),
    ];
  });
  return { rows, figures: results };
}
