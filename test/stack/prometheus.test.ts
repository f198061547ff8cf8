// compose/prometheus checked by promtool of the release docker-compose.yml pins (built from source by
// scripts/dev/prometheus.sh, with the server every live test runs): config, rules and rule unit tests. What
// only parses prometheus.yml is in test/config/prometheus.spec.ts.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);

describe('promtool of the pinned release', () => {
  const check = (...args: string[]) => run(inject('promtool'), args, { cwd: 'compose/prometheus' });

  it('loads prometheus.yml and every rule file it names', async () => {
    const { stdout } = await check('check', 'config', 'prometheus.yml');
    expect(stdout).toContain(`SUCCESS: ${readdirSync('compose/prometheus/rules').length} rule files found`);
  });

  it('passes the rule unit tests: each alert and SLO burn fires when it should and only then', async () => {
    const { stdout } = await check('test', 'rules', 'tests/rules.test.yml');
    expect(stdout).toContain('SUCCESS');
  });

  it('fails on a rule test that expects the wrong thing, so the suite can fail', async () => {
    const broken = readFileSync('compose/prometheus/tests/rules.test.yml', 'utf8').replace(
      'summary: loki target loki:3100 is down',
      'summary: tempo target is down',
    );
    const file = `/tmp/ticketing-broken-${process.pid}.test.yml`;
    writeFileSync(file, broken.replaceAll('../rules/', `${process.cwd()}/compose/prometheus/rules/`));
    await expect(check('test', 'rules', file)).rejects.toMatchObject({ code: 1 });
  });
});
