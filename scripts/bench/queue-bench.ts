import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { builtBinary } from '../../test/support/binaries';
import { post } from '../../test/support/http';
import { TestCollector } from '../../test/support/collector';
import { composeTelemetryEnv, Launcher, RunningService } from '../../test/support/services';
import { BenchContext, cpuPerRequest, LoadSpec, otlpSink, signed, spread } from './harness';

/** The requests the parts load queue-service with, by the route (and answer) they exercise. */
export const routeNames = {
  status: 'GET /queue/status/:id',
  notFound: 'GET /queue/status/:id, unknown id (404)',
  join: 'POST /queue/join',
} as const;
type RouteName = (typeof routeNames)[keyof typeof routeNames];

/**
 * The setup most NestJS and OpenTelemetry-demo services use, for the parts that compare ours with it: NodeSDK with
 * getNodeAutoInstrumentations() at its defaults, started by peer-setup.cjs as a --require preload.
 */
export const peerEnv = {
  OTEL_SDK_DISABLED: 'false',
  OTEL_SERVICE_NAME: 'queue-service',
  NODE_OPTIONS: '--require ./scripts/bench/peer-setup.cjs',
};

/**
 * The real collector (otel-collector/config.yaml, exporting to a sink), user-service with 500 users, and those
 * users already in the queue, so that their status is a 200 (waiting, or admitted one a second).
 */
export async function queueBench(ctx: BenchContext) {
  const sink = await otlpSink();
  const collector = await new TestCollector(await builtBinary('scripts/collector/build.sh'), {
    TEMPO_OTLP_ENDPOINT: sink.url,
    LOKI_OTLP_ENDPOINT: sink.url,
  }).start();
  const users = await RunningService.start('user-service', {
    DATABASE_URL: ctx.databaseUrl,
    LOG_LEVEL: 'info',
  });
  const redis = new Redis(ctx.redisUrl);
  await redis.flushdb();
  await redis.quit();
  const startQueue = (env: Record<string, string>, launch?: Launcher) =>
    RunningService.start(
      'queue-service',
      {
        ...composeTelemetryEnv(),
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
        REDIS_URL: ctx.redisUrl,
        USER_SERVICE_URL: users.url,
        ADMIT_PER_SECOND: '1',
        LOG_LEVEL: 'info',
        ...env,
      },
      { launch },
    );
  const ids: string[] = [];
  const first = await startQueue({ OTEL_SDK_DISABLED: 'true' });
  for (let i = 0; i < 10; i++) {
    const added = await Promise.all(Array.from({ length: 50 }, () => post(`${users.url}/users`, {})));
    await Promise.all(added.map(({ body }) => post(`${first.url}/queue/join`, { userId: body.id })));
    ids.push(...added.map(({ body }) => body.id as string));
  }
  await first.stop();
  let i = 0;
  return {
    /** queue-service with compose's telemetry settings, exporting to the real collector, and `env` over them. */
    startQueue,
    specs: {
      [routeNames.status]: {
        connections: 10,
        next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
      },
      [routeNames.notFound]: { connections: 10, next: () => ({ path: `/queue/status/${randomUUID()}` }) },
      // Joining again is answered with the same position (join is idempotent), so each round asks the same.
      [routeNames.join]: {
        method: 'POST' as const,
        connections: 10,
        next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
      },
    },
    async stop() {
      await users.stop();
      await collector.stop();
      await sink.stop();
    },
  };
}

type Plan = Partial<Record<RouteName, Record<string, Record<string, string>>>>;
type Measure<S> = (queue: RunningService, spec: LoadSpec) => Promise<S>;
const cpu = (queue: RunningService, spec: LoadSpec) => cpuPerRequest(queue.process.pid!, spec);

/**
 * A measure (by default CPU time per request) of queue-service for each variant (an environment over compose's) of
 * each route, in rounds: the variants take turns, in reverse order every other round, so that a drift of the
 * machine favours none.
 */
export async function alternate<S = Awaited<ReturnType<typeof cpu>>>(
  bench: Awaited<ReturnType<typeof queueBench>>,
  plan: Plan,
  rounds: number,
  seconds: number,
  measure: Measure<S> = cpu as Measure<S>,
) {
  const samples: Record<string, Record<string, S[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [route, variants] of Object.entries(plan)) {
      const order = Object.entries(variants);
      for (const [name, env] of round % 2 ? order.reverse() : order) {
        const queue = await bench.startQueue(env);
        const measured = await measure(queue, {
          ...bench.specs[route as RouteName],
          url: queue.url,
          seconds,
        });
        await queue.stop();
        ((samples[route] ??= {})[name] ??= []).push(measured);
      }
    }
  }
  return samples;
}

/** One row per route and variant: CPU per request (median, spread), added to the route's first variant, req/s. */
export function cpuTable(
  samples: Record<string, Record<string, { cpuMicros: number; rps: number; p99: number }[]>>,
  variant = 'telemetry',
) {
  const table = [['route', variant, 'CPU µs/request (median)', 'spread', 'added', 'req/s', 'p99 ms']];
  const added: Record<string, number> = {};
  for (const [route, byVariant] of Object.entries(samples)) {
    const [first, ...others] = Object.keys(byVariant);
    const base = spread(byVariant[first].map((s) => s.cpuMicros)).median;
    for (const [name, list] of Object.entries(byVariant)) {
      const cpu = spread(list.map((s) => s.cpuMicros));
      added[`${route} · ${name}`] = cpu.median - base;
      table.push([
        route,
        name,
        cpu.median.toFixed(0),
        `${cpu.min.toFixed(0)}..${cpu.max.toFixed(0)}`,
        others.includes(name) ? signed(cpu.median - base) : '',
        spread(list.map((s) => s.rps)).median.toFixed(0),
        spread(list.map((s) => s.p99)).median.toFixed(1),
      ]);
    }
  }
  return { table, added };
}
