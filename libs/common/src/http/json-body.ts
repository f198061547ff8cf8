import type { FastifyInstance } from 'fastify';
import { BadInputException } from './api-error';

/** JSON only (anything else is a 415), parsed by Fastify's prototype-poisoning-safe parser; malformed is a 400 naming `body`. */
export function parseJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    parse(request, body as string, (error, value) =>
      error
        ? done(BadInputException.field('body', `body is not valid JSON: ${error.message}`), undefined)
        : done(null, value),
    ),
  );
}
