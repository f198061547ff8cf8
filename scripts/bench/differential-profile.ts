import type { BenchContext, PartResult } from './context';
import { CpuProfile, profileDuring, selfTime } from './cpu-profile';
import { cpuSeconds, load, signed } from './harness';
import { peerEnv, queueBench, RouteName, routeNames } from './queue-bench';

// Each run is profiled through the inspector, on a port of its own choosing.
const inspect = '--inspect=127.0.0.1:0';
const variants = {
  off: { OTEL_SDK_DISABLED: 'true', NODE_OPTIONS: inspect },
  ours: { NODE_OPTIONS: inspect },
  peer: { ...peerEnv, NODE_OPTIONS: `${peerEnv.NODE_OPTIONS} ${inspect}` },
} as const;
type Variant = keyof typeof variants;
interface Comparison {
  route: RouteName;
  from: Variant;
  to: Variant;
}
// Telemetry's cost on the 200 and a 4xx path; then ours against the peers' setup, to see where they differ.
const comparisons: Comparison[] = [
  { route: routeNames.status, from: 'off', to: 'ours' },
  { route: routeNames.notFound, from: 'off', to: 'ours' },
  { route: routeNames.status, from: 'peer', to: 'ours' },
];
const label = (c: Comparison) => (c.from === 'off' ? c.route : `${c.route}, ${c.from} -> ${c.to}`);

interface Totals {
  micros: Map<string, number>;
  packages: Map<string, number>;
  requests: number;
}

const add = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [key, micros] of from) into.set(key, (into.get(key) ?? 0) + micros);
};
const busy = (t: Totals) => [...t.micros.values()].reduce((a, b) => a + b, 0) / t.requests;

/** Added µs per request by key: `to`'s self time per request less `from`'s, biggest first. */
function added(from: Totals, to: Totals, which: 'micros' | 'packages') {
  const keys = new Set([...from[which].keys(), ...to[which].keys()]);
  return [...keys]
    .map((key) => {
      const fromMicros = (from[which].get(key) ?? 0) / from.requests;
      const toMicros = (to[which].get(key) ?? 0) / to.requests;
      return { key, from: fromMicros, to: toMicros, added: toMicros - fromMicros };
    })
    .sort((a, b) => b.added - a.added);
}

/**
 * `profile`: where telemetry's CPU goes, as the difference between two profiles of the same requests, telemetry
 * off and on, in alternating rounds. Each run is profiled over its load only (the inspector protocol, after a
 * warm-up), and self time is summed per function and per package over the rounds, then divided by the requests
 * answered, after scaling each run's samples to the CPU time it used. What both runs spend (writing the response,
 * say) cancels out; what is left is telemetry's. The same comparison of ours against the peers' setup shows
 * where the two spend differently.
 */
export async function differentialProfile(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.rounds ?? (ctx.quick ? 1 : 4);
  const seconds = ctx.quick ? 3 : 8;
  const bench = await queueBench(ctx);
  const totals = comparisons.map(() => ({}) as Record<Variant, Totals>);
  for (let round = 0; round < rounds; round++) {
    for (const [index, { route, from, to }] of comparisons.entries()) {
      // Which of the two goes first changes every round, so that a drift of the machine favours neither.
      const order: Variant[] = round % 2 ? [to, from] : [from, to];
      for (const variant of order) {
        const queue = await bench.startQueue(variants[variant]);
        const spec = { ...bench.specs[route], url: queue.url };
        await load({ ...spec, seconds: 1 });
        const before = cpuSeconds(queue.process.pid!);
        const { profile, result } = await profileDuring(queue, () => load({ ...spec, seconds }));
        const cpuMicros = (cpuSeconds(queue.process.pid!) - before) * 1e6;
        await queue.stop();
        const into = (totals[index][variant] ??= {
          micros: new Map(),
          packages: new Map(),
          requests: 0,
        });
        // Samples are wall time: on a shared machine a descheduled process keeps accruing to the function it was
        // in. Scaled to the CPU time the process really used over the same load (/proc), they add up to it.
        const byFunction = selfTime(profile as CpuProfile, 'function');
        const sampled = [...byFunction.values()].reduce((a, b) => a + b, 0);
        const scale = (m: Map<string, number>) =>
          new Map([...m].map(([k, v]) => [k, (v * cpuMicros) / sampled]));
        add(into.micros, scale(byFunction));
        add(into.packages, scale(selfTime(profile as CpuProfile, 'package')));
        into.requests += result.requests;
      }
    }
  }
  await bench.stop();

  const table = [
    ['route, from -> to', 'function [package] or package', 'from µs/req', 'to µs/req', 'added µs/req'],
  ];
  const figures: Record<string, unknown> = { rounds, seconds, connections: 10, samplingMicros: 250 };
  const notes: string[] = [];
  for (const [index, comparison] of comparisons.entries()) {
    const name = label(comparison);
    const from = totals[index][comparison.from];
    const to = totals[index][comparison.to];
    const byFunction = added(from, to, 'micros');
    const byPackage = added(from, to, 'packages');
    const total = ['CPU (/proc), all functions', busy(from).toFixed(1), busy(to).toFixed(1)];
    table.push([name, ...total, signed(busy(to) - busy(from), 1)]);
    for (const row of byFunction.slice(0, 20))
      table.push([name, row.key, row.from.toFixed(1), row.to.toFixed(1), signed(row.added, 1)]);
    // Against the peers, what ours leaves out matters as much as what it adds.
    const shrank = byFunction.slice(-12).reverse();
    for (const row of comparison.from === 'off' ? [] : shrank)
      table.push([name, row.key, row.from.toFixed(1), row.to.toFixed(1), signed(row.added, 1)]);
    for (const row of byPackage.slice(0, 8))
      table.push([name, `package: ${row.key}`, row.from.toFixed(1), row.to.toFixed(1), signed(row.added, 1)]);
    figures[name] = {
      ...comparison,
      busyFrom: busy(from),
      busyTo: busy(to),
      requests: { from: from.requests, to: to.requests },
      byFunction: byFunction.slice(0, 40),
      shrank,
      byPackage,
    };
    notes.push(
      `${name}: ${busy(from).toFixed(0)} (${comparison.from}) -> ${busy(to).toFixed(0)} (${comparison.to}) µs of CPU ` +
        `per request under the profiler; what shrank the most: ${shrank
          .slice(0, 3)
          .map((r) => `${r.key} ${signed(r.added, 1)}`)
          .join(', ')}`,
    );
  }
  return {
    part: `Differential CPU profile, telemetry off vs on over the same requests, and ours vs the peers' setup (${rounds} alternating rounds of ${seconds} s, self time per request, scaled to /proc CPU time)`,
    table,
    figures,
    notes,
  };
}
