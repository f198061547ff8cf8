// Where a service listens, seen from another host: the service runs in a network namespace of this test's own
// (`ip netns`, a veth pair), so the other side has an address to try that is not the service's loopback.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/poll';

const run = promisify(execFile);
const id = process.pid % 100_000;
const ns = `ticketing-${id}`;
const [outside, inside] = [`tkt${id}o`, `tkt${id}i`];
const subnet = `10.231.${id % 250}`;
const hostAddress = `${subnet}.2`; // the service's host, in the namespace

/** Whether something accepts a TCP connection at host:port, from this (the root) namespace. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    const settle = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });

/** GET http://127.0.0.1:port/health/live from inside the namespace: the service's own loopback. */
const answersOnItsLoopback = (port: number) =>
  run('ip', [
    'netns',
    'exec',
    ns,
    process.execPath,
    '-e',
    `fetch('http://127.0.0.1:${port}/health/live').then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(2))`,
  ]).then(
    () => true,
    () => false,
  );

describe('the address a service listens on', () => {
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    for (const args of [
      ['netns', 'add', ns],
      ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside],
      ['link', 'set', inside, 'netns', ns],
      ['addr', 'add', `${subnet}.1/30`, 'dev', outside],
      ['link', 'set', outside, 'up'],
      ['-n', ns, 'addr', 'add', `${hostAddress}/30`, 'dev', inside],
      ['-n', ns, 'link', 'set', inside, 'up'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
    ])
      await run('ip', args);
  });

  afterAll(async () => {
    for (const child of started) child.kill('SIGKILL');
    await run('ip', ['link', 'del', outside]).catch(() => undefined);
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  });

  // The namespace is this test's own and empty, so each service takes the next port of ours there. A port
  // found free on the root namespace could be one an earlier service of this test holds in this one: the new
  // service would exit on EADDRINUSE while the earlier one answered for it.
  let nextPort = 4100;

  /** queue-service on its host, with the given environment (Redis is not there: it listens all the same). */
  const startOnHost = async (env: Record<string, string>) => {
    const port = nextPort++;
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, 'dist/apps/queue-service/main.js'], {
      env: {
        PATH: process.env.PATH,
        OTEL_SDK_DISABLED: 'true',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`queue-service exited ${child.exitCode}: ${stderr}`);
        return answersOnItsLoopback(port);
      },
      'queue-service answering on its loopback',
      60_000,
      200,
    );
    return port;
  };

  it('is 127.0.0.1 by default: answering on the host itself, not from another host', async () => {
    const port = await startOnHost({});
    expect(await answersOnItsLoopback(port)).toBe(true);
    expect(await accepts(hostAddress, port)).toBe(false);
  });

  it('queues a burst of 2000 connections instead of dropping them: an accept queue of 4096, not 511', async () => {
    const port = await startOnHost({});
    // ss shows a listening socket's accept-queue limit in Send-Q (the backlog, capped by net.core.somaxconn).
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`]);
    const somaxconn = Number(
      (await run('ip', ['netns', 'exec', ns, 'sysctl', '-n', 'net.core.somaxconn'])).stdout,
    );
    const [, , sendQ] = stdout.trim().split(/\s+/);
    expect(Number(sendQ)).toBe(Math.min(4096, somaxconn));
    expect(Number(sendQ)).toBeGreaterThan(511);
  });

  it('is every interface with HOST=0.0.0.0, as compose sets it in the containers', async () => {
    const port = await startOnHost({ HOST: '0.0.0.0' });
    expect(await accepts(hostAddress, port)).toBe(true);
  });
});
