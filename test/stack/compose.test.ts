// docker-compose.yml, the apps' Dockerfile and the servers' configs checked against the rules the README and
// docs/ promise (Docker cannot run here): pinned images, loopback-only ports, health, limits, volumes, wiring.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Service = Record<string, any>;
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });
const all = compose.services as Record<string, Service>;
// What `docker compose up` starts: every service outside a profile. The tools' services are under profiles.
const services = Object.fromEntries(Object.entries(all).filter(([, s]) => !s.profiles)) as Record<
  string,
  Service
>;
const tools = Object.fromEntries(Object.entries(all).filter(([, s]) => s.profiles)) as Record<
  string,
  Service
>;
const apps = { 'queue-service': '3001', 'ticket-service': '3002', 'user-service': '3003' } as const;
const megabytes = (limit: string) => Number.parseInt(limit, 10) * (limit.endsWith('g') ? 1024 : 1);
// The only servers without a Docker healthcheck, and why: the image holds the collector binary alone.
const noHealthcheck = ['otel-collector'];

describe('docker-compose.yml', () => {
  it('runs the whole sandbox: databases, the three apps, the lobby, collector, Loki, Tempo, Pyroscope, Prometheus, Grafana, cAdvisor', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'cadvisor',
        'grafana',
        'lobby',
        'loki',
        'otel-collector',
        'postgres',
        'prometheus',
        'pyroscope',
        'queue-lb',
        'queue-service',
        'redis',
        'tempo',
        'ticket-service',
        'user-service',
      ].sort(),
    );
  });

  it('pins every image to a release', () => {
    for (const [name, service] of Object.entries(all)) {
      // Postgres numbers its releases major.minor.
      expect(service.image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
    }
    expect(new Set(Object.keys(apps).map((app) => services[app].image)).size).toBe(1);
  });

  it('publishes ports on 127.0.0.1 only, each movable by a variable that .env.example names, none for queue-service so it can scale', () => {
    const example = readFileSync('.env.example', 'utf8');
    for (const [name, service] of Object.entries(all)) {
      for (const port of service.ports ?? []) {
        // The host side reads a variable whose default is the container's own port.
        const [, variable, fallback, target] =
          /^127\.0\.0\.1:\$\{([A-Z_]+_PORT):-(\d+)\}:(\d+)$/.exec(port) ?? [];
        expect(
          [fallback, variable && example.includes(`#${variable}=${fallback}\n`)],
          `${name}: ${port}`,
        ).toEqual([target, true]);
      }
    }
    expect(services['queue-service'].ports).toBeUndefined();
    expect(services['queue-lb'].ports).toEqual(['127.0.0.1:${QUEUE_SERVICE_PORT:-3001}:3001']);
    const nginx = readFileSync('compose/queue-lb/nginx.conf', 'utf8');
    expect(nginx).toMatch(/resolver 127\.0\.0\.11 valid=5s/);
    expect(nginx).toMatch(/set \$queue http:\/\/queue-service:3001;\s+proxy_pass \$queue;/);
  });

  it('gives every server a healthcheck (but the shell-less collector), a restart policy and a memory limit', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!noHealthcheck.includes(name)) expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.mem_limit, name).toMatch(/^\d+[mg]$/);
    }
  });

  it('runs the tools in the compose network from their small image, under profiles `up` does not start', () => {
    expect(Object.keys(tools).sort()).toEqual(['load', 'traffic', 'verify']);
    for (const [name, service] of Object.entries(tools)) {
      expect(service.build, name).toEqual({
        context: '.',
        dockerfile: 'compose/Dockerfile',
        target: 'tools',
      });
      expect(service.image, name).toBe('ticketing-sandbox-tools:0.1.0');
      expect(service.mem_limit, name).toMatch(/^\d+m$/);
      expect(service.ports, name).toBeUndefined();
      // By compose name, where the host's tools use localhost; links stay for the host's browser.
      expect(service.environment, name).toMatchObject({
        USER_SERVICE_URL: 'http://user-service:3003',
        QUEUE_SERVICE_URL: 'http://queue-lb:3001',
        TICKET_SERVICE_URL: 'http://ticket-service:3002',
      });
    }
    expect(tools.traffic.profiles).toEqual(['tools']);
    expect(tools.verify.profiles).toEqual(['tools']);
    expect(tools.traffic.entrypoint).toEqual(['node', '/tools/traffic/main.js']);
    expect(tools.traffic.environment.GRAFANA_URL).toBe(
      '${GRAFANA_PUBLIC_URL:-http://localhost:${GRAFANA_PORT:-3000}}',
    );
    expect(tools.verify.entrypoint).toEqual(['node', '/tools/verify/main.js']);
    expect(tools.verify.environment).toMatchObject({
      PROMETHEUS_URL: 'http://prometheus:9090',
      LOKI_URL: 'http://loki:3100',
      TEMPO_URL: 'http://tempo:3200',
      PYROSCOPE_URL: 'http://pyroscope:4040',
      GRAFANA_URL: 'http://grafana:3000',
      GRAFANA_PUBLIC_URL: '${GRAFANA_PUBLIC_URL:-http://localhost:${GRAFANA_PORT:-3000}}',
    });
    // `run` of a tool starts nothing: depends_on would have compose converge the services it names.
    expect(tools.traffic.depends_on).toBeUndefined();
    expect(tools.verify.depends_on).toBeUndefined();
    expect(tools.load).toMatchObject({
      profiles: ['load'],
      restart: 'unless-stopped',
      stop_signal: 'SIGINT',
    });
    expect(tools.load.depends_on['ticket-service'].condition).toBe('service_healthy');
  });

  it('fits an 8 GB laptop, and the READMEs say how much it takes and how many containers it starts', () => {
    const total = Object.values(services).reduce((sum, s) => sum + megabytes(s.mem_limit), 0);
    expect(total).toBeLessThanOrEqual(4096);
    const count = Object.keys(services).length;
    expect(readFileSync('README.md', 'utf8')).toContain(`starts all ${count} containers`);
    expect(readFileSync('README.ko.md', 'utf8')).toContain(`${count}개 컨테이너`);
    // One figure, the same wherever it is named: the sum of what `up` starts.
    expect(readFileSync('README.md', 'utf8')).toContain(
      `${(total / 1024).toFixed(1)} GB of memory for Docker`,
    );
    expect(readFileSync('README.ko.md', 'utf8')).toContain(`메모리 ${(total / 1024).toFixed(1)} GB`);
    expect(readFileSync('docs/configuration.md', 'utf8')).toContain(
      `In all **${(total / 1024).toFixed(1)} GB**`,
    );
  });

  it('starts the apps after what they need is healthy, on one image, with the env of docs/configuration.md', () => {
    for (const [app, port] of Object.entries(apps)) {
      const service = services[app];
      expect(service.depends_on.postgres.condition).toBe('service_healthy');
      expect(service.depends_on.redis.condition).toBe('service_healthy');
      expect(service.command).toEqual(['node', `dist/apps/${app}/main.js`]);
      expect(service.init).toBe(true);
      expect(service.labels).toEqual({ app });
      expect(service.environment).toMatchObject({
        PORT: port,
        OTEL_SERVICE_NAME: app,
        // Every interface inside the container; the published port stays on the host's loopback.
        HOST: '0.0.0.0',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        FAULTS_ENABLED: 'true',
        DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/ticketing',
        REDIS_URL: 'redis://redis:6379',
        USER_SERVICE_URL: 'http://user-service:3003',
        QUEUE_SERVICE_URL: 'http://queue-service:3001',
        PYROSCOPE_SERVER_ADDRESS: 'http://pyroscope:4040',
      });
      expect(service.healthcheck.test.join(' ')).toContain('/health/ready');
    }
  });

  it('waits for no health but the stores, so that `up --wait` is not a chain of healthchecks', () => {
    const waits = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {})
        .filter(([, d]) => (d as { condition: string }).condition === 'service_healthy')
        .map(([on]) => `${name} -> ${on}`),
    );
    const stores = Object.keys(apps).flatMap((app) => [`${app} -> postgres`, `${app} -> redis`]);
    expect(waits.sort()).toEqual(stores.sort());
  });

  it('runs cAdvisor with the least it needs: read-only mounts, the kernel log, no privilege, the pinned release', () => {
    const cadvisor = services.cadvisor;
    expect(cadvisor.privileged).toBeUndefined();
    expect(cadvisor.cap_add).toEqual(['SYSLOG']);
    expect(cadvisor.devices).toEqual(['/dev/kmsg:/dev/kmsg:r']);
    for (const volume of cadvisor.volumes) expect(volume).toMatch(/:ro$/);
    expect(cadvisor.ports).toEqual(['127.0.0.1:${CADVISOR_PORT:-8080}:8080']);
    // The suite's stand-in is built on the library of the same release.
    const version = cadvisor.image.split(':')[1];
    expect(readFileSync('test/images/cadvisor/go.mod', 'utf8')).toContain(
      `github.com/google/cadvisor ${version}`,
    );
    // Prometheus keeps this project's containers only, each named by its compose service as kubelet names it.
    const prometheus = readFileSync('compose/prometheus/prometheus.yml', 'utf8');
    expect(prometheus).toContain("targets: ['cadvisor:8080']");
    expect(prometheus).toContain(`regex: ${compose.name}`);
  });

  it('keeps data in named volumes (down -v resets) and mounts only files that exist', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'grafana',
      'loki',
      'postgres',
      'prometheus',
      'pyroscope',
      'redis',
      'tempo',
    ]);
    // cAdvisor alone reads the engine host's own paths (checked above).
    for (const [name, service] of Object.entries(services).filter(([name]) => name !== 'cadvisor')) {
      for (const volume of service.volumes ?? []) {
        const [source] = String(volume).split(':');
        if (source.startsWith('.')) expect(existsSync(source), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
      }
    }
    // Postgres 18 images keep their data under a versioned directory below this mount point.
    expect(services.postgres.volumes).toEqual(['postgres:/var/lib/postgresql']);
  });

  it('keeps Grafana open without login on loopback only and calling nothing outside', () => {
    expect(services.grafana.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_NEWS_NEWS_FEED_ENABLED: 'false',
      GF_SNAPSHOTS_EXTERNAL_ENABLED: 'false',
      GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED: 'true',
      GF_PLUGINS_PREINSTALL_AUTO_UPDATE: 'false',
    });
  });

  it('has Grafana install the four Drilldown apps, each pinned, in the background (offline it starts without)', () => {
    const env = services.grafana.environment;
    expect(env.GF_PLUGINS_PREINSTALL_DISABLED).toBeUndefined();
    expect(env.GF_PLUGINS_PREINSTALL_SYNC).toBeUndefined();
    const plugins = String(env.GF_PLUGINS_PREINSTALL).split(',');
    expect(plugins.map((p) => p.split('@')[0]).sort()).toEqual([
      'grafana-exploretraces-app',
      'grafana-lokiexplore-app',
      'grafana-metricsdrilldown-app',
      'grafana-pyroscope-app',
    ]);
    for (const plugin of plugins) expect(plugin).toMatch(/^[a-z-]+@\d+\.\d+\.\d+$/);
  });

  it('sends spans and logs from the services every 500 ms, so each is queryable within seconds', () => {
    for (const app of Object.keys(apps)) {
      expect(services[app].environment).toMatchObject({
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_BLRP_SCHEDULE_DELAY: '500',
      });
    }
  });
});

