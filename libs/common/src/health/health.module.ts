import { DynamicModule, FactoryProvider, Module, ModuleMetadata } from '@nestjs/common';
import { HealthIndicatorFunction, TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_CHECKS } from './health.controller';

/** `/health/live` and `/health/ready`; each app says what readiness checks, through a factory. */
@Module({})
export class HealthModule {
  static forChecks(
    checks: Pick<FactoryProvider<HealthIndicatorFunction[]>, 'inject' | 'useFactory'> &
      Pick<ModuleMetadata, 'imports'>,
  ): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(checks.imports ?? [])],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, inject: checks.inject, useFactory: checks.useFactory }],
    };
  }
}
