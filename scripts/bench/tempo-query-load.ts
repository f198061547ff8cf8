// Run by hand, not by `npm run bench`: `npx tsx scripts/bench/tempo-query-load.ts --tempo
// http://127.0.0.1:13200 --otlp http://127.0.0.1:14318 --duration 30m [--by-id 25] [--search 1] [--traces 2]`
// sends chapter-like traces to a Tempo while querying it as Grafana Explore does, and prints Tempo's memory
// and answers every 30 s and at the end; read by whoever sizes compose's Tempo (compose/tempo/tempo.yaml).
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    ...{ tempo: { type: 'string', default: '' }, otlp: { type: 'string', default: '' } },
    ...{ duration: { type: 'string', default: '30m' }, 'by-id': { type: 'string', default: '25' } },
    ...{ search: { type: 'string', default: '1' }, traces: { type: 'string', default: '2' } },
  },
});
function loopback(flag: string, raw: string): string {
  const url = URL.parse(raw);
  if (url && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return url.origin;
  throw new Error(`--${flag} must be a loopback URL such as http://127.0.0.1:13200, got '${raw}'`);
}
const [tempo, otlp] = [loopback('tempo', opt.tempo), loopback('otlp', opt.otlp)];
const [, amount, unit] = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(opt.duration) ?? [];
if (!unit) throw new Error(`--duration must look like 90s, 20m or 1h, got '${opt.duration}'`);
const started = Date.now();
const end = started + Number(amount) * { s: 1e3, m: 6e4, h: 36e5 }[unit as 's' | 'm' | 'h'];

const kinds = ['ingest', 'by-id', 'search'] as const;
type Kind = (typeof kinds)[number];
const outcomes = ['ok', '429', '5xx', 'timeout', 'other'] as const;
const stats = {} as Record<Kind, Record<(typeof outcomes)[number] | 'seen', number> & { ms: number[] }>;
for (const k of kinds) stats[k] = { ok: 0, '429': 0, '5xx': 0, timeout: 0, other: 0, ms: [], seen: 0 };
const mem = { rss: 0, heap: 0, peakRss: 0, peakHeap: 0, readyFailures: 0 };
const sent: { id: string; at: number }[] = [];

async function call(kind: Kind, url: string, init: RequestInit = {}): Promise<boolean> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.ok) stats[kind].ms.push(performance.now() - t0);
    stats[kind][res.ok ? 'ok' : res.status === 429 ? '429' : res.status >= 500 ? '5xx' : 'other']++;
    return res.ok;
  } catch (err) {
    stats[kind][(err as Error).name === 'TimeoutError' ? 'timeout' : 'other']++;
    return false;
  }
}

type Attrs = Record<string, string | number>;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const value = (v: string | number) => (typeof v === 'number' ? { intValue: `${v}` } : { stringValue: v });
const attrs = (a: Attrs) => Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));
const served = { 'http.response.status_code': 200, 'server.port': 3000 };
const http = (m: string, route: string) => ({ 'http.request.method': m, 'http.route': route, ...served });
const out = (method: string, host: string) => ({ 'http.request.method': method, 'server.address': host });
const pg = { 'db.system.name': 'postgresql', 'db.namespace': 'ticketing', 'server.address': 'postgres' };
const redis = { 'db.system.name': 'redis', 'server.address': 'redis' };
const db = (system: Attrs, op: string): Attrs => ({ ...system, 'db.operation.name': op });

// A queue join as the chapter's services make it: queue (Redis) -> user (Postgres), ticket (Postgres, Redis).
function otlpTrace(traceId: string) {
  const [q, u, t] = ['queue-service', 'user-service', 'ticket-service'];
  const rows: [service: string, parent: number, name: string, a: Attrs][] = [];
  const add = (service: string, parent: number, name: string, a: Attrs, n = 1) =>
    rows.push(...Array<(typeof rows)[number]>(n).fill([service, parent, name, a])) - 1;
  const root = add(q, -1, 'POST /queues/:id/join', http('POST', '/queues/:id/join'));
  add(q, root, 'EVALSHA', db(redis, 'EVALSHA'), randomInt(1, 4));
  const user = add(u, add(q, root, 'GET', out('GET', u)), 'GET /users/:id', http('GET', '/users/:id'));
  add(u, user, 'SELECT ticketing', db(pg, 'SELECT'), randomInt(1, 3));
  const ticket = add(t, add(q, root, 'POST', out('POST', t)), 'POST /tickets', http('POST', '/tickets'));
  add(t, ticket, 'UPDATE ticketing', db(pg, 'UPDATE'), randomInt(2, 7));
  add(t, ticket, 'SET', db(redis, 'SET'), randomInt(1, 3));
  const [ids, t0] = [rows.map(() => hex(8)), (BigInt(Date.now()) - 200n) * 1_000_000n];
  const byService: Record<string, object[]> = {};
  rows.forEach(([service, parent, name, a], i) => {
    const [start, ms] = [t0 + BigInt(i * 4_000_000), a['db.system.name'] ? 1 + randomInt(5) : 100 - 4 * i];
    (byService[service] ??= []).push({
      ...{ traceId, spanId: ids[i], parentSpanId: ids[parent] ?? '', name, kind: a['http.route'] ? 2 : 3 },
      ...{ startTimeUnixNano: `${start}`, endTimeUnixNano: `${start + BigInt(ms * 1e6)}` },
      ...{ attributes: attrs(a), status: { code: 1 } },
    });
  });
  const resourceSpans = Object.entries(byService).map(([service, spans]) => ({
    resource: { attributes: attrs({ 'service.name': service, 'deployment.environment.name': 'bench' }) },
    scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans }],
  }));
  return { resourceSpans };
}

