/* eslint-disable @typescript-eslint/no-require-imports -- only the chosen protocol's exporter is loaded */
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { AgentOptions } from 'node:http';
import { cachedLookup } from './lookup';
import type { OtlpProtocol } from './telemetry-env';

// Over HTTP the exporters look the collector up through the cached lookup (lookup.ts), on kept-alive
// connections as by default; gRPC's client resolves names itself.
const options = (protocol: OtlpProtocol) =>
  protocol === 'grpc'
    ? {}
    : { httpAgentOptions: { keepAlive: true, lookup: cachedLookup.lookup } as AgentOptions };

/**
 * The OTLP exporter of each signal for OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]PROTOCOL; each reads its endpoint,
 * headers, timeout and compression from the standard variables itself. Loaded on demand: gRPC's client is
 * heavy and a service uses one protocol.
 */
export function otlpTraceExporter(protocol: OtlpProtocol): SpanExporter {
  const { OTLPTraceExporter } =
    protocol === 'grpc'
      ? (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc'))
      : protocol === 'http/json'
        ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http'))
        : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto'));
  return new OTLPTraceExporter(options(protocol));
}

export function otlpLogExporter(protocol: OtlpProtocol): LogRecordExporter {
  const { OTLPLogExporter } =
    protocol === 'grpc'
      ? (require('@opentelemetry/exporter-logs-otlp-grpc') as typeof import('@opentelemetry/exporter-logs-otlp-grpc'))
      : protocol === 'http/json'
        ? (require('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http'))
        : (require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto'));
  return new OTLPLogExporter(options(protocol));
}
