import { time } from '@datadog/pprof';
import { Context, Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * Span profiles: each wall/CPU sample is labelled with the span it was taken in, so that Grafana's "Profiles for
 * this span" finds it (Pyroscope reads the `span_id` label; Grafana asks for it when a span carries
 * `pyroscope.profile.id`). As in Go's and Java's integrations the span is the service's local root (the server
 * span of a request, a timer's own span): one label value per request, not per Redis call, which keeps
 * Pyroscope's series few and the cost to one context switch a request.
 *
 * The profiler keeps its context in Node's AsyncContextFrame (useCPED), which follows every `await`; this
 * context manager enters a root span there, and marks it for Grafana, whenever OpenTelemetry makes it active.
 */
/** What the profiler keeps for a sample: the SDK labels it with `labels`, read when the profile is cut. */
interface SampleContext {
  span: Span;
  labels: Record<string, string>;
}

// Read when the profile is cut: by then a request that has ended is named by its route, one still running by
// its method alone.
const sampleContext = (span: Span & Partial<ReadableSpan>): SampleContext => ({
  span,
  get labels() {
    return { span_id: span.spanContext().spanId, span_name: span.name ?? '' };
  },
});

const isLocalRoot = (span: Partial<ReadableSpan>) =>
  !span.parentSpanContext || span.parentSpanContext.isRemote;

export class SpanProfileContextManager extends AsyncLocalStorageContextManager {
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const span = trace.getSpan(context) as (Span & Partial<ReadableSpan>) | undefined;
    const enter = () => super.with(context, fn, thisArg, ...args);
    if (!span || !time.isStarted() || !span.isRecording() || !isLocalRoot(span)) return enter();
    if ((time.getContext() as SampleContext | undefined)?.span === span) return enter();
    span.setAttribute('pyroscope.profile.id', span.spanContext().spanId);
    return time.runWithContext(sampleContext(span), enter);
  }
}
