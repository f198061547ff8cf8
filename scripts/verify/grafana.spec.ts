import { describe, expect, it } from 'vitest';
import { GrafanaClient } from './grafana';

describe(GrafanaClient.name, () => {
  it('finds no data in a panel without a query, without asking Grafana', async () => {
    const sut = new GrafanaClient('http://127.0.0.1:9'); // nothing listens there: it must not be asked
    const dashboard = { uid: 'd', title: 'D', panels: [] };
    expect(await sut.panelHasData(dashboard, { title: 'Empty', type: 'timeseries', targets: [] })).toEqual({
      ok: false,
      error: 'no query',
    });
    expect(await sut.panelHasData(dashboard, { title: 'Empty', type: 'stat' })).toMatchObject({ ok: false });
  });
});
