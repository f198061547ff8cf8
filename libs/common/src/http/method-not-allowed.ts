import type { FastifyInstance } from 'fastify';
import { ApiErrorBody } from './api-error';

/** `/users/:id` as a test of concrete paths: each parameter one segment. */
const pathPattern = (url: string) =>
  new RegExp(`^${url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+')}/?$`);

/**
 * A method the API does not have on a path it does have is a 405 with an Allow header (RFC 9110 15.5.6), not
 * the 404 of an unknown path. Routes are collected as they are registered, before Nest registers its own.
 */
export function refuseUnknownMethods(fastify: FastifyInstance): void {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  fastify.addHook('onRoute', ({ url, method }) => {
    const route = routes.get(url) ?? { pattern: pathPattern(url), methods: new Set<string>() };
    for (const m of [method].flat()) route.methods.add(m);
    routes.set(url, route);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== undefined) return done();
    const path = request.url.split('?')[0];
    const allowed = [...routes.values()].filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]);
    if (!allowed.length) return done();
    const allow = [...new Set(allowed)].sort().join(', ');
    const body: ApiErrorBody = {
      statusCode: 405,
      error: 'Method Not Allowed',
      code: 'METHOD_NOT_ALLOWED',
      message: `${request.method} is not allowed on ${path}: ${allow}`,
    };
    void reply.code(405).header('allow', allow).send(body);
  });
}
