import { execFileSync } from 'node:child_process';
import { TestCollector } from '../../test/support/collector';
import { RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers } from './context';
import { Load, load, OtlpSink, spread } from './harness';

type Variant = 'on' | 'off' | 'sink';

/**
 * Part 1: the same routes with full telemetry exporting to the real collector (built by
 * scripts/collector/build.sh, running otel-collector/config.yaml, its Tempo and Loki exports going to an OTLP
 * sink) vs OTEL_SDK_DISABLED=true, alternated round by round; a third variant exports straight to the sink,
 * to tell the services' own cost from the collector's share of the two cores.
 */
export async function telemetryOverhead(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 3 : 8;
  const sink = await new OtlpSink().start();
  const binary = execFileSync('bash', ['scripts/collector/build.sh'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const collector = await new TestCollector(binary.toString().trim(), {
    TEMPO_OTLP_ENDPOINT: sink.url,
    LOKI_OTLP_ENDPOINT: sink.url,
  }).start();
  const results: Record<Variant, { join: Load[]; status: Load[] }> = {
    on: { join: [], status: [] },
    off: { join: [], status: [] },
    sink: { join: [], status: [] },
  };

  for (let round = 0; round < rounds; round++) {
    for (const variant of ['on', 'off', 'sink'] as Variant[]) {
      await flushRedis(ctx.redisUrl);
      const endpoint = variant === 'on' ? collector.otlpHttp : sink.url;
      const env: Record<string, string> =
        variant === 'off'
          ? { OTEL_SDK_DISABLED: 'true' }
          : { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
      const users = await RunningService.start('user-service', {
        ...env,
        DATABASE_URL: ctx.databaseUrl,
        LOG_LEVEL: 'info',
      });
      const queue = await RunningService.start('queue-service', {
        ...env,
        REDIS_URL: ctx.redisUrl,
        USER_SERVICE_URL: users.url,
        ADMIT_PER_SECOND: '1',
        LOG_LEVEL: 'info',
      });
      const ids = await registerUsers(users, 500);
      await joinAll(queue, ids);
      let i = 0;
      results[variant].status.push(
        await load({
          url: queue.url,
          connections: 10,
          seconds,
          next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
        }),
      );
      results[variant].join.push(
        await load({
          url: queue.url,
          method: 'POST',
          connections: 10,
          seconds,
          next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
        }),
      );
      await Promise.all([queue.stop(), users.stop()]);
    }
  }
  await collector.stop();
  await sink.stop();

  const table = [
    ['route', 'telemetry', 'req/s (median)', 'spread', 'p50 ms', 'p99 ms', 'ratio on/off', 'p99 added ms'],
  ];
  const figures: Record<string, unknown> = {
    rounds,
    seconds,
    connections: 10,
    exporter: 'on: the real collector (otel-collector/config.yaml); sink: an OTLP sink process',
  };
  for (const route of ['join', 'status'] as const) {
    const on = spread(results.on[route].map((r) => r.rps));
    const off = spread(results.off[route].map((r) => r.rps));
    const p99On = spread(results.on[route].map((r) => r.p99)).median;
    const p99Off = spread(results.off[route].map((r) => r.p99)).median;
    const toSink = spread(results.sink[route].map((r) => r.rps));
    const p99Sink = spread(results.sink[route].map((r) => r.p99)).median;
    const name = route === 'join' ? 'POST /queue/join' : 'GET /queue/status/:id';
    const ratio = on.median / off.median;
    table.push([
      name,
      'on, to the collector',
      on.median.toFixed(0),
      `${on.min.toFixed(0)}..${on.max.toFixed(0)}`,
      spread(results.on[route].map((r) => r.p50)).median.toFixed(1),
      p99On.toFixed(1),
      ratio.toFixed(2),
      (p99On - p99Off).toFixed(1),
    ]);
    table.push([
      name,
      'on, to a sink',
      toSink.median.toFixed(0),
      `${toSink.min.toFixed(0)}..${toSink.max.toFixed(0)}`,
      spread(results.sink[route].map((r) => r.p50)).median.toFixed(1),
      p99Sink.toFixed(1),
      (toSink.median / off.median).toFixed(2),
      (p99Sink - p99Off).toFixed(1),
    ]);
    table.push([
      name,
      'off',
      off.median.toFixed(0),
      `${off.min.toFixed(0)}..${off.max.toFixed(0)}`,
      spread(results.off[route].map((r) => r.p50)).median.toFixed(1),
      p99Off.toFixed(1),
      '',
      '',
    ]);
    figures[route] = {
      on,
      off,
      sink: toSink,
      ratio,
      ratioToSink: toSink.median / off.median,
      p99On,
      p99Off,
      non2xx: [...results.on[route], ...results.off[route], ...results.sink[route]].reduce((n, r) => n + r.non2xx, 0),
    };
  }
  return { part: 'Telemetry overhead (target: ratio >= 0.90, p99 added <= 1 ms)', table, figures };
}
