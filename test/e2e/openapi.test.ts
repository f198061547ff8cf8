import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { get } from '../support/http';
import { startStack, Stack } from '../support/services';

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
});
