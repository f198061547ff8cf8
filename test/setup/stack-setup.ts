// Vitest globalSetup of the stack project (after global-setup.ts): builds the real OpenTelemetry Collector
// from otel-collector/builder-config.yaml with ocb, and promtool of the Prometheus release compose pins
// (both cached per machine), and hands their paths to the tests.
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    otelcol: string;
    promtool: string;
  }
}

export default function setup(project: TestProject): void {
  const build = (script: string) =>
    execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] })
      .toString()
      .trim();
  project.provide('otelcol', build('scripts/collector/build.sh'));
  project.provide('promtool', build('scripts/dev/promtool.sh'));
}
