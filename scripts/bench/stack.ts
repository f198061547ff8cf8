// `npm run bench -- stack`: the sandbox on the real Docker engine, as the engine test starts it (stand-in
// images where no registry answers): the time from `up` to every container healthy, how soon each signal of a
// request can be queried, each container's memory idle and at its peak under `npm run traffic -- 200` against
// its mem_limit, docker stats CPU under the chapter's traffic, and OOM kills and restarts.
// BENCH_COMPOSE_FILE names one more compose file after the stand-ins' (images of the real servers built by hand,
// say); the entry records which services it ran on images that are not stand-ins.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startEngine } from '../../test/support/engine';
import { cpuProfileType } from '../traffic/grafana';
import { PyroscopeClient } from '../verify/pyroscope';
import { PartResult } from './context';
import { markdownTable, median, spread } from './harness';

const exec = promisify(execFile);
/** `-f` for each compose file: ours, the stand-ins', and BENCH_COMPOSE_FILE's. */
export const files = [
  'docker-compose.yml',
  'test/engine/compose.standins.yaml',
  process.env.BENCH_COMPOSE_FILE ?? [],
]
  .flat()
  .flatMap((f) => ['-f', f]);

/** The environment docker and compose need for the engine of the engine test. */
export async function engine(): Promise<NodeJS.ProcessEnv> {
  const { env } = await startEngine();
  return { ...process.env, ...env, COMPOSE_BAKE: 'false' };
}

interface Stats {
  Name: string;
  CPUPerc: string;
  MemUsage: string;
}

const bytes = (text: string) => {
  const match = /([\d.]+)\s*([KMG]i?B|B)/.exec(text);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };
  return match ? Number(match[1]) * (unit[match[2] as keyof typeof unit] ?? 1) : 0;
};
const mb = (n: number) => (n / 2 ** 20).toFixed(0);

