// Loki's, Tempo's and Pyroscope's configs parsed (the servers cannot run here; docs/testing.md says how they
// were validated once against the pinned releases): where each keeps its data, what it sends off the machine
// (nothing), and the settings the dashboards and `npm run verify` rely on.
import { describe, expect, it } from 'vitest';
import { loki, ms, pyroscope, services, tempo, unreachable } from './compose-files';

/** Where compose mounts the named volume of `service`. */
const volumeOf = (service: string) =>
  services[service].volumes.find((v: string) => v.startsWith(`${service}:`)).split(':')[1] as string;

describe('compose/loki/loki.yaml', () => {
  it('keeps app as an index label and the rest as structured metadata, on the volume, with patterns', () => {
    expect(loki.schema_config.configs.at(-1)).toMatchObject({ store: 'tsdb', object_store: 'filesystem' });
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    expect(loki.limits_config.otlp_config.resource_attributes.attributes_config).toContainEqual({
      action: 'index_label',
      attributes: ['app'],
    });
    expect(loki.pattern_ingester.enabled).toBe(true);
    expect(loki.common.path_prefix).toBe(volumeOf('loki'));
  });
});

describe('compose/tempo/tempo.yaml', () => {
  it('takes OTLP from other containers, keeps traces on the volume', () => {
    for (const { endpoint } of Object.values(tempo.distributor.receivers.otlp.protocols) as {
      endpoint: string;
    }[])
      expect(endpoint).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(tempo.storage.trace.backend).toBe('local');
    expect(tempo.storage.trace.wal.path.startsWith(`${volumeOf('tempo')}/`)).toBe(true);
  });

  it('makes the service graph alone, Redis as a database, in millisecond buckets, written to Prometheus within seconds', () => {
    const { registry, processor, storage } = tempo.metrics_generator;
    // Span metrics are the collector's: the generator runs this one processor.
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs']);
    expect(processor.service_graphs.database_name_attributes).toEqual(
      expect.arrayContaining(['db.system.name', 'db.namespace']),
    );
    const buckets: number[] = processor.service_graphs.histogram_buckets;
    expect(buckets[0]).toBeLessThanOrEqual(0.001);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
    const [write] = storage.remote_write;
    expect(unreachable(write.url)).toBeUndefined();
    expect(new URL(write.url).pathname).toBe('/api/v1/write');
    // Exemplars carry the trace ids the service graph's Prometheus data source links to Tempo.
    expect(write.send_exemplars).toBe(true);
    const delay = [
      processor.service_graphs.wait,
      registry.collection_interval,
      write.queue_config.batch_send_deadline,
    ];
    expect(delay.map(ms).reduce((a, b) => a + b)).toBeLessThanOrEqual(5000);
  });

  it('makes a trace searchable (and in TraceQL metrics) within 2 s of its last span', () => {
    const { live_store: live } = tempo;
    expect(
      ms(tempo.query_frontend.query_end_cutoff) + ms(live.max_trace_idle) + ms(live.flush_check_period),
    ).toBeLessThanOrEqual(2000);
    expect(tempo.stream_over_http_enabled).toBe(true);
  });

  it("finishes its stop within Docker's grace period, not waiting on a query frontend that never finishes", () => {
    const { storage } = tempo.metrics_generator;
    // The stop's last work is the generator's remote write, bounded by its flush deadline.
    expect(ms(tempo.backend_worker.finish_on_shutdown_timeout)).toBe(0);
    expect(ms(storage.remote_write_flush_deadline)).toBeLessThan(ms(services.tempo.stop_grace_period));
  });
});

describe('compose/pyroscope/pyroscope.yaml', () => {
  it('is healthy by its own profilecli, keeps data on the volume', () => {
    const check = services.pyroscope.healthcheck.test as string[];
    expect(check[1]).toBe('/usr/bin/profilecli');
    expect(check.at(-1)).toBe(`--url=http://127.0.0.1:${pyroscope.server.http_listen_port}`);
    expect(pyroscope.storage.filesystem.dir.startsWith(`${volumeOf('pyroscope')}/`)).toBe(true);
  });
});

describe('what the servers send off the machine', () => {
  it('is nothing: no usage reports, update checks, news, key downloads or self-telemetry', () => {
    expect([loki.analytics, tempo.usage_report, pyroscope.analytics].map((r) => r.reporting_enabled)).toEqual(
      [false, false, false],
    );
    expect(pyroscope.self_profiling.disable_push).toBe(true);
    expect(pyroscope.tracing.enabled).toBe(false);
    // Grafana's Drilldown apps are the one download (test/config/compose.spec.ts), and never updated.
    expect(services.grafana.environment).toMatchObject({
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_NEWS_NEWS_FEED_ENABLED: 'false',
      GF_SNAPSHOTS_EXTERNAL_ENABLED: 'false',
      GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED: 'true',
      GF_PLUGINS_PREINSTALL_AUTO_UPDATE: 'false',
    });
  });
});
