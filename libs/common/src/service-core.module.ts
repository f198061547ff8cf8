import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import type { ZodType } from 'zod';
import { validateEnvOrExit } from './config/env';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { RequestValidationPipe } from './http/request-validation.pipe';
import { ShutdownState } from './lifecycle/shutdown-state';
import { loggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { HandlerNameInterceptor } from './telemetry/handler-name.interceptor';

/**
 * What every service registers once: its validated config, logging, the validation pipe, the error filter and the
 * handler's name on the server span.
 */
@Global()
@Module({})
export class ServiceCoreModule {
  static forRoot(envSchema: ZodType<Record<string, unknown>>): DynamicModule {
    return {
      module: ServiceCoreModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvOrExit(envSchema) }),
        loggingModule(),
        MetricsModule,
      ],
      providers: [
        ShutdownState,
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: HandlerNameInterceptor },
      ],
      exports: [ShutdownState],
    };
  }
}
