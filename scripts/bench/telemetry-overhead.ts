import { composeTelemetryEnv, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers, startPeers } from './context';
import { cpuPerRequest, load, LoadSpec, signed, spread } from './harness';
import { profileShares } from './cpu-profile';

const on = { OTEL_SDK_DISABLED: 'false' };
const only = (names: string) => ({ ...on, OTEL_NODE_ENABLED_INSTRUMENTATIONS: names });

/**
 * What each piece of telemetry costs queue-service, added one at a time in the order spans need their parents
 * (ioredis makes spans only under one); then changes tried on ours; then the setup most NestJS and
 * OpenTelemetry-demo services use (NodeSDK with getNodeAutoInstrumentations() at its defaults, as a --require
 * preload: peer-setup.cjs). Every variant but `off` exports to the real collector on otel-collector/config.yaml
 * with compose's batching, as compose runs it.
 */
const ours = '+ pino (trace ids, a log record) = ours';
const peer = 'peer: getNodeAutoInstrumentations()';
const variants: Record<string, Record<string, string>> = {
  off: { OTEL_SDK_DISABLED: 'true' },
  'SDK, no instrumentation': { ...on, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,undici,nestjs-core,ioredis,pg,pino' },
  '+ http (the server span; undici, pg idle here)': only('http,undici,pg'),
  '+ nestjs-core (2 handler spans)': only('http,undici,pg,nestjs-core'),
  '+ ioredis (2 command spans)': only('http,undici,pg,nestjs-core,ioredis'),
  [ours]: on,
  'ours, tried: OTLP/JSON instead of protobuf': { ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
  'ours, tried: batches of 2048 spans': { ...on, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_MAX_QUEUE_SIZE: '8192' },
  "ours, tried: the SDK's export delays (5 s, 1 s)": { ...on, OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_BLRP_SCHEDULE_DELAY: '1000' },
  [peer]: { ...on, NODE_OPTIONS: '--require ./scripts/bench/peer-setup.cjs', OTEL_SERVICE_NAME: 'queue-service' },
};
const routes = {
  'GET /queue/status/:id': Object.keys(variants),
  'POST /queue/join': ['off', ours, peer],
};

interface Sample {
  cpuMicros: number;
  rps: number;
  p99: number;
}

/**
 * Part 1: CPU time of queue-service per request (from /proc/<pid>/stat, user + system, so 10 ms ticks over
 * tens of thousands of requests), alternating the variants round after round; then a CPU profile of ours.
 */
export async function telemetryOverhead(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 2 : 10;
  const seconds = ctx.quick ? 2 : 3;
  const peers = await startPeers(ctx);
  const { users } = peers;
  await flushRedis(ctx.redisUrl);
  const ids = await registerUsers(users, 500);
  let i = 0;
  const specs: Record<keyof typeof routes, Omit<LoadSpec, 'url' | 'seconds'>> = {
    'GET /queue/status/:id': { connections: 10, next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }) },
    'POST /queue/join': {
      method: 'POST',
      connections: 10,
      next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
    },
  };
  const startQueue = (env: Record<string, string>) =>
    RunningService.start('queue-service', {
      ...composeTelemetryEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: peers.otlpHttp,
      REDIS_URL: ctx.redisUrl,
      USER_SERVICE_URL: users.url,
      ADMIT_PER_SECOND: '1',
      LOG_LEVEL: 'info',
      ...env,
    });
  const samples: Record<string, Record<string, Sample[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [route, names] of Object.entries(routes) as [keyof typeof routes, string[]][]) {
      for (const name of names) {
        const queue = await startQueue(variants[name]);
        if (round === 0 && name === 'off') await joinAll(queue, ids);
        const { cpuMicros, rps, p99 } = await cpuPerRequest(queue.process.pid!, {
          ...specs[route],
          url: queue.url,
          seconds,
        });
        await queue.stop();
        ((samples[route] ??= {})[name] ??= []).push({ cpuMicros, rps, p99 });
      }
    }
  }
  const profiled = await startQueue({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${ctx.tmpDir}/cpu-profile` });
  const profileSeconds = ctx.quick ? 3 : 20;
  const profileLoad = await load({ ...specs["GET /queue/status/:id"], url: profiled.url, seconds: profileSeconds });
  await profiled.stop();
  const shares = profileShares(`${ctx.tmpDir}/cpu-profile`, profileLoad.rps * profileSeconds);
  await peers.stop();

  const table = [
    ['route', 'telemetry', 'CPU µs/request (median)', 'spread', 'added vs off', 'req/s', 'on/off', 'p99 ms'],
  ];
  const figures: Record<string, unknown> = { rounds, seconds, connections: 10, exporter: 'the real collector' };
  for (const [route, byVariant] of Object.entries(samples)) {
    const off = { cpu: spread(byVariant.off.map((s) => s.cpuMicros)), rps: spread(byVariant.off.map((s) => s.rps)) };
    for (const [name, list] of Object.entries(byVariant)) {
      const cpu = spread(list.map((s) => s.cpuMicros));
      const rps = spread(list.map((s) => s.rps));
      table.push([
        route,
        name,
        cpu.median.toFixed(0),
        `${cpu.min.toFixed(0)}..${cpu.max.toFixed(0)}`,
        name === 'off' ? '' : signed(cpu.median - off.cpu.median),
        rps.median.toFixed(0),
        name === 'off' ? '' : (rps.median / off.rps.median).toFixed(2),
        spread(list.map((s) => s.p99)).median.toFixed(1),
      ]);
      figures[`${route} · ${name}`] = { cpuMicros: cpu, rps, addedMicros: cpu.median - off.cpu.median };
    }
  }
  figures.profile = shares;
  return {
    part: 'Telemetry overhead, CPU per request (targets: status +200 µs at most and on/off >= 0.5, join on/off >= 0.7, ours 25 % cheaper than the peer)',
    table,
    figures,
    notes: [
      `CPU profile of ours on GET /queue/status/:id (node --cpu-prof, self time by package, µs per request; the profiler adds its own): ${shares
        .slice(0, 14)
        .map((s) => `${s.name} ${s.microsPerRequest.toFixed(1)}`)
        .join(', ')}`,
    ],
  };
}
