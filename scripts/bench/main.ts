// `npm run bench [-- part ...] [--quick] [--rounds=N]`: measurements, not tests. Each part prints a table and replaces its
// own entry in bench/results.json and bench/results.md, dated; the other parts keep theirs, so a run of some parts never
// loses the rest. Parts: overhead profile serialisation framework startup traffic seats faults freshness memory profiling stack
// lobby disk.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchContext, PartResult } from './context';
import { faultsSurvived } from './faults-survived';
import { differentialProfile } from './differential-profile';
import { disk } from './disk';
import { frameworkCost } from './framework-cost';
import { lobby } from './lobby';
import { freshness } from './freshness';
import { memory } from './memory';
import { profiling } from './profiling';
import { seatRace } from './seat-race';
import { serialisation } from './serialisation';
import { markdownTable as render } from './harness';
import { stack } from './stack';
import { startup } from './startup';
import { telemetryOverhead } from './telemetry-overhead';
import { trafficGenerator } from './traffic-generator';

const parts = {
  overhead: telemetryOverhead,
  profile: differentialProfile,
  serialisation,
  framework: frameworkCost,
  startup,
  traffic: trafficGenerator,
  seats: seatRace,
  faults: faultsSurvived,
  freshness,
  memory,
  profiling,
  stack,
  lobby,
  disk,
};

interface Entry extends PartResult {
  /** The part's name on the command line. */
  name: string;
  at: string;
  machine: string;
  quick: boolean;
}

/** Writes this run's parts over their earlier entries in bench/results.json, in the order of `parts`. */
function record(fresh: Entry[]): Entry[] {
  const file = 'bench/results.json';
  const earlier: Entry[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results ?? []) : [];
  const byName = new Map(earlier.filter((e) => e.name in parts).map((e) => [e.name, e]));
  for (const e of fresh) byName.set(e.name, e);
  const entries = Object.keys(parts).flatMap((name) => byName.get(name) ?? []);
  mkdirSync('bench', { recursive: true });
  writeFileSync(file, JSON.stringify({ results: entries }, null, 2) + '\n');
  return entries;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !(w in parts));
  if (unknown.length)
    throw new Error(`unknown part ${unknown.join(', ')}: choose from ${Object.keys(parts).join(', ')}`);
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.split('=')[1]) || undefined;
  const ctx = await benchContext(quick, rounds);
  const machine = `${process.platform} ${process.arch}, ${cpus().length} cores, Node ${process.version}`;
  const fresh: Entry[] = [];
  for (const name of wanted.length ? wanted : Object.keys(parts)) {
    const started = Date.now();
    console.log(`\n## ${name} ...`);
    const result = await parts[name as keyof typeof parts](ctx);
    fresh.push({ name, at: new Date().toISOString(), machine, quick, ...result });
    console.log(
      `## ${result.part} (${((Date.now() - started) / 1000).toFixed(0)} s)\n\n${render(result.table)}`,
    );
    for (const note of result.notes ?? []) console.log(`\n${note}`);
  }
  const entries = record(fresh);
  const md = ['# Benchmark results', '', '`npm run bench`; each part as its last run left it.', ''];
  for (const e of entries)
    md.push(
      `## ${e.part}`,
      '',
      `\`npm run bench -- ${e.name}\`, ${e.at}, ${e.machine}${e.quick ? ', quick mode' : ''}`,
      '',
      render(e.table),
      '',
      ...(e.notes ?? []).map((n) => `${n}\n`),
    );
  writeFileSync('bench/results.md', md.join('\n'));
  rmSync(ctx.tmpDir, { recursive: true, force: true });
  console.log('\nWritten: bench/results.json, bench/results.md');
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
