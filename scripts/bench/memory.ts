import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { composeTelemetryEnv, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers, startPeers } from './context';
import { load, spread, watchPeakRss } from './harness';
import { MemoryCgroup } from './memory-limit';

const megabytes = (bytes: number) => bytes / 1024 / 1024;

/** The apps' memory limit and NODE_OPTIONS in docker-compose.yml. */
function composeMemory(): { limitBytes: number; nodeOptions: string } {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });
  const limit = String(compose['x-app'].mem_limit);
  return {
    limitBytes: Number.parseInt(limit, 10) * 1024 * 1024 * (limit.endsWith('g') ? 1024 : 1),
    nodeOptions: String(compose['x-app-env'].NODE_OPTIONS ?? ''),
  };
}

/**
 * Part 8: queue-service under load in a memory cgroup with compose's mem_limit, as the container runs it (Node
 * sizes its heap from the limit it sees), with compose's NODE_OPTIONS and with Node's defaults, alternated:
 * peak RSS, the cgroup's peak, OOM kills, and the heap limit Node chose.
 */
export async function memory(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 5 : 15;
  const { limitBytes, nodeOptions } = composeMemory();
  const variants: Record<string, string> = {
    [`compose (${nodeOptions})`]: nodeOptions,
    "Node's defaults": '',
  };
  const peers = await startPeers(ctx);
  const { users } = peers;
  const results: Record<string, { rss: number[]; cgroup: number[]; kills: number; heapLimit: number }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, options] of Object.entries(variants)) {
      const cgroup = new MemoryCgroup(`ticketing-bench-${process.pid}`, limitBytes);
      const heapLimit = Number(
        cgroup.run(process.execPath, [
          ...options.split(' ').filter(Boolean),
          '-p',
          "require('v8').getHeapStatistics().heap_size_limit",
        ]),
      );
      await flushRedis(ctx.redisUrl);
      const queue = await RunningService.start(
        'queue-service',
        {
          ...composeTelemetryEnv(),
          OTEL_EXPORTER_OTLP_ENDPOINT: peers.otlpHttp,
          NODE_OPTIONS: options,
          REDIS_URL: ctx.redisUrl,
          USER_SERVICE_URL: users.url,
          ADMIT_PER_SECOND: '1',
          LOG_LEVEL: 'info',
        },
        { launch: (command, args, env) => cgroup.spawn(command, args, env) },
      );
      const peakRss = watchPeakRss(queue.process.pid!);
      const ids = await registerUsers(users, 500);
      let i = 0;
      await load({
        url: queue.url,
        method: 'POST',
        connections: 20,
        seconds,
        next: () => ({ path: '/queue/join', body: { userId: ids[i++ % ids.length] } }),
      });
      await joinAll(queue, ids);
      await load({
        url: queue.url,
        connections: 20,
        seconds,
        next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
      });
      const peak = peakRss();
      const usage = cgroup.usage();
      await queue.stop();
      cgroup.remove();
      const r = (results[name] ??= { rss: [], cgroup: [], kills: 0, heapLimit });
      r.rss.push(megabytes(peak));
      r.cgroup.push(megabytes(usage.peakBytes));
      r.kills += usage.oomKills;
    }
  }
  await peers.stop();

  const table = [
    ['variant', 'heap limit MB', 'peak RSS MB (median)', 'spread', 'cgroup peak MB', 'OOM kills'],
  ];
  for (const [name, r] of Object.entries(results)) {
    const rss = spread(r.rss);
    table.push([
      name,
      megabytes(r.heapLimit).toFixed(0),
      rss.median.toFixed(0),
      `${rss.min.toFixed(0)}..${rss.max.toFixed(0)}`,
      spread(r.cgroup).median.toFixed(0),
      String(r.kills),
    ]);
  }
  return {
    part: `Memory under load in a ${megabytes(limitBytes).toFixed(0)} MB cgroup, as compose's mem_limit (target: no OOM kill)`,
    table,
    figures: { limitMB: megabytes(limitBytes), rounds, seconds, results },
  };
}
