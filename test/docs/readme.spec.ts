// The README, README.ko.md and docs/ hold true: what they name exists (claims.ts), the Korean README names
// the same commands, URLs and dashboards as the English one, and each check finds a deliberately wrong name.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as claims from './claims';

const files = [
  'README.md',
  'README.ko.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(file, 'utf8');
// What the Quick start and the chapter's steps may set in bold besides dashboards: Grafana's own labels (menus,
// buttons, data sources) and the Quick start's few emphases.
const labels = [
  ...['Explore', 'Dashboards', 'Run query', 'TraceID', 'Profiles for this span', 'Prometheus', 'Loki'],
  ...['Tempo', 'Pyroscope', 'Add data source', 'Admin', 'A steady load', 'the whole sandbox'],
  ...['With Node 22 or 24 on your machine', '계속 흐르는 트래픽', '샌드박스 전체', '확인 포인트'],
  ...['호스트에 Node 22 또는 24가 있다면'],
];

describe('README.md, README.ko.md and docs/', () => {
  it.each(files)('%s names only npm scripts, compose services and tool flags that exist', (file) => {
    expect(claims.checkCommands(read(file))).toEqual([]);
  });

  it('docs/tools.md lists only flags the tools accept', () => {
    const [traffic, verify] = read('docs/tools.md').split(/^## verify/m);
    expect([
      ...claims.checkFlagTables(traffic, 'traffic'),
      ...claims.checkFlagTables(verify, 'verify'),
    ]).toEqual([]);
  });

  it.each(files)('%s names only files that exist and ports the sandbox publishes', (file) => {
    expect([...claims.checkPaths(read(file), file), ...claims.checkPorts(read(file))]).toEqual([]);
  });

  it.each(files)('%s names dashboards by their titles', (file) => {
    expect(claims.checkDashboards(read(file))).toEqual([]);
  });

  it('the chapter’s steps name in bold only dashboards and Grafana’s own labels', () => {
    const english = claims.sections(read('README.md'), ['Quick start', 'The chapter, step by step']);
    const korean = claims.sections(read('README.ko.md'), ['빠른 시작', '챕터 따라 하기']);
    expect([...claims.checkBoldNames(english, labels), ...claims.checkBoldNames(korean, labels)]).toEqual([]);
  });

  it('README.ko.md names the same commands, URLs and dashboards as README.md in its Quick start and steps', () => {
    const english = claims.namedThings(
      claims.sections(read('README.md'), ['Quick start', 'The chapter, step by step']),
    );
    const korean = claims.namedThings(claims.sections(read('README.ko.md'), ['빠른 시작', '챕터 따라 하기']));
    expect(english.commands.length).toBeGreaterThan(10);
    expect(korean).toEqual(english);
  });

  it('names every dashboard of the folder in the README, and says how many there are', () => {
    const readme = read('README.md');
    for (const { title } of claims.dashboards) expect(readme, title).toContain(title);
    const count = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'][claims.dashboards.length];
    expect(readme).toContain(`the ${count} dashboards of the "Ticketing sandbox" folder`);
    expect(read('README.ko.md')).toContain(
      `"Ticketing sandbox" 폴더의 대시보드 ${claims.dashboards.length}개`,
    );
  });

  it('runs the npm scripts’ pinned tsx at the version package-lock.json holds', () => {
    const lock = JSON.parse(read('package-lock.json')).packages['node_modules/tsx'].version;
    const scripts = JSON.parse(read('package.json')).scripts;
    for (const tool of ['traffic', 'verify']) expect(scripts[tool]).toContain(`tsx@${lock} `);
  });
});

describe('the checks, on wrong names, so that they can fail', () => {
  it('finds an npm script, a compose service, a flag and a scenario that do not exist', () => {
    const wrong = [
      '`npm run trafic`',
      '`docker compose run --rm trafic`',
      '`docker compose run --rm traffic --scenrio errors`',
      '`npm run verify -- --trafic`',
      '`docker compose run --rm traffic --scenario leaks`',
    ].join('\n');
    expect(claims.checkCommands(wrong)).toEqual([
      'npm script "trafic" (in `npm run trafic`)',
      'compose service "trafic" (in `docker compose run --rm trafic`)',
      expect.stringContaining('traffic flag "--scenrio"'),
      expect.stringContaining('traffic refuses `docker compose run --rm traffic --scenrio errors`'),
      expect.stringContaining('verify flag "--trafic"'),
      expect.stringContaining('--scenario must be one of'),
    ]);
    expect(claims.checkFlagTables('| `--intervall T` | time |', 'traffic')).toEqual([
      'traffic flag "--intervall" (in a table)',
    ]);
  });

  it('finds a file, a link, a port and dashboards that do not exist', () => {
    const wrong =
      'Built from `compose/Dockerfil`, see [Tools](docs/tool.md), open http://localhost:3999, ' +
      '**Services — Red** (`ticketing-overview`), and **Node.js Runtime**.';
    expect(claims.checkPaths(wrong, 'README.md')).toEqual([
      'link target "docs/tool.md"',
      'file "compose/Dockerfil"',
    ]);
    expect(claims.checkPorts(wrong)).toEqual(['port 3999 (not published by docker-compose.yml)']);
    expect(claims.checkDashboards(wrong)).toEqual(['dashboard "Services — Red" (ticketing-overview)']);
    expect(claims.checkBoldNames(wrong, labels)).toEqual([
      expect.stringContaining('"Services — Red"'),
      expect.stringContaining('"Node.js Runtime"'),
    ]);
  });

  it('tells a Korean README that names another command or URL from the English one', () => {
    const english = claims.namedThings('`docker compose run --rm verify` at http://localhost:3000');
    const korean = claims.namedThings('`docker compose run --rm verifi` 그리고 http://localhost:3001');
    expect(korean).not.toEqual(english);
  });
});
