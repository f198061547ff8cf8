import { execFileSync } from 'node:child_process';
import { RunningService } from '../../test/support/services';
import { BenchContext, PartResult } from './context';
import { OtlpSink, spread } from './harness';

/** Part 3: `node dist/apps/<name>/main.js` to /health/ready, telemetry on vs off, and the SDK's own load time. */
export async function startup(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 1 : 3;
  const sink = await new OtlpSink().start();
  const table = [
    ['service', 'on: ms to ready (median)', 'off: ms to ready', 'ratio on/off', 'loading the SDK ms'],
  ];
  const figures: Record<string, unknown> = { rounds };
  for (const name of ['user-service', 'queue-service', 'ticket-service'] as const) {
    const times = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < rounds; round++) {
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
    // Requiring and starting the SDK alone, in a fresh process, against the same process doing nothing.
    const sdkLoad = Number(
      execFileSync(
        process.execPath,
        [
          '-e',
          `const t=performance.now();require('./dist/apps/${name}/apps/${name}/src/instrument.js');console.log(performance.now()-t)`,
        ],
        { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
      )
        .toString()
        .trim()
        .split('\n')
        .pop(),
    );
    const on = spread(times.on);
    const off = spread(times.off);
    table.push([
      name,
      on.median.toFixed(0),
      off.median.toFixed(0),
      (on.median / off.median).toFixed(2),
      sdkLoad.toFixed(0),
    ]);
    figures[name] = {
      on,
      off,
      ratio: on.median / off.median,
      sdkLoadMs: sdkLoad,
      shareOfStart: sdkLoad / on.median,
    };
  }
  await sink.stop();
  return {
    part: 'Start-up to ready (target <= 1500 ms, ratio <= 1.3)',
    table,
    figures,
    notes: ['Time includes spawning node and polling /health/ready every 100 ms.'],
  };
}
