import { isIP } from 'node:net';
import { z } from 'zod';

const booleanString = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

const url = (protocols: string[]) =>
  z
    .string()
    .url('must be a URL')
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
      message: `must use ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`,
    });

export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  host: (fallback: string) =>
    z
      .string()
      .refine(
        (value) =>
          isIP(value) !== 0 ||
          /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(value),
        {
          message: 'must be an IP address or a host name',
        },
      )
      .default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  boolean: (fallback: boolean) => booleanString.default(fallback),
  httpUrl: (fallback: string) => url(['http:', 'https:']).default(fallback),
  optionalHttpUrl: () => url(['http:', 'https:']).optional(),
  postgresUrl: () =>
    url(['postgres:', 'postgresql:']).default('postgres://postgres:postgres@127.0.0.1:5432/ticketing'),
  redisUrl: () => url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
};

/** Variables every service reads, beside its own. */
export const commonEnvSchema = z.object({
  // Loopback unless told: outside compose a service (and its fault admin route) is not on the network.
  HOST: env.host('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEPENDENCY_TIMEOUT_MS: env.positiveInt(2000),
  SHUTDOWN_TIMEOUT_MS: env.positiveInt(10_000),
  FAULTS_ENABLED: env.boolean(false),
  FAULT_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
  FAULT_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  FAULT_CPU_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  FAULT_LEAK_MB_PER_SECOND: z.coerce.number().int().min(0).max(64).default(0),
  // queue-service's store; for the others only where the fault settings are shared (FAULTS_ENABLED=true).
  REDIS_URL: env.redisUrl(),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment against a schema and lists every bad variable by name. */
export function parseEnv<T extends z.ZodType<Record<string, unknown>>>(
  schema: T,
  source: NodeJS.ProcessEnv,
): z.infer<T> {
  const emptyAsUnset = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = schema.safeParse(emptyAsUnset);
  if (result.success) return result.data;
  throw new InvalidEnvironmentError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = source[name];
      return `${name}: ${issue.message}${value === undefined ? '' : ` (got "${value}")`}`;
    }),
  );
}

/** The `validate` hook of ConfigModule: a bad environment stops the start with one message, no stack. */
export function validateEnvOrExit<T extends z.ZodType<Record<string, unknown>>>(schema: T) {
  return (source: Record<string, unknown>): z.infer<T> => {
    try {
      return parseEnv(schema, source as NodeJS.ProcessEnv);
    } catch (error) {
      if (!(error instanceof InvalidEnvironmentError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  };
}
