import { diag, DiagLogLevel } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LogRecordExporter } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SpanExporter } from '@opentelemetry/sdk-trace';
import { instrumentations } from './instrumentations';
import { OutageReportingExporter, reportTelemetry } from './export-health';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
}

let sdk: NodeSDK | undefined;

export const telemetryEnabled = (): boolean => process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';

/**
 * Starts tracing and log export before anything instrumented is loaded. Every default here yields to the
 * standard OTEL_* variables: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_BSP_* / OTEL_BLRP_* for batching, OTEL_SDK_DISABLED=true to turn it all off.
 */
export function startTelemetry({ serviceName, serviceVersion }: TelemetryOptions): void {
  if (!telemetryEnabled() || sdk) return;
  const name = process.env.OTEL_SERVICE_NAME?.trim() || serviceName;
  diag.setLogger(
    { ...console, verbose: () => undefined, debug: () => undefined, info: () => undefined },
    DiagLogLevel.WARN,
  );
  // Failed exports are reported once per outage by OutageReportingExporter; anything else still shows.
  setGlobalErrorHandler((error) => {
    if (
      !/export|ECONNREFUSED|timeout|Not Found|socket hang up/i.test(
        String((error as Error)?.message ?? error),
      )
    ) {
      reportTelemetry('warn', 'OpenTelemetry error', { err: String(error) });
    }
  });
  sdk = new NodeSDK({
    serviceName: name,
    resource: resourceFromAttributes({
      'service.namespace': 'ticketing',
      'service.version': serviceVersion,
      'deployment.environment.name': 'sandbox',
      app: name,
    }),
    // traceExporter (not spanProcessors): the SDK wraps it in a BatchSpanProcessor that reads OTEL_BSP_*.
    traceExporter: new OutageReportingExporter('spans', new OTLPTraceExporter()) as SpanExporter,
    logRecordProcessors: [
      new BatchLogRecordProcessor({
        exporter: new OutageReportingExporter('logs', new OTLPLogExporter()) as LogRecordExporter,
      }),
    ],
    // Metrics are scraped from /metrics (prom-client). Left to itself the SDK would also push OTLP metrics
    // and have the HTTP instrumentations record a histogram per request; OTEL_METRICS_EXPORTER asks for them.
    ...(process.env.OTEL_METRICS_EXPORTER?.trim() ? {} : { metricReaders: [] }),
    instrumentations: instrumentations(),
  });
  sdk.start();
}

/** Flushes what is queued, within a bound, after the service has stopped taking requests. */
export async function shutdownTelemetry(timeoutMs = 3000): Promise<void> {
  if (!sdk) return;
  const pending = sdk.shutdown();
  sdk = undefined;
  await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