async function ingest() {
  const [id, headers] = [hex(16), { 'content-type': 'application/json' }];
  const init = { method: 'POST', headers, body: JSON.stringify(otlpTrace(id)) };
  if (await call('ingest', `${otlp}/v1/traces`, init)) sent.push({ id, at: Date.now() });
}
async function byId() {
  // Explore opens traces found by a search over the last 15 minutes, so ids are picked from that window.
  while (sent.length > 1 && sent[0].at < Date.now() - 15 * 60_000) sent.shift();
  if (sent.length) await call('by-id', `${tempo}/api/v2/traces/${sent[randomInt(sent.length)].id}`);
}
async function search() {
  const [now, q] = [Math.floor(Date.now() / 1000), '{resource.service.name="queue-service"}'];
  const query = new URLSearchParams({ q, start: `${now - 900}`, end: `${now}`, limit: '20' });
  await call('search', `${tempo}/api/search?${query}`);
}
async function get(path: string) {
  const res = await fetch(tempo + path, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  return { ok: res?.ok, text: (await res?.text().catch(() => '')) ?? '' };
}
async function sample() {
  if (!(await get('/ready')).ok) mem.readyFailures++;
  const { text } = await get('/metrics');
  const mib = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  [mem.rss, mem.heap] = [mib('process_resident_memory_bytes'), mib('go_memstats_heap_inuse_bytes')];
  if (text) [mem.peakRss, mem.peakHeap] = [Math.max(mem.peakRss, mem.rss), Math.max(mem.peakHeap, mem.heap)];
}
const inflight = new Set<Promise<unknown>>();
async function every(perSecond: number, fn: () => Promise<unknown>) {
  // Open loop, as a browser tab is: a slow answer does not hold back the next request.
  for (let next = Date.now(); perSecond > 0 && next < end; next += 1000 / perSecond) {
    await sleep(Math.max(0, next - Date.now()));
    const p = fn().finally(() => inflight.delete(p));
    inflight.add(p);
  }
}
const pct = (v: number[], p: number) =>
  Math.round(v.toSorted((a, b) => a - b)[Math.ceil(p * v.length) - 1] ?? NaN);
const line = (k: Kind) => `${k} ${outcomes.map((o) => `${o} ${stats[k][o]}`).join(' ')}`;
const report = () => {
  const m = `rss ${mem.rss.toFixed(0)} MiB heap ${mem.heap.toFixed(0)} MiB ready-fail ${mem.readyFailures}`;
  const parts = kinds.map((k) => `${line(k)} p95 ${pct(stats[k].ms.slice(stats[k].seen), 0.95)} ms`);
  kinds.forEach((k) => (stats[k].seen = stats[k].ms.length));
  console.log(`[${Math.round((Date.now() - started) / 1000)}s] ${m} | ${parts.join(' | ')}`);
};
async function main() {
  const timers = [setInterval(() => void sample(), 5000), setInterval(report, 30_000)];
  await sample();
  await Promise.all([every(+opt.traces, ingest), every(+opt['by-id'], byId), every(+opt.search, search)]);
  await Promise.allSettled([...inflight]);
  timers.forEach(clearInterval);
  await sample();
  report();
  console.log(`\npeak RSS ${mem.peakRss.toFixed(0)} MiB, peak heap in use ${mem.peakHeap.toFixed(0)} MiB`);
  console.log(`/ready failures ${mem.readyFailures} (checked every 5 s); p95 in the lines above: last 30 s`);
  for (const k of kinds) {
    const ms = stats[k].ms;
    console.log(`${line(k)} | ok in p50 ${pct(ms, 0.5)} ms p95 ${pct(ms, 0.95)} ms max ${pct(ms, 1)} ms`);
  }
}
void main();
