import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { registerUser } from '../support/flow';
import { get, post } from '../support/http';
import { freePort, RunningService, startStack, Stack } from '../support/services';

/** A TCP hop in front of a real server that the test can cut, to take a dependency away mid-run. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async open(port = 0): Promise<this> {
    this.server = createServer((client) => {
      const upstream = new Socket().connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined).on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    }).listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async cut(): Promise<void> {
    this.sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

/** Accepts connections and never answers: a hung dependency. */
async function blackHole(): Promise<{ url: string; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

const timed = async <T>(action: () => Promise<T>) => {
  const started = performance.now();
  const result = await action();
  return { result, ms: performance.now() - started };
};

describe('a dependency that is down or slow', () => {
  let stack: Stack;
  let databaseUrl: string;
  let redisUrl: string;
  const extra: RunningService[] = [];

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'deps');
    redisUrl = await freshRedis();
    stack = await startStack({ databaseUrl, redisUrl });
  });

  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.stop()));
  });

  afterAll(() => stack?.stop());

  it('queue-service answers 503 naming user-service when it is down, at once', async () => {
    const queue = await RunningService.start('queue-service', {
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
      // Far beyond the bound below: the refused connection must fail at once, not at the timeout.
      DEPENDENCY_TIMEOUT_MS: '30000',
    });
    extra.push(queue);
    const user = await registerUser(stack);
    const { result, ms } = await timed(() => post(`${queue.url}/queue/join`, { userId: user.id }));
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({ dependency: 'user-service', code: 'DEPENDENCY_UNAVAILABLE' });
    expect(ms).toBeLessThan(10_000);
  });

  it('queue-service answers 503 within the timeout when user-service hangs', async () => {
    const hung = await blackHole();
    const queue = await RunningService.start('queue-service', {
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: hung.url,
      DEPENDENCY_TIMEOUT_MS: '500',
    });
    extra.push(queue);
    const { result, ms } = await timed(() =>
      post(`${queue.url}/queue/join`, { userId: '3f0c1f0e-8a8b-4a3c-9d5e-2b1a7c6d5e4f' }),
    );
    hung.close();
    expect(result.status).toBe(503);
    expect(result.body.message).toContain('no answer within 500 ms');
    // Not before the timeout; and an answer, where without one the black hole would hold it for ever.
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(10_000);
  });

  it('ticket-service answers 503 naming queue-service when it is down', async () => {
    const ticket = await RunningService.start('ticket-service', {
      DATABASE_URL: databaseUrl,
      QUEUE_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
    });
    extra.push(ticket);
    const response = await post(`${ticket.url}/tickets`, {
      userId: '3f0c1f0e-8a8b-4a3c-9d5e-2b1a7c6d5e4f',
      admissionToken: 'x'.repeat(43),
    });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ dependency: 'queue-service' });
  });

  it('queue-service answers 503 naming redis when Redis goes away, turns unready, and recovers', async () => {
    const proxy = await new CuttableProxy(Number(new URL(redisUrl).port || 6379)).open();
    const db = new URL(redisUrl).pathname;
    const queue = await RunningService.start('queue-service', {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}${db}`,
      USER_SERVICE_URL: stack.user.url,
    });
    extra.push(queue);
    const user = await registerUser(stack);
    expect((await post(`${queue.url}/queue/join`, { userId: user.id })).status).toBe(200);

    await proxy.cut();
    const { result, ms } = await timed(() => get(`${queue.url}/queue/status/${user.id}`));
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({ dependency: 'redis' });
    // At once, not after a hang (which would last until the test's own timeout): a bound a loaded machine keeps.
    expect(ms).toBeLessThan(5000);
    const ready = await get(`${queue.url}/health/ready`);
    expect(ready).toMatchObject({
      status: 503,
      body: { code: 'NOT_READY', message: 'not ready: redis is down' },
    });
    expect((await get(`${queue.url}/health/live`)).status).toBe(200);

    await new CuttableProxy(Number(new URL(redisUrl).port || 6379)).open(proxy.port);
    await queue.waitUntilReady(10_000);
    expect((await get(`${queue.url}/queue/status/${user.id}`)).status).toBe(200);
  });

  it('user-service answers 503 naming postgres when the database goes away, and recovers', async () => {
    const proxy = await new CuttableProxy(Number(new URL(databaseUrl).port || 5432)).open();
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);
    const users = await RunningService.start('user-service', { DATABASE_URL: viaProxy.toString() });
    extra.push(users);
    expect((await post(`${users.url}/users`, {})).status).toBe(201);

    await proxy.cut();
    const { result, ms } = await timed(() => post(`${users.url}/users`, {}));
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({ dependency: 'postgres' });
    // Before the pool's 10 s wait for a connection would end: the refused connection fails at once.
    expect(ms).toBeLessThan(8000);
    const ready = await get(`${users.url}/health/ready`);
    expect(ready).toMatchObject({
      status: 503,
      body: { code: 'NOT_READY', message: 'not ready: postgres is down' },
    });

    await new CuttableProxy(Number(new URL(databaseUrl).port || 5432)).open(proxy.port);
    await users.waitUntilReady(10_000);
    expect((await post(`${users.url}/users`, {})).status).toBe(201);
  });
});
