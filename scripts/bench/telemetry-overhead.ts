import { builtBinary } from '../../test/support/binaries';
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
  const collector = await new TestCollector(await builtBinary('scripts/collector/build.sh'), {
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
  const labels: Record<Variant, string> = { on: 'on, to the collector', sink: 'on, to a sink', off: 'off' };
  for (const route of ['join', 'status'] as const) {
    const name = route === 'join' ? 'POST /queue/join' : 'GET /queue/status/:id';
    const stats = (variant: Variant) => ({
      rps: spread(results[variant][route].map((r) => r.rps)),
      p50: spread(results[variant][route].map((r) => r.p50)).median,
      p99: spread(results[variant][route].map((r) => r.p99)).median,
    });
    const off = stats('off');
    const [on, toSink] = [stats('on'), stats('sink')];
    for (const [variant, s] of [['on', on], ['sink', toSink], ['off', off]] as const) {
      const compared = variant !== 'off';
      table.push([
        name,
        labels[variant],
        s.rps.median.toFixed(0),
        `${s.rps.min.toFixed(0)}..${s.rps.max.toFixed(0)}`,
        s.p50.toFixed(1),
        s.p99.toFixed(1),
        compared ? (s.rps.median / off.rps.median).toFixed(2) : '',
        compared ? (s.p99 - off.p99).toFixed(1) : '',
      ]);
    }
    figures[route] = {
      on: on.rps,
      off: off.rps,
      sink: toSink.rps,
      ratio: on.rps.median / off.rps.median,
      ratioToSink: toSink.rps.median / off.rps.median,
      p99On: on.p99,
      p99Off: off.p99,
      non2xx: (['on', 'off', 'sink'] as const)
        .flatMap((variant) => results[variant][route])
        .reduce((n, r) => n + r.non2xx, 0),
    };
  }
  return { part: 'Telemetry overhead (target: ratio >= 0.90, p99 added <= 1 ms)', table, figures };
}
