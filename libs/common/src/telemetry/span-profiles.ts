import { Context, Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { time } from '@datadog/pprof';

/**
 * Span profiles: each wall/CPU sample is labelled with the span it was taken in, so that Grafana's "Profiles for
 * this span" finds it (Pyroscope reads the `span_id` label; Grafana asks for it when a span carries
 * `pyroscope.profile.id`). As in Go's and Java's integrations the span is the service's local root (the server
 * span of a request, a timer's own span): one label value per request, not per Redis call, which keeps
 * Pyroscope's series few and the cost to one context switch a request.
 *
 * The profiler keeps its context in Node's AsyncContextFrame (useCPED), which follows every `await`; the
 * context manager below enters a root span's context there whenever OpenTelemetry makes that span active.
 */
const roots = new WeakSet<Span>();

/** Marks local root spans, as they start, with the attribute Grafana looks for. */
export class SpanProfileProcessor implements SpanProcessor {
  onStart(span: Span & ReadableSpan, parentContext: Context): void {
    const parent = trace.getSpan(parentContext);
    if (parent && !parent.spanContext().isRemote) return;
    roots.add(span);
    span.setAttribute('pyroscope.profile.id', span.spanContext().spanId);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface SampleContext {
  span: Span & Partial<ReadableSpan>;
}

/** OpenTelemetry's AsyncLocalStorage context manager that also hands a root span to the profiler's context. */
export class SpanProfileContextManager extends AsyncLocalStorageContextManager {
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const span = trace.getSpan(context);
    const enter = () => super.with(context, fn, thisArg, ...args);
    if (!span || !roots.has(span) || !time.isStarted()) return enter();
    if ((time.getContext() as SampleContext | undefined)?.span === span) return enter();
    return time.runWithContext({ span } satisfies SampleContext, enter);
  }
}

/**
 * A sample's labels, read when the profile is cut: the span's name then (a request that has ended is named by its
 * route, one still running by its method alone).
 */
export function spanLabels({ context }: { context?: { context?: object } }): Record<string, string> {
  const span = (context?.context as SampleContext | undefined)?.span;
  if (!span) return {};
  return { span_id: span.spanContext().spanId, span_name: span.name ?? '' };
}
