import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

// The suite's own ports (scripts/dev/servers.sh starts them there), so a sandbox's 5432 / 6379 stay free.
const base = new URL(
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:55432/postgres',
);
const redisBase = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:56379';

export const adminDatabaseUrl = (): string => base.toString();

/** PG_PORT and REDIS_PORT for scripts/dev/servers.sh, from where the tests look. */
export const serverPorts = (): Record<string, string> => ({
  PG_PORT: base.port || '5432',
  REDIS_PORT: new URL(redisBase).port || '6379',
});

export const runId = (): string =>
  `ticketing_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A new, empty database of this run; the global teardown drops it. */
export async function createDatabase(runId: string, label: string): Promise<string> {
  const name = `${runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

let nextRedisDb = 1;

/** A Redis logical database emptied for one suite (suites run one at a time). */
export async function freshRedis(): Promise<string> {
  const url = `${redisBase}/${nextRedisDb}`;
  nextRedisDb = (nextRedisDb % 15) + 1;
  const redis = new Redis(url);
  await redis.flushdb();
  await redis.quit();
  return url;
}

export async function queryRows<T>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
