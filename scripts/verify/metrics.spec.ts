import { describe, expect, it } from 'vitest';
import { chapterQueries, errorSeriesCheck, seriesCheck } from './metrics';
import { PrometheusError, Sample } from './prometheus';

const [rate, errors] = chapterQueries;
const grafana = 'http://localhost:3000';
const sample = (app: string, value = '0.2'): Sample => ({ metric: { app }, value: [1795565000.123, value] });
const faults = { services: ['queue-service'], by: "verify's traffic: --scenario errors" };
const tooMany = new PrometheusError(
  'execution: query processing would load too many samples into memory in query execution',
);

describe(errorSeriesCheck.name, () => {
  it('fails when the query errors, with Prometheus’ error, whether or not faults were on', () => {
    for (const on of [faults, undefined]) {
      expect(errorSeriesCheck(errors, tooMany, on, grafana)).toMatchObject({
        name: `Prometheus: ${errors}`,
        ok: false,
        detail: `the query failed: ${tooMany.message}`,
      });
    }
  });

  it('fails when it finds nothing after traffic with error faults on', () => {
    expect(errorSeriesCheck(errors, [], faults, grafana)).toMatchObject({
      ok: false,
      detail:
        "no 5xx series from queue-service, although error faults were on there (verify's traffic: --scenario errors)",
    });
    // 5xx only from a service whose faults were off is not the faults showing.
    expect(errorSeriesCheck(errors, [sample('ticket-service')], faults, grafana).ok).toBe(false);
  });

  it('passes the 5xx of the faulted services', () => {
    expect(
      errorSeriesCheck(errors, [sample('queue-service'), sample('ticket-service')], faults, grafana),
    ).toMatchObject({
      ok: true,
      detail: '5xx series for queue-service, ticket-service',
    });
    expect(errorSeriesCheck(errors, [sample('user-service')], undefined, grafana)).toMatchObject({
      ok: true,
    });
  });

  it('says "not checked", never PASS, for no 5xx when no faults are known to have been on', () => {
    const result = errorSeriesCheck(errors, [], undefined, grafana);
    expect(result).toMatchObject({
      ok: true,
      notChecked: true,
      detail: expect.stringMatching(/^not checked: /),
    });
  });
});

describe(seriesCheck.name, () => {
  it('fails an erroring query and an app without a series', () => {
    expect(seriesCheck(rate, tooMany, grafana)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('execution'),
    });
    expect(seriesCheck(rate, [sample('user-service')], grafana)).toMatchObject({
      ok: false,
      detail: 'no series for queue-service, ticket-service',
    });
    const all = ['queue-service', 'user-service', 'ticket-service'].map((a) => sample(a));
    expect(seriesCheck(rate, all, grafana).ok).toBe(true);
  });
});
