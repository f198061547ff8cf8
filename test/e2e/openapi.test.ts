import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runAsync } from '../support/binaries';
import { createDatabase, freshRedis } from '../support/databases';
import { request as httpRequest } from 'node:http';
import { get } from '../support/http';
import { RunningService, startStack, Stack } from '../support/services';

const expected: Record<string, Record<string, string[]>> = {
  'user-service': {
    'post /users': ['201', '400', '409', '413', '415', '503'],
    'get /users/{id}': ['200', '400', '404', '503'],
  },
  'queue-service': {
    'post /queue/join': ['200', '400', '404', '413', '415', '503'],
    'get /queue/status/{userId}': ['200', '400', '404', '503'],
    'post /queue/admissions/verify': ['200', '400', '403', '413', '415', '503'],
  },
  'ticket-service': {
    'post /tickets': ['200', '201', '400', '403', '409', '413', '415', '503'],
    'get /tickets/{id}': ['200', '400', '404', '503'],
    'get /event': ['200', '503'],
  },
};

describe('OpenAPI at /docs-json', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'docs'),
      redisUrl: await freshRedis(),
    });
  });

  afterAll(() => stack?.stop());

  it('documents every route with every response code, and the request bodies from the DTOs', async () => {
    for (const service of [stack.user, stack.queue, stack.ticket]) {
      const { status, body } = await get(`${service.url}/docs-json`);
      expect(status).toBe(200);
      expect(body.info.title).toBe(service.name);
      for (const [operation, codes] of Object.entries(expected[service.name])) {
        const [method, path] = operation.split(' ');
        const documented = body.paths[path]?.[method];
        expect(documented, `${service.name} ${operation}`).toBeDefined();
        expect(Object.keys(documented.responses).sort(), `${service.name} ${operation}`).toEqual(
          codes.sort(),
        );
      }
      expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    }
    const { body } = await get(`${stack.ticket.url}/docs-json`);
    const buy = body.components.schemas.BuyTicketDto;
    expect(buy.required).toEqual(['userId', 'admissionToken']);
    expect(buy.properties.userId).toMatchObject({ type: 'string', format: 'uuid' });
  });

  it('says what the services check: UUID path ids, closed bodies, which bodies are required', async () => {
    const docs = Object.fromEntries(
      await Promise.all(
        [stack.user, stack.queue, stack.ticket].map(async (s) => [
          s.name,
          (await get(`${s.url}/docs-json`)).body,
        ]),
      ),
    );
    for (const [name, path, param] of [
      ['user-service', '/users/{id}', 'id'],
      ['queue-service', '/queue/status/{userId}', 'userId'],
      ['ticket-service', '/tickets/{id}', 'id'],
    ]) {
      const [declared] = docs[name].paths[path].get.parameters;
      expect(declared, `${name} ${path}`).toMatchObject({
        name: param,
        in: 'path',
        required: true,
        schema: { type: 'string', format: 'uuid' },
      });
    }
    for (const [name, schema] of [
      ['user-service', 'CreateUserDto'],
      ['queue-service', 'JoinQueueDto'],
      ['queue-service', 'VerifyAdmissionDto'],
      ['ticket-service', 'BuyTicketDto'],
    ]) {
      expect(docs[name].components.schemas[schema].additionalProperties, schema).toBe(false);
    }
    expect(docs['user-service'].paths['/users'].post.requestBody.required).toBe(false);
    expect(docs['queue-service'].paths['/queue/join'].post.requestBody.required).toBe(true);
  });

  it('answers a method a known path does not have with 405 and Allow, an unknown path with 404', async () => {
    const id = '3f0c1f0e-8a8b-4a3c-9d5e-2b1a7c6d5e4f';
    for (const [service, method, path, allow] of [
      [stack.user, 'TRACE', `/users/${id}`, 'GET, HEAD'],
      [stack.user, 'QUERY', `/users/${id}`, 'GET, HEAD'],
      [stack.user, 'PUT', '/users', 'POST'],
      [stack.queue, 'DELETE', '/queue/join', 'POST'],
      [stack.ticket, 'PATCH', '/event', 'GET, HEAD'],
    ] as const) {
      const response = await send(method, `${service.url}${path}`);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.allow, `${method} ${path}`).toBe(allow);
      expect(response.body).toMatchObject({ statusCode: 405, code: 'METHOD_NOT_ALLOWED' });
    }
    expect((await send('TRACE', `${stack.user.url}/nowhere`)).status).toBe(404);
    expect((await send('GET', `${stack.user.url}/users/${id}/more`)).status).toBe(404);
  });
});

/** Any method, TRACE and QUERY included (fetch refuses TRACE): status, Allow header and JSON body. */
const send = (method: string, url: string) =>
  new Promise<{ status: number; allow?: string; body: any }>((resolve, reject) => {
    httpRequest(url, { method }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          allow: response.headers.allow,
          body: text ? JSON.parse(text) : undefined,
        }),
      );
    })
      .on('error', reject)
      .end();
  });

/**
 * Schemathesis (pinned, in a virtual environment of its own: scripts/dev/schemathesis.sh) generates requests
 * from each document, valid and invalid, and checks every answer against it: no 5xx, invalid input refused,
 * valid input accepted, only documented status codes and shapes, undeclared methods answered 405.
 */
describe('each service against its own OpenAPI document, fuzzed by schemathesis', () => {
  let stack: Stack;
  let schemathesis: string;
  const workDir = mkdtempSync(join(tmpdir(), 'ticketing-schemathesis-'));

  beforeAll(async () => {
    schemathesis = (await runAsync('bash', ['scripts/dev/schemathesis.sh'])).trim();
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'fuzz'),
      redisUrl: await freshRedis(),
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50' }, all: { LOG_LEVEL: 'warn' } },
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each(['user', 'queue', 'ticket'] as const)(
    '%s-service: 0 failures',
    async (name) => {
      const service: RunningService = stack[name];
      // A fresh directory: Hypothesis keeps the failing examples it found there and would replay them.
      const run = await promisify(execFile)(
        schemathesis,
        [
          'run',
          `${service.url}/docs-json`,
          '--checks',
          'all',
          '--max-examples',
          '100',
          '--seed',
          '20261201',
          '--no-color',
        ],
        { cwd: workDir, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stdout?: string; code?: number }) => ({
        stdout: `exit ${error.code}\n${error.stdout}`,
      }));
      const summary = /(\d+) generated, (\d+) passed/.exec(run.stdout);
      expect(summary, run.stdout.slice(-4000)).not.toBeNull();
      expect(summary![2], run.stdout.slice(-4000)).toBe(summary![1]);
      expect(Number(summary![1])).toBeGreaterThan(300);
    },
    300_000,
  );
});
