// The sandbox as its users start it, on a real Docker engine (test/setup/engine-setup.ts): the repository's
// Dockerfile built, `docker compose up -d --wait`, `docker compose run --rm traffic` and `... verify` straight
// away, the steady load, `npm run traffic` from the host, then scaled out, stopped, and brought down and up. What no registry here serves runs as the stand-ins of
// test/images, named by compose.standins.yaml; Loki, Tempo, Pyroscope and Grafana answer their APIs' parts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { outcome } from '../support/binaries';
import { launchChromium } from '../support/browser';
import { NpmMirror, startNpmMirror } from '../support/npm-mirror';
import { get, post, request } from '../support/http';
import { eventually } from '../support/poll';

const override = 'test/engine/compose.standins.yaml';
const env = () => ({ ...process.env, ...inject('docker'), COMPOSE_BAKE: 'false' });
const run = (command: string, args: string[]) =>
  outcome(command, args, { env: env(), maxBuffer: 64 * 1024 * 1024 });
const compose = (...args: string[]) =>
  run('docker', ['compose', '-f', 'docker-compose.yml', '-f', override, ...args]);
const apps = ['user-service', 'queue-service', 'ticket-service'];
// The tools' services, under profiles that `up` does not start.
const tools = ['traffic', 'verify', 'load'];
const allProfiles = ['--profile', 'tools', '--profile', 'load'];

async function succeeded(result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const { code, stdout, stderr } = await result;
  expect(code, `${stdout}\n${stderr}`.slice(-6000)).toBe(0);
  return stdout;
}

interface Container {
  Service: string;
  Name: string;
  State: string;
  Health: string;
  ExitCode: number;
}
const containers = async (): Promise<Container[]> =>
  (await succeeded(compose('ps', '--all', '--format', 'json')))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Container);

const prometheus = async (expr: string, time?: number) => {
  const params = new URLSearchParams({ query: expr, ...(time && { time: String(time / 1000) }) });
  const answer = await get(`http://127.0.0.1:9090/api/v1/query?${params}`);
  return answer.body.data.result as { metric: Record<string, string>; value: [number, string] }[];
};
// A query of the Containers — USE dashboard, as Grafana runs it for one service over the last 10 minutes.
const useQuery = (title: string, service: string) => {
  const dashboard = JSON.parse(readFileSync('grafana/dashboards/use.json', 'utf8'));
  const panel = dashboard.panels.find((p: { title: string }) => p.title === title);
  return (panel.targets[0].expr as string).replaceAll('$service', service).replaceAll('$__range', '10m');
};
const total = async (expr: string) => Number((await prometheus(`sum(${expr})`))[0]?.value[1] ?? 0);

/**
 * compose/Dockerfile's install stage, built as a user builds it (`docker compose build --build-arg`) with
 * NPM_REGISTRY set to `mirror`, on the node stand-in and a one-package tree taken from our lock: what the
 * arguments do does not depend on the tree's size, and the whole tree through the mirror took a minute.
 */
function buildBehindMirror(mirror: NpmMirror, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-'));
  mkdirSync(join(dir, 'compose'));
  copyFileSync('compose/Dockerfile', join(dir, 'compose/Dockerfile'));
  const ms = JSON.parse(readFileSync('package-lock.json', 'utf8')).packages['node_modules/ms'];
  const root = { name: 'mirror-probe', version: '1.0.0', dependencies: { ms: ms.version } };
  const resolved = `https://registry.npmjs.org/ms/-/ms-${ms.version}.tgz`;
  const packages = { '': root, 'node_modules/ms': { ...ms, resolved } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(root));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ ...root, lockfileVersion: 3, packages }));
  const nodeStandin = parse(readFileSync(override, 'utf8')).services['user-service'].build.args.NODE_IMAGE;
  const build = { context: dir, dockerfile: 'compose/Dockerfile', target: 'deps', network: 'host' };
  const deps = {
    image: `ticketing-standin/deps-mirror:${basename(dir)}`,
    build: { ...build, args: { NODE_IMAGE: nodeStandin } },
  };
  writeFileSync(join(dir, 'compose.yaml'), stringify({ name: 'ticketing-mirror', services: { deps } }));
  const file = join(dir, 'compose.yaml');
  return run('docker', [
    'compose',
    '-f',
    file,
    'build',
    '--build-arg',
    `NPM_REGISTRY=${mirror.url}`,
    ...args,
  ]).finally(() => run('docker', ['image', 'rm', '--force', deps.image]));
}

