import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { getBooleanFromEnv } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { probeRoute } from '../http/probe-route';
import { holdExportsThroughOutages } from './export-hold';
import { profilingRunning, startProfiling, stopProfiling } from './profiling';
import { SpanProfileContextManager } from './span-profiles';
import { telemetryEnv } from './telemetry-env';

let sdk: NodeSDK | undefined;

/**
 * The sandbox's choices among the standard OTEL_* variables: each applies only while the variable is unset.
 * The instrumentations are those of the flow (HTTP in and out, Redis, Postgres, pino); metrics are scraped by
 * Prometheus from /metrics, so none are pushed over OTLP.
 */
const defaults = (serviceName: string) => ({
  OTEL_SERVICE_NAME: serviceName,
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,ioredis,pg,pino',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOG_LEVEL: 'warn',
});

// The admission script carries fresh tokens as arguments: a Redis span names the command and key only.
const redisStatement = (command: string, args: unknown[]): string =>
  command === 'eval' || command === 'evalsha'
    ? command.toUpperCase()
    : `${command.toUpperCase()} ${args[0] ?? ''}`.trim();

/**
 * Starts tracing and log export before anything instrumented is loaded (main.ts imports instrument.ts first).
 * NodeSDK reads the rest of OTEL_* itself: exporters, protocols, endpoints, batching, sampling, the resource.
 */
export function startTelemetry({
  serviceName,
  serviceVersion,
}: Record<'serviceName' | 'serviceVersion', string>) {
  if (sdk) return;
  for (const [name, value] of Object.entries(defaults(serviceName))) process.env[name] ||= value;
  const env = telemetryEnv(process.env);
  const name = process.env.OTEL_SERVICE_NAME!;
  // Profiles do not need the OpenTelemetry SDK: PYROSCOPE_SERVER_ADDRESS alone turns them on.
  startProfiling(env, name, serviceVersion);
  // An instrumentation patches its module as soon as it is made, with or without a running SDK.
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return;
  const pyroscope = env.PYROSCOPE_SERVER_ADDRESS && new URL(env.PYROSCOPE_SERVER_ADDRESS).origin;
  holdExportsThroughOutages((signal) => ({
    items: signal === 'spans' ? env.OTEL_BSP_MAX_QUEUE_SIZE : env.OTEL_BLRP_MAX_QUEUE_SIZE,
    ageMs: 5 * 60_000,
    retryMs: 1000,
  }));
  sdk = new NodeSDK({
    // Defaults of ours beside the SDK's own (telemetry.sdk.*); OTEL_RESOURCE_ATTRIBUTES overrides each of them.
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.namespace': 'ticketing',
        'service.version': serviceVersion,
        'deployment.environment.name': 'sandbox',
        app: name,
      }),
    ),
    // With profiles on, a request's samples are labelled with its server span (span-profiles.ts).
    ...(profilingRunning() &&
      env.PYROSCOPE_SPAN_PROFILES && { contextManager: new SpanProfileContextManager() }),
    instrumentations: getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-http': {
        ignoreIncomingRequestHook: (request) => probeRoute.test(request.url ?? ''),
      },
      // The profiler's uploads are not the service's work.
      '@opentelemetry/instrumentation-undici': {
        ignoreRequestHook: (request) => request.origin === pyroscope,
      },
      '@opentelemetry/instrumentation-ioredis': {
        requireParentSpan: true,
        dbStatementSerializer: redisStatement,
      },
      '@opentelemetry/instrumentation-pg': { requireParentSpan: true },
    }),
  });
  sdk.start();
}

/** Flushes what is queued (spans, log records, the last profile), within a bound, once requests have stopped. */
export async function shutdownTelemetry(timeoutMs = 3000): Promise<void> {
  const pending = [stopProfiling(), sdk?.shutdown()];
  sdk = undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
}
