import { context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  createDefaultSessionIdGenerator,
  createLocalStorageSessionStore,
  createSessionLogRecordProcessor,
  createSessionManager,
  createSessionSpanProcessor,
} from '@opentelemetry/web-common';
import { onCLS, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';

/**
 * The page's telemetry, from the OpenTelemetry JS SDK: spans (the page load, every fetch, a span per click),
 * log records (the journey's steps, uncaught errors) and Core Web Vitals. All three go to the collector through
 * the page's own origin (`/otlp/`, passed on by the lobby's server); spans and log records carry `session.id`.
 */
const otlp = (signal: string) => new URL(`/otlp/v1/${signal}`, location.href).href;
const every = { scheduledDelayMillis: 500 };

// The services' resource contract (libs/common/src/telemetry/sdk.ts), for the browser. The instance is the
// lobby the page came from, not the browser: every page's metrics add up under one job and instance, and the
// span metrics of `lobby` carry an `instance` label as the services' do (Prometheus' exporter drops series whose
// labels differ in name from the rest of their metric).
const resource = resourceFromAttributes({
  'service.name': 'lobby',
  'service.instance.id': location.host,
  'service.namespace': 'ticketing',
  'service.version': __VERSION__,
  'deployment.environment.name': 'sandbox',
  app: 'lobby',
});

const sessions = createSessionManager({
  sessionIdGenerator: createDefaultSessionIdGenerator(),
  sessionStore: createLocalStorageSessionStore(),
  maxDuration: 4 * 3600,
  inactivityTimeout: 30 * 60,
});
void sessions.start();

const tracerProvider = new TracerProvider({
  resource,
  spanProcessors: [
    createSessionSpanProcessor(sessions),
    new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: otlp('traces') }), ...every }),
  ],
});
trace.setGlobalTracerProvider(tracerProvider);
// The browser has no async context: a click's span is handed to its fetches explicitly (`withSpan` below).
context.setGlobalContextManager(new StackContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const loggerProvider = new LoggerProvider({
  resource,
  processors: [
    createSessionLogRecordProcessor(sessions),
    new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: otlp('logs') }), ...every }),
  ],
});
logs.setGlobalLoggerProvider(loggerProvider);

// Deltas: each page sends only what it measured since its last export, and the collector adds the pages up
// (otel-collector/config.yaml, deltatocumulative), as no page lives long enough to be scraped.
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({
        url: otlp('metrics'),
        temporalityPreference: AggregationTemporality.DELTA,
      }),
      exportIntervalMillis: 5000,
    }),
  ],
});

// Routes as the services name them (`http.route`), so that a call as the browser saw it stands beside the
// same route as the server saw it.
const routeOf = (url: string) =>
  new URL(url, location.href).pathname
    .replace(/^\/api/, '')
    .replace(/\/queue\/status\/[^/]+$/, '/queue/status/:userId');

registerInstrumentations({
  instrumentations: [
    new DocumentLoadInstrumentation(),
    new FetchInstrumentation({
      ignoreUrls: [/\/otlp\//],
      applyCustomAttributesOnSpan: (span, request, result) => {
        const url = result instanceof Response ? result.url : '';
        if (!url) return;
        const route = routeOf(url);
        span.setAttribute('http.route', route);
        span.updateName(`${(request as RequestInit).method ?? 'GET'} ${route}`);
      },
    }),
  ],
});

export const tracer = trace.getTracer('lobby');
export const logger = logs.getLogger('lobby');

/** Runs `work` in a span of its own (a click of the journey); fetches made inside it are its children. */
export async function inSpan<T>(name: string, work: (span: Span, parent: Context) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span, context.active());
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A log record of the journey, in Loki under `{app="lobby"}`. */
export const log = (body: string, attributes: Record<string, string | number> = {}) =>
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body, attributes });

const reportError = (error: unknown, kind: string) => {
  const err = error instanceof Error ? error : new Error(String(error));
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: `${kind}: ${err.message}`,
    attributes: {
      'exception.type': err.name,
      'exception.message': err.message,
      'exception.stacktrace': err.stack ?? '',
    },
  });
};
addEventListener('error', (event) => reportError(event.error ?? event.message, 'Uncaught error'));
addEventListener('unhandledrejection', (event) => reportError(event.reason, 'Unhandled rejection'));

// Core Web Vitals, with buckets around Google's "good" and "poor" thresholds (web.dev/articles/vitals).
const meter = meterProvider.getMeter('lobby');
const vitals = {
  LCP: meter.createHistogram('browser.web_vital.lcp', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 6000, 10000] },
  }),
  INP: meter.createHistogram('browser.web_vital.inp', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [16, 50, 100, 200, 300, 500, 1000, 2000] },
  }),
  TTFB: meter.createHistogram('browser.web_vital.ttfb', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [50, 100, 200, 400, 800, 1200, 1800, 3000] },
  }),
  CLS: meter.createHistogram('browser.web_vital.cls', {
    unit: '1',
    advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1] },
  }),
};
const record = (metric: Metric) => {
  vitals[metric.name as keyof typeof vitals]?.record(metric.value);
  // Each measurement also as a log record, with this session's id: the histogram adds all pages up.
  log(`web vital ${metric.name} ${metric.value.toFixed(metric.name === 'CLS' ? 3 : 0)} (${metric.rating})`, {
    'web_vital.name': metric.name,
    'web_vital.value': metric.value,
    'web_vital.rating': metric.rating,
  });
};
onLCP(record);
onINP(record);
onCLS(record);
onTTFB(record);

// Spans and log records still batched leave when the page is hidden (the batch processors do it themselves);
// the vitals web-vitals reports at that moment (LCP, INP, CLS) need the meter's flush.
addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') void meterProvider.forceFlush();
});

export const sessionId = () => sessions.getSessionId() ?? '';
