import { logs, SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import slowRedact from '@pinojs/redact';
import pino, { type Logger } from 'pino';

// What pino itself puts on a line, and the correlation fields that the log record carries as its context.
const notAttributes = new Set([
  'time',
  'level',
  'hostname',
  'pid',
  'trace_id',
  'span_id',
  'trace_flags',
  'event.name',
]);
const severities: Record<number, SeverityNumber> = {
  10: SeverityNumber.TRACE,
  20: SeverityNumber.DEBUG,
  30: SeverityNumber.INFO,
  40: SeverityNumber.WARN,
  50: SeverityNumber.ERROR,
  60: SeverityNumber.FATAL,
};

/** What JSON.parse(JSON.stringify(value)) gives, without the string: toJSON, undefined and functions left out. */
function jsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  const own = value as { toJSON?: () => unknown };
  if (typeof own.toJSON === 'function') return jsonValue(own.toJSON());
  if (Array.isArray(value)) return value.map((v) => jsonValue(v) ?? null);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = jsonValue((value as Record<string, unknown>)[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * A pino destination that turns each record into an OTLP log record from the logged object itself, as pino hands
 * it to a metadata stream (`lastObj`, `lastMsg`, `lastLevel`, `lastTime`), not by parsing the line back:
 * @opentelemetry/instrumentation-pino's own stream decodes and JSON.parses every line (its log sending is off
 * here; it still adds trace_id / span_id). The record is what that stream would make of the line: the message as
 * body, the other fields (after the logger's serializers and the same redaction) as attributes, `err` as the
 * exception, the level as severity, the time as timestamp; the trace context is the active one, as there.
 */
const metadata: unique symbol = Symbol.for('pino.metadata') as never;

export class OtlpLogStream {
  readonly [metadata] = true;
  lastLevel = 0;
  lastObj: Record<string, unknown> = {};
  lastMsg: unknown;
  lastTime = '';
  lastLogger?: Logger;
  private readonly otel: OtelLogger;
  private readonly redact: (o: object) => Record<string, unknown>;
  private readonly bindings = new WeakMap<Logger, Record<string, unknown>>();

  constructor(scope: { name: string; version: string }, redact: { paths: string[]; censor: string }) {
    this.otel = logs.getLogger(scope.name, scope.version);
    this.redact = slowRedact({ ...redact, serialize: false, strict: false }) as never;
  }

  write(): void {
    const logger = this.lastLogger!;
    const serializers = (logger as unknown as Record<symbol, Record<string, (v: unknown) => unknown>>)[
      pino.symbols.serializersSym
    ];
    const errorKey = (logger as unknown as Record<symbol, string>)[pino.symbols.errorKeySym];
    const messageKey = (logger as unknown as Record<symbol, string>)[pino.symbols.messageKeySym];
    const fields: Record<string, unknown> = { ...this.bindingsOf(logger) };
    for (const key in this.lastObj) {
      if (!Object.hasOwn(this.lastObj, key) || this.lastObj[key] === undefined) continue;
      const serialize = serializers[key] ?? (key === errorKey ? serializers.err : undefined);
      fields[key] = serialize ? serialize(this.lastObj[key]) : this.lastObj[key];
    }
    const all = jsonValue(this.redact(fields)) as Record<string, unknown>;
    const attributes: Record<string, unknown> = {};
    for (const key in all)
      if (!notAttributes.has(key) && key !== errorKey && key !== messageKey) attributes[key] = all[key];
    const body = this.lastMsg !== undefined ? jsonValue(this.lastMsg) : all[messageKey];
    const exception = all[errorKey] as Record<string, unknown> | undefined;
    if (
      exception &&
      typeof exception === 'object' &&
      typeof exception.type === 'string' &&
      typeof exception.name !== 'string'
    ) {
      exception.name = exception.type;
    }
    const time = millisToHrTime(Number(this.lastTime));
    this.otel.emit({
      timestamp: time,
      observedTimestamp: time,
      severityNumber: severities[this.lastLevel] ?? SeverityNumber.UNSPECIFIED,
      severityText: logger.levels.labels[this.lastLevel],
      body: body as never,
      attributes: attributes as never,
      ...(exception !== undefined && { exception }),
    });
  }

  // A child logger's bindings are on each of its lines; parsed once per logger, not once per line.
  private bindingsOf(logger: Logger): Record<string, unknown> {
    let bindings = this.bindings.get(logger);
    if (!bindings) this.bindings.set(logger, (bindings = logger.bindings()));
    return bindings;
  }
}
