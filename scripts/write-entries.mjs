// Run by `npm run build` after `nest build`: tsc keeps the source tree under dist/apps/<name>/ (the app and
// the shared lib), so each app gets a main.js at the top that loads its real entry: `node dist/apps/<name>/main.js`.
import { existsSync, writeFileSync } from 'node:fs';

for (const app of ['queue-service', 'user-service', 'ticket-service']) {
  const entry = `apps/${app}/src/main.js`;
  if (!existsSync(`dist/apps/${app}/${entry}`))
    throw new Error(`dist/apps/${app}/${entry} is missing: did nest build run?`);
  writeFileSync(`dist/apps/${app}/main.js`, `'use strict';\nrequire('./${entry.replace(/\.js$/, '')}');\n`);
}
