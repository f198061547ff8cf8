import { describe, expect, it } from 'vitest';
import { chapterTraffic, format, knownFaults, parseVerifyArgs, publicLink } from './main';

describe(parseVerifyArgs.name, () => {
  it('hands all that follows --traffic to the traffic tool, the chapter’s 10 users when nothing does', () => {
    expect(parseVerifyArgs([])).toEqual({ help: false, traffic: undefined, faultsOn: false });
    expect(parseVerifyArgs(['--traffic'])).toMatchObject({ traffic: chapterTraffic });
    expect(parseVerifyArgs(['--faults-on', '--traffic', '--scenario', 'errors'])).toEqual({
      help: false,
      traffic: ['--scenario', 'errors'],
      faultsOn: true,
    });
    expect(() => parseVerifyArgs(['--trafic'])).toThrow(/unknown option --trafic/);
  });
});

describe(knownFaults.name, () => {
  it('knows the error faults of the traffic it ran, from the traffic tool’s own options', () => {
    expect(knownFaults(parseVerifyArgs(['--traffic', '--scenario', 'errors']), {})).toEqual({
      services: ['queue-service'],
      by: "verify's traffic: --scenario errors",
    });
    expect(knownFaults(parseVerifyArgs(['--traffic', '20', '--faults', '0.1']), {})).toMatchObject({
      services: ['user-service', 'queue-service', 'ticket-service'],
    });
  });

  it('knows none for traffic without error faults, or none run, unless the caller says --faults-on', () => {
    expect(knownFaults(parseVerifyArgs(['--traffic']), {})).toBeUndefined();
    expect(knownFaults(parseVerifyArgs(['--traffic', '--scenario', 'slow-tickets']), {})).toBeUndefined();
    expect(knownFaults(parseVerifyArgs(['--traffic', '--faults', '0']), {})).toBeUndefined();
    expect(knownFaults(parseVerifyArgs([]), {})).toBeUndefined();
    expect(knownFaults(parseVerifyArgs(['--faults-on']), {})).toMatchObject({ by: '--faults-on' });
  });
});

describe(format.name, () => {
  it('marks a check that nothing could be expected of as SKIP, not PASS', () => {
    const result = { name: 'Prometheus: x', ok: true, notChecked: true, detail: 'not checked: no 5xx' };
    expect(format(result, false)).toBe('SKIP Prometheus: x\n     not checked: no 5xx');
    expect(format({ ...result, notChecked: undefined }, false)).toMatch(/^PASS /);
    expect(format({ ...result, ok: false, notChecked: undefined }, false)).toMatch(/^FAIL /);
  });
});
describe(publicLink.name, () => {
  const result = {
    name: 'Grafana',
    ok: true,
    detail: '',
    link: 'http://grafana:3000/d/ticketing-flow?orgId=1',
  };

  it('points a link at the Grafana the browser opens when GRAFANA_PUBLIC_URL is set', () => {
    const sut = publicLink(result, 'http://grafana:3000', { GRAFANA_PUBLIC_URL: 'http://localhost:3000/' });
    expect(sut.link).toBe('http://localhost:3000/d/ticketing-flow?orgId=1');
  });

  it('leaves links alone without it, and links elsewhere', () => {
    expect(publicLink(result, 'http://grafana:3000', {})).toBe(result);
    const other = { ...result, link: 'http://example.test/x' };
    expect(publicLink(other, 'http://grafana:3000', { GRAFANA_PUBLIC_URL: 'http://localhost:3000' })).toBe(
      other,
    );
  });
});
