import { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { pinoLogRecordScope } from '../telemetry/instrumentations';
import { OtlpLogStream } from './otlp-log-stream';
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
    useFactory: (config: ConfigService<CommonEnv, true>) => {
      const options = {
        level: config.get('LOG_LEVEL', { infer: true }),
        autoLogging: false,
        redact: { paths: redactedPaths, censor: '[redacted]' },
      };
      const stdout = process.stdout.isTTY
        ? pino.transport({ target: 'pino-pretty', options: { singleLine: true } })
        : pino.destination({ fd: process.stdout.fd || 1 });
      const scope = pinoLogRecordScope();
      // Every line to stdout and, with log export on, to OTLP as well (pino's own way of writing to two places).
      const destination = scope
        ? pino.multistream([
            { level: 0, stream: stdout },
            { level: 0, stream: new OtlpLogStream(scope, options.redact) },
          ])
        : stdout;
      return { forRoutes: [], pinoHttp: [options, destination] as const };
    },
  });
}
