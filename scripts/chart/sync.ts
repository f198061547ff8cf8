// `npm run chart:sync [-- --check]`: brings the files compose mounts into the Helm chart, which can read only its
// own folder: the dashboards, the Prometheus rules, the collector's config and the data sources. The repository's
// files stay the one source; `--check` (and test/stack/chart.test.ts) fails when the chart's copies drift.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const chartFilesDir = 'charts/ticketing-sandbox/files';

const folders = [
  { from: 'grafana/dashboards', to: 'dashboards', suffix: '.json' },
  { from: 'compose/prometheus/rules', to: 'rules', suffix: '.yml' },
];
const single = [
  { from: 'otel-collector/config.yaml', to: 'otel-collector/config.yaml' },
  { from: 'grafana/provisioning/datasources/datasources.yaml', to: 'datasources.yaml' },
];

const list = (dir: string, suffix: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith(suffix))
        .sort()
    : [];

/** Every file the chart must carry, as [source, copy in the chart]. */
export function chartFiles(): [string, string][] {
  return [
    ...folders.flatMap(({ from, to, suffix }) =>
      list(from, suffix).map((name): [string, string] => [join(from, name), join(chartFilesDir, to, name)]),
    ),
    ...single.map(({ from, to }): [string, string] => [from, join(chartFilesDir, to)]),
  ];
}

/** What differs between the sources and the chart's copies: missing, changed, or left over. */
export function drift(): string[] {
  const expected = chartFiles();
  const wanted = new Set(expected.map(([, copy]) => copy));
  const problems = expected.flatMap(([source, copy]) => {
    if (!existsSync(copy)) return [`${copy} is missing (source ${source})`];
    return readFileSync(copy).equals(readFileSync(source)) ? [] : [`${copy} differs from ${source}`];
  });
  for (const { to, suffix } of folders)
    for (const name of list(join(chartFilesDir, to), suffix))
      if (!wanted.has(join(chartFilesDir, to, name)))
        problems.push(`${join(chartFilesDir, to, name)} has no source`);
  return problems;
}

function sync(): void {
  for (const { to, suffix } of folders)
    for (const name of list(join(chartFilesDir, to), suffix)) rmSync(join(chartFilesDir, to, name));
  for (const [source, copy] of chartFiles()) {
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(source, copy);
  }
}

if (process.argv[1]?.endsWith('sync.ts')) {
  if (process.argv.includes('--check')) {
    const problems = drift();
    for (const problem of problems) console.error(problem);
    if (problems.length) {
      console.error('The chart is out of date: run `npm run chart:sync`.');
      process.exit(1);
    }
    console.log('The chart carries the current dashboards, rules, collector config and data sources.');
  } else {
    sync();
    console.log(`Copied ${chartFiles().length} files into ${chartFilesDir}.`);
  }
}
