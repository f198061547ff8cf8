import { context, logs, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactedPaths } from './logging.module';
import { OtlpLogStream } from './otlp-log-stream';

// The oracle: the stream @opentelemetry/instrumentation-pino sends records with (it parses each line back).
// Not exported by the package, so reached by its file; only this spec does.
const load = createRequire(__filename);
const { OTelPinoStream, getTimeConverter } = load(
  join(dirname(load.resolve('@opentelemetry/instrumentation-pino')), 'log-sending-utils.cjs'),
);

const exporter = new InMemoryLogRecordExporter();
const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
const redact = { paths: redactedPaths, censor: '[redacted]' };
const active = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
});

const view = (r: ReadableLogRecord) => ({
  body: r.body,
  severityNumber: r.severityNumber,
  severityText: r.severityText,
  attributes: r.attributes,
  hrTime: r.hrTime,
  hrTimeObserved: r.hrTimeObserved,
  spanContext: r.spanContext,
  scope: r.instrumentationScope.name,
});

describe(OtlpLogStream.name, () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    logs.setGlobalLoggerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    context.disable();
  });

  it('makes of each line the record the instrumentation made by parsing it, field for field', () => {
    // As the instrumentation's mixin does in the services: the ids on the line.
    const mixin = () => {
      const span = trace.getSpanContext(context.active());
      return span ? { trace_id: span.traceId, span_id: span.spanId, trace_flags: '01' } : {};
    };
    const probe = pino({ level: 'trace' });
    const theirs = new OTelPinoStream({
      messageKey: 'msg',
      errorKey: 'err',
      levels: probe.levels,
      otelTimestampFromTime: getTimeConverter(probe, pino),
    });
    theirs[Symbol.for('pino.metadata')] = true;
    const sut = new OtlpLogStream({ name: '@opentelemetry/instrumentation-pino', version: '0' }, redact);
    const logger = pino(
      { level: 'trace', redact, mixin, serializers: { err: pino.stdSerializers.err } },
      pino.multistream([
        { level: 0, stream: theirs },
        { level: 0, stream: sut },
      ]),
    );
    const failure = Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' });
    context.with(active, () => {
      logger.info(
        { userName: 'user-k3x9q', position: 4, context: 'QueueService' },
        'Joined queue: user-k3x9q at position 4',
      );
      logger.info(
        { method: 'GET', route: '/queue/status/:userId', statusCode: 404, durationMs: 1.37 },
        'GET 404',
      );
      logger.warn({ err: failure, dependency: 'redis' }, 'redis is unavailable');
      logger.error(new Error('boom'));
      logger.info({ token: undefined, headers: { authorization: 'Bearer x', accept: '*/*' } }, 'headers');
      logger.debug(
        { admissionToken: 'secret', nested: { admissionToken: 'secret', at: new Date(0) } },
        'verify',
      );
      logger.info(
        { skipped: undefined, fn: () => 1, nan: Number.NaN, list: [1, 'two', { three: 3 }] },
        'values %s',
        'formatted',
      );
      logger.child({ component: 'admission' }).trace({ admitted: 2 }, 'tick');
      logger.fatal({ msg: 'message from the object' });
    });
    logger.info('outside any span');
    const records = exporter.getFinishedLogRecords();
    expect(records.length).toBe(20);
    const expected = records.filter((_, i) => i % 2 === 0).map(view);
    const made = records.filter((_, i) => i % 2 === 1).map(view);
    expect(made).toEqual(expected);
    expect(made[2].attributes).toMatchObject({ 'exception.type': 'ECONNRESET', dependency: 'redis' });
    expect(made[5].attributes).toMatchObject({
      admissionToken: '[redacted]',
      nested: { admissionToken: '[redacted]' },
    });
    expect(made[0].spanContext?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
