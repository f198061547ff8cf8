import { randomUUID } from 'node:crypto';
import { composeTelemetryEnv, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, Peers, registerUsers, startPeers } from './context';
import type { LoadSpec } from './harness';

/** The requests the telemetry parts load queue-service with, by the route (and answer) they exercise. */
export const routeNames = {
  status: 'GET /queue/status/:id',
  notFound: 'GET /queue/status/:id, unknown id (404)',
  join: 'POST /queue/join',
} as const;
export type RouteName = (typeof routeNames)[keyof typeof routeNames];

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
      [routeNames.status]: { connections: 10, next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }) },
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
