import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis, queryRows } from '../support/databases';
import { outcome, runAsync } from '../support/binaries';
import { get } from '../support/http';
import { freePort, startStack, Stack } from '../support/services';

const run = promisify(execFile);

const traffic = (args: string[], env: Record<string, string>, node = process.execPath) =>
  outcome(node, ['--import', 'tsx', 'scripts/traffic/main.ts', ...args], {
    env: { PATH: process.env.PATH, ...env },
    timeout: 60_000,
  });

describe('npm run traffic', () => {
  let stack: Stack;
  let databaseUrl: string;
  let urls: Record<string, string>;

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('runId'), 'traffic');
    const faults = { FAULTS_ENABLED: 'true' };
    stack = await startStack({
      databaseUrl,
      redisUrl: await freshRedis(),
      extra: { all: { ...faults, LOG_LEVEL: 'info' }, 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    urls = {
      USER_SERVICE_URL: stack.user.url,
      QUEUE_SERVICE_URL: stack.queue.url,
      TICKET_SERVICE_URL: stack.ticket.url,
      GRAFANA_URL: 'http://grafana.test:3000',
    };
  });

  afterAll(() => stack?.stop());

  it('takes users through the whole flow and prints the per-step table and Grafana links', async () => {
    const before = (await queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets')).length;
    const result = await traffic(['8', '--interval', '50ms'], urls);
    expect(result.code, result.stderr).toBe(0);
    for (const step of ['register', 'join', 'wait for admission', 'buy']) {
      expect(result.stdout).toMatch(new RegExp(`^${step}\\s+8\\s+8\\s+0\\s+\\S+ms\\s+\\S+\\s+\\S+$`, 'm'));
    }
    expect(result.stdout).toContain('Tickets issued: 8');
    expect(result.stdout).toContain('http://grafana.test:3000/explore?');
    expect(result.stdout).toContain('http://grafana.test:3000/d/ticketing-overview?');
    expect((await queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets')).length).toBe(before + 8);
    const joined = stack.queue.records.filter((r) => String(r.msg).startsWith('Joined queue'));
    expect(joined.length).toBeGreaterThanOrEqual(8);
  });

  it('runs as the chapter calls it, ../scripts/generate-traffic.sh 3 from a folder beside scripts/', async () => {
    const before = (await queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets')).length;
    const { stdout } = await run('bash', ['../scripts/generate-traffic.sh', '3', '--interval', '0'], {
      cwd: 'test',
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, ...urls },
      timeout: 60_000,
    });
    expect(stdout).toContain('Tickets issued: 3');
    expect((await queryRows(databaseUrl, 'SELECT id FROM ticket_service.tickets')).length).toBe(before + 3);
  });

  it('sets faults for the run, shows their errors, and restores the settings after', async () => {
    const result = await traffic(['--scenario', 'errors', '--users', '20', '--interval', '0'], urls);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+×503/);
    expect(result.stdout).toContain('Errors: a fifth of queue-service');
    expect((await get(`${stack.queue.url}/admin/faults`)).body).toEqual({
      errorRate: 0,
      delayMs: 0,
      cpuMs: 0,
      leakMbPerSecond: 0,
    });
  });

  // The services need Node 24; the tools, run on the user's machine, keep to the other supported line too.
  it.each(['22'])('runs on Node %s too', async (line) => {
    const node = (await runAsync('bash', ['scripts/dev/node.sh', line])).trim();
    expect((await run(node, ['--version'])).stdout).toMatch(new RegExp(`^v${line}\\.`));
    const result = await traffic(['2', '--interval', '0'], urls, node);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Tickets issued: 2');
    const verify = await run(node, ['--import', 'tsx', 'scripts/verify/main.ts', '--help']);
    expect(verify.stdout).toContain('Usage: docker compose run --rm verify');
  });

  it('runs by its npm script from a clone without `npm ci`: npx fetches tsx alone', async () => {
    const clone = mkdtempSync(join(tmpdir(), 'traffic-clone-'));
    try {
      cpSync('package.json', join(clone, 'package.json'));
      cpSync('scripts/traffic', join(clone, 'scripts/traffic'), { recursive: true });
      cpSync('scripts/host-env.ts', join(clone, 'scripts/host-env.ts'));
      const { stdout } = await run('npm', ['run', '--silent', 'traffic', '--', '2', '--interval', '0'], {
        cwd: clone,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, ...urls },
        timeout: 120_000,
      });
      expect(stdout).toContain('Tickets issued: 2');
      expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('names the URL of a service it cannot reach, in one line, and exits non-zero', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await traffic([], { ...urls, TICKET_SERVICE_URL: nowhere });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      `Cannot reach ticket-service at ${nowhere} (TICKET_SERVICE_URL): start the stack with \`docker compose up -d\`.`,
    );
    // The tool's own check gives up after 3 s; a hang would last until the test's timeout.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('explains its options on bad input', async () => {
    const result = await traffic(['--faults', 'lots'], urls);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--faults must be a rate between 0 and 1');
    expect(result.stderr).toContain('Usage: docker compose run --rm traffic');
  });
});
