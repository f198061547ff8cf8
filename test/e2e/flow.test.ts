import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { admittedUser, joinQueue, registerUser, waitForAdmission } from '../support/flow';
import { get, post } from '../support/http';
import { startStack, Stack } from '../support/services';

describe('the ticketing flow over real HTTP, Postgres and Redis', () => {
  let stack: Stack;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'flow');
    stack = await startStack({
      databaseUrl,
      redisUrl: await freshRedis(),
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50' }, 'ticket-service': { EVENT_CAPACITY: '50' } },
    });
  });

  afterAll(() => stack?.stop());

  it('takes a user from registration to a ticket', async () => {
    const user = await registerUser(stack);
    expect(user).toMatchObject({ id: expect.any(String), name: expect.stringMatching(/^user-[a-z0-9]{5}$/) });

    const joined = await joinQueue(stack, user.id);
    expect(joined).toEqual({ userId: user.id, position: expect.any(Number), status: 'waiting' });

    const token = await waitForAdmission(stack.queue.url, user.id);
    expect(token.length).toBeGreaterThanOrEqual(22); // 128 bits in base64url
    const status = await get(`${stack.queue.url}/queue/status/${user.id}`);
    expect(Date.parse(status.body.expiresAt)).toBeGreaterThan(Date.now() + 200_000);

    const bought = await post(`${stack.ticket.url}/tickets`, { userId: user.id, admissionToken: token });
    expect(bought.status).toBe(201);
    expect(bought.body).toEqual({
      ticketId: expect.any(String),
      userId: user.id,
      seat: expect.any(Number),
      issuedAt: expect.any(String),
    });

    const fetched = await get(`${stack.ticket.url}/tickets/${bought.body.ticketId}`);
    expect(fetched).toMatchObject({ status: 200, body: bought.body });
    expect((await get(`${stack.user.url}/users/${user.id}`)).body).toEqual(user);
  });

  it('answers a second purchase of the same user with the same ticket, even at the same time', async () => {
    const user = await admittedUser(stack);
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(`${stack.ticket.url}/tickets`, { userId: user.id, admissionToken: user.token }),
      ),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(attempts.map((a) => a.body.ticketId)).size).toBe(1);
    const rows = await queryRows(databaseUrl, 'SELECT * FROM ticket_service.tickets WHERE user_id = $1', [
      user.id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('reports capacity, sold and remaining seats', async () => {
    const { status, body } = await get(`${stack.ticket.url}/event`);
    const [{ count }] = await queryRows<{ count: string }>(
      databaseUrl,
      'SELECT count(*) FROM ticket_service.tickets',
    );
    expect(status).toBe(200);
    expect(body).toEqual({ capacity: 50, sold: Number(count), remaining: 50 - Number(count) });
  });

  it('answers 404 for what does not exist', async () => {
    const unknown = '7d9f2c1e-0000-4000-8000-000000000000';
    expect((await get(`${stack.user.url}/users/${unknown}`)).status).toBe(404);
    expect((await get(`${stack.queue.url}/queue/status/${unknown}`)).status).toBe(404);
    expect((await get(`${stack.ticket.url}/tickets/${unknown}`)).status).toBe(404);
    const join = await post(`${stack.queue.url}/queue/join`, { userId: unknown });
    expect(join.status).toBe(404);
    expect(join.body.message).toContain('not registered');
  });

  it('gives a name when asked and refuses a taken one with 409', async () => {
    const name = `fan-${Date.now()}`;
    expect((await registerUser(stack, name)).name).toBe(name);
    const again = await post(`${stack.user.url}/users`, { name });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(name);
  });

  it('logs "Joined queue" with the name and position, one request line per request, and never a token', async () => {
    const user = await admittedUser(stack);
    await post(`${stack.ticket.url}/tickets`, { userId: user.id, admissionToken: user.token });
    const joined = stack.queue.records.find(
      (r) => r.userId === user.id && String(r.msg).startsWith('Joined queue'),
    );
    expect(joined?.msg).toMatch(new RegExp(`^Joined queue: ${user.name} at position \\d+$`));
    expect(joined).toMatchObject({ level: 30, position: expect.any(Number), userName: user.name });

    const requestLine = stack.ticket.records.find(
      (r) => r.route === '/tickets/:id' || r.route === '/tickets',
    );
    expect(requestLine).toMatchObject({
      method: expect.any(String),
      statusCode: expect.any(Number),
      durationMs: expect.any(Number),
    });
    for (const service of [stack.user, stack.queue, stack.ticket]) {
      expect(service.lines.join('\n')).not.toContain(user.token);
    }
  });

  it('serves liveness, readiness and OpenAPI on every service', async () => {
    for (const service of [stack.user, stack.queue, stack.ticket]) {
      expect((await get(`${service.url}/health/live`)).body).toEqual({ status: 'ok' });
      expect((await get(`${service.url}/health/ready`)).status).toBe(200);
      const docs = await fetch(`${service.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
    }
  });
});
