import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startStack } from '../../test/support/services';
import { BenchContext, flushRedis, PartResult, resetTickets } from './context';

const run = promisify(execFile);

/** Part 4: full flows per second one traffic process sustains against the three services, and its CPU. */
export async function trafficGenerator(ctx: BenchContext): Promise<PartResult> {
  const users = ctx.quick ? 300 : 1500;
  await flushRedis(ctx.redisUrl);
  await resetTickets(ctx.databaseUrl);
  const stack = await startStack({
    databaseUrl: ctx.databaseUrl,
    redisUrl: ctx.redisUrl,
    extra: {
      all: { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' },
      'queue-service': { ADMIT_PER_SECOND: '100000' },
      'ticket-service': { EVENT_CAPACITY: '1000000' },
    },
  });
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'scripts/traffic/main.ts', String(users), '--interval', '0', '--concurrency', '100'],
    {
      env: {
        ...process.env,
        USER_SERVICE_URL: stack.user.url,
        QUEUE_SERVICE_URL: stack.queue.url,
        TICKET_SERVICE_URL: stack.ticket.url,
      },
      maxBuffer: 10 * 1024 * 1024,
    },
  );
  await stack.stop();
  const line = /Traffic tool: (\d+) flows in ([\d.]+) s \(([\d.]+) flows\/s\), CPU (\d+)% of one core/.exec(
    stdout,
  );
  if (!line) throw new Error(`no summary line in the traffic output:\n${stdout.slice(-2000)}`);
  const [, flows, seconds, perSecond, cpu] = line;
  const tickets = Number(/Tickets issued: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    part: 'Traffic generator (target >= 50 flows/s, < 30% CPU)',
    table: [
      ['flows', 'seconds', 'flows/s', 'tickets', 'traffic CPU (% of one core)'],
      [flows, seconds, perSecond, String(tickets), `${cpu}%`],
    ],
    figures: {
      users,
      flows: Number(flows),
      seconds: Number(seconds),
      flowsPerSecond: Number(perSecond),
      cpuPercent: Number(cpu),
      tickets,
    },
    notes: [
      'The three services (telemetry off) run on the same 2 cores: flows/s is bounded by them as much as by the tool.',
    ],
  };
}
