import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { get, post } from '../support/http';
import { eventually } from '../support/poll';
import { AppName, RunningService } from '../support/services';

describe('configuration is validated at start', () => {
  it.each<[AppName, Record<string, string>, RegExp[]]>([
    [
      'user-service',
      { PORT: 'eighty', DATABASE_URL: 'mysql://x' },
      [/PORT: /, /DATABASE_URL: must use postgres/],
    ],
    [
      'queue-service',
      { ADMIT_PER_SECOND: '0', REDIS_URL: 'nope' },
      [/ADMIT_PER_SECOND/, /REDIS_URL: must be a URL/],
    ],
    [
      'ticket-service',
      { EVENT_CAPACITY: '-5', FAULTS_ENABLED: 'maybe' },
      [/EVENT_CAPACITY/, /FAULTS_ENABLED: must be true or false/],
    ],
  ])('%s refuses to start and names every bad variable', async (name, env, problems) => {
    const service = await RunningService.start(name, env, { ready: false });
    expect(await service.waitForExit()).toBe(1);
    const output = service.lines.join('\n');
    expect(output).toContain('Invalid configuration');
    for (const problem of problems) expect(output).toMatch(problem);
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('SIGTERM', () => {
  let redisUrl: string;
  let databaseUrl: string;
  let slowUsers: ReturnType<typeof createServer>;
  let slowUsersUrl: string;
  let lookups = 0;

  beforeAll(async () => {
    redisUrl = await freshRedis();
    databaseUrl = await createDatabase(inject('runId'), 'shutdown');
    // Stands in for user-service, answering each lookup after 800 ms, to keep requests in flight.
    slowUsers = createServer((req, res) => {
      lookups++;
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: req.url!.split('/').pop(), name: 'user-slow1' }));
      }, 800);
    }).listen(0, '127.0.0.1');
    await once(slowUsers, 'listening');
    slowUsersUrl = `http://127.0.0.1:${(slowUsers.address() as { port: number }).port}`;
  });

  afterAll(() => slowUsers?.close());

  it('finishes the 20 requests in flight, refuses new ones, closes Redis and exits 0', async () => {
    const queue = await RunningService.start('queue-service', {
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: slowUsersUrl,
      // Not under test here: a loaded machine must not turn the slow lookups into 503s.
      DEPENDENCY_TIMEOUT_MS: '30000',
    });
    lookups = 0;
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      post(`${queue.url}/queue/join`, { userId: `3f0c1f0e-8a8b-4a3c-9d5e-${String(i).padStart(12, '0')}` }),
    );
    // In flight: every request has reached its user lookup, which answers only after 800 ms.
    await eventually(() => lookups === 20, '20 lookups in flight', 30_000, 20);
    queue.process.kill('SIGTERM');
    // Unready (503) or no longer listening (0) once the signal is handled: never ready again.
    const readiness = () =>
      get(`${queue.url}/health/ready`).then(
        (r) => r.status,
        () => 0,
      );
    await eventually(async () => (await readiness()) !== 200, 'readiness to drop', 30_000, 20);

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // 0, not the 1 of a shutdown cut short by SHUTDOWN_TIMEOUT_MS.
    expect(await queue.waitForExit()).toBe(0);
    expect(queue.lines.join('\n')).toContain('SIGTERM received');
  });

  it('user-service and ticket-service exit 0 on SIGTERM', async () => {
    const users = await RunningService.start('user-service', { DATABASE_URL: databaseUrl });
    const tickets = await RunningService.start('ticket-service', { DATABASE_URL: databaseUrl });
    expect(await Promise.all([users.stop(), tickets.stop()])).toEqual([0, 0]);
  });

  it('two replicas starting on one fresh database both migrate it and come up', async () => {
    const fresh = await createDatabase(inject('runId'), 'replicas');
    const replicas = await Promise.all([
      RunningService.start('ticket-service', { DATABASE_URL: fresh }),
      RunningService.start('ticket-service', { DATABASE_URL: fresh }),
      RunningService.start('user-service', { DATABASE_URL: fresh }),
      RunningService.start('user-service', { DATABASE_URL: fresh }),
    ]);
    for (const replica of replicas) expect((await get(`${replica.url}/health/ready`)).status).toBe(200);
    expect(await Promise.all(replicas.map((r) => r.stop()))).toEqual([0, 0, 0, 0]);
  });
});
