import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { eventually } from './poll';

type Attributes = Record<string, unknown>;

export interface ReceivedSpan {
  service: string;
  resource: Attributes;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Attributes;
  links: { traceId: string; spanId: string }[];
  events: { name: string; attributes: Attributes }[];
  status: { code?: number; message?: string };
  /** Nanoseconds since the epoch, as OTLP carries them (beyond a number's precision). */
  startNs: string;
  endNs: string;
  /** When this receiver got it (ms since the epoch). */
  receivedAt: number;
}

export interface ReceivedLog {
  service: string;
  resource: Attributes;
  body: unknown;
  severityText: string;
  severityNumber: number;
  traceId: string;
  spanId: string;
  attributes: Attributes;
  receivedAt: number;
}

const root = protobuf.loadSync(join(__dirname, 'otlp.proto'));
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('otlp.ExportLogsServiceRequest');

// Protobuf carries ids as bytes; OTLP/JSON as hex strings already (the OTLP spec's JSON mapping).
const hex = (bytes?: Uint8Array | string) =>
  typeof bytes === 'string' ? bytes : bytes ? Buffer.from(bytes).toString('hex') : '';

const decode = (type: protobuf.Type, body: Buffer) =>
  type.toObject(type.decode(body), { longs: String, defaults: false });
// The JSON mapping spells enums as numbers and 64-bit integers as strings, as toObject above gives them.
const fromJson = (body: Buffer): unknown => JSON.parse(body.toString('utf8'));

function value(any: any): unknown {
  if (!any) return undefined;
  if (any.stringValue !== undefined) return any.stringValue;
  if (any.boolValue !== undefined) return any.boolValue;
  if (any.intValue !== undefined) return Number(any.intValue);
  if (any.doubleValue !== undefined) return any.doubleValue;
  if (any.arrayValue) return (any.arrayValue.values ?? []).map(value);
  if (any.kvlistValue) return attributes(any.kvlistValue.values);
  if (any.bytesValue) return hex(any.bytesValue);
  return undefined;
}

const attributes = (list: any[] = []): Attributes =>
  Object.fromEntries(list.map((kv) => [kv.key, value(kv.value)]));

/**
 * An OTLP/HTTP receiver for tests: decodes the protobuf the services' exporters send to /v1/traces and
 * /v1/logs, as the collector would, and keeps what arrived.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  contentTypes = new Set<string>();
  metricExports = 0;
  /** Export requests received, per signal. */
  readonly requests = { traces: 0, logs: 0 };
  /** Answers a traces export with this status instead of taking it, as a collector refuses a batch it cannot use. */
  refuseSpans?: (spans: ReceivedSpan[]) => number | undefined;
  refused = 0;
  private server?: Server;
  url = '';

  /** `other` answers what is not an export (the backends' stand-ins serve their query APIs beside it). */
  async start(
    port = 0,
    host = '127.0.0.1',
    other?: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<this> {
    this.server = createServer(async (request, response) => {
      if (other && !/\/v1\/(traces|logs|metrics)$/.test(request.url ?? '')) return other(request, response);
      const body = await readBody(request);
      this.contentTypes.add(String(request.headers['content-type']));
      // Any prefix: the collector sends Loki's logs to <loki>/otlp/v1/logs.
      const json = String(request.headers['content-type']).startsWith('application/json');
      if (request.url?.endsWith('/v1/traces')) {
        this.requests.traces++;
        const before = this.spans.length;
        this.acceptSpans(json ? fromJson(body) : decode(TraceRequest, body));
        const refusal = this.refuseSpans?.(this.spans.slice(before));
        if (refusal) {
          this.spans.length = before;
          this.refused++;
          // As the collector's OTLP/HTTP receiver refuses: the status, and a google.rpc.Status body (left empty).
          return response.writeHead(refusal, { 'content-type': 'application/x-protobuf' }).end();
        }
      } else if (request.url?.endsWith('/v1/logs')) {
        this.requests.logs++;
        this.acceptLogs(json ? fromJson(body) : decode(LogsRequest, body));
      } else if (request.url?.endsWith('/v1/metrics')) this.metricExports++;
      else return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    }).listen(port, host);
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  waitFor<T>(find: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    return eventually(find, `${what} arrived`, timeoutMs);
  }

  private acceptSpans(request: any): void {
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          this.spans.push({
            service: String(resource['service.name']),
            resource,
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributes(span.attributes),
            links: (span.links ?? []).map((l: any) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
            events: (span.events ?? []).map((e: any) => ({
              name: e.name,
              attributes: attributes(e.attributes),
            })),
            status: span.status ?? {},
            startNs: String(span.startTimeUnixNano ?? 0),
            endNs: String(span.endTimeUnixNano ?? 0),
            receivedAt: Date.now(),
          });
        }
      }
    }
  }

  private acceptLogs(request: any): void {
    for (const rl of request.resourceLogs ?? []) {
      const resource = attributes(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const record of sl.logRecords ?? []) {
          this.logs.push({
            service: String(resource['service.name']),
            resource,
            body: value(record.body),
            severityText: record.severityText ?? '',
            severityNumber: record.severityNumber ?? 0,
            traceId: hex(record.traceId),
            spanId: hex(record.spanId),
            attributes: attributes(record.attributes),
            receivedAt: Date.now(),
          });
        }
      }
    }
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // The collector's otlp_http exporter compresses by default; the SDK's exporters do not.
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}
