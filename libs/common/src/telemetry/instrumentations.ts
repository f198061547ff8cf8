import { trace, TracerProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { IncomingMessage } from 'node:http';
import { ClientErrorTolerantTracerProvider } from './client-errors';

/** Probes and scrapes: neither traced nor counted in the request metrics. */
export const untracedPath = /^\/(health|metrics)(\/|$|\?)/;

// The admission script carries fresh tokens as arguments: a Redis span names the command and key only.
const redisStatement = (command: string, args: unknown[]): string =>
  command === 'eval' || command === 'evalsha'
    ? command.toUpperCase()
    : `${command.toUpperCase()} ${String(args[0] ?? '')}`.trim();

/**
 * Nest's handler spans, which mark a thrown 404 or 400 as an error with its stack trace as they would a crash:
 * their tracer leaves client errors alone (client-errors.ts); the instrumentation has no option for it.
 */
class NestHandlerInstrumentation extends NestInstrumentation {
  constructor() {
    super();
    this.setTracerProvider(trace.getTracerProvider());
  }
  override setTracerProvider(provider: TracerProvider): void {
    super.setTracerProvider(new ClientErrorTolerantTracerProvider(provider));
  }
}

let logRecordScope: { name: string; version: string } | undefined;
/** The scope of the OTLP log records made of pino's lines, the pino instrumentation's; none when none are sent. */
export const pinoLogRecordScope = () => logRecordScope;

/** Each instrumentation by the short name @opentelemetry/auto-instrumentations-node gives it. */
const all = {
  http: () =>
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => untracedPath.test(request.url ?? ''),
    }),
  undici: (_sendLogs: boolean, untracedOrigins: string[]) =>
    new UndiciInstrumentation({ ignoreRequestHook: (request) => untracedOrigins.includes(request.origin) }),
  'nestjs-core': () => new NestHandlerInstrumentation(),
  ioredis: () =>
    new IORedisInstrumentation({ dbStatementSerializer: redisStatement, requireParentSpan: true }),
  pg: () => new PgInstrumentation({ requireParentSpan: true }),
  // trace_id / span_id on every record. The records go to the log exporter, when there is one, through
  // logging/otlp-log-stream.ts: the instrumentation's own sending parses every line back (JSON.parse).
  pino: (sendLogs: boolean) => {
    const pino = new PinoInstrumentation({ disableLogSending: true });
    logRecordScope = sendLogs
      ? { name: pino.instrumentationName, version: pino.instrumentationVersion }
      : undefined;
    return pino;
  },
};
export type InstrumentationName = keyof typeof all;
export const instrumentationNames = Object.keys(all) as InstrumentationName[];

/**
 * Only what the flow touches: HTTP in and out, Nest handlers, Redis, Postgres, pino, less those that
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS leave out. The Fastify route template
 * reaches the HTTP server span through measureRequests() (metrics/http-metrics.ts); @fastify/otel (which
 * replaced the fastify instrumentation) would add only a second span per request once its hook and handler
 * spans are off.
 */
export function instrumentations({
  sendLogs,
  enabled,
  untracedOrigins,
}: {
  sendLogs: boolean;
  enabled: InstrumentationName[];
  untracedOrigins: string[];
}): Instrumentation[] {
  return enabled.map((name) => all[name](sendLogs, untracedOrigins));
}
