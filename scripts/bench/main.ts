// `npm run bench [-- part ...] [--quick] [--rounds=N]`: measurements, not tests. Each part prints a Markdown table
// under its command, date and machine, for docs/performance.md to quote; nothing is written to disk. On the host:
// overhead profile profiling startup memory outages; on the engine test's Docker engine: stack freshness disk.
import { cpus, loadavg } from 'node:os';
import { differentialProfile } from './differential-profile';
import { disk } from './disk';
import { freshness } from './freshness';
import { benchContext, markdownTable } from './harness';
import { memory } from './memory';
import { outages } from './outages';
import { stack } from './stack';
import { startup } from './startup';
import { profiling, telemetryOverhead } from './telemetry-overhead';

const parts = {
  overhead: telemetryOverhead,
  profile: differentialProfile,
  profiling,
  startup,
  memory,
  outages,
  stack,
  freshness,
  disk,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wanted = args.filter((a) => !a.startsWith('--'));
  if (args.includes('--help') || wanted.some((w) => !(w in parts))) {
    console.log(`npm run bench [-- part ...] [--quick] [--rounds=N]; parts: ${Object.keys(parts).join(' ')}`);
    process.exit(args.includes('--help') ? 0 : 1);
  }
  const quick = args.includes('--quick');
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.split('=')[1]) || undefined;
  const ctx = await benchContext(quick, rounds);
  for (const name of wanted.length ? wanted : Object.keys(parts)) {
    const started = Date.now();
    // The load average says how much else shared the machine: the figures move with it.
    const machine = `${process.platform} ${process.arch}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, Node ${process.version}`;
    console.log(`\n## ${name} ...`);
    const result = await parts[name as keyof typeof parts](ctx);
    const took = `${((Date.now() - started) / 1000).toFixed(0)} s`;
    console.log(
      `\n## ${result.part}\n\n\`npm run bench -- ${name}${quick ? ' --quick' : ''}\`, ${new Date().toISOString()}, ${machine}, ${took}\n`,
    );
    console.log(markdownTable(result.table));
    for (const note of result.notes ?? []) console.log(`\n${note}`);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
