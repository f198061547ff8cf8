import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { admittedUser } from '../support/flow';
import { get, post } from '../support/http';
import { startStack, Stack } from '../support/services';

const uuid = '3f0c1f0e-8a8b-4a3c-9d5e-2b1a7c6d5e4f';

interface BadRequestCase {
  what: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  field: string;
}

/** The classes of bad input every JSON route must refuse, given a valid body to spoil. */
function badBodies(
  valid: Record<string, unknown>,
  fields: Record<string, { overlong?: boolean }>,
): BadRequestCase[] {
  const cases: BadRequestCase[] = [
    { what: 'malformed JSON', raw: '{"userId": ', status: 400, field: 'body' },
    { what: 'an empty body with a JSON content type', raw: '', status: 400, field: 'body' },
    { what: 'a JSON array', body: [valid], status: 400, field: 'body' },
    { what: 'a JSON string', body: 'hello', status: 400, field: 'body' },
    { what: 'a JSON number', body: 42, status: 400, field: 'body' },
    { what: 'a JSON null', raw: 'null', status: 400, field: 'body' },
    { what: 'an unknown field', body: { ...valid, admin: true }, status: 400, field: 'admin' },
    {
      what: 'a prototype-poisoning key',
      raw: JSON.stringify(valid).replace('{', '{"__proto__":{"x":1},'),
      status: 400,
      field: 'body',
    },
    {
      what: 'a body over 16 KiB',
      body: { ...valid, padding: 'x'.repeat(20_000) },
      status: 413,
      field: 'body',
    },
    {
      what: 'a form body',
      raw: 'userId=1',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      field: 'body',
    },
    { what: 'a text body', raw: 'hello', contentType: 'text/plain', status: 415, field: 'body' },
  ];
  for (const [field, rules] of Object.entries(fields)) {
    const { [field]: _omitted, ...without } = valid;
    cases.push(
      { what: `${field} missing`, body: without, status: 400, field },
      { what: `${field} a number`, body: { ...valid, [field]: 12345 }, status: 400, field },
      { what: `${field} an object`, body: { ...valid, [field]: { $ne: '' } }, status: 400, field },
      { what: `${field} empty`, body: { ...valid, [field]: '' }, status: 400, field },
      { what: `${field} null`, body: { ...valid, [field]: null }, status: 400, field },
    );
    if (rules.overlong)
      cases.push({
        what: `${field} overlong`,
        body: { ...valid, [field]: 'a'.repeat(500) },
        status: 400,
        field,
      });
    if (field === 'userId')
      cases.push({ what: 'userId not a UUID', body: { ...valid, userId: 'user-1' }, status: 400, field });
  }
  return cases;
}

describe('bad input on every route: a 4xx naming the field, nothing stored', () => {
  let stack: Stack;
  let databaseUrl: string;
  let redis: Redis;
  let admitted: { id: string; token: string };

  const storedState = async () => ({
    users: await queryRows(databaseUrl, 'SELECT id, name FROM user_service.users ORDER BY id'),
    tickets: await queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets ORDER BY id'),
    event: await queryRows(databaseUrl, 'SELECT sold FROM ticket_service.event'),
    // admitted-in:<second> counts the admission rate and expires by itself: not stored data.
    redis: (await redis.keys('*')).filter((key) => !key.startsWith('queue:admitted-in:')).sort(),
    waiting: await redis.zrange('queue:waiting', 0, '-1'),
  });

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'badinput');
    const redisUrl = await freshRedis();
    redis = new Redis(redisUrl);
    stack = await startStack({
      databaseUrl,
      redisUrl,
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    admitted = await admittedUser(stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.quit();
  });

  const routes = () => [
    {
      route: 'POST /users',
      url: `${stack.user.url}/users`,
      // name may be left out (a generated one), but not be null: found by schemathesis as a 500.
      cases: [
        ...badBodies({ name: 'valid-name' }, {}),
        { what: 'name null', body: { name: null }, status: 400, field: 'name' },
      ],
    },
    {
      route: 'POST /queue/join',
      url: `${stack.queue.url}/queue/join`,
      cases: badBodies({ userId: admitted.id }, { userId: {} }),
    },
    {
      route: 'POST /queue/admissions/verify',
      url: `${stack.queue.url}/queue/admissions/verify`,
      cases: badBodies(
        { userId: admitted.id, admissionToken: admitted.token },
        { userId: {}, admissionToken: { overlong: true } },
      ),
    },
    {
      route: 'POST /tickets',
      url: `${stack.ticket.url}/tickets`,
      cases: badBodies(
        { userId: admitted.id, admissionToken: admitted.token },
        { userId: {}, admissionToken: { overlong: true } },
      ),
    },
  ];

  it('refuses every class of bad body on every POST route', async () => {
    const before = await storedState();
    const failures: string[] = [];
    for (const { route, url, cases } of routes()) {
      for (const c of cases) {
        const response = await post(url, c.body, { raw: c.raw, contentType: c.contentType });
        const fields = (response.body?.fields ?? []).map((f: { field: string }) => f.field);
        const ok =
          response.status === c.status &&
          typeof response.body === 'object' &&
          typeof response.body.message === 'string' &&
          (fields.includes(c.field) || String(response.body.message).includes(c.field));
        if (!ok)
          failures.push(`${route} with ${c.what}: ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await storedState()).toEqual(before);
  });

  it('refuses a name that is empty, overlong or of the wrong shape', async () => {
    const before = await storedState();
    for (const name of ['', 'x'.repeat(65), ' leading-space', 'semi;colon', 'ünïcode', 42, ['a']]) {
      const response = await post(`${stack.user.url}/users`, { name });
      expect(response.status, JSON.stringify(name)).toBe(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toContain('name');
    }
    expect(await storedState()).toEqual(before);
  });

  it.each([
    ['GET /users/:id', (id: string) => `${stack.user.url}/users/${id}`, 'id'],
    ['GET /queue/status/:userId', (id: string) => `${stack.queue.url}/queue/status/${id}`, 'userId'],
    ['GET /tickets/:id', (id: string) => `${stack.ticket.url}/tickets/${id}`, 'id'],
  ])('%s refuses an id that is not a UUID', async (_route, url, field) => {
    for (const id of ['abc', '123', `${uuid}x`, "1'%20OR%20'1'='1", 'x'.repeat(90)]) {
      const response = await get(url(id));
      expect(response.status, id).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, fields: [{ field }] });
    }
    // Fastify refuses parameters over 100 characters before routing.
    expect(await get(url('x'.repeat(300)))).toMatchObject({ status: 414, body: { statusCode: 414 } });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await get(`${stack.queue.url}/nope`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, message: expect.any(String) });
  });
});
