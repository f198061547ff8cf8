import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { IncomingMessage } from 'node:http';

/** Probes and scrapes: neither traced nor counted in the request metrics. */
export const untracedPath = /^\/(health|metrics)(\/|$|\?)/;

// The admission script carries fresh tokens as arguments: a Redis span names the command and key only.
const redisStatement = (command: string, args: unknown[]): string =>
  command === 'eval' || command === 'evalsha'
    ? command.toUpperCase()
    : `${command.toUpperCase()} ${String(args[0] ?? '')}`.trim();

/**
 * Only what the flow touches: HTTP in and out, Nest handlers, Redis, Postgres, pino. Fastify's route template
 * is handed to the HTTP server span by nameServerSpans(); @fastify/otel (which replaced the fastify
 * instrumentation) would add only a second span per request once its hook and handler spans are off.
 */
export function instrumentations({ sendLogs }: { sendLogs: boolean }): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => untracedPath.test(request.url ?? ''),
    }),
    new UndiciInstrumentation(),
    new NestInstrumentation(),
    new IORedisInstrumentation({ dbStatementSerializer: redisStatement, requireParentSpan: true }),
    new PgInstrumentation({ requireParentSpan: true }),
    // trace_id / span_id on every record; the records themselves go to the log exporter when there is one.
    new PinoInstrumentation({ disableLogSending: !sendLogs }),
  ];
}
