// docker-compose.yml parsed and held to the rules the README and docs/ promise: pinned images, loopback-only
// ports, health, limits, volumes, and every address a container is given reaching a service where it listens.
// Compose's own loader (compose-go) reads it in test/stack/compose.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  all,
  apps,
  compose,
  listens,
  megabytes,
  prometheus,
  services,
  tools,
  unreachable,
} from './compose-files';

// The only server without a Docker healthcheck, and why: the image holds the collector binary alone.
const noHealthcheck = ['otel-collector'];
const urls = (env: Record<string, string> = {}) =>
  Object.entries(env).filter(([, value]) => /^[a-z]+:\/\//.test(String(value)));

describe('docker-compose.yml', () => {
  it('pins every image to a release', () => {
    for (const [name, service] of Object.entries(all)) {
      // Postgres numbers its releases major.minor.
      expect(service.image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$/);
    }
    expect(new Set(apps.map((app) => services[app].image)).size).toBe(1);
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
    // queue-lb takes queue-service's port and re-resolves its replicas through Docker's DNS.
    expect(services['queue-service'].ports).toBeUndefined();
    expect(listens('queue-lb')).toContain(services['queue-service'].environment.PORT);
    const nginx = readFileSync('compose/queue-lb/nginx.conf', 'utf8');
    expect(nginx).toMatch(/resolver 127\.0\.0\.11 valid=\d+s/);
    expect(nginx).toMatch(/set \$queue http:\/\/queue-service:(\d+);\s+proxy_pass \$queue;/);
  });

  it('gives every address a container is given to a compose service, at a port that service listens on', () => {
    const wrong = Object.entries(all).flatMap(([name, service]) =>
      urls(service.environment).map(
        ([key, url]) => unreachable(url) && `${name} ${key}: ${unreachable(url)}`,
      ),
    );
    expect(wrong.filter(Boolean)).toEqual([]);
  });

  it('gives every server a healthcheck (but the shell-less collector), a restart policy and a memory limit', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!noHealthcheck.includes(name)) expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.mem_limit, name).toMatch(/^\d+[mg]$/);
    }
  });

  it('runs the tools from a small target of compose/Dockerfile, with no port, `run` starting nothing else', () => {
    const dockerfile = readFileSync('compose/Dockerfile', 'utf8');
    for (const [name, tool] of Object.entries(tools)) {
      expect(dockerfile, name).toContain(` AS ${tool.build.target}\n`);
      expect(tool.mem_limit, name).toMatch(/^\d+m$/);
      expect(tool.ports, name).toBeUndefined();
      // The entrypoint is a file the tools' build bundles: scripts/<tool>/main.ts to /tools/<tool>/main.js.
      const [, bundled] = /^\/tools\/(\w+)\/main\.js$/.exec(tool.entrypoint[1]) ?? [];
      expect(dockerfile, name).toContain(`scripts/${bundled}/main.ts`);
    }
    // The links they print are for the host's browser: Grafana's port as published on the host.
    const published = services.grafana.ports[0].replace(/^127\.0\.0\.1:|:\d+$/g, '');
    for (const tool of [tools.traffic, tools.verify])
      expect(tool.environment.GRAFANA_PUBLIC_URL ?? tool.environment.GRAFANA_URL).toBe(
        `\${GRAFANA_PUBLIC_URL:-http://localhost:${published}}`,
      );
    // `run` of a tool starts nothing: depends_on would have compose converge the services it names.
    expect([tools.traffic.depends_on, tools.verify.depends_on]).toEqual([undefined, undefined]);
    // `stop load` ends a run with the signal the traffic tool handles (it restores faults, prints its summary).
    expect(readFileSync('scripts/traffic/main.ts', 'utf8')).toContain(`'${tools.load.stop_signal}'`);
  });

  it('fits an 8 GB laptop, and the READMEs say how much it takes and how many containers it starts', () => {
    const total = Object.values(services).reduce((sum, s) => sum + megabytes(s.mem_limit), 0);
    expect(total).toBeLessThanOrEqual(4096);
    const count = Object.keys(services).length;
    const gb = (total / 1024).toFixed(1);
    const readme = readFileSync('README.md', 'utf8');
    const korean = readFileSync('README.ko.md', 'utf8');
    // One figure, the same wherever it is named: the sum of what `up` starts.
    expect(readme).toContain(`starts all ${count} containers`);
    expect(readme).toContain(`${gb} GB of memory for Docker`);
    expect(korean).toContain(`${count}개 컨테이너`);
    expect(korean).toContain(`메모리 ${gb} GB`);
    expect(readFileSync('docs/configuration.md', 'utf8')).toContain(`In all **${gb} GB**`);
  });

  it('runs each app by its own name, reachable from the other containers, readiness as its health', () => {
    for (const app of apps) {
      const service = services[app];
      expect(service.command).toEqual(['node', `dist/apps/${app}/main.js`]);
      expect(service.labels).toEqual({ app });
      expect(service.environment.OTEL_SERVICE_NAME).toBe(app);
      // Every interface inside the container; the published port stays on the host's loopback.
      expect(service.environment.HOST).toBe('0.0.0.0');
      expect(service.init).toBe(true);
      expect(service.healthcheck.test.join(' ')).toContain('/health/ready');
      // Spans and log records leave within a second, so each is queryable within seconds.
      expect(Number(service.environment.OTEL_BSP_SCHEDULE_DELAY)).toBeLessThanOrEqual(1000);
      expect(Number(service.environment.OTEL_BLRP_SCHEDULE_DELAY)).toBeLessThanOrEqual(1000);
    }
  });

  it('waits for no health but the stores, so that `up --wait` is not a chain of healthchecks', () => {
    const waits = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {})
        .filter(([, d]) => (d as { condition: string }).condition === 'service_healthy')
        .map(([on]) => `${name} -> ${on}`),
    );
    const stores = apps.flatMap((app) => [`${app} -> postgres`, `${app} -> redis`]);
    expect(waits.sort()).toEqual(stores.sort());
  });

  it('runs cAdvisor with the least it needs: read-only mounts, the kernel log, no privilege, the pinned release', () => {
    const cadvisor = services.cadvisor;
    expect(cadvisor.privileged).toBeUndefined();
    expect(cadvisor.cap_add).toEqual(['SYSLOG']);
    expect(cadvisor.devices).toEqual(['/dev/kmsg:/dev/kmsg:r']);
    for (const volume of cadvisor.volumes) expect(volume).toMatch(/:ro$/);
    // The suite's stand-in is built on the library of the same release.
    expect(readFileSync('test/images/cadvisor/go.mod', 'utf8')).toContain(
      `github.com/google/cadvisor ${cadvisor.image.split(':')[1]}`,
    );
    // Prometheus keeps this project's containers only, each named by its compose service as kubelet names it.
    const job = prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === 'cadvisor');
    expect(JSON.stringify(job.metric_relabel_configs)).toContain(`"regex":"${compose.name}"`);
  });

  it('keeps data in named volumes (down -v resets) and mounts only files that exist', () => {
    // cAdvisor alone reads the engine host's own paths (checked above).
    for (const [name, service] of Object.entries(services).filter(([name]) => name !== 'cadvisor')) {
      for (const volume of service.volumes ?? []) {
        const [source] = String(volume).split(':');
        if (source.startsWith('.')) expect(existsSync(source), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
      }
    }
    // Every named volume is some server's, and Postgres 18 keeps its data in a versioned directory below this one.
    const mounted = Object.values(services).flatMap((s) =>
      (s.volumes ?? []).map((v: string) => v.split(':')[0]),
    );
    expect(Object.keys(compose.volumes).filter((v) => !mounted.includes(v))).toEqual([]);
    expect(services.postgres.volumes).toEqual(['postgres:/var/lib/postgresql']);
  });

  it('opens Grafana without login (on loopback only), installing the four Drilldown apps, pinned, in the background', () => {
    const env = services.grafana.environment;
    expect(env).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Admin',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
    });
    // In the background: offline, Grafana starts without them.
    expect([env.GF_PLUGINS_PREINSTALL_DISABLED, env.GF_PLUGINS_PREINSTALL_SYNC]).toEqual([
      undefined,
      undefined,
    ]);
    const plugins = String(env.GF_PLUGINS_PREINSTALL).split(',');
    expect(plugins.map((p) => p.split('@')[0]).sort()).toEqual([
      'grafana-exploretraces-app',
      'grafana-lokiexplore-app',
      'grafana-metricsdrilldown-app',
      'grafana-pyroscope-app',
    ]);
    for (const plugin of plugins) expect(plugin).toMatch(/^[a-z-]+@\d+\.\d+\.\d+$/);
  });
});
