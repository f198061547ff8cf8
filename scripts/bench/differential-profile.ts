import type { BenchContext, PartResult } from './context';
import { CpuProfile, profileDuring, selfTime } from './cpu-profile';
import { cpuSeconds, load, signed } from './harness';
import { queueBench, RouteName, routeNames } from './queue-bench';

const variants = { off: { OTEL_SDK_DISABLED: 'true' }, on: {} } as const;
type Variant = keyof typeof variants;
const routes: RouteName[] = [routeNames.status, routeNames.notFound];

interface Totals {
  micros: Map<string, number>;
  packages: Map<string, number>;
  requests: number;
}

const add = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [key, micros] of from) into.set(key, (into.get(key) ?? 0) + micros);
};
const busy = (t: Totals) => [...t.micros.values()].reduce((a, b) => a + b, 0) / t.requests;

/** Added µs per request by key: on's self time per request less off's, biggest first. */
function added(off: Totals, on: Totals, which: 'micros' | 'packages') {
  const keys = new Set([...off[which].keys(), ...on[which].keys()]);
  return [...keys]
    .map((key) => {
      const offMicros = (off[which].get(key) ?? 0) / off.requests;
      const onMicros = (on[which].get(key) ?? 0) / on.requests;
      return { key, off: offMicros, on: onMicros, added: onMicros - offMicros };
    })
    .sort((a, b) => b.added - a.added);
}

/**
 * `profile`: where telemetry's CPU goes, as the difference between two profiles of the same requests, telemetry
 * off and on, in alternating rounds. Each run is profiled over its load only (the inspector protocol, after a
 * warm-up), and self time is summed per function and per package over the rounds, then divided by the requests
 * answered, after scaling each run's samples to the CPU time it used. What both runs spend (writing the response, say) cancels out; what is left is telemetry's.
 */
export async function differentialProfile(ctx: BenchContext): Promise<PartResult> {
  const rounds = ctx.rounds ?? (ctx.quick ? 1 : 4);
  const seconds = ctx.quick ? 3 : 8;
  const bench = await queueBench(ctx);
  const totals = {} as Record<RouteName, Record<Variant, Totals>>;
  for (let round = 0; round < rounds; round++) {
    for (const route of routes) {
      // Which of the two goes first changes every round, so that a drift of the machine favours neither.
      const order: Variant[] = round % 2 ? ['on', 'off'] : ['off', 'on'];
      for (const variant of order) {
        const queue = await bench.startQueue({ ...variants[variant], NODE_OPTIONS: '--inspect=127.0.0.1:0' });
        const spec = { ...bench.specs[route], url: queue.url };
        await load({ ...spec, seconds: 1 });
        const before = cpuSeconds(queue.process.pid!);
        const { profile, result } = await profileDuring(queue, () => load({ ...spec, seconds }));
        const cpuMicros = (cpuSeconds(queue.process.pid!) - before) * 1e6;
        await queue.stop();
        const into = ((totals[route] ??= {} as Record<Variant, Totals>)[variant] ??= {
          micros: new Map(),
          packages: new Map(),
          requests: 0,
        });
        // Samples are wall time: on a shared machine a descheduled process keeps accruing to the function it was
        // in. Scaled to the CPU time the process really used over the same load (/proc), they add up to it.
        const byFunction = selfTime(profile as CpuProfile, 'function');
        const sampled = [...byFunction.values()].reduce((a, b) => a + b, 0);
        const scale = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [k, (v * cpuMicros) / sampled]));
        add(into.micros, scale(byFunction));
        add(into.packages, scale(selfTime(profile as CpuProfile, 'package')));
        into.requests += result.requests;
      }
    }
  }
  await bench.stop();

  const table = [['route', 'function [package] or package', 'off µs/req', 'on µs/req', 'added µs/req']];
  const figures: Record<string, unknown> = { rounds, seconds, connections: 10, samplingMicros: 250 };
  const notes: string[] = [];
  for (const route of routes) {
    const { off, on } = totals[route];
    const byFunction = added(off, on, 'micros');
    const byPackage = added(off, on, 'packages');
    table.push([route, 'CPU (/proc), all functions', busy(off).toFixed(1), busy(on).toFixed(1), signed(busy(on) - busy(off), 1)]);
    for (const row of byFunction.slice(0, 20))
      table.push([route, row.key, row.off.toFixed(1), row.on.toFixed(1), signed(row.added, 1)]);
    for (const row of byPackage.slice(0, 8))
      table.push([route, `package: ${row.key}`, row.off.toFixed(1), row.on.toFixed(1), signed(row.added, 1)]);
    figures[route] = {
      busyOff: busy(off),
      busyOn: busy(on),
      requests: { off: off.requests, on: on.requests },
      byFunction: byFunction.slice(0, 40),
      byPackage,
    };
    notes.push(
      `${route}: ${busy(off).toFixed(0)} -> ${busy(on).toFixed(0)} µs of CPU per request under the profiler; ` +
        `what shrank the most with telemetry on: ${byFunction
          .slice(-3)
          .map((r) => `${r.key} ${signed(r.added, 1)}`)
          .join(', ')}`,
    );
  }
  return {
    part: `Differential CPU profile, telemetry off vs on over the same requests (${rounds} alternating rounds of ${seconds} s, self time per request, scaled to /proc CPU time)`,
    table,
    figures,
    notes,
  };
}
