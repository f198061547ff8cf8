import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { builtBinary } from '../../test/support/binaries';
import { TestCollector } from '../../test/support/collector';
import { RunningService } from '../../test/support/services';
import { inBatches, OtlpSink, postJson } from './harness';

export interface BenchContext {
  databaseUrl: string;
  redisUrl: string;
  quick: boolean;
  /** Rounds of alternating variants that `--rounds=N` asks for; each part has its own default otherwise. */
  rounds?: number;
  /** A directory of this run's own (removed at the end), for profiles and the like. */
  tmpDir: string;
}

export interface PartResult {
  part: string;
  /** Rows of the printed table: the first is the header. */
  table: string[][];
  figures: Record<string, unknown>;
  notes?: string[];
}

// The tests' ports (scripts/dev/servers.sh), so that the stack part's sandbox has 5432 / 6379 to itself.
const admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:55432/postgres';
const redis = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:56379/14';

/** Postgres and Redis as the tests use them, and a database and Redis db of the benchmark's own. */
export async function benchContext(quick: boolean, rounds?: number): Promise<BenchContext> {
  execFileSync('bash', ['scripts/dev/servers.sh'], {
    stdio: 'inherit',
    env: { ...process.env, PG_PORT: new URL(admin).port, REDIS_PORT: new URL(redis).port },
  });
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query('DROP DATABASE IF EXISTS ticketing_bench WITH (FORCE)');
  await client.query('CREATE DATABASE ticketing_bench');
  await client.end();
  const databaseUrl = Object.assign(new URL(admin), { pathname: '/ticketing_bench' }).toString();
  return {
    databaseUrl,
    redisUrl: redis,
    quick,
    rounds,
    tmpDir: mkdtempSync(join(tmpdir(), 'ticketing-bench-')),
  };
}

/** What a queue-service under measurement talks to: the real collector, exporting to a sink, and user-service. */
export interface Peers {
  otlpHttp: string;
  otlpGrpc: string;
  users: RunningService;
  stop(): Promise<void>;
}

export async function startPeers(ctx: BenchContext): Promise<Peers> {
  const sink = await new OtlpSink().start();
  const collector = await new TestCollector(await builtBinary('scripts/collector/build.sh'), {
    TEMPO_OTLP_ENDPOINT: sink.url,
    LOKI_OTLP_ENDPOINT: sink.url,
  }).start();
  const users = await RunningService.start('user-service', {
    DATABASE_URL: ctx.databaseUrl,
    LOG_LEVEL: 'info',
  });
  return {
    otlpHttp: collector.otlpHttp,
    otlpGrpc: collector.otlpGrpc,
    users,
    async stop() {
      await users.stop();
      await collector.stop();
      await sink.stop();
    },
  };
}

export async function flushRedis(url: string): Promise<void> {
  const redis = new Redis(url);
  await redis.flushdb();
  await redis.quit();
}

export async function resetTickets(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('TRUNCATE ticket_service.tickets').catch(() => undefined);
  await client.query('UPDATE ticket_service.event SET sold = 0').catch(() => undefined);
  await client.end();
}

export async function registerUsers(users: RunningService, count: number): Promise<string[]> {
  const created = await inBatches(Array.from({ length: count }), 50, () =>
    postJson(`${users.url}/users`, {}),
  );
  return created.map((c) => c.body.id as string);
}

export async function joinAll(queue: RunningService, ids: string[]): Promise<void> {
  await inBatches(ids, 50, (userId) => postJson(`${queue.url}/queue/join`, { userId }));
}
