import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeRoute } from '../http/probe-route';

import { FaultSettings, FaultState, FaultStore } from './fault-store';
import { MemoryLeakOnPurpose } from './memory-leak';

export type { FaultSettings } from './fault-store';

const adminPath = '/admin/faults';
const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    delayMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    cpuMs: { type: 'integer', minimum: 0, maximum: 10_000 },
    leakMbPerSecond: { type: 'integer', minimum: 0, maximum: 64 },
  },
} as const;

/**
 * Work on purpose, so that a profile has a hot spot to find: hashing, on the event loop, for `ms` of the
 * process's CPU time (not of the clock, which a busy machine would spend partly on others). Named to be read in
 * a flame graph.
 */
function burnCpuOnPurpose(ms: number): void {
  const cpuMicros = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const until = cpuMicros() + ms * 1000;
  let digest = Buffer.alloc(32);
  while (cpuMicros() < until) digest = createHash('sha256').update(digest).digest();
}

const settingsOf = ({ errorRate, delayMs, cpuMs, leakMbPerSecond }: FaultState): FaultSettings => ({
  ...{ errorRate, delayMs, cpuMs, leakMbPerSecond },
});

/**
 * Failures on purpose, for the sandbox only: each request (never /health, /metrics or this admin route) is
 * delayed by up to `delayMs`, burns up to `cpuMs` of CPU, and a share `errorRate` of them is answered 503;
 * `leakMbPerSecond` holds memory until the container's limit is hit. `GET|PUT /admin/faults` reads and changes
 * the settings at run time, for every replica of the service at once (they share them through Redis);
 * neither the hook nor the route exists unless FAULTS_ENABLED=true.
 */
export async function injectFaults(
  fastify: FastifyInstance,
  { service, redisUrl, initial }: { service: string; redisUrl: string; initial: FaultSettings },
  logger: PinoLogger,
): Promise<void> {
  logger.setContext('Faults');
  const leak = new MemoryLeakOnPurpose();
  const store = new FaultStore(redisUrl, service, initial, (state) => {
    leak.apply(state.leakMbPerSecond, state.leakStartedAt);
    logger.warn(settingsOf(state), 'Fault injection changed');
  });
  leak.apply(store.state.leakMbPerSecond, store.state.leakStartedAt);
  await store.start();
  fastify.addHook('onClose', async () => {
    leak.stop();
    await store.stop();
  });
  const settings = () => store.state;
  logger.warn(settingsOf(settings()), `Fault injection is on: ${adminPath} changes it`);

  fastify.get(adminPath, async () => settingsOf(settings()));
  fastify.put(
    adminPath,
    { schema: { body: { ...settingsSchema, minProperties: 1 } } },
    async (request, reply) => {
      try {
        return settingsOf(await store.update(request.body as Partial<FaultSettings>));
      } catch {
        return reply.code(503).send({
          statusCode: 503,
          error: 'Service Unavailable',
          code: 'FAULT_STORE_UNAVAILABLE',
          message: 'the fault settings are shared through Redis (REDIS_URL), which does not answer',
        });
      }
    },
  );

  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? request.url;
    if (probeRoute.test(route) || route === adminPath) return;
    const { delayMs, cpuMs, errorRate } = settings();
    if (delayMs > 0) await sleep(Math.random() * delayMs);
    if (cpuMs > 0) burnCpuOnPurpose(Math.random() * cpuMs);
    if (Math.random() >= errorRate) return;
    const span = trace.getActiveSpan();
    span?.setAttribute('ticketing.fault.injected', true);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: 'fault injected on purpose' });
    span?.addEvent('fault injected', { 'ticketing.fault.error_rate': errorRate });
    logger.warn({ route, method: request.method }, `Injected fault: 503 on ${request.method} ${route}`);
    return reply.code(503).send({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'INJECTED_FAULT',
      message: `fault injected on purpose (errorRate ${errorRate})`,
      traceId: span?.spanContext().traceId,
    });
  });
}
