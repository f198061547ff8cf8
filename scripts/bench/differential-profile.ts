import type { RunningService } from '../../test/support/services';
import { profileDuring, selfTime } from './cpu-profile';
import { BenchContext, cpuSeconds, load, LoadSpec, PartResult, signed } from './harness';
import { alternate, peerEnv, queueBench, routeNames } from './queue-bench';

// Each run is profiled through the inspector, on a port of its own choosing.
const inspect = '--inspect=127.0.0.1:0';
const off = { OTEL_SDK_DISABLED: 'true', NODE_OPTIONS: inspect };
const ours = { NODE_OPTIONS: inspect };
const peer = { ...peerEnv, NODE_OPTIONS: `${peerEnv.NODE_OPTIONS} ${inspect}` };
// Telemetry's cost on the 200 and a 4xx path; then ours against the peers' setup, to see where they differ.
const plan = { [routeNames.status]: { off, ours, peer }, [routeNames.notFound]: { off, ours } };
const comparisons = [
  { route: routeNames.status, from: 'off', to: 'ours' },
  { route: routeNames.notFound, from: 'off', to: 'ours' },
  { route: routeNames.status, from: 'peer', to: 'ours' },
];

type SelfTime = Record<'function' | 'package', Map<string, number>>;

/**
 * Self time per request of one run, by function and by package, profiled over its load only (after a warm-up).
 * Samples are wall time: on a shared machine a descheduled process keeps accruing to the function it was in, so
 * they are scaled to the CPU time the process really used over the same load (/proc).
 */
async function profiled(queue: RunningService, spec: LoadSpec): Promise<SelfTime> {
  await load({ ...spec, seconds: 1 });
  const before = cpuSeconds(queue.process.pid!);
  const { profile, result } = await profileDuring(queue, () => load(spec));
  const cpuMicros = (cpuSeconds(queue.process.pid!) - before) * 1e6;
  const byFunction = selfTime(profile, 'function');
  const sampled = [...byFunction.values()].reduce((a, b) => a + b, 0);
  const perRequest = (m: Map<string, number>) =>
    new Map([...m].map(([k, v]) => [k, (v * cpuMicros) / sampled / result.requests]));
  return { function: perRequest(byFunction), package: perRequest(selfTime(profile, 'package')) };
}

/** The mean over runs of each key's µs per request. */
function mean(runs: SelfTime[], by: keyof SelfTime): Map<string, number> {
  const total = new Map<string, number>();
  for (const run of runs) for (const [k, v] of run[by]) total.set(k, (total.get(k) ?? 0) + v / runs.length);
  return total;
}

/** Added µs per request by key, `to` less `from`, biggest first. */
function added(from: Map<string, number>, to: Map<string, number>) {
  return [...new Set([...from.keys(), ...to.keys()])]
    .map((key) => ({ key, from: from.get(key) ?? 0, to: to.get(key) ?? 0 }))
    .map((row) => ({ ...row, added: row.to - row.from }))
    .sort((a, b) => b.added - a.added);
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * `profile`: where telemetry's CPU goes, as the difference between profiles of the same requests, telemetry off
 * and on, in alternating rounds. What both runs spend (writing the response, say) cancels out; what is left is
 * telemetry's. The same comparison of ours against the peers' setup shows where the two spend differently.
 */
export async function differentialProfile(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.rounds ?? (ctx.quick ? 1 : 4);
  const seconds = ctx.quick ? 3 : 8;
  const bench = await queueBench(ctx);
  const samples = await alternate(bench, plan, rounds, seconds, profiled);
  await bench.stop();
  const table = [['route, from -> to', 'function [package] or package', 'from µs/req', 'to µs/req', 'added']];
  for (const { route, from, to } of comparisons) {
    const [a, b] = [samples[route][from], samples[route][to]];
    const byFunction = added(mean(a, 'function'), mean(b, 'function'));
    const [busyFrom, busyTo] = [sum(mean(a, 'function')), sum(mean(b, 'function'))];
    const rows = [
      { key: 'CPU (/proc), all functions', from: busyFrom, to: busyTo, added: busyTo - busyFrom },
      ...byFunction.slice(0, 20),
      // Against the peers, what ours leaves out matters as much as what it adds.
      ...(from === 'off' ? [] : byFunction.slice(-12).reverse()),
      ...added(mean(a, 'package'), mean(b, 'package'))
        .slice(0, 8)
        .map((row) => ({ ...row, key: `package: ${row.key}` })),
    ];
    for (const row of rows)
      table.push([
        `${route}, ${from} -> ${to}`,
        row.key,
        row.from.toFixed(1),
        row.to.toFixed(1),
        signed(row.added, 1),
      ]);
  }
  return {
    part: `Differential CPU profile, telemetry off vs on, and ours vs the peers' setup (${rounds} rounds of ${seconds} s, self time per request, scaled to /proc CPU time)`,
    table,
  };
}
