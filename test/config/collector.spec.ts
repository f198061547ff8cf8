// otel-collector/config.yaml parsed: how soon what the apps send moves on, and where it goes. The collector
// built from the manifest validates and runs this file in test/stack/pipeline.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { collector, collectorText, ms, services, unreachable } from './compose-files';

describe('otel-collector/config.yaml', () => {
  it('flushes batches and span metrics within a second', () => {
    expect(ms(collector.processors.batch.timeout)).toBeLessThanOrEqual(1000);
    expect(ms(collector.connectors.span_metrics.metrics_flush_interval)).toBeLessThanOrEqual(1000);
  });

  it('sends traces to Tempo and logs to Loki by default, where those listen in compose', () => {
    const defaults = Object.fromEntries(
      [...collectorText.matchAll(/\$\{env:(\w+_OTLP_ENDPOINT):-([^}]+)\}/g)].map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(defaults).sort()).toEqual(['LOKI_OTLP_ENDPOINT', 'TEMPO_OTLP_ENDPOINT']);
    expect(new URL(defaults.TEMPO_OTLP_ENDPOINT).hostname).toBe('tempo');
    expect(new URL(defaults.LOKI_OTLP_ENDPOINT).hostname).toBe('loki');
    for (const url of Object.values(defaults)) expect(unreachable(url)).toBeUndefined();
  });

  it('is the release compose runs, as the builder manifest pins it', () => {
    const { dist } = parse(readFileSync('otel-collector/builder-config.yaml', 'utf8'));
    expect(services['otel-collector'].image).toBe(`otel/opentelemetry-collector-contrib:${dist.version}`);
  });
});
