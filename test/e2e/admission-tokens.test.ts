import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { admittedUser, joinQueue, registerUser } from '../support/flow';
import { get, post } from '../support/http';
import { eventually } from '../support/poll';
import { startStack, Stack } from '../support/services';

describe('admission tokens guard the purchase', () => {
  let stack: Stack;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'tokens');
    stack = await startStack({
      databaseUrl,
      redisUrl: await freshRedis(),
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50', ADMISSION_TTL_SECONDS: '3' } },
    });
  });

  afterAll(() => stack?.stop());

  const buy = (userId: string, admissionToken: string) =>
    post(`${stack.ticket.url}/tickets`, { userId, admissionToken });
  const ticketsOf = (userId: string) =>
    queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets WHERE user_id = $1', [userId]);

  it('refuses a forged token with 403 and sells nothing', async () => {
    const user = await admittedUser(stack);
    const forged = `${user.token.slice(0, -2)}AA`;
    const response = await buy(user.id, forged);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ statusCode: 403, code: 'NOT_ADMITTED' });
    expect(await ticketsOf(user.id)).toHaveLength(0);
  });

  it('refuses another user’s token with 403', async () => {
    const [alice, bob] = [await admittedUser(stack), await admittedUser(stack)];
    expect((await buy(bob.id, alice.token)).status).toBe(403);
    expect(
      (
        await post(`${stack.queue.url}/queue/admissions/verify`, {
          userId: bob.id,
          admissionToken: alice.token,
        })
      ).status,
    ).toBe(403);
    expect(await ticketsOf(bob.id)).toHaveLength(0);
  });

  it('refuses a user who never was admitted with 403', async () => {
    const user = await registerUser(stack);
    expect((await buy(user.id, 'x'.repeat(43))).status).toBe(403);
  });

  it('refuses an expired token with 403, no sooner than ADMISSION_TTL_SECONDS after admission', async () => {
    const user = await registerUser(stack);
    const joinedAt = Date.now();
    await joinQueue(stack, user.id);
    const admitted = await eventually(async () => {
      const { body } = await get(`${stack.queue.url}/queue/status/${user.id}`);
      return body.status === 'admitted' && { ...body, seenAt: Date.now() };
    }, 'the admission');
    // Admitted between the join and the moment it was seen, for 3 s (the clock is this machine's for both).
    const expiresAt = Date.parse(admitted.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(joinedAt + 3000);
    expect(expiresAt).toBeLessThanOrEqual(admitted.seenAt + 3000);
    const verify = () =>
      post(`${stack.queue.url}/queue/admissions/verify`, {
        userId: user.id,
        admissionToken: admitted.admissionToken,
      });
    await eventually(async () => (await verify()).status === 403, 'the token to expire', 30_000, 50);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect((await buy(user.id, admitted.admissionToken)).status).toBe(403);
    expect(await ticketsOf(user.id)).toHaveLength(0);
  });
});
