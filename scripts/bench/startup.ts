import { RunningService } from '../../test/support/services';
import { BenchContext, median, otlpSink, PartResult } from './harness';

/** `startup`: `node dist/apps/<name>/main.js` to /health/ready, telemetry on vs off, alternated. */
export async function startup(ctx: BenchContext): Promise<PartResult> {
  const sink = await otlpSink();
  const table = [['service', 'on: ms to ready (median)', 'off: ms to ready', 'ratio on/off']];
  for (const name of ['user-service', 'queue-service', 'ticket-service'] as const) {
    const times = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < (ctx.quick ? 1 : 3); round++) {
      for (const variant of ['on', 'off'] as const) {
        const started = performance.now();
        const service = await RunningService.start(name, {
          DATABASE_URL: ctx.databaseUrl,
          REDIS_URL: ctx.redisUrl,
          OTEL_SDK_DISABLED: variant === 'off' ? 'true' : 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          LOG_LEVEL: 'info',
        });
        times[variant].push(performance.now() - started);
        await service.stop();
      }
    }
    const [on, off] = [median(times.on), median(times.off)];
    table.push([name, on.toFixed(0), off.toFixed(0), (on / off).toFixed(2)]);
  }
  await sink.stop();
  return {
    part: 'Start-up to ready (target <= 1500 ms, ratio <= 1.3)',
    table,
    notes: ['Time includes spawning node and polling /health/ready every 100 ms.'],
  };
}
