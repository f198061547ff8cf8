import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { untracedPath } from '../telemetry/instrumentations';

export interface FaultSettings {
  errorRate: number;
  delayMs: number;
  cpuMs: number;
}

const adminPath = '/admin/faults';
const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    delayMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    cpuMs: { type: 'integer', minimum: 0, maximum: 10_000 },
  },
} as const;

/**
 * Work on purpose, so that a profile has a hot spot to find: hashing, on the event loop, for `ms`. Named to be
 * read in a flame graph.
 */
function burnCpuOnPurpose(ms: number): void {
  const until = performance.now() + ms;
  let digest = Buffer.alloc(32);
  while (performance.now() < until) digest = createHash('sha256').update(digest).digest();
}

/**
 * Failures on purpose, for the sandbox only: each request (never /health, /metrics or this admin route) is
 * delayed by up to `delayMs`, burns up to `cpuMs` of CPU, and a share `errorRate` of them is answered 503. `GET|PUT /admin/faults` reads
 * and changes the settings at run time; neither the hook nor the route exists unless FAULTS_ENABLED=true.
 */
export function injectFaults(fastify: FastifyInstance, initial: FaultSettings, logger: PinoLogger): void {
  const settings = { ...initial };
  logger.setContext('Faults');
  logger.warn(settings, `Fault injection is on: ${adminPath} changes it`);

  fastify.get(adminPath, async () => settings);
  fastify.put(adminPath, { schema: { body: { ...settingsSchema, minProperties: 1 } } }, async (request) => {
    Object.assign(settings, request.body as Partial<FaultSettings>);
    logger.warn(settings, 'Fault injection changed');
    return settings;
  });

  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? request.url;
    if (untracedPath.test(route) || route === adminPath) return;
    if (settings.delayMs > 0) await sleep(Math.random() * settings.delayMs);
    if (settings.cpuMs > 0) burnCpuOnPurpose(Math.random() * settings.cpuMs);
    if (Math.random() >= settings.errorRate) return;
    const span = trace.getActiveSpan();
    span?.setAttribute('ticketing.fault.injected', true);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: 'fault injected on purpose' });
    span?.addEvent('fault injected', { 'ticketing.fault.error_rate': settings.errorRate });
    logger.warn({ route, method: request.method }, `Injected fault: 503 on ${request.method} ${route}`);
    return reply.code(503).send({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'INJECTED_FAULT',
      message: `fault injected on purpose (FAULT_ERROR_RATE=${settings.errorRate})`,
      traceId: span?.spanContext().traceId,
    });
  });
}
