import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export const collectorConfig = 'otel-collector/config.yaml';

/**
 * The real OpenTelemetry Collector (built by scripts/collector/build.sh) running otel-collector/config.yaml,
 * bound to 127.0.0.1 on the config's ports, exporting to the given Tempo and Loki endpoints.
 */
export class TestCollector {
  readonly output: string[] = [];
  readonly otlpHttp = 'http://127.0.0.1:4318';
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
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && this.process.exitCode === null) {
      const healthy = await fetch('http://127.0.0.1:13133/').then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) return this;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the collector did not become healthy:\n${this.output.join('').slice(-3000)}`);
  }

  async stop(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM');
      await once(this.process, 'exit');
    }
  }
}
