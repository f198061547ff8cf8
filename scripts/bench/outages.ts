import { spawnSync } from 'node:child_process';
import { PartResult } from './harness';

/**
 * `outages`: the stack project's outage test with a long outage (BENCH_OUTAGE_SECONDS, default 30, where the
 * suite's is short): does every span and log record still arrive when the collector, then Tempo and Loki, are
 * away that long under traffic? Vitest prints each test as it ends.
 */
export async function outages(): Promise<PartResult> {
  const seconds = process.env.BENCH_OUTAGE_SECONDS ?? '30';
  const file = 'test/stack/outages.test.ts';
  const test = spawnSync('npx', ['vitest', 'run', '--project', 'stack', '--reporter=verbose', file], {
    env: { ...process.env, OUTAGE_SECONDS: seconds },
    stdio: 'inherit',
  });
  return {
    part: `Outages of ${seconds} s under traffic`,
    table: [
      ['test', 'OUTAGE_SECONDS', 'passed'],
      [file, seconds, test.status === 0 ? 'yes' : 'no'],
    ],
  };
}
