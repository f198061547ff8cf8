// The stand-in for Loki, Tempo, Pyroscope and Grafana in the stack test's containers (test/images/build.sh
// bundles it; test/stack/compose.standins.yaml runs it as `node /standin/main.js <backend>`). Each backend keeps
// what it receives in memory and answers the part of its API that the collector, the apps, Prometheus and
// `npm run verify` use, as the real server's source answers it. `node main.js ready <url>` is the healthcheck.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'yaml';
import { parseDuration } from '../../../scripts/traffic/options';
import { OtlpReceiver, ReceivedLog, ReceivedSpan } from '../../support/otlp-receiver';
import { PyroscopeReceiver } from '../../support/pyroscope-receiver';

type Handler = (url: URL, request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

const send = (response: ServerResponse, status: number, body: unknown, type = 'application/json') =>
  void response
    .writeHead(status, { 'content-type': type })
    .end(typeof body === 'string' ? body : JSON.stringify(body));

const serve = (port: number, handler: Handler) =>
  createServer(
    (request, response) => void handler(new URL(request.url!, 'http://standin'), request, response),
  ).listen(port, '0.0.0.0');

type Received = () => Record<string, number>;

/** What Prometheus scrapes: how much this stand-in received, in the text exposition format. */
const metrics = (backend: string, received: Received) =>
  [
    '# TYPE standin_received_total counter',
    ...Object.entries(received()).map(
      ([what, n]) => `standin_received_total{backend="${backend}",what="${what}"} ${n}`,
    ),
    '',
  ].join('\n');

/** A duration of the configs (0s, 500ms, 15s, 1m) in seconds; `key` names it in the error for any other form. */
const seconds = (duration: string, key: string) => parseDuration(duration, key) / 1000;

interface Wait {
  /** What the real /ready says meanwhile. */
  says: string;
  seconds: number;
  /** Counted from the process' start; otherwise from the first /ready asked once the parts before it passed. */
  fromStart?: boolean;
}

/**
 * /ready as the real servers answer it: their parts asked in turn, the first not ready named. dskit's lifecycler
 * says no until min_ready_duration after the first /ready that found its ring member up (ring/lifecycler.go), so
 * one part's wait starts when the one before it passed, and the waits add up.
 */
function readiness(waits: Wait[]): () => string | undefined {
  const started = Date.now();
  const since: number[] = [];
  return () => {
    for (const [i, wait] of waits.entries()) {
      since[i] ??= wait.fromStart ? started : Date.now();
      if (Date.now() - since[i] < wait.seconds * 1000) return wait.says;
    }
    return undefined;
  };
}
const lifecycler = (part: string, duration: string | undefined, fallback: string): Wait => {
  const wait = seconds(duration ?? fallback, `${part} min_ready_duration`);
  return { says: `${part} not ready: waiting for ${wait}s after being ready`, seconds: wait };
};
let notReady: () => string | undefined = () => undefined;

/** Common paths: /ready (the healthchecks) and /metrics; anything else is 404 as Go's mux says it. */
const common =
  (backend: string, received: Received, handler: Handler): Handler =>
  (url, request, response) => {
    if (url.pathname === '/ready') {
      const waiting = notReady();
      return send(response, waiting ? 503 : 200, `${waiting ?? 'ready'}\n`, 'text/plain');
    }
    if (url.pathname === '/metrics')
      return send(response, 200, metrics(backend, received), 'text/plain; version=0.0.4');
    return handler(url, request, response);
  };

const notFound = (response: ServerResponse) => send(response, 404, '404 page not found\n', 'text/plain');

const attribute = (value: unknown) =>
  typeof value === 'number'
    ? { intValue: String(value) }
    : typeof value === 'boolean'
      ? { boolValue: value }
      : { stringValue: String(value) };
const otlpAttributes = (attributes: Record<string, unknown>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: attribute(value) }));

