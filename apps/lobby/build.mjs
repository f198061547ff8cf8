// Run by `npm run build` (and by compose/Dockerfile's lobby stage): the lobby's page in dist/apps/lobby/public,
// index.html, style.css and app.js, one minified bundle of the locked tree, so the page needs no CDN and works
// offline. nginx serves it (compose/lobby/default.conf.template).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'dist/apps/lobby/public';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

await build({
  entryPoints: ['apps/lobby/web/main.ts'],
  outfile: `${out}/app.js`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  define: { __VERSION__: JSON.stringify(version) },
  tsconfig: 'apps/lobby/web/tsconfig.json',
  logLevel: 'warning',
});

mkdirSync(out, { recursive: true });
for (const file of ['index.html', 'style.css']) copyFileSync(`apps/lobby/web/${file}`, `${out}/${file}`);
