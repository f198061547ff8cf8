import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';

export interface BenchContext {
  databaseUrl: string;
  redisUrl: string;
  quick: boolean;
  /** Rounds of alternating variants that `--rounds=N` asks for; each part has its own default otherwise. */
  rounds?: number;
}

export interface PartResult {
  part: string;
  /** Rows of the printed table: the first is the header. */
  table: string[][];
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
  return { databaseUrl, redisUrl: redis, quick, rounds };
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  /** A fresh path and body for each request. */
  next: () => { path: string; body?: unknown };
  connections: number;
  seconds: number;
}

/** autocannon with a fixed number of connections for a fixed time. */
export async function load(spec: LoadSpec): Promise<{ rps: number; requests: number; p99: number }> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests: [
      {
        method: spec.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const { path, body } = spec.next();
          return { ...request, path, body: body === undefined ? undefined : JSON.stringify(body) };
        },
      },
    ],
  });
  return { rps: result.requests.average, requests: result.requests.total, p99: result.latency.p99 };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Median and spread (min..max) of a figure over rounds. */
export const spread = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** A difference with its sign: +4, -1, +0. */
export const signed = (value: number, digits = 0): string =>
  `${value < 0 ? '' : '+'}${value.toFixed(digits)}`;

/** Rows as a Markdown table, the first row its header, each column padded to its widest cell. */
export function markdownTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join(' | ')} |`;
  return [
    line(rows[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** An OTLP endpoint that takes every export unread, in a process of its own so that it costs the bench no CPU. */
export async function otlpSink() {
  const sink = spawn(process.execPath, ['scripts/bench/otlp-sink.mjs'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [listening] = await once(sink.stdout!, 'data');
  return {
    url: `http://127.0.0.1:${Number(String(listening).split(' ')[1])}`,
    async stop() {
      sink.kill();
      await once(sink, 'exit');
    },
  };
}

/** CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat (clock ticks of 10 ms). */
export const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/**
 * Loads a service after a 1 s warm-up (the JIT, the pools) and measures its own CPU time per request answered:
 * from /proc, so 10 ms ticks over tens of thousands of requests.
 */
export async function cpuPerRequest(pid: number, spec: LoadSpec) {
  await load({ ...spec, seconds: 1 });
  const before = cpuSeconds(pid);
  const result = await load(spec);
  return { ...result, cpuMicros: ((cpuSeconds(pid) - before) * 1e6) / result.requests };
}
