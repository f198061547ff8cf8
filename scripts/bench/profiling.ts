import { PyroscopeReceiver } from '../../test/support/pyroscope-receiver';
import { RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers } from './context';
import { cpuPerRequest, LoadSpec, OtlpSink, signed, spread } from './harness';

const variants: Record<string, Record<string, string>> = {
  'profiling off': {},
  'on, no span labels': { PYROSCOPE_SPAN_PROFILES: 'false' },
  'on, span labels (the default)': {},
};

/**
 * Part 9: what continuous profiling (CPU time and heap) costs queue-service on the status and join routes,
 * profiling off, on without span labels and on with them (each sample labelled with its request's span), in
 * alternating rounds, uploading to a receiver of Pyroscope's ingest API every 15 s as compose does (each load
 * spans an upload). OpenTelemetry is on in every variant, exporting to a sink, since span labels need spans.
 */
export async function profiling(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 1 : 6;
  const seconds = ctx.quick ? 4 : 16;
  const pyroscope = await new PyroscopeReceiver().start();
  const sink = await new OtlpSink().start();
  const users = await RunningService.start('user-service', {
    DATABASE_URL: ctx.databaseUrl,
    LOG_LEVEL: 'info',
  });
  await flushRedis(ctx.redisUrl);
  const ids = await registerUsers(users, 500);
  let i = 0;
  const routes: Record<string, Omit<LoadSpec, 'url' | 'seconds'>> = {
    'GET /queue/status/:id': {
      connections: 10,
      next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
    },
    // Joining again is answered with the same position (join is idempotent), so each round asks the same.
    'POST /queue/join': {
      method: 'POST',
      connections: 10,
      next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
    },
  };
  const results: Record<string, { cpu: number[]; rps: number[]; rss: number[] }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [route, spec] of Object.entries(routes)) {
      for (const [name, env] of Object.entries(variants)) {
        const profiled = name !== 'profiling off';
        const queue = await RunningService.start('queue-service', {
          REDIS_URL: ctx.redisUrl,
          USER_SERVICE_URL: users.url,
          ADMIT_PER_SECOND: '1',
          LOG_LEVEL: 'info',
          OTEL_SDK_DISABLED: 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          ...(profiled
            ? { PYROSCOPE_SERVER_ADDRESS: pyroscope.url, PYROSCOPE_FLUSH_INTERVAL_MS: '15000' }
            : {}),
          ...env,
        });
        if (round === 0 && !profiled && route.startsWith('GET')) await joinAll(queue, ids);
        const measured = await cpuPerRequest(queue.process.pid!, { ...spec, url: queue.url, seconds });
        await queue.stop();
        const r = (results[`${route}|${name}`] ??= { cpu: [], rps: [], rss: [] });
        r.cpu.push(measured.cpuMicros);
        r.rps.push(measured.rps);
        r.rss.push(measured.peakRssBytes / 1024 / 1024);
      }
    }
  }
  const uploads = pyroscope.profiles.length;
  await users.stop();
  await sink.stop();
  await pyroscope.stop();

  const table = [
    [
      'queue-service',
      'variant',
      'CPU µs/request (median)',
      'spread',
      'added',
      'req/s',
      'on/off',
      'peak RSS MB',
    ],
  ];
  for (const [key, r] of Object.entries(results)) {
    const [route, name] = key.split('|');
    const off = results[`${route}|profiling off`];
    const cpu = spread(r.cpu);
    const rps = spread(r.rps).median;
    table.push([
      route,
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
    part: 'Profiling cost (CPU with and without span labels, and heap, to Pyroscope; one upload each 15 s)',
    table,
    figures: { rounds, seconds, uploads, results },
  };
}
