import { Controller, Get, Module, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import './http-metrics';

@ApiExcludeController()
@Controller()
class MetricsController extends PrometheusController {
  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return super.index(response);
  }
}

/** `/metrics`: prom-client's process and Node.js metrics, the request histogram and each app's own metrics. */
@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      defaultMetrics: { enabled: true, config: { eventLoopMonitoringPrecision: 10 } },
    }),
  ],
  exports: [PrometheusModule],
})
export class MetricsModule {}
