import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers } from './context';
import { load, LoadSpec } from './harness';

const levels = [1, 4, 16, 64];

/** The highest throughput over the connection levels whose p99 stays under 50 ms. */
async function capacity(
  spec: Omit<LoadSpec, 'connections'>,
): Promise<{ rps: number; connections: number; p99: number }> {
  let best = { rps: 0, connections: 0, p99: 0 };
  for (const connections of levels) {
    const result = await load({ ...spec, connections });
    if (result.p99 < 50 && result.non2xx === 0 && result.rps > best.rps)
      best = { rps: result.rps, connections, p99: result.p99 };
  }
  return best;
}

async function startBare(ctx: BenchContext): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/bare-fastify.ts'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Part 2: each service's main route against the same I/O on bare Fastify (telemetry off on both). */
export async function frameworkCost(ctx: BenchContext): Promise<PartResult> {
  const seconds = ctx.quick ? 2 : 5;
  await flushRedis(ctx.redisUrl);
  const env = {
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'info',
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
  };
  const users = await RunningService.start('user-service', env);
  const queue = await RunningService.start('queue-service', {
    ...env,
    USER_SERVICE_URL: users.url,
    ADMIT_PER_SECOND: '1',
  });
  const tickets = await RunningService.start('ticket-service', { ...env, QUEUE_SERVICE_URL: queue.url });
  const ids = await registerUsers(users, 200);
  await joinAll(queue, ids);
  const bare = await startBare(ctx);

  let i = 0;
  const routes = [
    {
      name: 'GET /queue/status/:id',
      nest: queue.url,
      spec: { method: 'GET' as const, next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }) },
    },
    {
      name: 'POST /users',
      nest: users.url,
      spec: { method: 'POST' as const, next: () => ({ path: '/users', body: {} }) },
    },
    {
      name: 'GET /event',
      nest: tickets.url,
      spec: { method: 'GET' as const, next: () => ({ path: '/event' }) },
    },
  ];
  const table = [['route', 'Nest req/s', 'at conns', 'bare Fastify req/s', 'at conns', 'ratio']];
  const figures: Record<string, unknown> = { seconds, levels };
  for (const route of routes) {
    const nest = await capacity({ url: route.nest, seconds, ...route.spec });
    const baseline = await capacity({ url: bare.url, seconds, ...route.spec });
    table.push([
      route.name,
      nest.rps.toFixed(0),
      String(nest.connections),
      baseline.rps.toFixed(0),
      String(baseline.connections),
      (nest.rps / baseline.rps).toFixed(2),
    ]);
    figures[route.name] = { nest, bare: baseline, ratio: nest.rps / baseline.rps };
  }
  bare.child.kill('SIGTERM');
  await Promise.all([tickets.stop(), queue.stop(), users.stop()]);
  return {
    part: 'Framework cost: max req/s with p99 < 50 ms, Nest service vs bare Fastify, same I/O',
    table,
    figures,
  };
}
