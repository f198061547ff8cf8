import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ShutdownState } from '../lifecycle/shutdown-state';

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly shutdown: ShutdownState,
    @Inject(READINESS_CHECKS) private readonly checks: HealthIndicatorFunction[],
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Every dependency answers' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down, or the service is shutting down' })
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.isShuttingDown) {
      throw new ServiceUnavailableException({ status: 'shutting_down', message: 'Service is shutting down' });
    }
    try {
      return await this.health.check(this.checks);
    } catch (error) {
      // Terminus answers with its result as the body, which has no message: name what is down.
      const result = (error as ServiceUnavailableException).getResponse?.() as HealthCheckResult | undefined;
      if (!result?.details) throw error;
      const down = Object.keys(result.error ?? {});
      throw new ServiceUnavailableException({
        code: 'NOT_READY',
        message: `not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down`,
        status: result.status,
        details: result.details,
      });
    }
  }
}