export async function stack(ctx: { quick: boolean }): Promise<PartResult> {
  const env = await engine();
  const compose = async (...args: string[]) =>
    (
      await exec('docker', ['compose', ...files, ...args], {
        env,
        maxBuffer: 1 << 26,
      })
    ).stdout;
  const docker = async (...args: string[]) =>
    (await exec('docker', args, { env, maxBuffer: 1 << 26 })).stdout;
  const stats = async (): Promise<Stats[]> =>
    (await docker('stats', '--no-stream', '--format', '{{json .}}'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Stats);
  const service = (name: string) => name.replace(/^ticketing-/, '').replace(/-\d+$/, '');

  await compose('down', '--volumes', '--remove-orphans');
  await compose('build');
  const ups: number[] = [];
  const rounds = ctx.quick ? 1 : 3;
  for (let round = 0; round < rounds; round++) {
    if (round) await compose('down', '--volumes');
    const started = Date.now();
    await compose('up', '--detach', '--wait');
    ups.push((Date.now() - started) / 1000);
  }

  const config = JSON.parse(await compose('config', '--format', 'json')) as {
    services: Record<string, { image: string }>;
  };
  const real = Object.entries(config.services)
    .filter(([, s]) => !s.image.startsWith('ticketing-standin/'))
    .map(([name]) => name);
  const fresh = await freshness(ctx.quick ? 3 : 8, real.includes('tempo'));

  const idle = new Map((await stats()).map((s) => [service(s.Name), bytes(s.MemUsage.split('/')[0])]));
  const limits = new Map(
    (
      await docker(
        'inspect',
        '--format',
        '{{.Name}} {{.HostConfig.Memory}}',
        ...(await compose('ps', '-q')).split('\n').filter(Boolean),
      )
    )
      .split('\n')
      .filter(Boolean)
      .map((line) => [service(line.split(' ')[0].slice(1)), Number(line.split(' ')[1])]),
  );

  // Sampled while the load runs (each docker stats call measures CPU over about a second).
  const sampleWhile = async (command: Promise<unknown>) => {
    const samples: Stats[][] = [];
    let done = false;
    void command.finally(() => (done = true));
    while (!done) samples.push(await stats());
    await command;
    return samples;
  };
  const npm = (args: string[]) =>
    exec('npm', ['run', '--silent', 'traffic', '--', ...args], { env, maxBuffer: 1 << 26 });
  const surge = await sampleWhile(npm(['200', '--interval', '0']));
  const chapter = await sampleWhile(npm([]));

  const peak = new Map<string, number>();
  for (const s of surge.flat()) {
    const name = service(s.Name);
    peak.set(name, Math.max(peak.get(name) ?? 0, bytes(s.MemUsage.split('/')[0])));
  }
  const cpu = new Map<string, number[]>();
  for (const s of chapter.flat())
    cpu.set(service(s.Name), [...(cpu.get(service(s.Name)) ?? []), Number.parseFloat(s.CPUPerc)]);
  const states = (
    await docker(
      'inspect',
      '--format',
      '{{.Name}} {{.State.OOMKilled}} {{.RestartCount}}',
      ...(await compose('ps', '-q')).split('\n').filter(Boolean),
    )
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  await compose('down', '--volumes');

  const up = spread(ups);
  const freshRows = Object.entries(fresh).map(([signal, seconds]) => {
    const s = spread(seconds);
    return [signal, s.median.toFixed(1), `${s.min.toFixed(1)}..${s.max.toFixed(1)}`, String(seconds.length)];
  });
  const table = [
    [
      'container',
      'mem_limit MB',
      'idle MB',
      'peak MB (200 users)',
      'peak / limit',
      'CPU % (chapter traffic, median)',
      'OOM killed',
      'restarts',
    ],
    ...[...limits].sort().map(([name, limit]) => {
      const state = states.find(([n]) => service(n.slice(1)) === name) ?? [];
      return [
        name,
        mb(limit),
        mb(idle.get(name) ?? 0),
        mb(peak.get(name) ?? 0),
        limit ? `${(((peak.get(name) ?? 0) / limit) * 100).toFixed(0)} %` : '',
        median(cpu.get(name) ?? [0]).toFixed(1),
        state[1] ?? '',
        state[2] ?? '',
      ];
    }),
  ];
  return {
    part: 'stack',
    table,
    figures: {
      upSeconds: up,
      idle: Object.fromEntries(idle),
      peak: Object.fromEntries(peak),
      limits: Object.fromEntries(limits),
      freshness: fresh,
      real,
    },
    notes: [
      `Real servers (images that are not stand-ins): ${real.join(', ') || 'none'}.`,
      `Seconds from a join's response until each signal of it can be queried, ${fresh['trace in Tempo'].length} requests a second or two apart:\n\n${markdownTable([['signal', 'median s', 'min..max', 'n'], ...freshRows])}`,
      `\`docker compose up -d --wait\` to every container healthy (volumes empty, images built): median ${up.median.toFixed(1)} s (${up.min.toFixed(1)}..${up.max.toFixed(1)}, ${rounds} rounds).`,
      `Memory is docker stats' usage (without the page cache), sampled about once a second during the surge: a peak shorter than that can be missed. The others are stand-in images (test/images): Postgres, Redis and nginx are Debian's, Loki, Tempo, Pyroscope and Grafana one small Node server, so their figures are not the real servers'.`,
    ],
  };
}

const ask = async (url: string, init?: RequestInit) => {
  const answer = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  return answer?.ok ? ((await answer.json()) as Record<string, any>) : undefined;
};
const count = async (expr: string) =>
  Number(
    (await ask(`http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(`sum(${expr})`)}`))?.data
      .result[0]?.value[1] ?? 0,
  );

/**
 * How soon each signal of a request can be queried where Grafana queries it, on the running sandbox: a user
 * joins the queue with a trace id of ours (traceparent), then each signal is polled every 100 ms, for up to 60 s.
 * The service graph is left out on a Tempo stand-in, which makes none.
 */
async function freshness(samples: number, graph: boolean): Promise<Record<string, number[]>> {
  const server = 'traces_spanmetrics_calls_total{service="queue-service",span_kind="SPAN_KIND_SERVER"}';
  const edges = 'traces_service_graph_request_total{server="queue-service"}';
  const pyroscope = new PyroscopeClient('http://127.0.0.1:4040');
  const seconds: Record<string, number[]> = {};
  for (let i = 0; i < samples; i++) {
    const name = `fresh-${randomBytes(4).toString('hex')}`;
    const user = await ask('http://127.0.0.1:3003/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const traceId = randomBytes(16).toString('hex');
    const before = { server: await count(server), edges: await count(edges) };
    await sleep(1000 + Math.random() * 1000); // off the flush and scrape periods
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
      'span metric': async () => (await count(server)) > before.server,
      ...(graph && { 'service graph': async () => (await count(edges)) > before.edges }),
      // A profile sent after the response, when the 15 s window holding the request ended.
      'profile in Pyroscope': async () =>
        (
          await pyroscope.services(cpuProfileType, answered, Date.now() + 60_000).catch((): string[] => [])
        ).includes('queue-service'),
    };
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
  return seconds;
}
