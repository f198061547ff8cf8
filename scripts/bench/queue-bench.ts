import { randomUUID } from 'node:crypto';
import { composeTelemetryEnv, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, Peers, registerUsers, startPeers } from './context';
import { cpuPerRequest, LoadSpec, signed, spread } from './harness';

/** The requests the telemetry parts load queue-service with, by the route (and answer) they exercise. */
export const routeNames = {
  status: 'GET /queue/status/:id',
  notFound: 'GET /queue/status/:id, unknown id (404)',
  join: 'POST /queue/join',
} as const;
export type RouteName = (typeof routeNames)[keyof typeof routeNames];

/**
 * The setup most NestJS and OpenTelemetry-demo services use, for the parts that compare ours with it: NodeSDK with
 * getNodeAutoInstrumentations() at its defaults, started by peer-setup.cjs as a --require preload.
 */
export const peerEnv = {
  OTEL_SDK_DISABLED: 'false',
  OTEL_SERVICE_NAME: 'queue-service',
  NODE_OPTIONS: '--require ./scripts/bench/peer-setup.cjs',
};

export interface QueueBench {
  peers: Peers;
  specs: Record<RouteName, Omit<LoadSpec, 'url' | 'seconds'>>;
  /** queue-service with compose's telemetry settings, exporting to the real collector, and `env` over them. */
  startQueue(env: Record<string, string>): Promise<RunningService>;
  stop(): Promise<void>;
}

/**
 * The collector (exporting to a sink), user-service with 500 users, and those users already in the queue, so that
 * their status is a 200 (waiting, or admitted one a second).
 */
export async function queueBench(ctx: BenchContext): Promise<QueueBench> {
  const peers = await startPeers(ctx);
  await flushRedis(ctx.redisUrl);
  const ids = await registerUsers(peers.users, 500);
  let i = 0;
  const startQueue = (env: Record<string, string>) =>
    RunningService.start('queue-service', {
      ...composeTelemetryEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: peers.otlpHttp,
      REDIS_URL: ctx.redisUrl,
      USER_SERVICE_URL: peers.users.url,
      ADMIT_PER_SECOND: '1',
      LOG_LEVEL: 'info',
      ...env,
    });
  const first = await startQueue({ OTEL_SDK_DISABLED: 'true' });
  await joinAll(first, ids);
  await first.stop();
  return {
    peers,
    startQueue,
    specs: {
      [routeNames.status]: {
        connections: 10,
        next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
      },
      [routeNames.notFound]: { connections: 10, next: () => ({ path: `/queue/status/${randomUUID()}` }) },
      [routeNames.join]: {
        method: 'POST',
        connections: 10,
        next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
      },
    },
    stop: () => peers.stop(),
  };
}

export interface Sample {
  cpuMicros: number;
  rps: number;
  p99: number;
}

/**
 * CPU time of queue-service per request (from /proc/<pid>/stat, user + system, so 10 ms ticks over tens of
 * thousands of requests) for each variant of each route, the variants alternating round after round.
 */
export async function alternate(
  bench: QueueBench,
  plan: Partial<Record<RouteName, Record<string, Record<string, string>>>>,
  rounds: number,
  seconds: number,
): Promise<Record<string, Record<string, Sample[]>>> {
  const samples: Record<string, Record<string, Sample[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [route, variants] of Object.entries(plan) as [
      RouteName,
      Record<string, Record<string, string>>,
    ][]) {
      for (const [name, env] of Object.entries(variants)) {
        const queue = await bench.startQueue(env);
        const { cpuMicros, rps, p99 } = await cpuPerRequest(queue.process.pid!, {
          ...bench.specs[route],
          url: queue.url,
          seconds,
        });
        await queue.stop();
        ((samples[route] ??= {})[name] ??= []).push({ cpuMicros, rps, p99 });
      }
    }
  }
  return samples;
}

/** One row per route and variant: CPU per request (median, spread), added vs off, req/s and its ratio, p99. */
export function cpuTable(samples: Record<string, Record<string, Sample[]>>) {
  const table = [
    ['route', 'telemetry', 'CPU µs/request (median)', 'spread', 'added vs off', 'req/s', 'on/off', 'p99 ms'],
  ];
  const figures: Record<
    string,
    { cpuMicros: ReturnType<typeof spread>; rps: ReturnType<typeof spread>; addedMicros: number }
  > = {};
  for (const [route, byVariant] of Object.entries(samples)) {
    const off = {
      cpu: spread(byVariant.off.map((s) => s.cpuMicros)),
      rps: spread(byVariant.off.map((s) => s.rps)),
    };
    for (const [name, list] of Object.entries(byVariant)) {
      const cpu = spread(list.map((s) => s.cpuMicros));
      const rps = spread(list.map((s) => s.rps));
      table.push([
        route,
        name,
        cpu.median.toFixed(0),
        `${cpu.min.toFixed(0)}..${cpu.max.toFixed(0)}`,
        name === 'off' ? '' : signed(cpu.median - off.cpu.median),
        rps.median.toFixed(0),
        name === 'off' ? '' : (rps.median / off.rps.median).toFixed(2),
        spread(list.map((s) => s.p99)).median.toFixed(1),
      ]);
      figures[`${route} · ${name}`] = { cpuMicros: cpu, rps, addedMicros: cpu.median - off.cpu.median };
    }
  }
  return { table, figures };
}