describe("docker-compose.yml through Compose's own loader (compose-go, schema and merges)", () => {
  // scripts/compose-config: compose-go, as Docker Compose v2 loads files, built with the machine's Go.
  const load = async (file: string) =>
    JSON.parse(
      (await promisify(execFile)('go', ['-C', 'scripts/compose-config', 'run', '.', resolve(file)])).stdout,
    ) as { services: Record<string, Service> };

  it('loads, with every anchor and merge resolved as compose resolves them', async () => {
    const project = await load('docker-compose.yml');
    expect(Object.keys(project.services).sort()).toEqual(Object.keys(services).sort());
    expect(project.services['queue-service'].depends_on).toEqual({
      postgres: { condition: 'service_healthy', required: true },
      redis: { condition: 'service_healthy', required: true },
      'otel-collector': { condition: 'service_started', required: true },
    });
    expect(project.services.tempo.healthcheck).toMatchObject({
      test: ['CMD', '/tempo', '-health'],
      start_period: '30s',
    });
    expect(project.services['user-service']).toMatchObject({
      mem_limit: String(256 * 1024 * 1024),
      init: true,
    });
  }, 300_000);

  it('rejects what compose would reject, so the check can fail', async () => {
    const broken = `/tmp/ticketing-compose-${process.pid}.yml`;
    writeFileSync(
      broken,
      readFileSync('docker-compose.yml', 'utf8').replace('mem_limit: 128m', 'mem_limit: lots'),
    );
    await expect(load(broken)).rejects.toMatchObject({ stderr: expect.stringMatching(/mem_limit|lots/) });
  }, 300_000);
});

