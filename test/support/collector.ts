import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { answersOk } from './http';

export const collectorConfig = 'otel-collector/config.yaml';

/**
 * The real OpenTelemetry Collector (built by scripts/collector/build.sh) running otel-collector/config.yaml,
 * bound to 127.0.0.1 on the config's ports, exporting to the given Tempo and Loki endpoints.
 */
export class TestCollector {
  readonly output: string[] = [];
  readonly otlpHttp = 'http://127.0.0.1:4318';
  readonly otlpGrpc = 'http://127.0.0.1:4317';
  readonly ownMetrics = 'http://127.0.0.1:8888/metrics';
  readonly spanMetrics = 'http://127.0.0.1:8889/metrics';
  private process?: ChildProcess;

  constructor(
    private readonly binary: string,
    private readonly env: { TEMPO_OTLP_ENDPOINT: string; LOKI_OTLP_ENDPOINT: string },
  ) {}

  async start(): Promise<this> {
    this.process = spawn(this.binary, [`--config=${collectorConfig}`], {
      env: { PATH: process.env.PATH, COLLECTOR_BIND_HOST: '127.0.0.1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.process.stdout!, this.process.stderr!]) {
      stream.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    }
    if (await answersOk('http://127.0.0.1:13133/', this.process)) return this;
    throw new Error(`the collector did not become healthy:\n${this.output.join('').slice(-3000)}`);
  }

  async stop(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await once(this.process, 'exit');
    }
  }
}
