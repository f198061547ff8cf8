import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { parse } from 'yaml';
import type { ReceivedSpan } from './otlp-receiver';

/** Tempo's defaults (modules/generator/processor/servicegraphs/config.go, v3.0.3) where tempo.yaml is silent. */
const defaults = {
  database_name_attributes: ['db.namespace', 'db.name', 'db.system'],
  peer_attributes: ['peer.service', 'db.name', 'db.system'],
  histogram_buckets: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8],
};
export type ServiceGraphSettings = typeof defaults & {
  external_labels: Record<string, string>;
  collection_interval?: string;
};

/** The service-graph settings of compose/tempo/tempo.yaml, as Tempo resolves them. */
export function tempoServiceGraphSettings(file = 'compose/tempo/tempo.yaml'): ServiceGraphSettings {
  const generator = parse(readFileSync(file, 'utf8')).metrics_generator ?? {};
  return {
    ...defaults,
    ...generator.processor?.service_graphs,
    external_labels: generator.registry?.external_labels ?? {},
    collection_interval: generator.registry?.collection_interval,
  };
}

export interface Edge {
  traceId: string;
  client?: string;
  server?: string;
  connectionType: '' | 'database' | 'virtual_node';
  clientSeconds: number;
  serverSeconds: number;
  failed: boolean;
  peer?: string;
  root: boolean;
}

// Producers pair like clients and consumers like servers (the admission tick is a consumer span).
const clientKinds = [3, 4];
const serverKinds = [2, 5];
const seconds = (span: ReceivedSpan) => Number(BigInt(span.endNs) - BigInt(span.startNs)) / 1e9;
const first = (names: string[], ...sources: Record<string, unknown>[]) =>
  names.flatMap((name) => sources.map((s) => s[name]).filter((v) => v !== undefined && v !== '')).at(0);

/**
 * Pairs client and server spans into edges as Tempo's service-graphs processor does (servicegraphs.go:
 * consume, upsertDatabaseRequest, onExpire), once every span has arrived and `wait` has passed.
 */
export function serviceGraphEdges(spans: ReceivedSpan[], settings: ServiceGraphSettings): Edge[] {
  const edges = new Map<string, Edge>();
  const edge = (key: string, traceId: string, root: boolean) => {
    const found = edges.get(key) ?? {
      traceId,
      connectionType: '' as const,
      clientSeconds: 0,
      serverSeconds: 0,
      failed: false,
      root,
    };
    edges.set(key, found);
    return found;
  };
  for (const span of spans) {
    const failed = span.status.code === 2;
    if (clientKinds.includes(span.kind)) {
      const e = edge(`${span.traceId}-${span.spanId}`, span.traceId, false);
      Object.assign(e, { client: span.service, clientSeconds: seconds(span), failed: e.failed || failed });
      e.peer = first(settings.peer_attributes, span.attributes) as string | undefined;
      const dbName = first(settings.database_name_attributes, span.resource, span.attributes);
      if (dbName === undefined) continue;
      e.connectionType = 'database';
      e.serverSeconds = seconds(span);
      const peerAddress = first(['network.peer.address'], span.resource, span.attributes);
      const peerPort = first(['network.peer.port'], span.resource, span.attributes);
      e.server = String(
        first(['peer.service', 'server.address'], span.resource, span.attributes) ??
          (peerAddress === undefined
            ? dbName
            : peerPort === undefined
              ? peerAddress
              : `${peerAddress}:${peerPort}`),
      );
    } else if (serverKinds.includes(span.kind)) {
      const e = edge(`${span.traceId}-${span.parentSpanId}`, span.traceId, !span.parentSpanId);
      Object.assign(e, { server: span.service, serverSeconds: seconds(span), failed: e.failed || failed });
      e.peer ??= first(settings.peer_attributes, span.attributes) as string | undefined;
    }
  }
  return [...edges.values()].flatMap((e) => {
    if (e.client && e.server) return [e];
    // Expired: a root server span was called by someone uninstrumented; a client span named its peer.
    if (!e.client && e.root)
      return [{ ...e, client: e.peer ?? 'user', connectionType: 'virtual_node' as const }];
    if (!e.server && e.peer) return [{ ...e, server: e.peer, connectionType: 'virtual_node' as const }];
    return [];
  });
}

const WriteRequest = protobuf
  .loadSync(join(__dirname, 'remote-write.proto'))
  .lookupType('prompb.WriteRequest');

interface Series {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
  exemplars: { labels: { name: string; value: string }[]; value: number; timestamp: number }[];
}

/**
 * The traces_service_graph_* series Tempo's registry holds for these edges at `now` (registry/counter.go,
 * histogram.go): the totals, and on each bucket its latest observation's trace id as an exemplar.
 */
