import { INestApplication, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { injectFaults } from '../faults/faults';
import { parseJsonBodies } from '../http/json-body';
import { refuseUnknownMethods } from '../http/method-not-allowed';
import { measureRequests } from '../metrics/http-metrics';
import { shutdownTelemetry } from '../telemetry/sdk';
import { registerRequestLog } from '../logging/request-log';
import { useCachedDnsForFetch } from './cached-dns';
import { ShutdownState } from './shutdown-state';

export interface ServiceOptions {
  name: string;
  version: string;
  description: string;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/** Creates, documents and starts one service on Fastify, and stops it cleanly on SIGTERM/SIGINT. */
export async function bootstrapService(
  module: Type,
  service: ServiceOptions,
): Promise<NestFastifyApplication> {
  useCachedDnsForFetch();
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // Unknown fields are refused, not silently dropped, by the few routes that use a Fastify schema.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false, // ours is registered below
  });
  const logger = app.get(Logger);
  app.useLogger(logger);

  const fastify = app.getHttpAdapter().getInstance();
  parseJsonBodies(fastify);
  refuseUnknownMethods(fastify);
  measureRequests(fastify);
  closeConnectionsWhenStopping(fastify, app.get(ShutdownState));
  registerRequestLog(fastify, await app.resolve(PinoLogger));
  const config = app.get(ConfigService);
  if (config.getOrThrow<boolean>('FAULTS_ENABLED')) {
    const initial = {
      errorRate: config.getOrThrow<number>('FAULT_ERROR_RATE'),
      delayMs: config.getOrThrow<number>('FAULT_DELAY_MS'),
      cpuMs: config.getOrThrow<number>('FAULT_CPU_MS'),
      leakMbPerSecond: config.getOrThrow<number>('FAULT_LEAK_MB_PER_SECOND'),
    };
    const redisUrl = config.getOrThrow<string>('REDIS_URL');
    await injectFaults(fastify, { service: service.name, redisUrl, initial }, await app.resolve(PinoLogger));
  }
  documentApi(app, service);

  const port = config.getOrThrow<number>('PORT');
  const host = config.getOrThrow<string>('HOST');
  // A burst of connections (2000 buyers at once, a surge) must wait in the accept queue rather than have their
  // SYNs dropped and retried a second later; Node's default is 511, the kernel caps it at net.core.somaxconn.
  await app.listen({ port, host, backlog: 4096 });
  logger.log(`${service.name} ${service.version} listening on ${host}:${port}`, 'Bootstrap');
  stopOnSignals(app, logger, config.getOrThrow<number>('SHUTDOWN_TIMEOUT_MS'));
  return app;
}

// Node closes only the keep-alive connections idle at the moment of close; one that finishes a request later
// would hold the process open until its keep-alive timeout, so responses during shutdown close theirs.
function closeConnectionsWhenStopping(fastify: FastifyInstance, shutdown: ShutdownState): void {
  fastify.addHook('onSend', async (_request, reply) => {
    if (shutdown.isShuttingDown) void reply.header('connection', 'close');
  });
}

function documentApi(app: INestApplication, service: ServiceOptions): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(service.name)
      .setDescription(service.description)
      .setVersion(service.version)
      .build(),
  );
  SwaggerModule.setup('docs', app, closeBodySchemas(document), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The global RequestValidationPipe refuses every field a body DTO does not declare (forbidNonWhitelisted), which
 * @nestjs/swagger has no way to say: the schema of every request body says it, `additionalProperties: false`.
 */
function closeBodySchemas(document: OpenAPIObject): OpenAPIObject {
  // The package exports OpenAPIObject but not the types of its parts.
  const operations = Object.values(document.paths).flatMap((path) => Object.values(path) as any[]);
  const bodies = operations.flatMap((operation) => {
    const ref: unknown = operation?.requestBody?.content?.['application/json']?.schema?.$ref;
    return typeof ref === 'string' ? [ref.split('/').at(-1)!] : [];
  });
  for (const name of new Set(bodies)) {
    const schema = document.components?.schemas?.[name] as { additionalProperties?: boolean } | undefined;
    if (schema) schema.additionalProperties = false;
  }
  return document;
}

function stopOnSignals(app: INestApplication, logger: Logger, timeoutMs: number): void {
  const stop = async (signal: NodeJS.Signals) => {
    logger.log(`${signal} received: finishing in-flight requests`, 'Shutdown');
    app.get(ShutdownState).begin();
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${timeoutMs} ms: exiting anyway`, undefined, 'Shutdown');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await app.close();
      await shutdownTelemetry();
      process.exit(0);
    } catch (error) {
      logger.error(error, 'Shutdown failed', 'Shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
