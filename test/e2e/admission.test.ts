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
import { eventually } from '../support/poll';
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
    // Seconds take turns: both loops at once (a race either may win), a before b, b before a. Whatever the
    // machine's load, each loop goes first in some second, and together they stay within one allowance.
    const turns = [
      () => Promise.all([a.admitNextUsers(now), b.admitNextUsers(now)]),
      async () => [await a.admitNextUsers(now), await b.admitNextUsers(now)],
      async () => [await b.admitNextUsers(now), await a.admitNextUsers(now)].reverse(),
    ];
    for (let second = 0; (await setup.zcard('queue:waiting')) > 0; second++) {
      now += 1000;
      const [fromA, fromB] = await turns[second % turns.length]();
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
  let redisUrl: string;
  const pause = (service: RunningService) => service.process.kill('SIGSTOP');
  const resume = (service: RunningService) => service.process.kill('SIGCONT');

  beforeAll(async () => {
    redisUrl = await freshRedis();
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'admission'),
      redisUrl,
      extra: {
        // Bursts of 50 on a machine that may be busy: a slow answer is not what this test is about.
        all: { DEPENDENCY_TIMEOUT_MS: '10000' },
        'queue-service': { ADMIT_PER_SECOND: '100', LOG_LEVEL: 'info' },
      },
    });
    second = await RunningService.start('queue-service', {
      DEPENDENCY_TIMEOUT_MS: '10000',
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: stack.user.url,
      ADMIT_PER_SECOND: '100',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    // A paused process would not act on SIGTERM.
    for (const service of [second, stack?.queue]) if (service) resume(service);
    await second?.stop();
    await stack?.stop();
  });

  const admittedCount = (service: RunningService) =>
    service.records
      .filter((r) => r.context === 'AdmissionService')
      .reduce((sum, r) => sum + Number(r.count ?? 0), 0);

  const admittedOnce = async (expected: number) => {
    await eventually(
      () => admittedCount(stack.queue) + admittedCount(second) >= expected,
      `${expected} admissions`,
      60_000,
      200,
    );
    return admittedCount(stack.queue) + admittedCount(second);
  };

  it('admit each of 500 users joining through either exactly once', async () => {
    const users = [];
    for (let i = 0; i < USERS; i += 50) {
      users.push(...(await Promise.all(Array.from({ length: 50 }, () => registerUser(stack)))));
    }
    const join = (user: { id: string }, via: RunningService) =>
      post(`${via.url}/queue/join`, { userId: user.id });
    const failed = (joins: { status: number; body: unknown }[]) =>
      joins.filter((j) => j.status !== 200).map((j) => j.body);
    // Each process admits while the other is paused (SIGSTOP), so both take part whatever the machine's load.
    pause(second);
    expect(failed(await Promise.all(users.slice(0, 100).map((u) => join(u, stack.queue))))).toEqual([]);
    expect(await admittedOnce(100)).toBe(100);
    resume(second);
    pause(stack.queue);
    expect(failed(await Promise.all(users.slice(100, 200).map((u) => join(u, second))))).toEqual([]);
    expect(await admittedOnce(200)).toBe(200);
    resume(stack.queue);
    expect(admittedCount(stack.queue)).toBeGreaterThan(0);
    expect(admittedCount(second)).toBeGreaterThan(0);
    // Then both at once, joins spread over the two.
    const rest = users.slice(200);
    const joins = await Promise.all(rest.map((user, i) => join(user, i % 2 ? second : stack.queue)));
    expect(failed(joins)).toEqual([]);
    await admittedOnce(USERS);
    // Nobody is left in the queue, so no later tick can admit anyone again: the count is final.
    const redis = new Redis(redisUrl);
    expect(await redis.zcard('queue:waiting')).toBe(0);
    await redis.quit();
    expect(admittedCount(stack.queue) + admittedCount(second)).toBe(USERS);
  });
});
