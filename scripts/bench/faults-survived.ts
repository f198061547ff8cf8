import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OtlpReceiver } from '../../test/support/otlp-receiver';
import { freePort, RunningService } from '../../test/support/services';
import { BenchContext, flushRedis, joinAll, PartResult, registerUsers } from './context';
import { load, OtlpSink, postJson, rssOf } from './harness';

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Polls `url` every 50 ms until it answers 2xx; the time it took. */
async function timeToRecover(url: string, init?: RequestInit): Promise<number> {
  const started = performance.now();
  for (;;) {
    const ok = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return performance.now() - started;
    if (performance.now() - started > 60_000) return Infinity;
    await sleep(50);
  }
}

async function collectorDown(ctx: BenchContext): Promise<string[]> {
  const outage = ctx.quick ? 5 : 30;
  const port = await freePort();
  let sink = await new OtlpSink().start(port);
  await flushRedis(ctx.redisUrl);
  const env = {
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    LOG_LEVEL: 'info',
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
  };
  const users = await RunningService.start('user-service', env);
  const queue = await RunningService.start('queue-service', {
    ...env,
    USER_SERVICE_URL: users.url,
    ADMIT_PER_SECOND: '1',
  });
  const ids = await registerUsers(users, 200);
  await joinAll(queue, ids);
  let i = 0;
  const spec = {
    url: queue.url,
    connections: 10,
    next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
  };
  const before = await load({ ...spec, seconds: 5 });
  const rssBefore = rssOf(queue.process.pid!);
  await sink.stop();
  const during = await load({ ...spec, seconds: outage });
  const rssAfter = rssOf(queue.process.pid!);
  sink = await new OtlpSink().start(port);
  await load({ ...spec, seconds: 8 });
  const resumed = await sink.counts();
  await sink.stop();
  const warnings = queue.lines.filter((l) => l.includes('Cannot export')).length;
  await Promise.all([queue.stop(), users.stop()]);
  return [
    `OTLP endpoint down ${outage} s under load`,
    `${during.non2xx + during.errors} failed of ${Math.round(during.rps * outage)}`,
    `p99 ${before.p99} -> ${during.p99} ms`,
    `RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB`,
    `${resumed.traces} trace exports after it came back; ${warnings} warning lines`,
  ];
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    const socket = connect(port, '127.0.0.1');
    const up = await new Promise<boolean>((resolve) =>
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false)),
    );
    socket.destroy();
    if (up) break;
    await sleep(100);
  }
  return child;
}

async function redisRestart(ctx: BenchContext): Promise<string[]> {
  const port = await freePort();
  let redis = await startRedis(port);
  const users = await RunningService.start('user-service', {
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    DATABASE_URL: ctx.databaseUrl,
  });
  const queue = await RunningService.start('queue-service', {
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    USER_SERVICE_URL: users.url,
    ADMIT_PER_SECOND: '1',
  });
  const ids = await registerUsers(users, 100);
  await joinAll(queue, ids);
  let i = 0;
  const running = load({
    url: queue.url,
    connections: 10,
    seconds: 12,
    timeoutSeconds: 2,
    next: () => ({ path: `/queue/status/${ids[i++ % ids.length]}` }),
  });
  await sleep(3000);
  redis.kill('SIGKILL');
  await once(redis, 'exit');
  await sleep(4000);
  redis = await startRedis(port);
  const recovered = await timeToRecover(`${queue.url}/health/ready`);
  const result = await running;
  redis.kill('SIGTERM');
  await Promise.all([queue.stop(), users.stop()]);
  return [
    'Redis killed for 4 s under load',
    `${result.non2xx} answered 503, ${result.errors + result.timeouts} without an answer`,
    `max latency ${result.max} ms (p99 ${result.p99} ms)`,
    `ready again ${recovered.toFixed(0)} ms after Redis restarted`,
    '',
  ];
}

async function postgresRestart(ctx: BenchContext): Promise<string[]> {
  const version = execFileSync('bash', ['-c', 'ls /usr/lib/postgresql | sort -V | tail -1'])
    .toString()
    .trim();
  const users = await RunningService.start('user-service', {
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    DATABASE_URL: ctx.databaseUrl,
  });
  const running = load({
    url: users.url,
    method: 'POST',
    connections: 10,
    seconds: 12,
    timeoutSeconds: 3,
    next: () => ({ path: '/users', body: {} }),
  });
  await sleep(3000);
  const restarted = performance.now();
  execFileSync('pg_ctlcluster', [version, 'main', 'restart', '-m', 'fast']);
  const restartMs = performance.now() - restarted;
  const recovered = await timeToRecover(`${users.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const result = await running;
  await users.stop();
  return [
    `Postgres restarted (pg_ctlcluster restart -m fast, ${restartMs.toFixed(0)} ms) under load`,
    `${result.non2xx} answered 503, ${result.errors + result.timeouts} without an answer`,
    `max latency ${result.max} ms (p99 ${result.p99} ms)`,
    `answering 201 again ${recovered.toFixed(0)} ms after the restart returned`,
    '',
  ];
}

async function sigtermUnderLoad(ctx: BenchContext): Promise<string[]> {
  const receiver = await new OtlpReceiver().start();
  const users = await RunningService.start('user-service', {
    DATABASE_URL: ctx.databaseUrl,
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    LOG_LEVEL: 'warn',
  });
  const outcomes = { created: 0, refused: 0, cut: 0, other: 0 };
  const cutCodes = new Set<string>();
  let stopping = false;
  // Each client keeps sending until the closed server refuses it.
  const worker = async () => {
    for (;;) {
      try {
        const answer = await postJson(`${users.url}/users`, {});
        if (answer.status === 201) outcomes.created++;
        else outcomes.other++;
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNREFUSED') outcomes.refused++;
        else {
          outcomes.cut++;
          cutCodes.add(code ?? (error as Error).message);
        }
        if (stopping) return;
      }
    }
  };
  const workers = Array.from({ length: 20 }, worker);
  await sleep(2000);
  stopping = true;
  const code = await users.stop();
  await Promise.all(workers);
  const spans = receiver.spans.filter((s) => s.kind === 2 && s.attributes['http.route'] === '/users').length;
  await receiver.stop();
  return [
    'SIGTERM under load (20 clients)',
    `${outcomes.created} created, ${outcomes.cut} connection errors (${[...cutCodes].join(', ') || '-'}), ${outcomes.refused} refused after close, ${outcomes.other} other; exit code ${code}`,
    '',
    '',
    `${spans} of ${outcomes.created} server spans flushed at exit`,
  ];
}

/** Part 6: what the services survive, a figure each. */
export async function faultsSurvived(ctx: BenchContext): Promise<PartResult> {
  const table = [['fault', 'failed requests', 'latency', 'memory / recovery', 'telemetry']];
  for (const scenario of [collectorDown, redisRestart, postgresRestart, sigtermUnderLoad]) {
    try {
      table.push(await scenario(ctx));
    } catch (error) {
      table.push([scenario.name, `could not run: ${(error as Error).message}`, '', '', '']);
    }
  }
  return { part: 'Faults survived', table, figures: { rows: table.slice(1) } };
}
