import type { BenchContext, PartResult } from './context';
import { alternate, cpuTable, peerEnv, queueBench, routeNames } from './queue-bench';

const on = { OTEL_SDK_DISABLED: 'false' };
const only = (names: string) => ({ ...on, OTEL_NODE_ENABLED_INSTRUMENTATIONS: names });

/**
 * What each piece of telemetry costs queue-service, added one at a time in the order spans need their parents
 * (ioredis makes spans only under one); Nest's handler spans, which ours leaves out (the handler is named on the
 * server span instead); then the setup most NestJS and OpenTelemetry-demo services use (NodeSDK
 * with getNodeAutoInstrumentations() at its defaults, as a --require preload: peer-setup.cjs), on the same routes
 * in the same rounds. Every variant but `off` exports to the real collector on otel-collector/config.yaml with
 * compose's batching, as compose runs it. Where the difference goes: the `profile` part; the exporter's options:
 * `serialisation`.
 */
const ours = '+ pino (trace ids, a log record) = ours';
const peer = 'peer: getNodeAutoInstrumentations()';
const off = { OTEL_SDK_DISABLED: 'true' };
const nest = "+ nestjs-core (Nest's 2 handler spans, left out)";
const plan = {
  [routeNames.status]: {
    off,
    'SDK, no instrumentation': { ...on, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,undici,ioredis,pg,pino' },
    '+ http (the server span; undici, pg idle here)': only('http,undici,pg'),
    '+ ioredis (2 command spans)': only('http,undici,pg,ioredis'),
    [ours]: on,
    [nest]: only('http,undici,pg,ioredis,pino,nestjs-core'),
    [peer]: peerEnv,
  },
  [routeNames.notFound]: {
    off,
    [ours]: on,
    [nest]: only('http,undici,pg,ioredis,pino,nestjs-core'),
    [peer]: peerEnv,
  },
  [routeNames.join]: {
    off,
    [ours]: on,
    [nest]: only('http,undici,pg,ioredis,pino,nestjs-core'),
    [peer]: peerEnv,
  },
};

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

/** Part 1: CPU time of queue-service per request, the variants alternating round after round; targets printed. */
export async function telemetryOverhead(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.rounds ?? (ctx.quick ? 2 : 10);
  const seconds = ctx.quick ? 2 : 3;
  const bench = await queueBench(ctx);
  const samples = await alternate(bench, plan, rounds, seconds);
  await bench.stop();
  const { table, figures } = cpuTable(samples);
  const added = (route: string, name: string) => figures[`${route} · ${name}`].addedMicros;
  const statusAdded = added(routeNames.status, ours);
  const notes = [
    `Target, ${routeNames.status} (200) adds at most 100 µs a request at full fidelity: ${statusAdded <= 100 ? 'met' : 'missed'}, +${statusAdded.toFixed(0)} µs`,
    ...Object.keys(plan).map((route) => {
      const cheaper = 1 - added(route, ours) / added(route, peer);
      return `Target, ours at least 25 % cheaper than the peers' setup on ${route}: ${cheaper >= 0.25 ? 'met' : 'missed'}, +${added(route, ours).toFixed(0)} against +${added(route, peer).toFixed(0)} µs (${pct(cheaper)} cheaper)`;
    }),
  ];
  return {
    part: 'Telemetry overhead, CPU per request (targets: status +100 µs at most; ours 25 % cheaper than the peers on status, 404 and join)',
    table,
    figures: { rounds, seconds, connections: 10, exporter: 'the real collector', ...figures },
    notes,
  };
}
