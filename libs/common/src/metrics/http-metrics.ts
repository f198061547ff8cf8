import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';
import { Histogram, OpenMetricsContentType, register, Registry } from 'prom-client';
import { probeRoute } from '../http/probe-route';

// OpenMetrics is the only exposition that carries exemplars (Prometheus asks for it first when scraping);
// prom-client wants the registry switched before a metric with exemplars is made.
(register as unknown as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from request to response, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  enableExemplars: true,
  registers: [register],
});

/**
 * Times every request by its route template (never the raw URL, so ids cannot explode the series), with the
 * trace id as an exemplar when the request was traced; sends the trace id back in the W3C traceresponse header.
 */
export function measureRequests(fastify: FastifyInstance): void {
  // The HTTP instrumentation names the server span `METHOD route` and sets http.route from this.
  fastify.addHook('onRequest', async (request) => {
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP && request.routeOptions.url) rpc.route = request.routeOptions.url;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    // No span, or the no-op one of OTEL_TRACES_EXPORTER=none (all-zero ids): no trace to point at.
    const context = trace.getActiveSpan()?.spanContext();
    if (context && isSpanContextValid(context))
      void reply.header(
        'traceresponse',
        `00-${context.traceId}-${context.spanId}-0${context.traceFlags & 1}`,
      );
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (probeRoute.test(route)) return;
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    const span = trace.getActiveSpan()?.spanContext();
    const sampled = span && span.traceFlags & TraceFlags.SAMPLED;
    httpRequestDuration.observe({
      labels,
      value: reply.elapsedTime / 1000,
      // prom-client types exemplar labels as the metric's own; trace_id/span_id are what Prometheus expects.
      exemplarLabels: (sampled ? { trace_id: span.traceId, span_id: span.spanId } : {}) as never,
    });
  });
}