describe('compose.standins.yaml', () => {
  it('changes image, the apps’ build base and network, and the AGPL servers’ command and healthcheck, nothing else', async () => {
    const config = async (...files: string[]) =>
      JSON.parse(
        await succeeded(
          run('docker', [
            'compose',
            ...files.flatMap((f) => ['-f', f]),
            ...allProfiles,
            'config',
            '--format',
            'json',
          ]),
        ),
      );
    const before = await config('docker-compose.yml');
    const after = await config('docker-compose.yml', override);
    const changed: string[] = [];
    const walk = (a: unknown, b: unknown, path: string) => {
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
          walk((a as never)[key], (b as never)[key], `${path}.${key}`);
      } else changed.push(path);
    };
    walk(before, after, '');
    const backends = ['loki', 'tempo', 'pyroscope', 'grafana'];
    const allowed = [
      ...Object.keys(before.services).map((s) => `.services.${s}.image`),
      ...[...apps, ...tools, 'lobby'].flatMap((s) => [
        `.services.${s}.build.network`,
        `.services.${s}.build.args`,
      ]),
      ...backends.flatMap((s) => [`.services.${s}.command`, `.services.${s}.healthcheck.test`]),
    ];
    expect(changed.filter((path) => !allowed.includes(path))).toEqual([]);
    expect(Object.keys(before.services)).toEqual(expect.arrayContaining(tools));
    for (const service of Object.keys(before.services))
      expect(after.services[service].image, service).toMatch(/^ticketing-standin\//);
  });
});

