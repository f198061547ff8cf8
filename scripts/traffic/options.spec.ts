import { describe, expect, it } from 'vitest';
import { parseDuration, parseOptions, UsageError } from './options';

describe(parseOptions.name, () => {
  it('defaults to the chapter: 10 users, 1 s apart, local services', () => {
    expect(parseOptions([], {})).toMatchObject({
      users: 10,
      intervalMs: 1000,
      concurrency: Infinity,
      scenario: 'chapter',
      urls: {
        user: 'http://localhost:3003',
        queue: 'http://localhost:3001',
        ticket: 'http://localhost:3002',
        grafana: 'http://localhost:3000',
      },
    });
  });

  it('takes the number of users as the chapter does, or as a flag', () => {
    expect(parseOptions(['25'], {})).toMatchObject({ users: 25 });
    expect(parseOptions(['--users', '7', '--interval', '250ms', '--concurrency', '3'], {})).toMatchObject({
      users: 7,
      intervalMs: 250,
      concurrency: 3,
    });
  });

  it('reads the service and Grafana URLs from the environment', () => {
    const options = parseOptions([], { QUEUE_SERVICE_URL: 'http://q:1', GRAFANA_URL: 'http://g:2' });
    expect(options).toMatchObject({ urls: { queue: 'http://q:1', grafana: 'http://g:2' } });
  });

  it('follows the host ports moved by .env (GRAFANA_PORT, QUEUE_SERVICE_PORT, ...) when no URL is given', () => {
    const options = parseOptions([], { GRAFANA_PORT: '13000', QUEUE_SERVICE_PORT: '13001' });
    expect(options).toMatchObject({
      urls: {
        queue: 'http://localhost:13001',
        grafana: 'http://localhost:13000',
        user: 'http://localhost:3003',
      },
    });
  });

  it('turns --faults and --delay into settings for every service', () => {
    expect(parseOptions(['--faults', '0.1', '--delay', '300'], {})).toMatchObject({
      faults: { errorRate: 0.1, delayMs: 300, services: ['user-service', 'queue-service', 'ticket-service'] },
    });
    expect(parseOptions(['--cpu', '25'], {})).toMatchObject({
      faults: { cpuMs: 25, services: ['user-service', 'queue-service', 'ticket-service'] },
    });
  });

  it('has scenarios that preset the run and can still be overridden', () => {
    expect(parseOptions(['--scenario', 'surge'], {})).toMatchObject({ users: 200, intervalMs: 0 });
    expect(parseOptions(['--scenario', 'surge', '50'], {})).toMatchObject({ users: 50 });
    expect(parseOptions(['--scenario', 'slow-tickets'], {})).toMatchObject({
      faults: { delayMs: 1500, services: ['ticket-service'] },
    });
    expect(parseOptions(['--scenario', 'busy-tickets'], {})).toMatchObject({
      faults: { cpuMs: 40, services: ['ticket-service'] },
    });
    expect(parseOptions(['--scenario', 'errors'], {})).toMatchObject({
      faults: { errorRate: 0.2, services: ['queue-service'] },
    });
    expect(parseOptions(['--scenario', 'leak'], {})).toMatchObject({
      durationMs: 180_000,
      faults: { leakMbPerSecond: 2, services: ['ticket-service'] },
    });
    expect(parseOptions(['--leak', '8'], {})).toMatchObject({ faults: { leakMbPerSecond: 8 } });
    expect(parseOptions(['--scenario', 'leak', '--leak', '16'], {})).toMatchObject({
      faults: { leakMbPerSecond: 16, services: ['ticket-service'] },
    });
  });

  it('refuses bad input with a message naming the option', () => {
    expect(() => parseOptions(['0'], {})).toThrow(UsageError);
    expect(() => parseOptions(['--faults', '1.5'], {})).toThrow(/--faults/);
    expect(() => parseOptions(['--interval', 'soon'], {})).toThrow(/--interval/);
    expect(() => parseOptions(['--cpu', '2.5'], {})).toThrow(/--cpu/);
    expect(() => parseOptions(['--cpu', '20000'], {})).toThrow(/--cpu/);
    expect(() => parseOptions(['--leak', '65'], {})).toThrow(/--leak/);
    expect(() => parseOptions(['--leak', 'lots'], {})).toThrow(/--leak/);
    expect(() => parseOptions(['--scenario', 'chaos'], {})).toThrow(/--scenario must be one of/);
    expect(() => parseOptions(['1', '2'], {})).toThrow(/at most one/);
  });
});

describe(parseDuration.name, () => {
  it('reads ms, s, m and bare seconds', () => {
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('1.5s', 'x')).toBe(1500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(parseDuration('3', 'x')).toBe(3000);
  });
});
