import type { FastifyInstance } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';

const quietRoutes = /^\/(health|metrics|docs)/;

/** One line per request with the route template, never the raw URL; probes and scrapes at debug level. */
export function registerRequestLog(fastify: FastifyInstance, logger: PinoLogger): void {
  logger.setContext('HTTP');
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const line = {
      method: request.method,
      route,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    const message = `${request.method} ${route} ${reply.statusCode}`;
    if (quietRoutes.test(route)) logger.debug(line, message);
    else if (reply.statusCode >= 500) logger.error(line, message);
    else logger.info(line, message);
    done();
  });
}
