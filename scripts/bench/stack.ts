// `npm run bench -- stack`: the sandbox on the real Docker engine, as the engine test starts it (stand-in images
// where no registry answers): the time from `up` to every container healthy, and what each traffic scenario costs
// each container (peak memory against its mem_limit, docker stats CPU), with OOM kills and restarts.
// BENCH_COMPOSE_FILE names one more compose file after the stand-ins' (images of the real servers built by hand,
// say); the parts on Docker say which services ran on images that are not stand-ins.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEngine } from '../../test/support/engine';
import { median, PartResult, spread } from './harness';

const exec = promisify(execFile);

/** docker and docker compose on the engine test's engine, with ours, the stand-ins' and BENCH_COMPOSE_FILE's files. */
export async function sandbox(...options: string[]) {
  const env = { ...process.env, ...(await startEngine()).env, COMPOSE_BAKE: 'false' };
  const run = async (command: string, args: string[]) =>
    (await exec(command, args, { env, maxBuffer: 1 << 26 })).stdout;
  const files = [
    'docker-compose.yml',
    'test/engine/compose.standins.yaml',
    process.env.BENCH_COMPOSE_FILE ?? [],
  ];
  const compose = (...args: string[]) =>
    run('docker', ['compose', ...files.flat().flatMap((f) => ['-f', f]), ...options, ...args]);
  const config = JSON.parse(await compose('config', '--format', 'json')) as {
    services: Record<string, { image: string }>;
    volumes: Record<string, { name: string }>;
  };
  const real = Object.keys(config.services).filter(
    (s) => !config.services[s].image.startsWith('ticketing-standin/'),
  );
  return {
    run,
    compose,
    config,
    real,
    note: `Real servers (images that are not stand-ins): ${real.join(', ') || 'none'}.`,
  };
}

const service = (container: string) =>
  container
    .split(' ')[0]
    .replace(/^ticketing-/, '')
    .replace(/-\d+$/, '');

const bytes = (text: string) => {
  const match = /([\d.]+)\s*([KMG]i?B|B)/.exec(text);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };
  return match ? Number(match[1]) * (unit[match[2] as keyof typeof unit] ?? 1) : 0;
};
const mb = (n: number) => (n / 2 ** 20).toFixed(0);
// `leak` is left out: it grows ticket-service to its limit on purpose, until the OOM kill.
const scenarios = ['chapter', 'surge', 'slow-tickets', 'busy-tickets', 'errors'];

export async function stack(ctx: { quick: boolean }): Promise<PartResult> {
  const { run, compose, note } = await sandbox();
  /** Each container's state, as `docker inspect --format` gives it, by compose service. */
  const inspect = async (format: string) => {
    const ids = (await compose('ps', '-q')).trim().split('\n');
    const lines = await run('docker', ['inspect', '--format', `{{.Name}} ${format}`, ...ids]);
    return new Map(
      lines
        .trim()
        .split('\n')
        .map((line) => [service(line.slice(1)), line.split(' ').slice(1)]),
    );
  };
  const stats = async () =>
    (await run('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}']))
      .trim()
      .split('\n')
      .map((line) => ({
        name: service(line),
        cpu: Number.parseFloat(line.split(' ')[1]),
        mem: bytes(line.split(' ')[2]),
      }));

  await compose('down', '--volumes', '--remove-orphans');
  await compose('build');
  const ups: number[] = [];
  for (let round = 0; round < (ctx.quick ? 1 : 3); round++) {
    if (round) await compose('down', '--volumes');
    const started = Date.now();
    await compose('up', '--detach', '--wait');
    ups.push((Date.now() - started) / 1000);
  }
  const limits = await inspect('{{.HostConfig.Memory}}');
  const idle = new Map((await stats()).map((s) => [s.name, s.mem]));
  const costs = new Map([...limits.keys()].map((name) => [name, [] as string[]]));
  for (const scenario of scenarios) {
    // Each docker stats call measures CPU over about a second, so it samples while the traffic runs.
    const samples: Awaited<ReturnType<typeof stats>> = [];
    const traffic = run('npm', ['run', '--silent', 'traffic', '--', '--scenario', scenario]);
    let done = false;
    void traffic.finally(() => (done = true));
    while (!done) samples.push(...(await stats()));
    await traffic;
    for (const [name, cost] of costs) {
      const own = samples.filter((s) => s.name === name);
      cost.push(
        `${mb(Math.max(0, ...own.map((s) => s.mem)))} MB, ${median(own.map((s) => s.cpu)).toFixed(1)} %`,
      );
    }
  }
  const states = await inspect('{{.State.OOMKilled}} {{.RestartCount}}');
  await compose('down', '--volumes');

  const up = spread(ups);
  const table = [
    [
      'container',
      'mem_limit MB',
      'idle MB',
      ...scenarios.map((s) => `${s}: peak MB, CPU % (median)`),
      'OOM killed, restarts',
    ],
    ...[...limits.keys()].sort().map((name) => {
      const limit = Number(limits.get(name)![0]);
      return [name, mb(limit), mb(idle.get(name) ?? 0), ...costs.get(name)!, states.get(name)!.join(', ')];
    }),
  ];
  return {
    part: 'stack',
    table,
    notes: [
      note,
      `\`docker compose up -d --wait\` to every container healthy (volumes empty, images built): median ${up.median.toFixed(1)} s (${up.min.toFixed(1)}..${up.max.toFixed(1)}, ${ups.length} rounds).`,
      "Memory is docker stats' usage (without the page cache), sampled about once a second: a peak shorter than that can be missed. Stand-in images (test/images) are not the real servers: their figures are not the real servers'.",
    ],
  };
}
