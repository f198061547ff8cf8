import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyFaults } from '../../scripts/traffic/faults';
import { parseOptions, TrafficOptions } from '../../scripts/traffic/options';
import { createDatabase, freshRedis } from '../support/databases';
import { get, request } from '../support/http';
import { eventually } from '../support/poll';
import { freePort, RunningService } from '../support/services';

const residentMb = (service: RunningService) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${service.process.pid}/status`, 'utf8'))![1]) / 1024;

describe('faults shared by the replicas of a service', () => {
  let redisUrl: string;
  let databaseUrl: string;
  const replicas: RunningService[] = [];
  const startQueue = () =>
    RunningService.start('queue-service', { REDIS_URL: redisUrl, FAULTS_ENABLED: 'true' });
  const settingsOf = (replica: RunningService) => get(`${replica.url}/admin/faults`).then((r) => r.body);
  const allHave = (errorRate: number) =>
    eventually(
      async () => (await Promise.all(replicas.map(settingsOf))).every((s) => s.errorRate === errorRate),
      `errorRate ${errorRate} on every replica`,
    );

  beforeAll(async () => {
    redisUrl = await freshRedis();
    databaseUrl = await createDatabase(inject('runId'), 'faults_shared');
    for (let i = 0; i < 3; i++) replicas.push(await startQueue());
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('faults all three replicas with --scenario errors, and the restore clears all three', async () => {
    const options = parseOptions(['--scenario', 'errors'], { QUEUE_SERVICE_URL: replicas[0].url });
    const restore = await applyFaults(options as TrafficOptions);
    await allHave(0.2);
    await restore();
    await allHave(0);
    for (const replica of replicas)
      expect(await settingsOf(replica)).toEqual({
        errorRate: 0,
        delayMs: 0,
        cpuMs: 0,
        leakMbPerSecond: 0,
      });
  });

  it('answers 503 on every replica when one of them is told to fail everything', async () => {
    await request('PUT', `${replicas[1].url}/admin/faults`, { errorRate: 1 });
    await allHave(1);
    for (const replica of replicas) {
      expect((await get(`${replica.url}/queue/status/6a9c3b8e-2f1d-4e5a-9b7c-1d2e3f4a5b6c`)).status).toBe(
        503,
      );
    }
    await request('PUT', `${replicas[2].url}/admin/faults`, { errorRate: 0 });
    await allHave(0);
  });

  it('gives a replica that starts later the state the others share', async () => {
    await request('PUT', `${replicas[0].url}/admin/faults`, { delayMs: 5 });
    const late = await startQueue();
    try {
      expect(await settingsOf(late)).toMatchObject({ delayMs: 5 });
    } finally {
      await late.stop();
      await request('PUT', `${replicas[0].url}/admin/faults`, { delayMs: 0 });
    }
  });

  it('refuses a bad value with a 400 naming the field, and changes nothing on any replica', async () => {
    const bad = await request('PUT', `${replicas[0].url}/admin/faults`, { leakMbPerSecond: 65 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('leakMbPerSecond');
    expect((await request('PUT', `${replicas[0].url}/admin/faults`, { errorRate: -1 })).status).toBe(400);
    for (const replica of replicas)
      expect(await settingsOf(replica)).toMatchObject({ errorRate: 0, leakMbPerSecond: 0 });
  });

  it('says the store is away with a 503, and still answers requests, when Redis does not answer', async () => {
    const lonely = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      FAULTS_ENABLED: 'true',
    });
    try {
      const refused = await request('PUT', `${lonely.url}/admin/faults`, { errorRate: 1 });
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('FAULT_STORE_UNAVAILABLE');
      expect((await get(`${lonely.url}/admin/faults`)).body.errorRate).toBe(0);
    } finally {
      await lonely.stop();
    }
  });

  it('leaks memory while the leak is on, in the processes that ran when it was switched on only', async () => {
    const users = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      FAULTS_ENABLED: 'true',
    });
    try {
      const before = residentMb(users);
      await request('PUT', `${users.url}/admin/faults`, { leakMbPerSecond: 32 });
      await eventually(() => residentMb(users) > before + 64, 'user-service holding 64 MB more', 30_000);
      // Started after the leak was switched on, as the one a restart brings back: it does not leak.
      const restarted = await RunningService.start('user-service', {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        FAULTS_ENABLED: 'true',
      });
      expect(await settingsOf(restarted)).toMatchObject({ leakMbPerSecond: 32 });
      const baseline = residentMb(restarted);
      await eventually(() => residentMb(users) > before + 192, 'user-service holding 192 MB more', 30_000);
      expect(residentMb(restarted)).toBeLessThan(baseline + 32);
      await restarted.stop();
    } finally {
      await request('PUT', `${users.url}/admin/faults`, { leakMbPerSecond: 0 });
      await users.stop();
    }
    // Above its own waits: two starts of up to 30 s each and two 30 s waits, on a busy machine.
  }, 150_000);
});
