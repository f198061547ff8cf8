import { startStack } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers, resetTickets } from './context';
import { inBatches, postJson } from './harness';
import { Client } from 'pg';

/** Part 5: 2000 admitted buyers at once for 100 seats: tickets issued, seats sold twice, 5xx. */
export async function seatRace(ctx: BenchContext): Promise<PartResult> {
  const buyers = ctx.quick ? 500 : 2000;
  const seats = 100;
  await flushRedis(ctx.redisUrl);
  await resetTickets(ctx.databaseUrl);
  const stack = await startStack({
    databaseUrl: ctx.databaseUrl,
    redisUrl: ctx.redisUrl,
    extra: {
      all: { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' },
      'queue-service': { ADMIT_PER_SECOND: '100000' },
      'ticket-service': { EVENT_CAPACITY: String(seats) },
    },
  });
  const ids = await registerUsers(stack.user, buyers);
  await joinAll(stack.queue, ids);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const tokens = await inBatches(ids, 50, async (id) => {
    const status = (await (await fetch(`${stack.queue.url}/queue/status/${id}`)).json()) as {
      admissionToken: string;
    };
    return status.admissionToken as string;
  });
  const started = performance.now();
  const answers = await Promise.all(
    ids.map((userId, i) => postJson(`${stack.ticket.url}/tickets`, { userId, admissionToken: tokens[i] })),
  );
  const ms = performance.now() - started;
  await stack.stop();

  const client = new Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ tickets: string; seats: string }>(
    'SELECT count(*) AS tickets, count(DISTINCT seat) AS seats FROM ticket_service.tickets',
  );
  await client.end();
  const byStatus = answers.reduce<Record<number, number>>(
    (acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }),
    {},
  );
  const issued = Number(rows[0].tickets);
  const duplicates = issued - Number(rows[0].seats);
  const failed = answers.filter((a) => a.status >= 500);
  const fiveXx = failed.length;
  const fiveXxMessages = [...new Set(failed.map((a) => String(a.body?.message)))];
  return {
    part: `Correctness under load: ${buyers} concurrent buyers, ${seats} seats (must be ${seats}, 0, 0)`,
    table: [
      ['tickets issued', 'seats sold twice', '5xx', 'answers by status', 'all answered in ms'],
      [String(issued), String(duplicates), String(fiveXx), JSON.stringify(byStatus), ms.toFixed(0)],
    ],
    figures: { buyers, seats, issued, duplicates, fiveXx, fiveXxMessages, byStatus, ms },
    notes: fiveXxMessages.length ? [`5xx answers said: ${fiveXxMessages.join(' | ')}`] : [],
  };
}