/** Tempo 3.0: OTLP on 4318, /api/v2/traces/<id> on 3200 (200 and an empty trace for one it does not hold). */
async function tempo(): Promise<void> {
  const receiver = await new OtlpReceiver().start(4318, '0.0.0.0');
  serve(
    3200,
    common(
      'tempo',
      () => ({ spans: receiver.spans.length }),
      (url, _request, response) => {
        if (url.pathname === '/api/echo') return send(response, 200, 'echo', 'text/plain');
        const id = /^\/api\/v2\/traces\/([0-9a-f]{1,32})$/i.exec(url.pathname)?.[1];
        if (!id) return notFound(response);
        const spans = receiver.trace(id.toLowerCase().padStart(32, '0'));
        const byService = new Map<string, ReceivedSpan[]>();
        for (const span of spans) byService.set(span.service, [...(byService.get(span.service) ?? []), span]);
        const resourceSpans = [...byService.values()].map((group) => ({
          resource: { attributes: otlpAttributes(group[0].resource) },
          scopeSpans: [
            {
              spans: group.map((s) => ({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId,
                name: s.name,
                kind: s.kind,
                startTimeUnixNano: s.startNs,
                endTimeUnixNano: s.endNs,
                attributes: otlpAttributes(s.attributes),
              })),
            },
          ],
        }));
        send(response, 200, { trace: spans.length ? { resourceSpans } : {} });
      },
    ),
  );
}

/** A LogQL stream selector with `=` matchers and `|=` line filters: all that verify and the chapter ask. */
function logQuery(expr: string): (labels: Record<string, string>, line: string) => boolean {
  const selector = /^\{([^}]*)\}/.exec(expr.trim());
  if (!selector) throw new Error(`parse error: queries require at least one regexp or equality matcher`);
  const matchers = [...selector[1].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map(([, name, value]) => [
    name,
    value,
  ]);
  const filters = [...expr.slice(selector[0].length).matchAll(/\|=\s*"([^"]*)"/g)].map(([, text]) => text);
  return (labels, line) =>
    matchers.every(([name, value]) => labels[name] === value) && filters.every((text) => line.includes(text));
}

/**
 * Loki 3.7: OTLP logs at /otlp/v1/logs (service.name and app become stream labels; trace and span ids and the
 * record's attributes, such as userId, structured metadata) and /loki/api/v1/query_range over [start, end).
 * Without the categorize-labels flag Loki merges structured metadata into the stream's labels, so each line
 * with its own trace_id is a stream of its own.
 */
async function loki(): Promise<void> {
  // pkg/loki/loki.go: the ingester, the pattern ingester (when enabled), then the query frontend, whose
  // scheduler is first looked up one scheduler_dns_lookup_period after the start.
  const config = parse(readFileSync('/etc/loki/loki.yaml', 'utf8'));
  notReady = readiness([
    lifecycler('Ingester', config.ingester?.lifecycler?.min_ready_duration, '15s'),
    ...(config.pattern_ingester?.enabled
      ? [lifecycler('Pattern Ingester', config.pattern_ingester.lifecycler?.min_ready_duration, '15s')]
      : []),
    {
      says: 'Query Frontend not ready: not ready: number of schedulers this worker is connected to is 0',
      seconds: seconds(config.frontend?.scheduler_dns_lookup_period ?? '10s', 'scheduler_dns_lookup_period'),
      fromStart: true,
    },
  ]);
  const receiver = new OtlpReceiver();
  const labels = (log: ReceivedLog): Record<string, string> => ({
    ...Object.fromEntries(
      Object.entries(log.attributes).map(([key, value]) => [
        key,
        typeof value === 'object' ? JSON.stringify(value) : String(value),
      ]),
    ),
    service_name: log.service,
    ...(log.resource.app !== undefined && { app: String(log.resource.app) }),
    ...(log.traceId && { trace_id: log.traceId, span_id: log.spanId }),
    ...(log.severityText && { detected_level: log.severityText.toLowerCase() }),
  });
  const queries = common(
    'loki',
    () => ({ log_records: receiver.logs.length }),
    (url, _request, response) => {
      if (url.pathname === '/loki/api/v1/labels')
        return send(response, 200, { status: 'success', data: ['app', 'service_name'] });
      if (url.pathname !== '/loki/api/v1/query_range') return notFound(response);
      let matches;
      try {
        matches = logQuery(url.searchParams.get('query') ?? '');
      } catch (error) {
        return send(response, 400, (error as Error).message + '\n', 'text/plain');
      }
      const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
      const start = BigInt(url.searchParams.get('start') ?? '0');
      const end = BigInt(url.searchParams.get('end') ?? ns(Date.now()));
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const forward = url.searchParams.get('direction') === 'forward';
      const found = receiver.logs
        .map((log) => ({ log, labels: labels(log), line: String(log.body) }))
        .filter(({ log, labels: l, line }) => {
          const at = BigInt(ns(log.receivedAt));
          return at >= start && at < end && matches(l, line);
        });
      const kept = forward ? found.slice(0, limit) : found.slice(-limit).reverse();
      send(response, 200, {
        status: 'success',
        data: {
          resultType: 'streams',
          result: kept.map(({ log, labels: stream, line }) => ({
            stream,
            values: [[ns(log.receivedAt), line]],
          })),
          stats: {},
        },
      });
    },
  );
  await receiver.start(3100, '0.0.0.0', (request, response) =>
    queries(new URL(request.url!, 'http://standin'), request, response),
  );
}

