import type { BenchContext, PartResult } from './context';
import { signed } from './harness';
import { nativeWriteString, writeStringMicros } from './native-write-string';
import { alternate, cpuTable, queueBench, routeNames } from './queue-bench';

// The strings one status request puts into an export (5 spans, 1 log record; the resource and scopes are per
// batch): names, attribute keys and string values, as the receiver decodes them.
const id = '2f1c8a4e-1111-4222-8333-944445555666';
const requestStrings = [
  ...[
    'GET /queue/status/:userId',
    'http.request.method',
    'GET',
    'url.scheme',
    'http',
    'url.path',
    `/queue/status/${id}`,
  ],
  ...['server.address', '127.0.0.1', 'network.peer.address', '127.0.0.1', 'client.address', '127.0.0.1'],
  ...[
    'network.protocol.version',
    '1.1',
    'http.route',
    '/queue/status/:userId',
    'user_agent.original',
    'autocannon',
  ],
  ...['QueueController.status', 'component', '@nestjs/core', 'nestjs.version', '11.2.10', 'nestjs.type'],
  ...['request_context', 'http.route', '/queue/status/:userId', 'nestjs.controller', 'QueueController'],
  ...['nestjs.callback', 'status', 'http.request.method', 'GET', 'url.full', `/queue/status/${id}`],
  ...[
    'status',
    'component',
    '@nestjs/core',
    'nestjs.version',
    '11.2.10',
    'nestjs.type',
    'handler',
    'nestjs.callback',
    'status',
  ],
  ...[
    'hgetall',
    'db.system.name',
    'redis',
    'db.query.text',
    `HGETALL queue:admission:${id}`,
    'server.address',
    '127.0.0.1',
  ],
  ...[
    'zrank',
    'db.system.name',
    'redis',
    'db.query.text',
    'ZRANK queue:waiting',
    'server.address',
    '127.0.0.1',
  ],
  ...[
    'GET /queue/status/:userId 200',
    'info',
    'context',
    'HTTP',
    'method',
    'GET',
    'route',
    '/queue/status/:userId',
  ],
];

/**
 * `serialisation`: what the exporter's options cost on the status route, alternating as the overhead part does:
 * OTLP/protobuf over HTTP (ours), OTLP/JSON, gRPC, smaller and bigger batches, and protobuf with a native
 * `writeString` (a patched copy made in the bench's temp dir; see native-write-string.ts). Then the writer alone.
 */
export async function serialisation(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.rounds ?? (ctx.quick ? 2 : 8);
  const seconds = ctx.quick ? 2 : 3;
  const bench = await queueBench(ctx);
  const on = { OTEL_SDK_DISABLED: 'false' };
  const ours = 'ours: OTLP/protobuf over HTTP, batches of 512';
  const variants = {
    off: { OTEL_SDK_DISABLED: 'true' },
    [ours]: on,
    'OTLP/JSON over HTTP': { ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    'OTLP over gRPC': {
      ...on,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: bench.peers.otlpGrpc,
    },
    'batches of 64': { ...on, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '64' },
    'batches of 2048': {
      ...on,
      ...{ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_MAX_QUEUE_SIZE: '8192' },
      ...{ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BLRP_MAX_QUEUE_SIZE: '8192' },
    },
    'protobuf, writeString by TextEncoder.encodeInto (patched copy)': {
      ...on,
      NODE_OPTIONS: nativeWriteString(ctx.tmpDir, 'encodeInto'),
    },
    'protobuf, writeString by Buffer#utf8Write (patched copy)': {
      ...on,
      NODE_OPTIONS: nativeWriteString(ctx.tmpDir, 'bufferWrite'),
    },
  };
  const samples = await alternate(bench, { [routeNames.status]: variants }, rounds, seconds);
  await bench.stop();
  const { table, figures } = cpuTable(samples);
  const micro = writeStringMicros(ctx.tmpDir, requestStrings);
  const oursAdded = figures[`${routeNames.status} · ${ours}`].addedMicros;
  return {
    part: 'Serialisation: the exporter’s options and a native writeString, GET /queue/status/:id, CPU per request',
    table,
    figures: { rounds, seconds, ...figures, writeStringMicrosPerRequest: micro },
    notes: [
      `vs ours (${signed(oursAdded)} µs): ${Object.keys(variants)
        .filter((v) => v !== 'off' && v !== ours)
        .map((v) => `${v} ${signed(figures[`${routeNames.status} · ${v}`].addedMicros - oursAdded)}`)
        .join(', ')} µs/request`,
      `ProtobufWriter.writeString alone, the ${requestStrings.length} strings of one status request (best of 5 × 20,000): ${Object.entries(
        micro,
      )
        .map(([k, v]) => `${k} ${v.toFixed(2)} µs`)
        .join(', ')}`,
    ],
  };
}
