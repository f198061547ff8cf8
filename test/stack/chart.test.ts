// The Helm chart (charts/ticketing-sandbox), checked here since no cluster runs in the test suite: `helm lint` and
// `helm template` with helm built from the Go module proxy, every rendered object decoded strictly by its Kubernetes
// or prometheus-operator Go type (scripts/k8s-validate), and the rendered objects compared with what compose runs.
// What needs no helm (the upstream charts' values, the chart's links to the repository's files): test/config/chart.spec.ts.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { outcome, runAsync } from '../support/binaries';
import { apps, collectorText, compose, prometheus } from '../config/compose-files';

type Manifest = Record<string, any>;

const chart = 'charts/ticketing-sandbox';
const scratch = mkdtempSync(join(tmpdir(), 'chart-'));

describe('charts/ticketing-sandbox', () => {
  const helm = inject('helm');
  const template = (...extra: string[]) =>
    runAsync(helm, ['template', 'ticketing', chart, '--namespace', 'ticketing', ...extra]);
  const objectsOf = (text: string) =>
    parseAllDocuments(text)
      .map((d) => d.toJS() as Manifest)
      .filter(Boolean);
  let rendered: string;
  let objects: Manifest[];
  /** An object of the default render, or of another one. */
  const find = (kind: string, name: string, among = objects) => {
    const found = among.find((o) => o.kind === kind && o.metadata.name === name);
    expect(found, `${kind} ${name}`).toBeDefined();
    return found!;
  };
  const workloads = () => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
  const envOf = (name: string, among = objects) =>
    Object.fromEntries(
      find('Deployment', name, among).spec.template.spec.containers[0].env.map(
        (e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom],
      ),
    );
  const validate = (file: string) =>
    runAsync('go', ['-C', 'scripts/k8s-validate', 'run', '.', resolve(file)]);

  beforeAll(async () => {
    rendered = await template();
    objects = objectsOf(rendered);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes helm lint --strict', async () => {
    const out = await runAsync(helm, ['lint', chart, '--strict', '--namespace', 'ticketing']);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders objects that decode strictly into their Kubernetes and prometheus-operator types', async () => {
    const file = join(scratch, 'rendered.yaml');
    writeFileSync(file, rendered);
    const results = (await validate(file))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.length).toBe(objects.length);
    expect(new Set(results.map((r) => r.kind))).toEqual(
      new Set([
        'v1/Secret',
        'v1/ConfigMap',
        'v1/Service',
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'monitoring.coreos.com/v1/ServiceMonitor',
        'monitoring.coreos.com/v1/PrometheusRule',
      ]),
    );
  });

  it('has a validator that refuses an unknown field, a wrong type and an unknown kind', async () => {
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor')!;
    const cases: [Manifest, RegExp][] = [
      [{ ...deployment, spec: { ...deployment.spec, replica: 2 } }, /unknown field "(spec\.)?replica"/],
      [{ ...monitor, spec: { ...monitor.spec, endpoints: { port: 'http' } } }, /cannot unmarshal object/],
      [{ ...monitor, kind: 'ServiceMonitors' }, /unknown kind/],
    ];
    for (const [object, error] of cases) {
      const file = join(scratch, 'bad.yaml');
      writeFileSync(file, JSON.stringify(object));
      const result = await outcome('go', ['-C', 'scripts/k8s-validate', 'run', '.', resolve(file)]);
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout).error).toMatch(error);
    }
  });

  it('gives the Grafana sidecar exactly the dashboards compose provisions, in the same folder', () => {
    const files = readdirSync('grafana/dashboards').filter((f) => f.endsWith('.json'));
    const maps = objects.filter(
      (o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1',
    );
    expect(maps.flatMap((m) => Object.keys(m.data)).sort()).toEqual(files.sort());
    for (const map of maps) {
      const [name, text] = Object.entries(map.data as Record<string, string>)[0];
      expect(text, name).toBe(readFileSync(join('grafana/dashboards', name), 'utf8'));
      expect(map.metadata.annotations.grafana_folder).toBe(
        parse(readFileSync('grafana/provisioning/dashboards/dashboards.yaml', 'utf8')).providers[0].folder,
      );
    }
  });

  it('gives the operator exactly the rule files compose mounts, one PrometheusRule each', () => {
    const files = readdirSync('compose/prometheus/rules').filter((f) => f.endsWith('.yml'));
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name).sort()).toEqual(
      files.map((f) => `ticketing-${f.slice(0, -4)}`).sort(),
    );
    for (const file of files)
      expect(find('PrometheusRule', `ticketing-${file.slice(0, -4)}`).spec).toEqual(
        parse(readFileSync(join('compose/prometheus/rules', file), 'utf8')),
      );
  });

  it('provisions the data sources of compose, same uids and links, at the cluster addresses', async () => {
    const own = parse(readFileSync('grafana/provisioning/datasources/datasources.yaml', 'utf8'));
    const map = find('ConfigMap', 'ticketing-datasources');
    expect(map.metadata.labels.grafana_datasource).toBe('1');
    const provisioned = parse(map.data['datasources.yaml']);
    const withoutUrl = ({ url: _url, ...rest }: Manifest) => rest;
    // No Pyroscope unless one is given: the chapter installs none.
    expect(provisioned.datasources.map(withoutUrl)).toEqual(
      own.datasources.filter((d: Manifest) => d.uid !== 'pyroscope').map(withoutUrl),
    );
    expect(Object.fromEntries(provisioned.datasources.map((d: Manifest) => [d.uid, d.url]))).toEqual({
      prometheus: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090',
      loki: 'http://loki.monitoring.svc.cluster.local:3100',
      tempo: 'http://tempo.monitoring.svc.cluster.local:3200',
    });
    const withPyroscope = find(
      'ConfigMap',
      'ticketing-datasources',
      objectsOf(
        await template('--set', 'monitoring.datasourceUrls.pyroscope=http://pyroscope.monitoring:4040'),
      ),
    );
    expect(parse(withPyroscope.data['datasources.yaml']).datasources.map(withoutUrl)).toEqual(
      own.datasources.map(withoutUrl),
    );
  });

  it('refuses to render without the URL of a data source, naming the value', async () => {
    const result = await outcome(helm, [
      'template',
      'x',
      chart,
      '--set',
      'monitoring.datasourceUrls.loki=null',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('monitoring.datasourceUrls.loki: give the URL of data source Loki');
  });

  it('runs each app with the environment compose gives it, the Postgres password from a Secret', async () => {
    const withProfiles = objectsOf(
      await template('--set', 'monitoring.pyroscopeAddress=http://pyroscope:4040'),
    );
    for (const app of apps) {
      const { POSTGRES_PASSWORD: secret, ...rest } = envOf(app, withProfiles);
      expect(secret, app).toEqual({ secretKeyRef: { name: 'postgres', key: 'password' } });
      const composed = { ...compose.services[app].environment };
      composed.DATABASE_URL = composed.DATABASE_URL.replace(':postgres@', ':$(POSTGRES_PASSWORD)@');
      expect(rest, app).toEqual(composed);
    }
    // By default no profiles are sent (no Pyroscope in the chapter's cluster).
    expect(envOf('queue-service').PYROSCOPE_SERVER_ADDRESS).toBeUndefined();
  });

  it('keeps the Postgres password out of every workload and every Service', () => {
    const secret = find('Secret', 'postgres');
    const password = Buffer.from(secret.data.password, 'base64').toString();
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    const others = objects.filter((o) => o !== secret);
    expect(JSON.stringify(others)).not.toContain(password);
    expect(JSON.stringify(others)).not.toContain(secret.data.password);
    expect(find('StatefulSet', 'postgres').spec.template.spec.containers[0].env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'postgres', key: 'password' } },
    });
  });

  it('pins every image, to the very images compose runs', () => {
    const composeImage = (service: string) => compose.services[service].image;
    const images = Object.fromEntries(
      workloads().map((w) => [
        w.metadata.name,
        w.spec.template.spec.containers.map((c: Manifest) => c.image),
      ]),
    );
    expect(images).toEqual({
      'user-service': [composeImage('user-service')],
      'queue-service': [composeImage('queue-service')],
      'ticket-service': [composeImage('ticket-service')],
      postgres: [composeImage('postgres')],
      redis: [composeImage('redis')],
      'otel-collector': [composeImage('otel-collector')],
      lobby: [composeImage('lobby')],
    });
    for (const image of Object.values(images).flat()) expect(image).toMatch(/^[^:]+:\d[\w.-]*$/);
  });

  it('runs every container as non-root, read-only, with no capability, limited as in compose', () => {
    const mib = (limit: string) => Number(limit.replace(/m$/, ''));
    for (const workload of workloads()) {
      const name = workload.metadata.name;
      const pod = workload.spec.template.spec;
      expect(pod.securityContext, name).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext.runAsUser, name).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken, name).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        const limit = mib(compose.services[name].mem_limit);
        expect(container.resources.limits.memory, name).toBe(`${limit}Mi`);
        expect(container.resources.requests.memory, name).toBe(`${limit}Mi`);
        expect(container.resources.requests.cpu, name).toBeDefined();
      }
    }
  });

  it('probes every app on /health/live and /health/ready', () => {
    for (const app of apps) {
      const container = find('Deployment', app).spec.template.spec.containers[0];
      expect(container.livenessProbe.httpGet.path, app).toBe('/health/live');
      expect(container.startupProbe.httpGet.path, app).toBe('/health/live');
      expect(container.readinessProbe.httpGet.path, app).toBe('/health/ready');
      expect(container.ports[0].containerPort, app).toBe(Number(compose.services[app].environment.PORT));
    }
  });

  it('runs the lobby with the environment compose gives it, at the services’ full cluster names', async () => {
    const env = envOf('lobby');
    const composeEnv = compose.services.lobby.environment;
    const cluster = (name: string, port: number) => `http://${name}.ticketing.svc.cluster.local:${port}`;
    expect(Object.keys(env).sort()).toEqual(Object.keys(composeEnv).sort());
    expect(env).toMatchObject({
      LOBBY_LISTEN: composeEnv.LOBBY_LISTEN,
      LOBBY_ROOT: composeEnv.LOBBY_ROOT,
      LOBBY_RESOLVER: 'kube-dns.kube-system.svc.cluster.local',
      USER_SERVICE_URL: cluster('user-service', 3003),
      QUEUE_SERVICE_URL: cluster('queue-service', 3001),
      TICKET_SERVICE_URL: cluster('ticket-service', 3002),
      OTLP_HTTP_URL: cluster('otel-collector', 4318),
      GRAFANA_PUBLIC_URL: 'http://localhost:3000',
    });
    // Every path nginx writes to is an emptyDir: the filled template, its caches, its pid file.
    const container = find('Deployment', 'lobby').spec.template.spec.containers[0];
    expect(container.volumeMounts.map((m: Manifest) => m.mountPath).sort()).toEqual(
      ['/etc/nginx/conf.d', '/run', '/tmp', '/var/cache/nginx'].sort(),
    );
    expect(find('Service', 'lobby').spec.ports[0].port).toBe(8000);
    const without = objectsOf(await template('--set', 'lobby.enabled=false'));
    expect(without.filter((o) => o.metadata.name === 'lobby')).toEqual([]);
  });

  it('exposes nothing outside the cluster: every Service is a ClusterIP, named as the chapter reaches it', () => {
    const services = objects.filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.spec.type)).toEqual(services.map(() => 'ClusterIP'));
    expect(find('Service', 'queue-service').spec.ports[0].port).toBe(3001);
    expect(find('Service', 'user-service').spec.ports[0].port).toBe(3003);
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  it('has Prometheus scrape each app with its app label, and the span metrics renamed as compose does', () => {
    for (const app of apps) {
      const monitor = find('ServiceMonitor', app);
      expect(monitor.spec.targetLabels).toEqual(['app']);
      expect(find('Service', app).metadata.labels.app).toBe(app);
      expect(monitor.spec.selector.matchLabels).toEqual(find('Deployment', app).spec.selector.matchLabels);
      expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '2s' }]);
    }
    const job = prometheus.scrape_configs.find((j: Manifest) => j.job_name === 'span-metrics');
    const spans = find('ServiceMonitor', 'otel-collector').spec.endpoints.find(
      (e: Manifest) => e.port === 'span-metrics',
    );
    expect(spans.interval).toBe(job.scrape_interval);
    expect(spans.relabelings).toEqual([{ targetLabel: 'job', replacement: 'span-metrics' }]);
    expect(spans.metricRelabelings).toEqual(
      job.metric_relabel_configs.map((r: Manifest) => ({
        sourceLabels: r.source_labels,
        ...(r.regex ? { regex: r.regex } : {}),
        targetLabel: r.target_label,
        ...(r.replacement ? { replacement: r.replacement } : {}),
      })),
    );
  });

  it('runs the collector on compose’s config.yaml, pointed at the cluster’s Tempo and Loki', () => {
    expect(find('ConfigMap', 'otel-collector').data['config.yaml']).toBe(collectorText);
    const container = find('Deployment', 'otel-collector').spec.template.spec.containers[0];
    expect(container.args).toEqual(compose.services['otel-collector'].command);
    expect(container.env).toEqual([
      { name: 'TEMPO_OTLP_ENDPOINT', value: 'http://tempo.monitoring.svc.cluster.local:4318' },
      { name: 'LOKI_OTLP_ENDPOINT', value: 'http://loki.monitoring.svc.cluster.local:3100/otlp' },
      { name: 'GOMEMLIMIT', value: compose.services['otel-collector'].environment.GOMEMLIMIT },
    ]);
  });
});
