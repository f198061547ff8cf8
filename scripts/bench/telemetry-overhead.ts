import { PyroscopeReceiver } from '../../test/support/pyroscope-receiver';
import { BenchContext, PartResult } from './harness';
import { alternate, cpuTable, peerEnv, queueBench, routeNames } from './queue-bench';

const on = { OTEL_SDK_DISABLED: 'false' };
const only = (names: string) => ({ ...on, OTEL_NODE_ENABLED_INSTRUMENTATIONS: names });
const ours = '+ pino (trace ids, a log record) = ours';
const peer = 'peer: getNodeAutoInstrumentations()';
const off = { OTEL_SDK_DISABLED: 'true' };
const nest = "+ nestjs-core (Nest's 2 handler spans, left out)";
const others = { [ours]: on, [nest]: only('http,undici,pg,ioredis,pino,nestjs-core'), [peer]: peerEnv };

/**
 * `overhead`: what each piece of telemetry costs queue-service, added one at a time in the order spans need their
 * parents (ioredis makes spans only under one); Nest's handler spans, which ours leaves out (the handler is named
 * on the server span instead); then the setup most NestJS and OpenTelemetry-demo services use, on the same routes
 * in the same rounds. Where the difference goes: the `profile` part.
 */
export async function telemetryOverhead(ctx: BenchContext): Promise<PartResult> {
  const plan = {
    [routeNames.status]: {
      off,
      'SDK, no instrumentation': {
        ...on,
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,undici,ioredis,pg,pino',
      },
      '+ http (the server span; undici, pg idle here)': only('http,undici,pg'),
      '+ ioredis (2 command spans)': only('http,undici,pg,ioredis'),
      ...others,
    },
    [routeNames.notFound]: { off, ...others },
    [routeNames.join]: { off, ...others },
  };
  const bench = await queueBench(ctx);
  const samples = await alternate(bench, plan, ctx.rounds ?? (ctx.quick ? 2 : 10), ctx.quick ? 2 : 3);
  await bench.stop();
  const { table, added } = cpuTable(samples);
  const cost = (route: string, name: string) => added[`${route} · ${name}`];
  const status = cost(routeNames.status, ours);
  return {
    part: 'Telemetry overhead, CPU per request (targets: status +100 µs at most; 25 % cheaper than the peers)',
    table,
    notes: [
      `Target, ${routeNames.status} adds at most 100 µs a request: ${status <= 100 ? 'met' : 'missed'}, +${status.toFixed(0)} µs`,
      ...Object.keys(plan).map((route) => {
        const cheaper = 1 - cost(route, ours) / cost(route, peer);
        return `Target, ours at least 25 % cheaper than the peers' setup on ${route}: ${cheaper >= 0.25 ? 'met' : 'missed'}, +${cost(route, ours).toFixed(0)} against +${cost(route, peer).toFixed(0)} µs (${(cheaper * 100).toFixed(0)} % cheaper)`;
      }),
    ],
  };
}

/**
 * `profiling`: what continuous profiling (CPU and heap) costs queue-service, off, on without span labels and on
 * with them (each sample labelled with its request's span), uploading every 15 s as compose does to a receiver of
 * Pyroscope's ingest API. OpenTelemetry is on in every variant, since span labels need spans.
 */
export async function profiling(ctx: BenchContext): Promise<PartResult> {
  const pyroscope = await new PyroscopeReceiver().start();
  const upload = { PYROSCOPE_SERVER_ADDRESS: pyroscope.url, PYROSCOPE_FLUSH_INTERVAL_MS: '15000' };
  const variants = {
    'profiling off': {},
    'on, no span labels': { ...upload, PYROSCOPE_SPAN_PROFILES: 'false' },
    'on, span labels (the default)': upload,
  };
  const bench = await queueBench(ctx);
  const plan = { [routeNames.status]: variants, [routeNames.join]: variants };
  const samples = await alternate(bench, plan, ctx.rounds ?? (ctx.quick ? 1 : 6), ctx.quick ? 4 : 16);
  await bench.stop();
  await pyroscope.stop();
  return {
    part: 'Profiling cost, CPU per request (one upload each 15 s)',
    table: cpuTable(samples, 'variant').table,
  };
}
