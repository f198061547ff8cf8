import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { answersOk } from './http';

/** The OTEL_* settings docker-compose.yml gives every app (x-app-env): telemetry on, batching as in compose. */
export function composeTelemetryEnv(): Record<string, string> {
  const env = parse(readFileSync('docker-compose.yml', 'utf8'))['x-app-env'] as Record<string, string>;
  const otel = Object.entries(env).filter(
    ([name]) => name.startsWith('OTEL_BSP_') || name.startsWith('OTEL_BLRP_'),
  );
  return { OTEL_SDK_DISABLED: 'false', ...Object.fromEntries(otel) };
}

/** How a service's process is started (a plain spawn, unless e.g. a benchmark puts it in a cgroup). */
export type Launcher = (command: string, args: string[], env: NodeJS.ProcessEnv) => ChildProcess;

export type AppName = 'queue-service' | 'user-service' | 'ticket-service';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

const started = new Set<ChildProcess>();
// A failed or interrupted suite must not leave services behind to interfere with the next one.
process.once('exit', () => started.forEach((child) => child.kill('SIGKILL')));

/** One service started from its build, as a user would: `node dist/apps/<name>/main.js`. */
export class RunningService {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: AppName,
    readonly url: string,
    readonly process: ChildProcess,
  ) {
    for (const stream of [process.stdout!, process.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.lines.push(line));
    }
    started.add(process);
    this.exited = once(process, 'exit').then(([code]) => {
      started.delete(process);
      return code as number | null;
    });
  }

  static async start(
    name: AppName,
    env: Record<string, string>,
    options: { ready?: boolean; launch?: Launcher } = {},
  ) {
    const port = env.PORT ?? String(await freePort());
    const launch: Launcher =
      options.launch ??
      ((command, args, env) => spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const child = launch(process.execPath, [`dist/apps/${name}/main.js`], {
      PATH: process.env.PATH,
      LOG_LEVEL: 'debug',
      OTEL_SDK_DISABLED: 'true',
      ...env,
      PORT: port,
    });
    const service = new RunningService(name, `http://127.0.0.1:${port}`, child);
    if (options.ready !== false) await service.waitUntilReady();
    return service;
  }

  /** Structured log records (stdout is JSON lines when not a terminal). */
  get records(): Record<string, unknown>[] {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    if (!(await answersOk(`${this.url}/health/ready`, this.process, timeoutMs)))
      throw new Error(
        `${this.name} was not ready within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`,
      );
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }
}

export interface Stack {
  user: RunningService;
  queue: RunningService;
  ticket: RunningService;
  stop(): Promise<void>;
}

/** The three services wired to each other over real HTTP, on one database and one Redis. */
export async function startStack(env: {
  databaseUrl: string;
  redisUrl: string;
  extra?: Partial<Record<AppName | 'all', Record<string, string>>>;
}): Promise<Stack> {
  const all = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, ...env.extra?.all };
  const user = await RunningService.start('user-service', { ...all, ...env.extra?.['user-service'] });
  const queue = await RunningService.start('queue-service', {
    ...all,
    USER_SERVICE_URL: user.url,
    ...env.extra?.['queue-service'],
  });
  const ticket = await RunningService.start('ticket-service', {
    ...all,
    QUEUE_SERVICE_URL: queue.url,
    ...env.extra?.['ticket-service'],
  });
  return {
    user,
    queue,
    ticket,
    stop: async () => {
      await Promise.all([ticket.stop(), queue.stop(), user.stop()]);
    },
  };
}
