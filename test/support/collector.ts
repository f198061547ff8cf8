import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { answersOk } from './http';
import { freePort } from './services';

export const collectorConfig = 'otel-collector/config.yaml';

/**
 * The real OpenTelemetry Collector (built by scripts/collector/build.sh) running otel-collector/config.yaml,
 * bound to 127.0.0.1 on free ports (a sandbox's collector on the same machine keeps 4317, 4318 and 13133),
 * exporting to the given Tempo and Loki endpoints.
 */
export class TestCollector {
  readonly output: string[] = [];
  otlpHttp = '';
  otlpGrpc = '';
  ownMetrics = '';
  spanMetrics = '';
  private process?: ChildProcess;

  constructor(
    private readonly binary: string,
    private readonly env: { TEMPO_OTLP_ENDPOINT: string; LOKI_OTLP_ENDPOINT: string },
  ) {}

  private ports: number[] = [];

  /** Starts it, on the same ports as before when it is started again (a restart, to the services). */
  async start(): Promise<this> {
    if (!this.ports.length) this.ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
    const [health, grpc, http, metrics, spanMetrics] = this.ports;
    this.otlpGrpc = `http://127.0.0.1:${grpc}`;
    this.otlpHttp = `http://127.0.0.1:${http}`;
    this.ownMetrics = `http://127.0.0.1:${metrics}/metrics`;
    this.spanMetrics = `http://127.0.0.1:${spanMetrics}/metrics`;
    const ports = {
      COLLECTOR_HEALTH_PORT: `${health}`,
      COLLECTOR_OTLP_GRPC_PORT: `${grpc}`,
      COLLECTOR_OTLP_HTTP_PORT: `${http}`,
      COLLECTOR_METRICS_PORT: `${metrics}`,
      COLLECTOR_SPAN_METRICS_PORT: `${spanMetrics}`,
    };
    this.process = spawn(this.binary, [`--config=${collectorConfig}`], {
      env: { PATH: process.env.PATH, COLLECTOR_BIND_HOST: '127.0.0.1', ...ports, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.process.stdout!, this.process.stderr!]) {
      stream.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    }
    if (await answersOk(`http://127.0.0.1:${health}/`, this.process)) return this;
    throw new Error(`the collector did not become healthy:\n${this.output.join('').slice(-3000)}`);
  }

  async stop(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await once(this.process, 'exit');
    }
  }
}
