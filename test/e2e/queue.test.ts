import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { joinQueue, registerUser, waitForAdmission } from '../support/flow';
import { get } from '../support/http';
import { startStack, Stack } from '../support/services';

describe('the waiting room at one admission a second', () => {
  let stack: Stack;
  let redis: Redis;

  beforeAll(async () => {
    const redisUrl = await freshRedis();
    redis = new Redis(redisUrl);
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'queue'),
      redisUrl,
      extra: { 'queue-service': { ADMIT_PER_SECOND: '1' } },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.quit();
  });

  it('keeps the first place of a user who joins again, however often and however concurrently', async () => {
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await registerUser(stack));
    for (const user of users) await joinQueue(stack, user.id);

    const places = await Promise.all(users.map((user) => redis.zscore('queue:waiting', user.id)));
    const sizeBefore = await redis.zcard('queue:waiting');

    await Promise.all(users.flatMap((user) => [joinQueue(stack, user.id), joinQueue(stack, user.id)]));

    // A user still waiting holds the same place (its join sequence); one admitted meanwhile holds an admission.
    for (const [i, user] of users.entries()) {
      const place = await redis.zscore('queue:waiting', user.id);
      if (place === null) expect(await redis.exists(`queue:admission:${user.id}`)).toBe(1);
      else expect(place).toBe(places[i]);
    }
    expect(await redis.zcard('queue:waiting')).toBeLessThanOrEqual(sizeBefore);
  });

  it('tells a waiting user their position and an ETA at the admission rate', async () => {
    const user = await registerUser(stack);
    const joined = await joinQueue(stack, user.id);
    const { status, body } = await get(`${stack.queue.url}/queue/status/${user.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ userId: user.id, status: 'waiting' });
    expect(body.position).toBeLessThanOrEqual(joined.position);
    expect(body.etaSeconds).toBe(Math.ceil(body.position / 1));
  });

  it('admits in join order, and a joining admitted user keeps the admission', async () => {
    const first = await registerUser(stack);
    const second = await registerUser(stack);
    await joinQueue(stack, first.id);
    await joinQueue(stack, second.id);
    const token = await waitForAdmission(stack.queue.url, first.id);
    const secondStatus = await get(`${stack.queue.url}/queue/status/${second.id}`);
    if (secondStatus.body.status === 'admitted') {
      // both admitted by now: the first one was admitted no later than the second
      expect(
        secondStatus.body.expiresAt >=
          (await get(`${stack.queue.url}/queue/status/${first.id}`)).body.expiresAt,
      ).toBe(true);
    } else {
      expect(secondStatus.body.position).toBeGreaterThanOrEqual(1);
    }
    expect(await joinQueue(stack, first.id)).toEqual({ userId: first.id, position: 0, status: 'admitted' });
    expect((await get(`${stack.queue.url}/queue/status/${first.id}`)).body.admissionToken).toBe(token);
  });
});
