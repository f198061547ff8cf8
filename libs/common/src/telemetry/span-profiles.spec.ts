import { time } from '@datadog/pprof';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { SpanProfileContextManager } from './span-profiles';

// How @pyroscope/nodejs labels a wall sample (profilers/wall-profiler.js): the `labels` of its context.
const sdkLabels = ({ context }: { context?: { context?: object } }) => ({
  ...(context?.context as { labels?: Record<string, string> } | undefined)?.labels,
});

/** Two functions to tell apart in a profile: which one burns tells which request a sample belongs to. */
function burnForEven(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
}
function burnForOdd(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
}

describe(SpanProfileContextManager.name, () => {
  const exporter = new InMemorySpanExporter();
  const manager = new SpanProfileContextManager().enable();
  context.setGlobalContextManager(manager);
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test');
  afterAll(() => context.disable());

  it('labels each sample with the root span it was taken in, across awaits, under 50 concurrent requests', async () => {
    time.start({ intervalMicros: 1000, durationMillis: 60_000, withContexts: true, useCPED: true });
    const requests = Array.from({ length: 50 }, (_, i) =>
      tracer.startActiveSpan(`request ${i}`, async (span) => {
        // A child span, as Redis or SQL calls make: its samples stay the root's.
        await tracer.startActiveSpan('child', async (child) => {
          for (let step = 0; step < 4; step++) {
            await sleep(Math.random() * 3);
            (i % 2 ? burnForOdd : burnForEven)(5);
          }
          child.end();
        });
        span.end();
        return span.spanContext().spanId;
      }),
    );
    const ids = await Promise.all(requests);
    const profile = time.stop(false, sdkLabels);
    const text = (n: number | bigint) => profile.stringTable.strings[Number(n)];
    const names = new Map(profile.function.map((f) => [Number(f.id), text(f.name)]));
    const frames = new Map(
      profile.location.map((l) => [Number(l.id), l.line.map((x) => names.get(Number(x.functionId)))]),
    );
    let checked = 0;
    for (const sample of profile.sample) {
      const stack = sample.locationId.flatMap((id) => frames.get(Number(id)) ?? []);
      const burner = stack.find((name) => name === 'burnForOdd' || name === 'burnForEven');
      if (!burner) continue;
      const label = sample.label.find((l) => text(l.key) === 'span_id');
      const request = ids.indexOf(label ? text(label.str) : '');
      expect(request, `a ${burner} sample`).toBeGreaterThanOrEqual(0);
      expect(request % 2 ? 'burnForOdd' : 'burnForEven').toBe(burner);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((s) => s.name.startsWith('request'));
    expect(roots.map((s) => s.attributes['pyroscope.profile.id']).sort()).toEqual(
      roots.map((s) => s.spanContext().spanId).sort(),
    );
    expect(spans.filter((s) => s.name === 'child').some((s) => 'pyroscope.profile.id' in s.attributes)).toBe(
      false,
    );
  });

  it('names a sample’s span by its name when the profile is cut, and leaves a sample outside any span unlabelled', () => {
    time.start({ intervalMicros: 1000, durationMillis: 60_000, withContexts: true, useCPED: true });
    const span = tracer.startSpan('GET');
    const sample = context.with(trace.setSpan(context.active(), span), () => time.getContext() as object);
    expect(sdkLabels({ context: { context: sample } })).toEqual({
      span_id: span.spanContext().spanId,
      span_name: 'GET',
    });
    span.updateName('GET /queue/status/:userId');
    expect(sdkLabels({ context: { context: sample } })).toMatchObject({
      span_name: 'GET /queue/status/:userId',
    });
    expect(sdkLabels({})).toEqual({});
    time.stop(false);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
