import type {
  Attributes,
  AttributeValue,
  Context,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanOptions,
  SpanStatus,
  TimeInput,
  Tracer,
  TracerOptions,
  TracerProvider,
} from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';

/**
 * A request refused with a 4xx: a Nest HttpException below 500 (duck-typed, so that this file loads before Nest),
 * or Fastify's own refusal. The service did what it should; the client asked for something wrong.
 */
export function isClientError(error: unknown): boolean {
  const status =
    typeof (error as { getStatus?: unknown })?.getStatus === 'function'
      ? (error as { getStatus(): unknown }).getStatus()
      : (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A span that takes a client error for what the HTTP semantic conventions say it is on the server side: no error.
 * The exception is not recorded (its stack is never formatted: that is most of what a 404 cost) and the ERROR
 * status that follows it is not set. Anything else, 5xx included, is recorded as before.
 */
class ClientErrorTolerantSpan implements Span {
  private refusedClient = false;

  constructor(private readonly span: Span) {}

  recordException(exception: Exception, time?: TimeInput): void {
    if (isClientError(exception)) this.refusedClient = true;
    else this.span.recordException(exception, time);
  }

  setStatus(status: SpanStatus): this {
    if (!(this.refusedClient && status.code === SpanStatusCode.ERROR)) this.span.setStatus(status);
    return this;
  }

  spanContext(): SpanContext {
    return this.span.spanContext();
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.span.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.span.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    this.span.addEvent(name, attributesOrTime, time);
    return this;
  }
  addLink(link: Link): this {
    this.span.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.span.addLinks(links);
    return this;
  }
  updateName(name: string): this {
    this.span.updateName(name);
    return this;
  }
  end(endTime?: TimeInput): void {
    this.span.end(endTime);
  }
  isRecording(): boolean {
    return this.span.isRecording();
  }
}

class ClientErrorTolerantTracer implements Tracer {
  constructor(private readonly tracer: Tracer) {}

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    return new ClientErrorTolerantSpan(this.tracer.startSpan(name, options, context));
  }

  // Nest's instrumentation starts its spans with startSpan only; this keeps the contract for any other caller.
  startActiveSpan: Tracer['startActiveSpan'] = (...args: unknown[]) =>
    (this.tracer.startActiveSpan as (...a: unknown[]) => unknown)(...args) as never;
}

/**
 * The tracer provider handed to an instrumentation whose spans would mark every thrown exception as an error
 * (Nest's handler spans): its spans leave 4xx alone, as the HTTP server span already does.
 */
export class ClientErrorTolerantTracerProvider implements TracerProvider {
  constructor(private readonly provider: TracerProvider) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return new ClientErrorTolerantTracer(this.provider.getTracer(name, version, options));
  }
}
