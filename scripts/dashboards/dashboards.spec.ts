import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboards, dashboardsDir } from './main';

describe('npm run dashboards', () => {
  const generated = dashboards();

  it.each(Object.keys(generated))('has written %s as the code makes it', (file) => {
    expect(readFileSync(`${dashboardsDir}/${file}`, 'utf8')).toBe(generated[file]);
  });

  it('leaves no dashboard in grafana/dashboards that the code does not make', () => {
    expect(
      readdirSync(dashboardsDir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(generated).sort());
  });

  it('gives the Helm chart the very same folder', () => {
    expect(realpathSync('charts/ticketing-sandbox/files/dashboards')).toBe(realpathSync(dashboardsDir));
  });
});