async function pyroscope(): Promise<void> {
  // pkg/pyroscope/pyroscope.go: the metastore (default 15 s), then the segment writer (default 30 s).
  const config = parse(readFileSync('/etc/pyroscope/pyroscope.yaml', 'utf8'));
  const receiver = new PyroscopeReceiver();
  receiver.notReady = readiness([
    lifecycler('metastore', config.metastore?.min_ready_duration, '15s'),
    lifecycler('segment-writer', config.segment_writer?.lifecycler?.min_ready_duration, '30s'),
  ]);
  await receiver.start(4040, '0.0.0.0');
}

/**
 * Grafana 13: /api/health, and each provisioned data source's health asked of its server as Grafana's plugin
 * asks it. It renders no panel: /api/search answers the provisioned dashboards, /api/ds/query a clear 501.
 */
function grafana(): void {
  const provisioning = '/etc/grafana/provisioning/datasources';
  const sources = readdirSync(provisioning).flatMap(
    (file) =>
      (
        parse(readFileSync(`${provisioning}/${file}`, 'utf8')) as {
          datasources: { uid: string; type: string; url: string }[];
        }
      ).datasources,
  );
  const probes: Record<string, string> = {
    prometheus: '/api/v1/query?query=1%2B1',
    loki: '/loki/api/v1/labels',
    tempo: '/api/echo',
    'grafana-pyroscope-datasource': '/ready',
  };
  const dashboards = () =>
    readdirSync('/var/lib/grafana/dashboards')
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(`/var/lib/grafana/dashboards/${file}`, 'utf8')));
  serve(3000, async (url, _request, response) => {
    if (url.pathname === '/api/health') return send(response, 200, { database: 'ok', version: 'stand-in' });
    if (url.pathname === '/metrics')
      return send(
        response,
        200,
        metrics('grafana', () => ({})),
        'text/plain',
      );
    const uid = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(url.pathname)?.[1];
    if (uid) {
      const source = sources.find((s) => s.uid === uid);
      if (!source) return send(response, 404, { message: 'Data source not found' });
      const answer = await fetch(source.url + probes[source.type]).catch((error: Error) => error);
      return answer instanceof Response && answer.ok
        ? send(response, 200, { status: 'OK', message: `${source.url} answered (Grafana stand-in)` })
        : send(response, 400, {
            status: 'ERROR',
            message: `${source.url}: ${answer instanceof Error ? answer.message : answer.status}`,
          });
    }
    if (url.pathname === '/api/search')
      return send(
        response,
        200,
        dashboards().map((d) => ({ uid: d.uid, title: d.title, type: 'dash-db', url: `/d/${d.uid}` })),
      );
    const board = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(url.pathname)?.[1];
    if (board) {
      const dashboard = dashboards().find((d) => d.uid === board);
      return dashboard
        ? send(response, 200, { dashboard })
        : send(response, 404, { message: 'Dashboard not found' });
    }
    if (url.pathname === '/api/ds/query')
      return send(response, 501, { message: 'the Grafana stand-in runs no panel queries' });
    send(response, 404, { message: 'Not found' });
  });
}

async function ready(url: string): Promise<never> {
  const answer = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  process.exit(answer?.ok ? 0 : 1);
}

const backends: Record<string, () => void | Promise<void>> = { tempo, loki, pyroscope, grafana };
const [backend, argument] = process.argv.slice(2);
if (backend === 'ready') void ready(argument);
else if (backends[backend]) {
  void Promise.resolve(backends[backend]()).then(() => console.log(`${backend} stand-in listening`));
  // As the real servers: a stop (SIGTERM) ends at once, nothing to flush.
  process.on('SIGTERM', () => process.exit(0));
} else {
  console.error(`usage: main.js <${Object.keys(backends).join('|')}> | ready <url>`);
  process.exit(2);
}
