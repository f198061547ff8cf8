import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AdmissionService } from '../../apps/queue-service/src/queue/admission.service';
import { joinScript } from '../../apps/queue-service/src/queue/queue.scripts';
import { createDatabase, freshRedis } from '../support/databases';
import { registerUser } from '../support/flow';
import { post } from '../support/http';
import { RunningService, startStack, Stack } from '../support/services';

const USERS = 500;

async function enqueue(redis: Redis, userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    await redis.eval(
      joinScript,
      4,
      'queue:waiting',
      'queue:sequence',
      'queue:joined-at',
      `queue:admission:${userId}`,
      userId,
      Date.now(),
    );
  }
}

describe(AdmissionService.name, () => {
  const clients: Redis[] = [];
  let redisUrl: string;

  const admissionLoop = (perSecond: number) => {
    const redis = new Redis(redisUrl);
    clients.push(redis);
    const config = new ConfigService({ ADMIT_PER_SECOND: perSecond, ADMISSION_TTL_SECONDS: 300 });
    const registers = [new Registry()];
    return new AdmissionService(
      redis,
      new PinoLogger({ pinoHttp: { level: 'silent' } }),
      config as never,
      new Counter({ name: 'admissions', help: 'admissions', registers }),
      new Histogram({ name: 'wait', help: 'wait', registers }),
      new Gauge({ name: 'length', help: 'length', registers }),
    );
  };

  beforeAll(async () => {
    redisUrl = await freshRedis();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('two loops on one Redis admit each of 500 users exactly once, in join order', async () => {
    const userIds = Array.from({ length: USERS }, () => randomUUID());
    const setup = new Redis(redisUrl);
    clients.push(setup);
    await enqueue(setup, userIds);
    const [a, b] = [admissionLoop(100), admissionLoop(100)];

    const admitted: string[][] = [[], []];
    let admittedSoFar = 0;
    let now = 1_700_000_000_000;
    while ((await setup.zcard('queue:waiting')) > 0) {
      now += 1000;
      // Both loops race within the same second; together they must stay within one allowance.
      const [fromA, fromB] = await Promise.all([a.admitNextUsers(now), b.admitNextUsers(now)]);
      expect(fromA.length + fromB.length).toBeLessThanOrEqual(100);
      admitted[0].push(...fromA.map((x) => x.userId));
      admitted[1].push(...fromB.map((x) => x.userId));
      const thisSecond = [...fromA, ...fromB].map((x) => x.userId).sort();
      expect(thisSecond).toEqual(userIds.slice(admittedSoFar, admittedSoFar + thisSecond.length).sort());
      admittedSoFar += thisSecond.length;
    }

    const all = [...admitted[0], ...admitted[1]];
    expect(all).toHaveLength(USERS);
    expect(new Set(all).size).toBe(USERS);
    expect(admitted[0].length).toBeGreaterThan(0);
    expect(admitted[1].length).toBeGreaterThan(0);
    const tokens = await Promise.all(userIds.map((id) => setup.hget(`queue:admission:${id}`, 'token')));
    expect(new Set(tokens).size).toBe(USERS);
    expect(tokens.every((t) => t !== null && Buffer.from(t, 'base64url').length === 32)).toBe(true);
  });

  it('admits no more than ADMIT_PER_SECOND in a second, and the rest the next', async () => {
    const setup = new Redis(redisUrl);
    clients.push(setup);
    await enqueue(
      setup,
      Array.from({ length: 8 }, () => randomUUID()),
    );
    const loop = admissionLoop(5);
    const second = 1_800_000_000_000;
    expect(await loop.admitNextUsers(second)).toHaveLength(5);
    expect(await loop.admitNextUsers(second + 500)).toHaveLength(0);
    expect(await loop.admitNextUsers(second + 1000)).toHaveLength(3);
  });
});

describe('two queue-service processes on one Redis', () => {
  let stack: Stack;
  let second: RunningService;

  beforeAll(async () => {
    const redisUrl = await freshRedis();
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'admission'),
      redisUrl,
      extra: { 'queue-service': { ADMIT_PER_SECOND: '100', LOG_LEVEL: 'info' } },
    });
    second = await RunningService.start('queue-service', {
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: stack.user.url,
      ADMIT_PER_SECOND: '100',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  const admittedCount = (service: RunningService) =>
    service.records
      .filter((r) => r.context === 'AdmissionService')
      .reduce((sum, r) => sum + Number(r.count ?? 0), 0);

  it('admit each of 500 users joining through either exactly once', async () => {
    const users = [];
    for (let i = 0; i < USERS; i += 50) {
      users.push(...(await Promise.all(Array.from({ length: 50 }, () => registerUser(stack)))));
    }
    const joins = await Promise.all(
      users.map((user, i) => post(`${(i % 2 ? second : stack.queue).url}/queue/join`, { userId: user.id })),
    );
    expect(joins.filter((j) => j.status !== 200).map((j) => j.body)).toEqual([]);
    const deadline = Date.now() + 30_000;
    while (admittedCount(stack.queue) + admittedCount(second) < USERS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // a late double admission would show up here
    expect(admittedCount(stack.queue) + admittedCount(second)).toBe(USERS);
    expect(admittedCount(stack.queue)).toBeGreaterThan(0);
    expect(admittedCount(second)).toBeGreaterThan(0);
  });
});
