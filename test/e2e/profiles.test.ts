// Continuous profiling to Pyroscope, against a receiver that speaks its ingest API as @pyroscope/nodejs uses
// it (test/support/pyroscope-receiver.ts), decoding the pprof each upload carries.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { post } from '../support/http';
import { OtlpReceiver } from '../support/otlp-receiver';
import { eventually } from '../support/poll';
import { PyroscopeReceiver } from '../support/pyroscope-receiver';
import { freePort, RunningService } from '../support/services';

const cpu = 'wall:cpu:nanoseconds:wall:nanoseconds';
const heap = 'memory:inuse_space:bytes:inuse_space:bytes';
const warnings = (service: RunningService) =>
  service.lines.filter((l) => l.includes('Cannot upload profiles'));

describe('CPU and heap profiles of every service, to Pyroscope', () => {
  const pyroscope = new PyroscopeReceiver();
  const otlp = new OtlpReceiver();
  let databaseUrl: string;
  const started: RunningService[] = [];

  beforeAll(async () => {
    await Promise.all([pyroscope.start(), otlp.start()]);
    databaseUrl = await createDatabase(inject('runId'), 'profiles');
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await Promise.all([pyroscope.stop(), otlp.stop()]);
  });

  /** user-service burning up to 30 ms of CPU per request, profiled to `address` with a 1 s upload interval. */
  const start = async (address: string | undefined, extra: Record<string, string> = {}) => {
    const service = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      // A Redis db of its own, for the fault settings: never the default localhost:6379, which may be a running
      // sandbox whose stored settings (cpuMs 0) would win over FAULT_CPU_MS.
      REDIS_URL: await freshRedis(),
      FAULTS_ENABLED: 'true',
      FAULT_CPU_MS: '30',
      PYROSCOPE_FLUSH_INTERVAL_MS: '1000',
      ...(address ? { PYROSCOPE_SERVER_ADDRESS: address } : {}),
      ...extra,
    });
    started.push(service);
    return service;
  };
  /** Traced too, as `name`, exporting to the OTLP receiver within 100 ms. */
  const traced = (name: string, extra: Record<string, string> = {}) =>
    start(pyroscope.url, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: name,
      ...extra,
    });
  const load = async (service: RunningService, requests = 30) => {
    for (let i = 0; i < requests; i++) expect((await post(`${service.url}/users`, {})).status).toBe(201);
  };

  it('labels them so that Grafana finds them by the service name of the other signals', async () => {
    const users = await start(pyroscope.url, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await load(users);
    const [profile] = await eventually(() => pyroscope.of('user-service', cpu), 'a CPU profile');
    expect(profile.labels).toMatchObject({ service_namespace: 'ticketing', service_version: '0.1.0' });
    await eventually(() => pyroscope.of('user-service', heap), 'a heap profile');
    // The uploads are the profiler's work, not the service's: no span of their own.
    await otlp.waitFor(() => otlp.spans.some((s) => s.service === 'user-service'), 'spans');
    expect(
      otlp.spans.filter((s) => s.kind === 3 && String(s.attributes['url.full']).includes('/ingest')),
    ).toEqual([]);
  });

  it("samples the service's own functions under load: the CPU it burns on purpose", async () => {
    const users = await start(pyroscope.url);
    await load(users, 60);
    const hot = await eventually(
      () =>
        pyroscope
          .of('user-service', cpu)
          .flatMap((p) => p.samples)
          .filter((s) => s.stack.some((frame) => frame.includes('burnCpuOnPurpose'))),
      'samples in burnCpuOnPurpose',
    );
    // The CPU value (the third sample type, after samples and wall time) of those samples.
    expect(hot.reduce((sum, s) => sum + s.values[2], 0)).toBeGreaterThan(0);
    expect(hot[0].stack.some((frame) => frame.includes('faults'))).toBe(true);
  });

  it('labels each CPU sample with the span of its request, and marks those spans for Grafana', async () => {
    const users = await traced('spans');
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(`${users.url}/users`, {})));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(await users.stop()).toBe(0);
    const servers = otlp.spans.filter(
      (s) => s.service === 'spans' && s.kind === 2 && s.attributes['http.route'] === '/users',
    );
    expect(servers).toHaveLength(50);
    for (const span of servers) expect(span.attributes['pyroscope.profile.id']).toBe(span.spanId);
    const ids = new Set(servers.map((s) => s.spanId));
    const hot = pyroscope
      .of('spans', cpu)
      .flatMap((p) => p.samples)
      .filter((s) => s.stack.some((frame) => frame.includes('burnCpuOnPurpose')));
    expect(hot.length).toBeGreaterThan(0);
    for (const sample of hot) {
      expect(ids.has(String(sample.labels.span_id)), JSON.stringify(sample.labels)).toBe(true);
      // The span's name when the profile was cut: a request still running is named by its method alone.
      expect(['POST', 'POST /users']).toContain(sample.labels.span_name);
    }
    // Only a local root carries the attribute: not the SQL spans under a request.
    const own = otlp.spans.filter((s) => s.service === 'spans');
    const children = own.filter((s) => own.some((parent) => parent.spanId === s.parentSpanId));
    expect(children.length).toBeGreaterThan(0);
    expect(children.filter((s) => 'pyroscope.profile.id' in s.attributes)).toEqual([]);
  });

  it('with PYROSCOPE_SPAN_PROFILES=false, profiles carry no span and spans claim no profile', async () => {
    const users = await traced('nospans', { PYROSCOPE_SPAN_PROFILES: 'false' });
    await load(users, 20);
    expect(await users.stop()).toBe(0);
    const samples = pyroscope.of('nospans', cpu).flatMap((p) => p.samples);
    expect(samples.some((s) => s.stack.some((frame) => frame.includes('burnCpuOnPurpose')))).toBe(true);
    expect(samples.filter((s) => 'span_id' in s.labels)).toEqual([]);
    const spans = otlp.spans.filter((s) => s.service === 'nospans');
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.filter((s) => 'pyroscope.profile.id' in s.attributes)).toEqual([]);
  });

  it('sends nothing when PYROSCOPE_SERVER_ADDRESS is not set', async () => {
    const quiet = new PyroscopeReceiver();
    await quiet.start();
    const users = await start(undefined, {
      PYROSCOPE_APPLICATION_NAME: 'quiet',
      OTEL_SDK_DISABLED: 'false',
      OTEL_SERVICE_NAME: 'quiet',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await load(users, 10);
    expect(await users.stop()).toBe(0);
    // No profiles, so no span claims one.
    const spans = otlp.spans.filter((s) => s.service === 'quiet');
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.filter((s) => 'pyroscope.profile.id' in s.attributes)).toEqual([]);
    expect(quiet.profiles).toEqual([]);
    expect(pyroscope.profiles.filter((p) => p.app === 'quiet')).toEqual([]);
    expect(users.lines.join('\n')).not.toMatch(/profil/i);
    await quiet.stop();
  });

  it('keeps answering with Pyroscope down, and warns once per outage, then once when it is back', async () => {
    const port = await freePort();
    const users = await start(`http://127.0.0.1:${port}`, { PYROSCOPE_APPLICATION_NAME: 'outage' });
    await load(users, 10);
    await eventually(() => warnings(users).length > 0, 'the outage warning', 30_000);
    await load(users, 10); // more uploads fail meanwhile
    const back = await new PyroscopeReceiver().start(port);
    await eventually(() => back.of('outage', cpu), 'a profile once Pyroscope is back', 30_000);
    await eventually(
      () => users.lines.some((l) => l.includes('Uploading profiles works again')),
      'the recovery line',
    );
    expect(warnings(users)).toHaveLength(1);
    await back.stop();
  });

  it('keeps answering with Pyroscope stuck, and stops within the shutdown bound', async () => {
    const stuck = new PyroscopeReceiver();
    await stuck.start();
    stuck.hang = true;
    const users = await start(stuck.url, { PYROSCOPE_APPLICATION_NAME: 'stuck' });
    await load(users, 20);
    // An upload never answered would hold the SDK's stop for minutes; the service's stop is bounded.
    expect(await users.stop()).toBe(0);
    await stuck.stop();
  });

  it('uploads the profile of the last seconds on SIGTERM', async () => {
    const users = await start(pyroscope.url, {
      PYROSCOPE_APPLICATION_NAME: 'last-words',
      PYROSCOPE_FLUSH_INTERVAL_MS: '600000',
    });
    await load(users, 30);
    expect(pyroscope.of('last-words', cpu)).toEqual([]);
    expect(await users.stop()).toBe(0);
    const [last] = pyroscope.of('last-words', cpu);
    expect(last.samples.some((s) => s.stack.some((frame) => frame.includes('burnCpuOnPurpose')))).toBe(true);
  });

  it('refuses a bad PYROSCOPE_* value at start, naming it', async () => {
    const users = await RunningService.start(
      'user-service',
      {
        DATABASE_URL: databaseUrl,
        PYROSCOPE_SERVER_ADDRESS: 'pyroscope:4040',
        PYROSCOPE_FLUSH_INTERVAL_MS: '10',
      },
      { ready: false },
    );
    expect(await users.waitForExit()).toBe(1);
    const output = users.lines.join('\n');
    expect(output).toMatch(/PYROSCOPE_SERVER_ADDRESS: must be a URL|PYROSCOPE_SERVER_ADDRESS: must use http/);
    expect(output).toMatch(/PYROSCOPE_FLUSH_INTERVAL_MS/);
  });
});
