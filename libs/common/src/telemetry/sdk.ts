import { diag, DiagLogLevel } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LogRecordExporter,
  LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { HoldingExporter, reportTelemetry } from './export-health';
import { otlpLogExporter, otlpTraceExporter } from './exporters';
import { instrumentations } from './instrumentations';
import { useCachedLookups } from './lookup';
import { profilingRunning, startProfiling, stopProfiling } from './profiling';
import { SpanProfileContextManager, SpanProfileProcessor } from './span-profiles';
import { SignalSettings, telemetrySettings } from './telemetry-env';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
}

let sdk: NodeSDK | undefined;
let started = false;

export const telemetryEnabled = (): boolean => process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';

// What a batch processor may queue (OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BLRP_MAX_QUEUE_SIZE, the SDK's default
// otherwise) is also what is held for a collector that is away.
const holdLimit = (batch: SignalSettings['batch']) => batch.maxQueueSize ?? 2048;

const spanProcessors = ({ exporters, protocol, batch }: SignalSettings): SpanProcessor[] =>
  exporters.map((name) =>
    name === 'console'
      ? new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })
      : new BatchSpanProcessor({
          exporter: new HoldingExporter(
            'spans',
            otlpTraceExporter(protocol),
            holdLimit(batch),
          ) as SpanExporter,
          ...batch,
        }),
  );

const logRecordProcessors = ({ exporters, protocol, batch }: SignalSettings): LogRecordProcessor[] =>
  exporters.map((name) =>
    name === 'console'
      ? new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })
      : new BatchLogRecordProcessor({
          exporter: new HoldingExporter(
            'logs',
            otlpLogExporter(protocol),
            holdLimit(batch),
          ) as LogRecordExporter,
          ...batch,
        }),
  );

/**
 * Starts tracing and log export before anything instrumented is loaded. Every default here yields to the
 * standard OTEL_* variables: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER (otlp, console, none), OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_BSP_* /
 * OTEL_BLRP_* for batching, OTEL_NODE_[ENABLED|DISABLED]_INSTRUMENTATIONS (telemetry-env.ts),
 * OTEL_SDK_DISABLED=true to turn it all off; and profiles to Pyroscope with PYROSCOPE_SERVER_ADDRESS.
 */
export function startTelemetry({ serviceName, serviceVersion }: TelemetryOptions): void {
  if (started) return;
  started = true;
  const settings = telemetrySettings(process.env);
  const { traces, logs, profiling } = settings;
  const name = process.env.OTEL_SERVICE_NAME?.trim() || serviceName;
  useCachedLookups();
  // Profiles do not need the OpenTelemetry SDK: PYROSCOPE_SERVER_ADDRESS alone turns them on.
  startProfiling(profiling, name, serviceVersion);
  if (!telemetryEnabled()) return;
  diag.setLogger(
    { ...console, verbose: () => undefined, debug: () => undefined, info: () => undefined },
    DiagLogLevel.WARN,
  );
  // Failed exports are reported once per outage by HoldingExporter; anything else still shows.
  setGlobalErrorHandler((error) => {
    if (
      !/export|ECONNREFUSED|timeout|Not Found|socket hang up/i.test(
        String((error as Error)?.message ?? error),
      )
    ) {
      reportTelemetry('warn', 'OpenTelemetry error', { err: String(error) });
    }
  });
  // Span profiles link a span to its samples: only worth it when both are sent.
  const spanProfiles = profilingRunning() && profiling.spanProfiles && traces.exporters.length > 0;
  sdk = new NodeSDK({
    serviceName: name,
    resource: resourceFromAttributes({
      'service.namespace': 'ticketing',
      'service.version': serviceVersion,
      'deployment.environment.name': 'sandbox',
      app: name,
    }),
    // None of either (OTEL_*_EXPORTER=none) is no provider at all: the instrumentations then make no-op spans.
    // With profiles on, root spans are marked for Grafana and entered into the profiler's context.
    spanProcessors: [...(spanProfiles ? [new SpanProfileProcessor()] : []), ...spanProcessors(traces)],
    ...(spanProfiles && { contextManager: new SpanProfileContextManager() }),
    ...(logs.exporters.length ? { logRecordProcessors: logRecordProcessors(logs) } : {}),
    // Metrics are scraped from /metrics (prom-client). Left to itself the SDK would also push OTLP metrics
    // and have the HTTP instrumentations record a histogram per request; OTEL_METRICS_EXPORTER asks for them.
    ...(process.env.OTEL_METRICS_EXPORTER?.trim() ? {} : { metricReaders: [] }),
    instrumentations: instrumentations({
      sendLogs: logs.exporters.length > 0,
      enabled: settings.instrumentations,
      // The profiler's uploads are not the service's work: no trace of their own.
      untracedOrigins: profiling.serverAddress ? [new URL(profiling.serverAddress).origin] : [],
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
