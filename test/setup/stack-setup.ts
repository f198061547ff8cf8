// Vitest globalSetup of the stack project (after global-setup.ts): builds the real OpenTelemetry Collector
// from otel-collector/builder-config.yaml with ocb, and promtool of the Prometheus release compose pins
// (both cached per machine), and hands their paths to the tests.
import { builtBinary } from '../support/binaries';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    otelcol: string;
    promtool: string;
  }
}

export default function setup(project: TestProject): void {
  project.provide('otelcol', builtBinary('scripts/collector/build.sh'));
  project.provide('promtool', builtBinary('scripts/dev/promtool.sh'));
}
