import { DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { CommonEnv } from '../config/env';

// Secrets that may sit in a logged object; pino replaces them before anything is written.
export const redactedPaths = [
  'admissionToken',
  '*.admissionToken',
  '*.*.admissionToken',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * JSON lines on stdout (pretty on a terminal); the request line comes from the request hook, not pino-http.
 * A function, called from the app module's imports, so that every @InjectPinoLogger has been declared by then.
 */
export function loggingModule(): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<CommonEnv, true>) => ({
      pinoHttp: {
        level: config.get('LOG_LEVEL', { infer: true }),
        autoLogging: false,
        quietReqLogger: true,
        redact: { paths: redactedPaths, censor: '[redacted]' },
        transport: process.stdout.isTTY
          ? { target: 'pino-pretty', options: { singleLine: true } }
          : undefined,
      },
    }),
  });
}
