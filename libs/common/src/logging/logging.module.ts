import { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { CommonEnv } from '../config/env';

// Secrets that may sit in a logged object; pino replaces them before anything is written. Kept to fixed
// paths: every wildcard level is paid on every record.
export const redactedPaths = [
  'admissionToken',
  'token',
  '*.admissionToken',
  'headers.authorization',
  'headers.cookie',
];

/**
 * JSON lines on stdout (pretty on a terminal); the request line comes from the request hook. pino-http's
 * per-request child logger is not used (forRoutes: []): it cost a tenth of a request's CPU, and the trace_id
 * on every record already ties a request's lines together.
 * A function, called from the app module's imports, so that every @InjectPinoLogger has been declared by then.
 */
export function loggingModule(): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<CommonEnv, true>) => ({
      forRoutes: [],
      pinoHttp: {
        level: config.get('LOG_LEVEL', { infer: true }),
        autoLogging: false,
        redact: { paths: redactedPaths, censor: '[redacted]' },
        transport: process.stdout.isTTY
          ? { target: 'pino-pretty', options: { singleLine: true } }
          : undefined,
      },
    }),
  });
}
