import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { freePort } from '../../test/support/services';

export interface Load {
  rps: number;
  /** Requests answered. */
  requests: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  /** A fresh path and body for each request. */
  next: () => { path: string; body?: unknown };
  connections: number;
  seconds: number;
  timeoutSeconds?: number;
  /** At most this many requests per second over all connections (unlimited when left out). */
  rate?: number;
}

/** autocannon with a fixed number of connections for a fixed time. */
export async function load(spec: LoadSpec): Promise<Load> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: spec.timeoutSeconds ?? 10,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
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
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

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

/** Median and spread (min..max) of a figure over rounds. */
export const spread = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

export class OtlpSink {
  url = '';
  private process?: ChildProcess;

  async start(port?: number): Promise<this> {
    const chosen = port ?? (await freePort());
    this.process = spawn(process.execPath, ['scripts/bench/otlp-sink.mjs'], {
      env: { PORT: String(chosen) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(this.process.stdout!, 'data');
    this.url = `http://127.0.0.1:${chosen}`;
    return this;
  }

  async counts(): Promise<{ traces: number; logs: number; bytes: number }> {
    return (await fetch(`${this.url}/counts`)).json() as never;
  }

  async stop(): Promise<void> {
    if (this.process?.exitCode === null) {
      this.process.kill('SIGTERM');
      await once(this.process, 'exit');
    }
  }
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Runs `work` on `items` with at most `limit` in flight. */
export async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

/** A difference with its sign: +4, -1, +0. */
export const signed = (value: number, digits = 0): string =>
  `${value < 0 ? '' : '+'}${value.toFixed(digits)}`;

/** CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat (clock ticks of 10 ms). */
export const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

export const rssOf = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** Samples a process's RSS every 250 ms until the returned function is called, which gives the peak in bytes. */
export function watchPeakRss(pid: number): () => number {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 250);
  return () => {
    clearInterval(sampler);
    return peak;
  };
}

/**
 * Loads a service after a 1 s warm-up (the JIT, the pools) and measures it meanwhile: its own CPU time per
 * request answered, and its peak RSS.
 */
export async function cpuPerRequest(
  pid: number,
  spec: LoadSpec,
): Promise<{ cpuMicros: number; rps: number; p99: number; peakRssBytes: number }> {
  await load({ ...spec, seconds: 1 });
  const peakRss = watchPeakRss(pid);
  const before = cpuSeconds(pid);
  const result = await load(spec);
  const cpu = cpuSeconds(pid) - before;
  return {
    cpuMicros: (cpu * 1e6) / (result.rps * spec.seconds),
    rps: result.rps,
    p99: result.p99,
    peakRssBytes: peakRss(),
  };
}