describe('compose/Dockerfile', () => {
  const dockerfile = readFileSync('compose/Dockerfile', 'utf8');
  const ignore = readFileSync('.dockerignore', 'utf8');

  it('builds with npm ci, prunes to production deps and runs node directly as a non-root user', () => {
    expect(dockerfile).toMatch(/RUN .*npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/apps\/queue-service\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/m);
  });

  it('runs the Node the tests run on, which package.json engines allows', () => {
    const pinned = readFileSync('.node-version', 'utf8').trim();
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${pinned}-bookworm-slim`);
    expect(process.version).toBe(`v${pinned}`);
    const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!;
    const [pinnedMajor, pinnedMinor] = pinned.split('.').map(Number);
    expect(pinnedMajor).toBe(Number(major));
    expect(pinnedMinor).toBeGreaterThanOrEqual(Number(minor));
  });

  it('sends the build context only what it copies, and every copied path exists', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    for (const path of copied) {
      expect(existsSync(path), path).toBe(true);
      expect(ignore, path).toMatch(new RegExp(`^!${path.replace(/[.*]/g, '\\$&')}(/\\*\\*)?$`, 'm'));
    }
  });
});

describe('Loki and Tempo configs (reviewed against the pinned releases; they cannot run here)', () => {
  const loki = parse(readFileSync('compose/loki/loki.yaml', 'utf8'));
  const tempo = parse(readFileSync('compose/tempo/tempo.yaml', 'utf8'));

  it('Loki: single binary on the filesystem, schema v13, app promoted to an index label, patterns on', () => {
    expect(services.loki.image).toBe('grafana/loki:3.7.8');
    expect(loki.schema_config.configs.at(-1)).toMatchObject({
      store: 'tsdb',
      schema: 'v13',
      object_store: 'filesystem',
    });
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    expect(loki.limits_config.otlp_config.resource_attributes.attributes_config).toContainEqual({
      action: 'index_label',
      attributes: ['app'],
    });
    expect(loki.pattern_ingester.enabled).toBe(true);
    expect(loki.analytics.reporting_enabled).toBe(false);
    expect(loki.common.path_prefix).toBe('/loki');
  });

  it('Tempo: OTLP in on 4317/4318 from other containers, local storage on the volume, no usage reports', () => {
    expect(services.tempo.image).toBe('grafana/tempo:3.0.3');
    expect(tempo.distributor.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: '0.0.0.0:4317' },
      http: { endpoint: '0.0.0.0:4318' },
    });
    expect(tempo.storage.trace.backend).toBe('local');
    expect(tempo.storage.trace.wal.path).toMatch(/^\/var\/tempo\//);
    expect(tempo.usage_report.reporting_enabled).toBe(false);
  });

  it('Tempo: a service graph with Redis as a database and millisecond buckets, written to Prometheus fast', () => {
    const { registry, processor, storage } = tempo.metrics_generator;
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs']);
    expect(processor.service_graphs.database_name_attributes).toEqual(
      expect.arrayContaining(['db.system.name', 'db.namespace']),
    );
    const buckets: number[] = processor.service_graphs.histogram_buckets;
    expect([buckets[0], buckets.at(-1)]).toEqual([0.001, 10]);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
    expect(processor.service_graphs.wait).toBe('2s');
    expect(registry.collection_interval).toBe('1s');
    expect(storage.remote_write).toEqual([
      {
        url: 'http://prometheus:9090/api/v1/write',
        send_exemplars: true,
        queue_config: { batch_send_deadline: '500ms' },
      },
    ]);
    expect(services.prometheus.command).toContain('--web.enable-remote-write-receiver');
  });

  it('Tempo: a trace is searchable (and in TraceQL metrics) a second or two after it arrives', () => {
    expect(tempo.query_frontend.query_end_cutoff).toBe('0s');
    expect(tempo.live_store).toMatchObject({ max_trace_idle: '1s', flush_check_period: '1s' });
    expect(tempo.stream_over_http_enabled).toBe(true);
  });

  it('Tempo: Docker waits for the 5 s its stop takes, and not for a query frontend that never finishes', () => {
    expect(tempo.backend_worker.finish_on_shutdown_timeout).toBe('0s');
    // The stop's last work is the generator's remote write, bounded by its flush deadline.
    expect(Number.parseInt(tempo.metrics_generator.storage.remote_write_flush_deadline, 10)).toBe(5);
    expect(Number.parseInt(services.tempo.stop_grace_period, 10)).toBe(15);
  });

  it('Pyroscope: pinned, healthy by its own profilecli, data on the volume, nothing sent off the machine', () => {
    const pyroscope = parse(readFileSync('compose/pyroscope/pyroscope.yaml', 'utf8'));
    expect(services.pyroscope.image).toBe('grafana/pyroscope:2.2.1');
    expect(services.pyroscope.healthcheck.test).toEqual([
      'CMD',
      '/usr/bin/profilecli',
      'ready',
      '--url=http://127.0.0.1:4040',
    ]);
    expect(services.pyroscope.ports).toEqual(['127.0.0.1:${PYROSCOPE_PORT:-4040}:4040']);
    expect(services.pyroscope.volumes).toContain('pyroscope:/data');
    expect(pyroscope.storage.filesystem.dir).toMatch(/^\/data\//);
    expect(pyroscope.analytics.reporting_enabled).toBe(false);
    expect(pyroscope.self_profiling.disable_push).toBe(true);
    expect(pyroscope.tracing.enabled).toBe(false);
  });

  it('the collector flushes batches and span metrics within a second, scraped every second', () => {
    const collector = parse(readFileSync('otel-collector/config.yaml', 'utf8'));
    expect(collector.processors.batch.timeout).toBe('200ms');
    expect(collector.connectors.span_metrics.metrics_flush_interval).toBe('1s');
    const prometheus = parse(readFileSync('compose/prometheus/prometheus.yml', 'utf8'), { merge: true });
    const job = (name: string) =>
      prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
    expect(job('span-metrics').scrape_interval).toBe('1s');
    for (const app of Object.keys(apps)) expect(job(app).scrape_interval, app).toBe('2s');
  });

  it('the collector sends traces to Tempo and logs to Loki where those listen', () => {
    const collector = readFileSync('otel-collector/config.yaml', 'utf8');
    expect(collector).toContain('${env:TEMPO_OTLP_ENDPOINT:-http://tempo:4318}');
    expect(collector).toContain('${env:LOKI_OTLP_ENDPOINT:-http://loki:3100/otlp}');
    expect(services['otel-collector'].image).toBe(
      `otel/opentelemetry-collector-contrib:${parse(readFileSync('otel-collector/builder-config.yaml', 'utf8')).dist.version}`,
    );
  });
});
