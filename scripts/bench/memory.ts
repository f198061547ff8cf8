import { compose, megabytes as limitMb } from '../../test/config/compose-files';
import { BenchContext, load, PartResult, spread } from './harness';
import { MemoryCgroup } from './memory-limit';
import { queueBench, routeNames } from './queue-bench';

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/**
 * `memory`: queue-service under load (joins, then status) in a memory cgroup with compose's mem_limit and
 * NODE_OPTIONS, as its container runs it (Node sizes its heap from the limit it sees): the cgroup's peak, which the
 * kernel holds against the limit, and OOM kills.
 */
export async function memory(ctx: BenchContext): Promise<PartResult> {
  const seconds = ctx.quick ? 5 : 15;
  const limitBytes = limitMb(String(compose['x-app'].mem_limit)) * 1024 * 1024;
  const nodeOptions = String(compose['x-app-env'].NODE_OPTIONS ?? '');
  const bench = await queueBench(ctx);
  const peaks: number[] = [];
  let kills = 0;
  for (let round = 0; round < (ctx.quick ? 1 : 3); round++) {
    const cgroup = new MemoryCgroup(`ticketing-bench-${process.pid}`, limitBytes);
    const queue = await bench.startQueue({ NODE_OPTIONS: nodeOptions }, (command, args, env) =>
      cgroup.spawn(command, args, env),
    );
    for (const route of [routeNames.join, routeNames.status])
      await load({ ...bench.specs[route], url: queue.url, connections: 20, seconds });
    const usage = cgroup.usage();
    await queue.stop();
    cgroup.remove();
    peaks.push(usage.peakBytes);
    kills += usage.oomKills;
  }
  await bench.stop();
  const peak = spread(peaks);
  return {
    part: "Memory under load in a cgroup as compose's mem_limit (target: no OOM kill)",
    table: [
      ['mem_limit MB', 'NODE_OPTIONS', 'cgroup peak MB (median)', 'min..max', 'rounds', 'OOM kills'],
      [
        megabytes(limitBytes),
        nodeOptions,
        megabytes(peak.median),
        `${megabytes(peak.min)}..${megabytes(peak.max)}`,
        String(peaks.length),
        String(kills),
      ],
    ],
  };
}
