import { z } from 'zod';
import { env as kinds, validateEnvOrExit } from '../config/env';
import { InstrumentationName, instrumentationNames } from './instrumentations';

const exporterNames = ['otlp', 'console', 'none'] as const;
export type ExporterName = (typeof exporterNames)[number];
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

// OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER: a comma-separated list, "none" alone meaning nothing is exported.
const exporters = z
  .string()
  .default('otlp')
  .refine((list) => list.split(',').every((name) => exporterNames.includes(name.trim() as ExporterName)), {
    error: `must be a comma-separated list of ${exporterNames.join(', ')}`,
  })
  .transform((list) => {
    const names = [...new Set(list.split(',').map((name) => name.trim() as ExporterName))];
    return names.includes('none') ? [] : names.filter((name) => name !== 'none');
  });
const protocol = z.enum(['http/protobuf', 'http/json', 'grpc'], {
  error: 'must be http/protobuf, http/json or grpc',
});
const count = z.coerce.number().int().nonnegative().optional();
// As @opentelemetry/auto-instrumentations-node reads them: comma-separated short names.
const instrumentationList = z
  .string()
  .optional()
  .refine(
    (list) =>
      list === undefined ||
      list.split(',').every((name) => instrumentationNames.includes(name.trim() as InstrumentationName)),
    { error: `must be a comma-separated list of ${instrumentationNames.join(', ')}` },
  )
  .transform((list) => list?.split(',').map((name) => name.trim() as InstrumentationName));

/**
 * The standard OTEL_* variables that choose and batch the exporters, as the OpenTelemetry SDK documents them;
 * the SDK reads the others itself (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT,
 * _HEADERS, _TIMEOUT, OTEL_PROPAGATORS, OTEL_TRACES_SAMPLER, ...).
 */
const telemetryEnvSchema = z.object({
  OTEL_TRACES_EXPORTER: exporters,
  OTEL_LOGS_EXPORTER: exporters,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol.default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: protocol.optional(),
  OTEL_BSP_SCHEDULE_DELAY: count,
  OTEL_BSP_MAX_QUEUE_SIZE: count,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: count,
  OTEL_BSP_EXPORT_TIMEOUT: count,
  OTEL_BLRP_SCHEDULE_DELAY: count,
  OTEL_BLRP_MAX_QUEUE_SIZE: count,
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: count,
  OTEL_BLRP_EXPORT_TIMEOUT: count,
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentationList,
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: instrumentationList,
  // The Pyroscope SDK's own variables (@pyroscope/nodejs utils/get-env.js), read here to be validated and to
  // give the sandbox's defaults; no address, no profiling.
  PYROSCOPE_SERVER_ADDRESS: kinds.optionalHttpUrl(),
  PYROSCOPE_APPLICATION_NAME: z
    .string()
    .regex(/^[^{},=]+$/, { error: 'must not contain { } , or =' })
    .optional(),
  PYROSCOPE_AUTH_TOKEN: z.string().optional(),
  PYROSCOPE_FLUSH_INTERVAL_MS: z.coerce.number().int().min(1000).default(15_000),
  PYROSCOPE_WALL_SAMPLING_INTERVAL_MICROS: z.coerce.number().int().min(1000).default(10_000),
  PYROSCOPE_WALL_COLLECT_CPU_TIME: kinds.boolean(true),
  // Ours, not the SDK's: label each sample with its span (span-profiles.ts).
  PYROSCOPE_SPAN_PROFILES: kinds.boolean(true),
  PYROSCOPE_HEAP_SAMPLING_INTERVAL_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024),
});

export interface BatchSettings {
  scheduledDelayMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  exportTimeoutMillis?: number;
}

export interface ProfilingSettings {
  serverAddress?: string;
  applicationName?: string;
  authToken?: string;
  flushIntervalMs: number;
  samplingIntervalMicros: number;
  collectCpuTime: boolean;
  /** Each sample labelled with its span, and root spans marked for Grafana. */
  spanProfiles: boolean;
  heapSamplingIntervalBytes: number;
}

export interface SignalSettings {
  exporters: ExporterName[];
  protocol: OtlpProtocol;
  batch: BatchSettings;
}

const batch = (env: z.infer<typeof telemetryEnvSchema>, prefix: 'OTEL_BSP' | 'OTEL_BLRP'): BatchSettings => {
  const settings = {
    scheduledDelayMillis: env[`${prefix}_SCHEDULE_DELAY`],
    maxQueueSize: env[`${prefix}_MAX_QUEUE_SIZE`],
    maxExportBatchSize: env[`${prefix}_MAX_EXPORT_BATCH_SIZE`],
    exportTimeoutMillis: env[`${prefix}_EXPORT_TIMEOUT`],
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
};

/** What to export and how, per signal; a bad value stops the start naming the variable, as all config does. */
export function telemetrySettings(source: NodeJS.ProcessEnv): {
  traces: SignalSettings;
  logs: SignalSettings;
  instrumentations: InstrumentationName[];
  profiling: ProfilingSettings;
} {
  const env = validateEnvOrExit(telemetryEnvSchema)(source);
  const enabled = env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? instrumentationNames;
  return {
    profiling: {
      serverAddress: env.PYROSCOPE_SERVER_ADDRESS,
      applicationName: env.PYROSCOPE_APPLICATION_NAME,
      authToken: env.PYROSCOPE_AUTH_TOKEN,
      flushIntervalMs: env.PYROSCOPE_FLUSH_INTERVAL_MS,
      samplingIntervalMicros: env.PYROSCOPE_WALL_SAMPLING_INTERVAL_MICROS,
      collectCpuTime: env.PYROSCOPE_WALL_COLLECT_CPU_TIME,
      spanProfiles: env.PYROSCOPE_SPAN_PROFILES,
      heapSamplingIntervalBytes: env.PYROSCOPE_HEAP_SAMPLING_INTERVAL_BYTES,
    },
    instrumentations: enabled.filter((name) => !env.OTEL_NODE_DISABLED_INSTRUMENTATIONS?.includes(name)),
    traces: {
      exporters: env.OTEL_TRACES_EXPORTER,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
      batch: batch(env, 'OTEL_BSP'),
    },
    logs: {
      exporters: env.OTEL_LOGS_EXPORTER,
      protocol: env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
      batch: batch(env, 'OTEL_BLRP'),
    },
  };
}
