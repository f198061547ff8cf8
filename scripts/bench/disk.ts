// `npm run bench -- disk`: the disk the sandbox takes under the steady load (`--profile load`, a user every 2 s):
// each named volume's size every 5 minutes for BENCH_DISK_MINUTES (default 60). On the engine and images of the
// stack part (BENCH_COMPOSE_FILE too), as the project `ticketing` on the default ports, as a user runs it
// (Prometheus keeps that project's containers only), so not beside the engine test.
import { setTimeout as sleep } from 'node:timers/promises';
import { PartResult } from './harness';
import { sandbox } from './stack';

const mb = (bytes: number) => bytes / 1e6;

export async function disk(ctx: { quick: boolean }): Promise<PartResult> {
  const minutes = ctx.quick ? 5 : Number(process.env.BENCH_DISK_MINUTES ?? 60);
  const { run, compose, config, note } = await sandbox('--profile', 'load');
  const volumes = Object.keys(config.volumes);
  // Bytes on disk of each volume, as du counts them under the engine's data root.
  const sizes = async () => {
    const names = Object.values(config.volumes).map((v) => v.name);
    const paths = await run('docker', ['volume', 'inspect', '-f', '{{.Mountpoint}}', ...names]);
    const du = await run('du', ['-s', '-B1', ...paths.trim().split('\n')]);
    return du
      .trim()
      .split('\n')
      .map((line) => mb(Number(line.split('\t')[0])));
  };

  await compose('down', '--volumes', '--remove-orphans');
  await compose('build');
  await compose('up', '--detach', '--wait');
  const rows: number[][] = [];
  const started = Date.now();
  for (let minute = 0; minute <= minutes; minute += 5) {
    await sleep(Math.max(0, started + minute * 60_000 - Date.now()));
    const now = await sizes();
    rows.push([minute, ...now, now.reduce((a, b) => a + b)]);
  }
  await compose('down', '--volumes', '--remove-orphans');

  // Growth an hour over the second half of the run, after the first blocks and WAL segments are laid down.
  const [half, last] = [rows[Math.floor((rows.length - 1) / 2)], rows.at(-1)!];
  const perHour = volumes.map((_, i) => ((last[i + 1] - half[i + 1]) / (last[0] - half[0] || 1)) * 60);
  return {
    part: 'disk',
    table: [
      ['minute', ...volumes.map((v) => `${v} MB`), 'total MB'],
      ...rows.map(([minute, ...sizes]) => [String(minute), ...sizes.map((s) => s.toFixed(1))]),
    ],
    notes: [
      note,
      `Growing ${perHour.reduce((a, b) => a + b).toFixed(0)} MB an hour over the second half (${volumes.map((v, i) => `${v} ${perHour[i].toFixed(1)}`).join(', ')}); Loki, Tempo, Pyroscope and Prometheus drop what is older than 3 days, Prometheus stops at 2 GB.`,
    ],
  };
}
