import { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { CommonEnv } from '../config/env';

/**
 * JSON lines on stdout (pretty on a terminal); the request line comes from the request hook. The pino
 * instrumentation adds trace_id and span_id to each line and sends it as an OTLP log record as well. pino-http's
 * per-request child logger is not used (forRoutes: []): the trace_id already ties a request's lines together.
 * A function, called from the app module's imports, so that every @InjectPinoLogger has been declared by then.
 */
export function loggingModule(): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<CommonEnv, true>) => {
      const options = {
        level: config.get('LOG_LEVEL', { infer: true }),
        autoLogging: false,
        // Secrets that may sit in a logged object, replaced before anything is written or sent.
        redact: {
          paths: ['admissionToken', 'token', '*.admissionToken', 'headers.authorization', 'headers.cookie'],
          censor: '[redacted]',
        },
      };
      const stdout = process.stdout.isTTY
        ? pino.transport({ target: 'pino-pretty', options: { singleLine: true } })
        : pino.destination({ fd: process.stdout.fd || 1 });
      return { forRoutes: [], pinoHttp: [options, stdout] as const };
    },
  });
}
