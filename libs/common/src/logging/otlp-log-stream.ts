import { logs, SeverityNumber, type Logger as OtelLogger } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
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

interface Shape {
  serializers: Record<string, ((value: unknown) => unknown) | undefined>;
  errorKey: string;
  messageKey: string;
  bindings?: Record<string, unknown>;
}

type Redact = (fields: Record<string, unknown>) => void;

/**
 * pino's redaction, for the shapes of path the services use (`key`, `key.sub`, `*.sub`), applied to a record's own
 * copy of the top-level fields; a nested object is copied before it is censored, never changed in place.
 * (@pinojs/redact, which pino builds on, clones and walks every path on every call: about 7 µs a record.)
 */
function redaction({ paths, censor }: { paths: string[]; censor: string }): Redact {
  const top: string[] = [];
  const nested: [string, string][] = [];
  const anyParent: string[] = [];
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length === 1 && parts[0] !== '*') top.push(parts[0]);
    else if (parts.length === 2 && parts[0] === '*') anyParent.push(parts[1]);
    else if (parts.length === 2 && !/[*[\]"']/.test(path)) nested.push([parts[0], parts[1]]);
    else throw new Error(`redaction path ${path} is not one this stream knows: key, key.sub or *.sub`);
  }
  const censorIn = (fields: Record<string, unknown>, parent: string, key: string) => {
    const value = fields[parent];
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key)) {
      fields[parent] = { ...value, [key]: censor };
    }
  };
  return (fields) => {
    for (const key of top) if (Object.hasOwn(fields, key)) fields[key] = censor;
    for (const [parent, key] of nested) censorIn(fields, parent, key);
    if (anyParent.length)
      for (const parent in fields) for (const key of anyParent) censorIn(fields, parent, key);
  };
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
  private readonly redact: Redact;
  private readonly shapes = new WeakMap<Logger, Shape>();

  constructor(scope: { name: string; version: string }, redact: { paths: string[]; censor: string }) {
    this.otel = logs.getLogger(scope.name, scope.version);
    this.redact = redaction(redact);
  }

  write(): void {
    const logger = this.lastLogger!;
    const { serializers, errorKey, messageKey, bindings } = this.shapeOf(logger);
    const fields: Record<string, unknown> = bindings ? { ...bindings } : {};
    const logged = this.lastObj;
    for (const key in logged) {
      const value = logged[key];
      if (value === undefined || !Object.hasOwn(logged, key)) continue;
      const serialize = serializers[key] ?? (key === errorKey ? serializers.err : undefined);
      fields[key] = serialize ? serialize(value) : value;
    }
    this.redact(fields);
    // On the line a message given apart comes after a `msg` field of the object, so it wins, as in JSON.parse.
    let body = this.lastMsg === undefined ? undefined : jsonValue(this.lastMsg);
    let exception: Record<string, unknown> | undefined;
    const attributes: Record<string, unknown> = {};
    for (const key in fields) {
      const value = jsonValue(fields[key]);
      if (value === undefined) continue;
      if (key === messageKey) body = this.lastMsg === undefined ? value : body;
      else if (key === errorKey) exception = value as Record<string, unknown>;
      else if (!notAttributes.has(key)) attributes[key] = value;
    }
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

  // What a logger's lines share (its serializers, keys and a child's bindings), looked up once per logger.
  private shapeOf(logger: Logger): Shape {
    let shape = this.shapes.get(logger);
    if (!shape) {
      const own = logger as unknown as Record<symbol, never>;
      const bindings = jsonValue(logger.bindings()) as Record<string, unknown>;
      shape = {
        serializers: own[pino.symbols.serializersSym],
        errorKey: own[pino.symbols.errorKeySym],
        messageKey: own[pino.symbols.messageKeySym],
        bindings: Object.keys(bindings).length ? bindings : undefined,
      };
      this.shapes.set(logger, shape);
    }
    return shape;
  }
}
