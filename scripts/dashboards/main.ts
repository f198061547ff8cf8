// `npm run dashboards`: writes grafana/dashboards/*.json from this folder's TypeScript, the one source (the
// chart's files/dashboards is a symlink to that folder). dashboards.spec.ts fails when the two differ.
import { writeFileSync } from 'node:fs';
import { flow } from './flow';
import { home } from './home';
import { lobby } from './lobby';
import { nodejs } from './nodejs';
import { overview } from './overview';
import { toJson } from './panels';
import { pipeline } from './pipeline';
import { use } from './use';

export const dashboardsDir = 'grafana/dashboards';

/** Each file of grafana/dashboards and its text. */
export const dashboards = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries({ flow, home, lobby, nodejs, overview, pipeline, use }).map(([name, builder]) => [
      `${name}.json`,
      toJson(builder),
    ]),
  );

if (process.argv[1]?.endsWith('main.ts'))
  for (const [file, text] of Object.entries(dashboards())) writeFileSync(`${dashboardsDir}/${file}`, text);
