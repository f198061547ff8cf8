// `npm run bench -- freshness`: how soon each signal of a request can be queried where Grafana queries it, on
// the sandbox as the stack part runs it (BENCH_COMPOSE_FILE too): a user joins the queue with a trace id of ours
// (traceparent), a second or two apart so as not to lock onto the flush and scrape periods, then each signal is
// polled every 100 ms for up to 60 s. The service graph and the profile are measured on the real Tempo and
// Pyroscope only.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuProfileType } from '../traffic/grafana';
import { PyroscopeClient } from '../verify/pyroscope';
import { PartResult, spread } from './harness';
import { sandbox } from './stack';

const ask = async (url: string, init?: RequestInit) => {
  const answer = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  return answer?.ok ? ((await answer.json()) as Record<string, any>) : undefined;
};
const count = async (expr: string) =>
  Number(
    (await ask(`http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(`sum(${expr})`)}`))?.data
      .result[0]?.value[1] ?? 0,
  );
const metrics = {
  'request metric': 'http_request_duration_seconds_count{app="queue-service",route="/queue/join"}',
  'span metric': 'traces_spanmetrics_calls_total{service="queue-service",span_kind="SPAN_KIND_SERVER"}',
  'service graph': 'traces_service_graph_request_total{server="queue-service"}',
};

export async function freshness(ctx: { quick: boolean }): Promise<PartResult> {
  const { compose, real, note } = await sandbox();
  await compose('down', '--volumes', '--remove-orphans');
  await compose('build');
  await compose('up', '--detach', '--wait');
  const pyroscope = new PyroscopeClient('http://127.0.0.1:4040');
  const seconds: Record<string, number[]> = {};
  for (let i = 0; i < (ctx.quick ? 3 : 8); i++) {
    const name = `fresh-${randomBytes(4).toString('hex')}`;
    const user = await ask('http://127.0.0.1:3003/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const traceId = randomBytes(16).toString('hex');
    const before = Object.fromEntries(
      await Promise.all(Object.entries(metrics).map(async ([signal, expr]) => [signal, await count(expr)])),
    );
    await sleep(1000 + Math.random() * 1000);
    const joined = await fetch('http://127.0.0.1:3001/queue/join', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ userId: user?.id }),
    });
    if (!joined.ok) throw new Error(`join answered ${joined.status}`);
    const answered = Date.now();
    const loki = new URLSearchParams({
      query: `{service_name="queue-service"} |= "${name}"`,
      start: String((answered - 60_000) * 1e6),
    });
    const signals: Record<string, () => Promise<boolean>> = {
      'trace in Tempo': async () =>
        ((await ask(`http://127.0.0.1:3200/api/v2/traces/${traceId}`))?.trace?.resourceSpans?.length ?? 0) >
        0,
      'log in Loki': async () =>
        ((await ask(`http://127.0.0.1:3100/loki/api/v1/query_range?${loki}`))?.data?.result?.length ?? 0) > 0,
      ...Object.fromEntries(
        Object.entries(metrics)
          .filter(([signal]) => real.includes('tempo') || signal !== 'service graph')
          .map(([signal, expr]) => [signal, async () => (await count(expr)) > before[signal]]),
      ),
    };
    // A profile is sent after the response, when the 15 s window holding the request has ended. The Pyroscope
    // stand-in answers LabelValues without reading the time range, so it is measured on the real one only.
    if (real.includes('pyroscope'))
      signals['profile in Pyroscope'] = async () =>
        (
          await pyroscope.services(cpuProfileType, answered, Date.now() + 60_000).catch((): string[] => [])
        ).includes('queue-service');
    await Promise.all(
      Object.entries(signals).map(async ([signal, seen]) => {
        while (!(await seen())) {
          if (Date.now() - answered > 60_000) return console.warn(`${signal}: not seen within 60 s`);
          await sleep(100);
        }
        (seconds[signal] ??= []).push((Date.now() - answered) / 1000);
      }),
    );
  }
  await compose('down', '--volumes');
  const rows = Object.entries(seconds).map(([signal, list]) => {
    const s = spread(list);
    return [signal, s.median.toFixed(1), `${s.min.toFixed(1)}..${s.max.toFixed(1)}`, String(list.length)];
  });
  return {
    part: "Freshness: seconds from a join's response until each signal of it can be queried",
    table: [['signal', 'median s', 'min..max', 'n'], ...rows],
    notes: [note],
  };
}
