import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { registerUser, waitForAdmission } from '../support/flow';
import { get, post } from '../support/http';
import { startStack, Stack } from '../support/services';

const SEATS = 20;
const BUYERS = 200;

describe(`${BUYERS} buyers racing for ${SEATS} seats`, () => {
  let stack: Stack;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'seats');
    stack = await startStack({
      databaseUrl,
      redisUrl: await freshRedis(),
      extra: {
        // Bursts of 50 on a machine that may be busy: a slow answer is not what this test is about.
        all: { DEPENDENCY_TIMEOUT_MS: '10000' },
        'queue-service': { ADMIT_PER_SECOND: '500' },
        'ticket-service': { EVENT_CAPACITY: String(SEATS) },
      },
    });
  });

  afterAll(() => stack?.stop());

  it('sell exactly the capacity, each seat once, and answer the rest 409 without a 5xx', async () => {
    const buyers = [];
    for (let i = 0; i < BUYERS; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => registerUser(stack)));
      await Promise.all(batch.map((u) => post(`${stack.queue.url}/queue/join`, { userId: u.id })));
      buyers.push(...batch);
    }
    const tokens = await Promise.all(buyers.map((u) => waitForAdmission(stack.queue.url, u.id)));

    const answers = await Promise.all(
      buyers.map((u, i) => post(`${stack.ticket.url}/tickets`, { userId: u.id, admissionToken: tokens[i] })),
    );

    const byStatus = answers.reduce<Record<number, number>>(
      (acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus).toEqual({ 201: SEATS, 409: BUYERS - SEATS });
    expect(answers.find((a) => a.status === 409)?.body).toMatchObject({ code: 'SOLD_OUT' });
    const rows = await queryRows<{ seat: number }>(databaseUrl, 'SELECT seat FROM ticket_service.tickets');
    expect(rows.map((r) => r.seat).sort((a, b) => a - b)).toEqual(
      Array.from({ length: SEATS }, (_, i) => i + 1),
    );
    expect((await get(`${stack.ticket.url}/event`)).body).toEqual({
      capacity: SEATS,
      sold: SEATS,
      remaining: 0,
    });
  });
});
