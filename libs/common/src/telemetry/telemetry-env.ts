import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { env as kinds, validateEnvOrExit } from '../config/env';

// The SDK warns about a value it does not know and carries on with its default; here it stops the start.
const list = (names: string[]) =>
  z
    .string()
    .refine((value) => value.split(',').every((name) => names.includes(name.trim())), {
      error: `must be a comma-separated list of ${names.join(', ')}`,
    })
    .optional();
const exporters = list(['otlp', 'console', 'none']);
const protocol = z
  .enum(['http/protobuf', 'http/json', 'grpc'], { error: 'must be http/protobuf, http/json or grpc' })
  .optional();
const delay = z.coerce.number().int().nonnegative().optional();
const size = z.coerce.number().int().positive().optional();

// The short names getNodeAutoInstrumentations knows: its @opentelemetry/instrumentation-* dependencies.
const autoPackage = join(
  dirname(require.resolve('@opentelemetry/auto-instrumentations-node')),
  '..',
  'package.json',
);
const instrumentationNames = Object.keys(JSON.parse(readFileSync(autoPackage, 'utf8')).dependencies)
  .filter((name) => name.startsWith('@opentelemetry/instrumentation-'))
  .map((name) => name.slice('@opentelemetry/instrumentation-'.length));
const instrumentations = list(instrumentationNames);

/** The standard OTEL_* variables whose values the SDK would otherwise ignore with a warning, and Pyroscope's. */
const telemetryEnvSchema = z.object({
  OTEL_TRACES_EXPORTER: exporters,
  OTEL_LOGS_EXPORTER: exporters,
  OTEL_METRICS_EXPORTER: list(['otlp', 'console', 'prometheus', 'none']),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_ENDPOINT: kinds.optionalHttpUrl(),
  OTEL_EXPORTER_OTLP_TIMEOUT: size,
  OTEL_BSP_SCHEDULE_DELAY: delay,
  OTEL_BSP_MAX_QUEUE_SIZE: size.default(2048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: size,
  OTEL_BSP_EXPORT_TIMEOUT: size,
  OTEL_BLRP_SCHEDULE_DELAY: delay,
  OTEL_BLRP_MAX_QUEUE_SIZE: size.default(2048),
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: size,
  OTEL_BLRP_EXPORT_TIMEOUT: size,
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentations,
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: instrumentations,
  OTEL_LOG_LEVEL: z
    .string()
    .regex(/^(none|error|warn|info|debug|verbose|all)$/i, {
      error: 'must be none, error, warn, info, debug, verbose or all',
    })
    .optional(),
  // The Pyroscope SDK's own variables (@pyroscope/nodejs utils/get-env.js), with the sandbox's defaults; no
  // address, no profiling.
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

export type TelemetryEnv = z.infer<typeof telemetryEnvSchema>;

/** A bad value stops the start naming the variable, as all config does. */
export const telemetryEnv = (source: NodeJS.ProcessEnv): TelemetryEnv =>
  validateEnvOrExit(telemetryEnvSchema)(source);
