// `npm run bench -- disk`: the disk the sandbox takes under the steady load (`--profile load`, a user every 2 s):
// each named volume's size every 5 minutes for BENCH_DISK_MINUTES (default 60), and what the build adds to its
// base images. On the engine and images of the stack part (BENCH_COMPOSE_FILE too), as the project `ticketing`
// on the default ports, as a user runs it (Prometheus keeps that project's containers only), so not beside the
// engine test.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PartResult } from './context';
import { engine, files } from './stack';

const exec = promisify(execFile);
const mb = (bytes: number) => bytes / 1e6;

export async function disk(ctx: { quick: boolean }): Promise<PartResult> {
  const minutes = ctx.quick ? 5 : Number(process.env.BENCH_DISK_MINUTES ?? 60);
  const env = await engine();
  const run = async (command: string, args: string[]) =>
    (await exec(command, args, { env, maxBuffer: 1 << 26 })).stdout;
  const compose = (...args: string[]) => run('docker', ['compose', ...files, '--profile', 'load', ...args]);
  const config = JSON.parse(await compose('config', '--format', 'json')) as {
    services: Record<string, { image: string; build?: { args?: Record<string, string> } }>;
    volumes: Record<string, { name: string }>;
  };
  // Compose's named volumes, by their names on the engine (ticketing_postgres, ...).
  const volumes = Object.keys(config.volumes);
  // Bytes on disk of each volume, as du counts them under the engine's data root.
  const sizes = async () => {
    const paths = (
      await run('docker', [
        'volume',
        'inspect',
        '-f',
        '{{.Mountpoint}}',
        ...Object.values(config.volumes).map((v) => v.name),
      ])
    )
      .trim()
      .split('\n');
    const du = await run('du', ['-s', '-B1', ...paths]);
    return du
      .trim()
      .split('\n')
      .map((line) => Number(line.split('\t')[0]));
  };

  await compose('down', '--volumes', '--remove-orphans');
  await compose('build');
  await compose('up', '--detach', '--wait');
  const rows: string[][] = [];
  const started = Date.now();
  for (let minute = 0; ; minute += 5) {
    await sleep(Math.max(0, started + minute * 60_000 - Date.now()));
    const now = await sizes();
    rows.push([
      String(minute),
      ...now.map((b) => mb(b).toFixed(1)),
      mb(now.reduce((a, b) => a + b)).toFixed(1),
    ]);
    if (minute >= minutes) break;
  }
  await compose('down', '--volumes', '--remove-orphans');
  // What the build adds to its base image: the apps' image (node_modules and dist), the tools' and the lobby's.
  const size = async (image: string) =>
    Number(await run('docker', ['image', 'inspect', '-f', '{{.Size}}', image]));
  const added: Record<string, number> = {};
  for (const [name, service, base] of [
    ['app', 'user-service', 'NODE_IMAGE'],
    ['tools', 'load', 'NODE_IMAGE'],
    ['lobby', 'lobby', 'NGINX_IMAGE'],
  ]) {
    const { image, build } = config.services[service];
    if (build?.args?.[base]) added[name] = mb((await size(image)) - (await size(build.args[base])));
  }

  // Growth an hour over the second half of the run, after the first blocks and WAL segments are laid down.
  const half = rows[Math.floor(rows.length / 2)];
  const last = rows.at(-1)!;
  const perHour = (column: number) =>
    ((Number(last[column]) - Number(half[column])) / (Number(last[0]) - Number(half[0]) || 1)) * 60;
  const growth = volumes.map((_, i) => perHour(i + 1));
  return {
    part: 'disk',
    table: [['minute', ...volumes.map((v) => `${v} MB`), 'total MB'], ...rows],
    figures: {
      minutes,
      megabytes: Object.fromEntries(volumes.map((v, i) => [v, Number(last[i + 1])])),
      growthMegabytesPerHour: Object.fromEntries(volumes.map((v, i) => [v, growth[i]])),
      builtImageMegabytesOverBase: added,
    },
    notes: [
      `After ${minutes} minutes of the steady load: ${last.at(-1)} MB in the volumes; growing ${growth.reduce((a, b) => a + b).toFixed(0)} MB an hour over the second half (${volumes.map((v, i) => `${v} ${growth[i].toFixed(1)}`).join(', ')}).`,
      `The build adds to its base image: ${Object.entries(added)
        .map(([name, m]) => `${name} ${m.toFixed(1)} MB`)
        .join(', ')}.`,
      'Loki, Tempo, Pyroscope and Prometheus drop what is older than 3 days, so the volumes stop growing after 3 days of load: about 72 hours of that growth, Prometheus at most its 2 GB.',
    ],
  };
}
