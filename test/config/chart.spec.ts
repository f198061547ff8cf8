// The Helm chart's files that need no helm: its links to the repository's files, which it may only read from its
// own folder, and the values for the upstream charts (charts/upstream) against compose/. Rendering: test/stack/chart.test.ts.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compose, loki as ownLoki, tempo as ownTempo } from './compose-files';

describe('charts/ticketing-sandbox/files', () => {
  it('is the repository’s own rules, collector config and data sources, by symlink: one copy of each', () => {
    const files = 'charts/ticketing-sandbox/files';
    expect(readdirSync(files).sort()).toEqual(['dashboards', 'datasources.yaml', 'otel-collector', 'rules']);
    for (const [link, target] of [
      ['rules', 'compose/prometheus/rules'],
      ['otel-collector/config.yaml', 'otel-collector/config.yaml'],
      ['datasources.yaml', 'grafana/provisioning/datasources/datasources.yaml'],
    ])
      expect(realpathSync(join(files, link)), link).toBe(realpathSync(target));
  });
});

describe('charts/upstream: values for the upstream charts', () => {
  const values = (name: string) => parse(readFileSync(`charts/upstream/${name}.yaml`, 'utf8'));
  const readme = readFileSync('docs/kubernetes.md', 'utf8');

  it('pins each chart, and docs/kubernetes.md installs that very version', () => {
    for (const [file, chartName] of [
      ['kube-prometheus-stack', 'prometheus-community/kube-prometheus-stack'],
      ['loki', 'grafana-community/loki'],
      ['tempo', 'grafana-community/tempo'],
    ]) {
      const header = readFileSync(`charts/upstream/${file}.yaml`, 'utf8');
      const version = header.match(new RegExp(`${chartName} --version (\\S+)`))?.[1];
      expect(version, file).toMatch(/^\d+\.\d+\.\d+$/);
      expect(readme, file).toContain(`${chartName} --version ${version}`);
    }
  });

  it('has kube-prometheus-stack store exemplars, take remote writes, and pick up the sandbox’s objects', () => {
    const { prometheus, grafana } = values('kube-prometheus-stack');
    expect(prometheus.prometheusSpec.enableFeatures).toEqual(['exemplar-storage']);
    expect(prometheus.prometheusSpec.enableRemoteWriteReceiver).toBe(true);
    expect(prometheus.prometheusSpec).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
    });
    expect(grafana.sidecar.dashboards.folderAnnotation).toBe('grafana_folder');
    expect(grafana.sidecar.datasources.defaultDatasourceEnabled).toBe(false);
    expect(grafana.env.GF_PLUGINS_PREINSTALL).toBe(
      compose.services.grafana.environment.GF_PLUGINS_PREINSTALL,
    );
    expect(grafana['grafana.ini'].dashboards.default_home_dashboard_path).toBe(
      '/tmp/dashboards/Ticketing sandbox/home.json',
    );
  });

  it('has Loki index `app` from OTLP and keep the limits of compose/loki/loki.yaml', () => {
    const { loki } = values('loki');
    expect(loki.limits_config).toEqual(ownLoki.limits_config);
    expect(loki.schemaConfig).toEqual(ownLoki.schema_config);
  });

  it('has Tempo make the service graph as compose/tempo/tempo.yaml, into kube-prometheus-stack’s Prometheus', () => {
    const { tempo } = values('tempo');
    expect(tempo.metricsGenerator.processor.service_graphs).toEqual(
      ownTempo.metrics_generator.processor.service_graphs,
    );
    expect(tempo.metricsGenerator.registry).toEqual(ownTempo.metrics_generator.registry);
    expect(tempo.overrides.defaults).toEqual(ownTempo.overrides.defaults);
    const [write] = ownTempo.metrics_generator.storage.remote_write;
    expect(tempo.metricsGenerator.storage.remote_write).toEqual([
      {
        ...write,
        url: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090/api/v1/write',
      },
    ]);
    expect(tempo.queryFrontend.query_end_cutoff).toBe(ownTempo.query_frontend.query_end_cutoff);
  });
});