export function serviceGraphSeries(edges: Edge[], settings: ServiceGraphSettings, now: number): Series[] {
  const byEdge = new Map<string, { labels: Record<string, string>; edges: Edge[] }>();
  for (const e of edges) {
    const labels: Record<string, string> = {
      ...settings.external_labels,
      client: e.client!,
      server: e.server!,
    };
    if (e.connectionType) labels.connection_type = e.connectionType;
    const key = JSON.stringify(labels);
    byEdge.set(key, { labels, edges: [...(byEdge.get(key)?.edges ?? []), e] });
  }
  const series: Series[] = [];
  const add = (
    name: string,
    labels: Record<string, string>,
    value: number,
    exemplar?: Edge & { v: number },
  ) =>
    series.push({
      labels: { __name__: name, ...labels },
      samples: [{ value, timestamp: now }],
      // The trace id without its leading zeros, as Tempo writes it (pkg/util/traceid.go TraceIDToHexString).
      exemplars: exemplar
        ? [
            {
              labels: [{ name: 'traceID', value: exemplar.traceId.replace(/^0+/, '') }],
              value: exemplar.v,
              timestamp: now,
            },
          ]
        : [],
    });
  for (const { labels, edges: group } of byEdge.values()) {
    add('traces_service_graph_request_total', labels, group.length);
    const failed = group.filter((e) => e.failed).length;
    if (failed) add('traces_service_graph_request_failed_total', labels, failed);
    for (const side of ['server', 'client'] as const) {
      const name = `traces_service_graph_request_${side}_seconds`;
      const values = group.map((e) => ({ ...e, v: side === 'server' ? e.serverSeconds : e.clientSeconds }));
      const bounds = [...settings.histogram_buckets, Infinity];
      // The latest observation is the exemplar of the first bucket it fits (sort.SearchFloat64s).
      const home = (v: number) => bounds.findIndex((le) => v <= le);
      bounds.forEach((le, i) => {
        const exemplar = values.filter((e) => home(e.v) === i).at(-1);
        const count = values.filter((e) => e.v <= le).length;
        add(`${name}_bucket`, { ...labels, le: le === Infinity ? '+Inf' : String(le) }, count, exemplar);
      });
      add(
        `${name}_sum`,
        labels,
        values.reduce((sum, e) => sum + e.v, 0),
      );
      add(`${name}_count`, labels, values.length);
    }
  }
  return series;
}

const milliseconds = (duration: string) => {
  const [, n, unit] = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(duration) ?? [];
  if (!n) throw new Error(`not a duration: ${duration}`);
  return Number(n) * { ms: 1, s: 1000, m: 60_000 }[unit as 'ms' | 's' | 'm'];
};

/**
 * Tempo's metrics generator in place: every collection_interval of tempo.yaml it makes the service graph of the
 * spans received so far and remote-writes it, a new series starting with a 0 at the end of the previous minute
 * and an exemplar sent once (registry/histogram.go collectMetrics).
 */
export class ServiceGraphGenerator {
  readonly settings = tempoServiceGraphSettings();
  private timer?: NodeJS.Timeout;
  private readonly sent = new Map<string, string>();
  private writing = Promise.resolve();

  constructor(
    private readonly prometheusUrl: string,
    private readonly spans: () => ReceivedSpan[],
  ) {}

  start(): this {
    const every = milliseconds(this.settings.collection_interval ?? '15s');
    this.timer = setInterval(() => (this.writing = this.writing.then(() => this.collect())), every);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }

  async collect(): Promise<void> {
    const now = Date.now();
    const series = serviceGraphSeries(serviceGraphEdges(this.spans(), this.settings), this.settings, now);
    for (const s of series) {
      const key = JSON.stringify(s.labels);
      const exemplar = JSON.stringify(s.exemplars);
      if (!this.sent.has(key))
        s.samples.unshift({ value: 0, timestamp: Math.floor(now / 60_000) * 60_000 - 1 });
      else if (this.sent.get(key) === exemplar) s.exemplars = [];
      this.sent.set(key, exemplar);
    }
    await remoteWrite(this.prometheusUrl, series);
  }
}
/** Remote-writes the series (protobuf, snappy) to a Prometheus started with the remote-write receiver. */
export async function remoteWrite(prometheusUrl: string, series: Series[]): Promise<void> {
  const timeseries = series.map((s) => ({
    labels: Object.entries(s.labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
    samples: s.samples,
    exemplars: s.exemplars,
  }));
  const body = compressSync(Buffer.from(WriteRequest.encode(WriteRequest.create({ timeseries })).finish()));
  const response = await fetch(`${prometheusUrl}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body,
  });
  if (!response.ok) throw new Error(`remote write answered ${response.status}: ${await response.text()}`);
}
