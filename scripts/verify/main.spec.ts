import { describe, expect, it } from 'vitest';
import { publicLink } from './main';

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
