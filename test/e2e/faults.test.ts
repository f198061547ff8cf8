import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cpuSeconds } from '../../scripts/bench/harness';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { get, post, request } from '../support/http';
import { OtlpReceiver } from '../support/otlp-receiver';
import { RunningService } from '../support/services';

describe('faults on purpose', () => {
  const receiver = new OtlpReceiver();
  let users: RunningService;
  let databaseUrl: string;

  beforeAll(async () => {
    await receiver.start();
    databaseUrl = await createDatabase(inject('runId'), 'faults');
    users = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: await freshRedis(),
      FAULTS_ENABLED: 'true',
      FAULT_ERROR_RATE: '1',
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await users?.stop();
    await receiver.stop();
  });

  const countUsers = async () => (await queryRows(databaseUrl, 'SELECT id FROM user_service.users')).length;

  it('answers the configured share with a 503 that says it was injected, and stores nothing', async () => {
    const response = await post(`${users.url}/users`, {});
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      code: 'INJECTED_FAULT',
      message: expect.stringContaining('on purpose'),
    });
    expect(await countUsers()).toBe(0);
  });

  it('never faults health, metrics or the admin route', async () => {
    expect((await get(`${users.url}/health/ready`)).status).toBe(200);
    expect((await get(`${users.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${users.url}/metrics`)).status).toBe(200);
    expect((await get(`${users.url}/admin/faults`)).body).toEqual({
      errorRate: 1,
      delayMs: 0,
      cpuMs: 0,
      leakMbPerSecond: 0,
    });
  });

  it('shows an injected fault in the trace, the log and the 5xx series', async () => {
    const response = await post(`${users.url}/users`, {});
    const span = await receiver.waitFor(
      () =>
        receiver.spans.find(
          (s) => s.traceId === response.body.traceId && s.attributes['ticketing.fault.injected'],
        ),
      'fault span',
    );
    expect(span.status.code).toBe(2); // ERROR
    expect(users.records.some((r) => String(r.msg).startsWith('Injected fault: 503 on POST /users'))).toBe(
      true,
    );
    const metrics = await (await fetch(`${users.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/users",status_code="503"\} [1-9]/,
    );
  });

  it('changes at run time through PUT /admin/faults, and refuses bad settings naming the field', async () => {
    const bad = await request('PUT', `${users.url}/admin/faults`, { errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('errorRate');
    expect((await request('PUT', `${users.url}/admin/faults`, { colour: 'red' })).status).toBe(400);

    expect((await request('PUT', `${users.url}/admin/faults`, { cpuMs: 20_000 })).status).toBe(400);
    const changed = await request('PUT', `${users.url}/admin/faults`, { errorRate: 0, delayMs: 200 });
    expect(changed.body).toEqual({ errorRate: 0, delayMs: 200, cpuMs: 0, leakMbPerSecond: 0 });
    const durations: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await post(`${users.url}/users`, {})).status).toBe(201);
      durations.push(performance.now() - started);
    }
    expect(Math.max(...durations)).toBeGreaterThan(20); // delayed by a random share of 200 ms
    expect(await countUsers()).toBe(10);
  });

  it('burns up to FAULT_CPU_MS of CPU per request, as the process’s own CPU time shows', async () => {
    await request('PUT', `${users.url}/admin/faults`, { errorRate: 0, delayMs: 0, cpuMs: 100 });
    const cpu = () => cpuSeconds(users.process.pid!) * 1000;
    const before = cpu();
    for (let i = 0; i < 20; i++) expect((await post(`${users.url}/users`, {})).status).toBe(201);
    // 20 requests burning a random share of 100 ms each: 1 s expected; under 0.5 s only without the fault.
    expect(cpu() - before).toBeGreaterThan(500);
    await request('PUT', `${users.url}/admin/faults`, { cpuMs: 0 });
  });

  it('does not exist unless FAULTS_ENABLED=true', async () => {
    const plain = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      FAULT_ERROR_RATE: '1',
    });
    expect((await get(`${plain.url}/admin/faults`)).status).toBe(404);
    expect((await post(`${plain.url}/users`, {})).status).toBe(201);
    await plain.stop();
  });
});
