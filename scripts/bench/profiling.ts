import { PyroscopeReceiver } from '../../test/support/pyroscope-receiver';
import { RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers } from './context';
import { cpuPerRequest, signed, spread } from './harness';

const variants: Record<string, Record<string, string>> = {
  'profiling off': {},
  'on, 100 Hz (10 ms, the default)': { PYROSCOPE_WALL_SAMPLING_INTERVAL_MICROS: '10000' },
  'on, 50 Hz (20 ms)': { PYROSCOPE_WALL_SAMPLING_INTERVAL_MICROS: '20000' },
};

/**
 * Part 9: what continuous profiling (CPU time and heap, @pyroscope/nodejs) costs queue-service on the status
 * route of the overhead part, alternating profiling off and on at two sampling rates, uploading to a receiver of
 * Pyroscope's ingest API every 15 s as compose does (each load spans an upload). OpenTelemetry is off in every
 * variant, so that the difference is the profiler's alone.
 */
export async function profiling(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 1 : 6;
  const seconds = ctx.quick ? 4 : 16;
  const pyroscope = await new PyroscopeReceiver().start();
  const users = await RunningService.start('user-service', { DATABASE_URL: ctx.databaseUrl, LOG_LEVEL: 'info' });
  await flushRedis(ctx.redisUrl);
  const ids = await registerUsers(users, 500);
  const results: Record<string, { cpu: number[]; rps: number[]; rss: number[] }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, env] of Object.entries(variants)) {
      const profiled = name !== 'profiling off';
      const queue = await RunningService.start('queue-service', {
        REDIS_URL: ctx.redisUrl,
        USER_SERVICE_URL: users.url,
        ADMIT_PER_SECOND: '1',
        LOG_LEVEL: 'info',
        ...(profiled ? { PYROSCOPE_SERVER_ADDRESS: pyroscope.url, PYROSCOPE_FLUSH_INTERVAL_MS: '15000' } : {}),
        ...env,
      });
      if (round === 0 && !profiled) await joinAll(queue, ids);
      let i = 0;
      const spec = { url: queue.url, connections: 10, next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }) };
      const measured = await cpuPerRequest(queue.process.pid!, { ...spec, seconds });
      await queue.stop();
      const r = (results[name] ??= { cpu: [], rps: [], rss: [] });
      r.cpu.push(measured.cpuMicros);
      r.rps.push(measured.rps);
      r.rss.push(measured.peakRssBytes / 1024 / 1024);
    }
  }
  const uploads = pyroscope.profiles.length;
  await users.stop();
  await pyroscope.stop();

  const off = results['profiling off'];
  const table = [['queue-service, GET /queue/status/:id', 'CPU µs/request (median)', 'spread', 'added', 'req/s', 'on/off', 'peak RSS MB']];
  for (const [name, r] of Object.entries(results)) {
    const cpu = spread(r.cpu);
    const rps = spread(r.rps).median;
    table.push([
      name,
      cpu.median.toFixed(0),
      `${cpu.min.toFixed(0)}..${cpu.max.toFixed(0)}`,
      r === off ? '' : signed(cpu.median - spread(off.cpu).median),
      rps.toFixed(0),
      r === off ? '' : (rps / spread(off.rps).median).toFixed(2),
      spread(r.rss).median.toFixed(0),
    ]);
  }
  return {
    part: 'Profiling cost (CPU and heap to Pyroscope, one upload each 15 s)',
    table,
    figures: { rounds, seconds, uploads, results },
  };
}
