// `npm run bench -- stack`: the sandbox on the real Docker engine, as the engine test starts it (stand-in
// images where no registry answers): the time from `up` to every container healthy, each container's memory
// idle and at its peak under `npm run traffic -- 200` against its mem_limit, docker stats CPU under the
// chapter's traffic, and OOM kills and restarts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEngine } from '../../test/support/engine';
import { PartResult } from './context';
import { median, spread } from './harness';

const exec = promisify(execFile);
const override = 'test/engine/compose.standins.yaml';

async function engine(): Promise<NodeJS.ProcessEnv> {
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
      await exec('docker', ['compose', '-f', 'docker-compose.yml', '-f', override, ...args], {
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
    },
    notes: [
      `\`docker compose up -d --wait\` to every container healthy (volumes empty, images built): median ${up.median.toFixed(1)} s (${up.min.toFixed(1)}..${up.max.toFixed(1)}, ${rounds} rounds).`,
      `Memory is docker stats' usage (without the page cache), sampled about once a second during the surge: a peak shorter than that can be missed. Stand-in images where no registry answers (test/images): Postgres, Redis and nginx are Debian's, Loki, Tempo, Pyroscope and Grafana are one small Node server, so their figures are not the real servers'.`,
    ],
  };
}