describe('the sandbox on a real Docker engine', () => {
  let userBeforeDown = '';
  let mirror: NpmMirror;
  let untrusted: ReturnType<typeof buildBehindMirror>;

  beforeAll(async () => {
    // npm retries a registry it cannot trust for a minute before it gives up: that build runs beside the tests.
    mirror = await startNpmMirror();
    untrusted = buildBehindMirror(mirror);
    await succeeded(compose('down', '--volumes', '--remove-orphans'));
    // The real compose/Dockerfile, on the stand-in node base, with no registry but npm's.
    await succeeded(compose(...allProfiles, 'build'));
  });

  afterAll(async () => {
    await untrusted;
    await mirror?.stop();
    await compose('down', '--volumes', '--remove-orphans');
  });

  it('builds an app image that holds the services and no build or test tool', async () => {
    const probe = `const fs=require('fs');console.log(JSON.stringify(['typescript','@nestjs/cli','vitest','eslint','tsx','@swc/core','@nestjs/core'].filter(p=>fs.existsSync('node_modules/'+p)).concat(fs.readdirSync('dist/apps'))))`;
    const found = JSON.parse(
      await succeeded(run('docker', ['run', '--rm', 'ticketing-standin/app:test', 'node', '-e', probe])),
    );
    expect(found.sort()).toEqual(['@nestjs/core', ...apps].sort());
  });

  it('`up -d --wait` leaves every container running and healthy within 30 s, from empty volumes', async () => {
    // The stand-ins are ready no sooner than the real servers with our configs (test/images/backends), and
    // the healthchecks' intervals are compose's own, so this is the wait a user has once the images are built.
    const started = Date.now();
    await succeeded(compose('up', '--detach', '--wait'));
    const seconds = (Date.now() - started) / 1000;
    console.log(`docker compose up -d --wait: ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(30);
    const services = (await succeeded(compose('config', '--services'))).split('\n').filter(Boolean);
    const running = await containers();
    expect(running.map((c) => c.Service).sort()).toEqual(services.sort());
    for (const container of running) {
      expect(container.State, container.Name).toBe('running');
      // The collector's image has no shell and no checker: compose waits for it to run.
      expect(container.Health, container.Name).toBe(container.Service === 'otel-collector' ? '' : 'healthy');
    }
  });

  it('cAdvisor: CPU, memory and the memory limit of every container, under its compose service name', async () => {
    const services = (await succeeded(compose('config', '--services'))).split('\n').filter(Boolean);
    for (const metric of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
      const named = async () => new Set((await prometheus(metric)).map((s) => s.metric.container));
      await eventually(
        async () => {
          const found = await named();
          return services.every((s) => found.has(s));
        },
        `${metric} of every service`,
        60_000,
        1000,
      );
    }
    const limits = await prometheus('container_spec_memory_limit_bytes{container="ticket-service"}');
    expect(Number(limits[0]?.value[1])).toBe(256 * 1024 * 1024);
  });

  it('builds a tools image that holds node and the two bundled tools, nothing else', async () => {
    const probe = `const fs=require('fs');console.log(JSON.stringify([fs.readdirSync('/tools/traffic'),fs.readdirSync('/tools/verify'),fs.existsSync('/tools/node_modules'),fs.existsSync('/app')]))`;
    const found = JSON.parse(
      await succeeded(
        run('docker', ['run', '--rm', '--entrypoint', 'node', 'ticketing-standin/tools:test', '-e', probe]),
      ),
    );
    expect(found).toEqual([['main.js'], ['main.js'], false, false]);
  });

  it('`docker compose run --rm traffic`, then `... verify`, in the compose network: every check the stand-ins can answer passes, and the links are for the host', async () => {
    const traffic = await succeeded(compose('run', '--rm', '--no-TTY', 'traffic'));
    expect(traffic).toContain('Tickets issued: 10');
    expect(traffic).toMatch(/^Traffic tool: 10 flows in [\d.]+ s \([\d.]+ flows\/s\)/m);
    expect(traffic).toContain('http://localhost:3000/d/ticketing-overview?');
    const verify = await compose('run', '--rm', '--no-TTY', 'verify');
    // A link is a line of its own; a detail may start with a server's compose address.
    const links = verify.stdout.split('\n').filter((l) => /^\s+https?:\/\/\S+$/.test(l));
    expect(links.length, verify.stdout).toBeGreaterThan(5);
    for (const link of links) expect(link.trim(), verify.stdout).toMatch(/^http:\/\/localhost:3000\//);
    const lines = verify.stdout.split('\n');
    const failed = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.slice(5));
    const passed = lines.filter((l) => l.startsWith('PASS')).map((l) => l.slice(5));
    // Only the panels fail: the Grafana stand-in runs no panel query.
    expect(
      failed.filter((name) => !name.startsWith('Grafana: every panel of')),
      verify.stdout,
    ).toEqual([]);
    expect(passed, verify.stdout).toEqual(
      expect.arrayContaining([
        'Loki: {app="queue-service"} |= "Joined queue"',
        'Loki -> Tempo: the join trace shows Redis and database spans',
        'Prometheus: rate(http_request_duration_seconds_count[1m])',
        'Prometheus: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
        'Prometheus: alert rules loaded',
        'Pyroscope: a CPU profile of every service',
        ...['prometheus', 'loki', 'tempo', 'pyroscope'].map((uid) => `Grafana: data source ${uid}`),
      ]),
    );
  });

  it('the lobby at http://localhost:8000: a browser walks to a ticket, and its click’s trace reaches Tempo through the services', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ locale: 'en-US' });
      await page.goto('http://localhost:8000');
      await page.click('#join');
      await page.locator('#step-admitted').waitFor({ timeout: 60_000 });
      const joinTrace = /[0-9a-f]{32}/.exec(
        decodeURIComponent((await page.getAttribute('#link-trace', 'href'))!),
      )![0];
      await page.click('#buy');
      await page.locator('#step-ticket').waitFor({ timeout: 60_000 });
      expect(await page.textContent('#seat')).toMatch(/^Your seat: \S+/);
      // The links open the host's Grafana.
      expect(await page.getAttribute('#link-flow', 'href')).toMatch(
        /^http:\/\/localhost:3000\/d\/ticketing-flow/,
      );
      const trace = await eventually(
        async () => {
          const text = JSON.stringify((await get(`http://127.0.0.1:3200/api/v2/traces/${joinTrace}`)).body);
          return ['"lobby"', '"queue-service"', '"user-service"'].every((s) => text.includes(s)) && text;
        },
        `the join click's trace ${joinTrace} in the Tempo stand-in, from the page to user-service`,
        30_000,
        250,
      );
      expect(trace).toContain('join queue');
    } finally {
      await browser.close();
    }
  });

  it('`--profile load up -d` adds a slow, steady flow; `docker compose stop load` stops it alone, with its summary', async () => {
    const before = await total('ticketing_tickets_issued_total');
    await succeeded(compose('--profile', 'load', 'up', '--detach', '--wait'));
    await eventually(
      async () => (await total('ticketing_tickets_issued_total')) >= before + 3,
      'tickets bought by the load',
      90_000,
      1000,
    );
    await succeeded(compose('stop', 'load'));
    const all = await containers();
    const load = all.find((c) => c.Service === 'load');
    expect(load?.State).toBe('exited');
    expect(load?.ExitCode).toBe(0);
    for (const container of all.filter((c) => c.Service !== 'load'))
      expect(container.State, container.Name).toBe('running');
    const logs = await succeeded(compose('logs', '--no-log-prefix', 'load'));
    expect(logs).toContain('Stopped by Ctrl-C: the summary covers what ran.');
    expect(logs).toMatch(/^Traffic tool: \d+ flows in /m);
  });

  it('with the collector and Pyroscope gone, so their names no longer resolve, every flow still succeeds', async () => {
    // Docker's DNS forwards a name it does not know to the host's resolver, which no container may reach
    // here: each lookup of the two hangs until it times out, as on a laptop that is offline.
    await succeeded(compose('stop', 'otel-collector', 'pyroscope'));
    try {
      const traffic = await succeeded(
        run('npm', ['run', '--silent', 'traffic', '--', '20', '--interval', '200ms']),
      );
      expect(traffic).toContain('Tickets issued: 20');
    } finally {
      await succeeded(compose('up', '--detach', '--wait'));
    }
  });

  it('scaled to three queue-services: Prometheus scrapes three, nginx spreads over all, each user admitted once', async () => {
    await succeeded(compose('up', '--detach', '--wait', '--scale', 'queue-service=3'));
    await eventually(
      async () => (await prometheus('up{job="queue-service"} == 1')).length === 3,
      'three queue-service targets up in Prometheus',
      60_000,
      1000,
    );
    const perInstance = async () =>
      new Map(
        (
          await prometheus('sum by (instance) (http_request_duration_seconds_count{app="queue-service"})')
        ).map((s) => [s.metric.instance, Number(s.value[1])]),
      );
    const before = await perInstance();
    const admittedBefore = await total('ticketing_admissions_total');
    const users = 30;
    const ids: string[] = [];
    for (let i = 0; i < users; i++) {
      const user = await post('http://127.0.0.1:3003/users', {});
      expect(user.status).toBe(201);
      expect((await post('http://127.0.0.1:3001/queue/join', { userId: user.body.id })).status).toBe(200);
      ids.push(user.body.id);
    }
    await eventually(
      async () => {
        const statuses = await Promise.all(ids.map((id) => get(`http://127.0.0.1:3001/queue/status/${id}`)));
        return statuses.every((s) => s.body.status === 'admitted');
      },
      `all ${users} users admitted`,
      60_000,
      500,
    );
    // Three replicas' counters, as Prometheus has them: the total moves by exactly one per user.
    await eventually(
      async () => (await total('ticketing_admissions_total')) - admittedBefore >= users,
      'the admissions in Prometheus',
      30_000,
      1000,
    );
    expect((await total('ticketing_admissions_total')) - admittedBefore).toBe(users);
    const after = await eventually(
      async () => {
        const now = await perInstance();
        return now.size === 3 && [...now].every(([instance, n]) => n > (before.get(instance) ?? 0)) && now;
      },
      'requests counted by every queue-service replica',
      30_000,
      1000,
    );
    expect(after.size).toBe(3);

    // One fault state for all three: a change through nginx reaches every replica, and so does the restore.
    const replicaFaults = () =>
      Promise.all(
        [1, 2, 3].map(async (index) => {
          const probe = `fetch('http://127.0.0.1:3001/admin/faults').then(r=>r.json()).then(b=>console.log(b.errorRate))`;
          const out = await succeeded(
            compose('exec', '--index', `${index}`, 'queue-service', 'node', '-e', probe),
          );
          return Number(out.trim());
        }),
      );
    // Through nginx, as the traffic tool does, then seen by each replica.
    const changeEverywhere = async (errorRate: number) => {
      expect((await request('PUT', 'http://127.0.0.1:3001/admin/faults', { errorRate })).status).toBe(200);
      await eventually(
        async () => (await replicaFaults()).every((rate) => rate === errorRate),
        `errorRate ${errorRate} on all three`,
        30_000,
        500,
      );
    };
    await changeEverywhere(0.2);
    await changeEverywhere(0);
  });

  it('builds behind an npm mirror with a CA of its own (NPM_REGISTRY, NPM_CA), and not without that CA', async () => {
    await succeeded(buildBehindMirror(mirror, '--build-arg', `NPM_CA=${mirror.ca}`));
    // npm revalidates its cache against the mirror: the install went through it, not around it.
    expect(mirror.requests).toBeGreaterThan(0);
    // Without the CA, npm gives up naming the certificate.
    const { code, stdout, stderr } = await untrusted;
    expect(code).not.toBe(0);
    expect(`${stdout}${stderr}`).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|unable to verify the first certificate/,
    );
  });

  it('`--scenario leak`: ticket-service climbs to its limit, is OOM-killed and restarted, as the USE dashboard shows', async () => {
    // 16 MB a second rather than the scenario's 2: the same climb, OOM kill and restart, in a sixth of the time.
    const traffic = spawn('npm', ['run', '--silent', 'traffic', '--', '--scenario', 'leak', '--leak', '16'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a process group of its own, for the Ctrl-C below
    });
    let output = '';
    traffic.stdout.on('data', (chunk) => (output += chunk));
    traffic.stderr.on('data', (chunk) => (output += chunk));
    const exited = once(traffic, 'exit');
    try {
      const stat = async (title: string) =>
        Number((await prometheus(useQuery(title, 'ticket-service')))[0]?.value[1] ?? 0);
      await eventually(
        async () => (await stat('OOM kills')) >= 1,
        'an OOM kill of ticket-service',
        300_000,
        2000,
      );
      await eventually(
        async () => (await stat('Restarts')) >= 1,
        'a restart of ticket-service',
        60_000,
        2000,
      );
      const [inspect] = JSON.parse(
        await succeeded(
          run('docker', ['inspect', (await containers()).find((c) => c.Service === 'ticket-service')!.Name]),
        ),
      );
      expect(inspect.RestartCount).toBeGreaterThanOrEqual(1);
      // Back by itself, and the others answered meanwhile.
      await eventually(
        // While it restarts, Docker's proxy takes the connection and closes it.
        async () => (await get('http://127.0.0.1:3002/health/ready').catch(() => undefined))?.status === 200,
        'ticket-service ready again',
        60_000,
        1000,
      );
      expect((await post('http://127.0.0.1:3003/users', {})).status).toBe(201);
    } finally {
      // Ctrl-C, as a terminal sends it: to the whole group, so that it reaches the tool under npm and tsx.
      process.kill(-traffic.pid!, 'SIGINT');
      await exited;
    }
    expect(output).toContain('Leak: ticket-service holds 16 MB more each second');
    expect((await get('http://127.0.0.1:3002/admin/faults')).body.leakMbPerSecond).toBe(0);
  }, 600_000); // about 15 s of leaking to the limit, then the restart, on a machine that may be slow

  it('`docker compose stop`: each app exits 0 within its grace period, its last spans reach the collector', async () => {
    const traceId = [...crypto.getRandomValues(new Uint8Array(16))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const response = await fetch('http://127.0.0.1:3003/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: '{}',
    });
    expect(response.status).toBe(201);
    userBeforeDown = ((await response.json()) as { id: string }).id;
    // Within the 500 ms export delay, as a rule: then only the shutdown's flush can carry the span.
    await succeeded(compose('stop', 'queue-lb', ...apps));
    const stopped = (await containers()).filter((c) => apps.includes(c.Service));
    expect(stopped.length).toBe(5);
    // Past its stop_grace_period Docker kills it, and the exit code is 137.
    for (const container of stopped) {
      expect(container.State, container.Name).toBe('exited');
      expect(container.ExitCode, container.Name).toBe(0);
    }
    const trace = await eventually(
      async () => {
        const answer = await get(`http://127.0.0.1:3200/api/v2/traces/${traceId}`);
        return answer.body.trace.resourceSpans?.length > 0 && answer.body.trace;
      },
      `trace ${traceId} in the Tempo stand-in`,
      30_000,
      250,
    );
    expect(JSON.stringify(trace)).toContain('user-service');
  });

  it('`down` then `up`: the named volumes keep the data', async () => {
    const beforeDown = Date.now();
    await eventually(
      async () => (await prometheus('up{job="user-service"}', beforeDown)).length > 0,
      'an up series before down',
    );
    // With the load's profile, `down` takes every container of the sandbox away, the load's included.
    await succeeded(compose('--profile', 'load', 'down'));
    expect(await containers()).toEqual([]);
    await succeeded(compose('up', '--detach', '--wait'));
    expect((await get(`http://127.0.0.1:3003/users/${userBeforeDown}`)).status).toBe(200);
    expect((await prometheus('up{job="user-service"}', beforeDown)).length).toBeGreaterThan(0);
  });
});
