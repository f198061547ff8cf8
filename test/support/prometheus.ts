import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { answersOk } from './http';
import { eventually } from './poll';
import { freePort } from './services';

export interface ScrapeTarget {
  app: string;
  url: string;
}

/**
 * The Prometheus server of the release compose pins, built once per machine by scripts/dev/prometheus.sh (the
 * test setups build it first, so here it is only looked up).
 */
export const prometheusBinary = (): string =>
  join(execFileSync('bash', ['scripts/dev/prometheus.sh'], { encoding: 'utf8' }).trim(), 'prometheus');

/**
 * A real Prometheus (the release compose pins) on a free port, scraping the given targets every second,
 * with the given rule files; its data lives in a temporary directory removed at stop.
 */
export class TestPrometheus {
  url = '';

  /** `flags` are added to the command line, e.g. `--query.max-samples=5` for a query that errors. */
  constructor(private readonly flags: string[] = []) {}

  private process?: ChildProcess;
  private dir = '';
  readonly output: string[] = [];

  async start(targets: ScrapeTarget[], rules: Record<string, string> = {}): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'ticketing-prometheus-'));
    const ruleFiles = Object.entries(rules).map(([name, text]) => {
      writeFileSync(join(this.dir, name), text);
      return join(this.dir, name);
    });
    const scrapeConfigs = targets.map(({ app, url }) => ({
      job_name: app,
      scrape_interval: '1s',
      static_configs: [{ targets: [new URL(url).host], labels: { app } }],
    }));
    return this.run(await freePort(), {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: scrapeConfigs,
    });
  }

  /**
   * Starts with compose/prometheus/prometheus.yml and its rules, each named job's target moved to where it runs
   * here (the other jobs left out) and Prometheus' own job added.
   */
  async startLikeCompose(targets: Record<string, string>): Promise<this> {
    const port = await freePort();
    const config = parse(readFileSync('compose/prometheus/prometheus.yml', 'utf8'), { merge: true });
    const dir = resolve('compose/prometheus');
    const where = { ...targets, prometheus: `127.0.0.1:${port}` };
    return this.run(port, {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: readdirSync(`${dir}/rules`).map((file) => `${dir}/rules/${file}`),
      scrape_configs: config.scrape_configs
        .filter((job: { job_name: string }) => job.job_name in where)
        .map(({ dns_sd_configs: _dns, static_configs: _static, ...job }: Record<string, unknown>) => ({
          ...job,
          static_configs: [{ targets: [where[job.job_name as keyof typeof where]] }],
        })),
    });
  }

  /** Starts on `port` with a whole configuration (rule file paths absolute). */
  async run(port: number, config: object): Promise<this> {
    this.dir ||= mkdtempSync(join(tmpdir(), 'ticketing-prometheus-'));
    writeFileSync(join(this.dir, 'prometheus.yml'), JSON.stringify(config)); // JSON is YAML
    this.url = `http://127.0.0.1:${port}`;
    this.process = spawn(
      prometheusBinary(),
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        // As compose runs it: Tempo's metrics generator (or its stand-in) writes the service graph here.
        '--web.enable-remote-write-receiver',
        ...this.flags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    if (await answersOk(`${this.url}/-/ready`, this.process)) return this;
    throw new Error(`prometheus did not start:\n${this.output.join('').slice(-2000)}`);
  }

  async stop(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await once(this.process, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return ((await response.json()) as { data: { result: never[] } }).data.result;
  }

  /** Waits until `expr` returns at least one series. */
  async waitFor(expr: string, timeoutMs = 30_000): Promise<void> {
    await eventually(() => this.query(expr), `series for ${expr}`, timeoutMs, 500);
  }
}
