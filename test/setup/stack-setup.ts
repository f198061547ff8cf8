// Vitest globalSetup of the stack project (after global-setup.ts): builds the real OpenTelemetry Collector
// from otel-collector/builder-config.yaml with ocb, promtool of the Prometheus release compose pins, and helm
// (all cached per machine), and hands their paths to the tests.
import { join } from 'node:path';
import { builtBinary } from '../support/binaries';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    otelcol: string;
    promtool: string;
    helm: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  // One after the other: each build keeps both cores busy.
  project.provide('otelcol', await builtBinary('scripts/collector/build.sh'));
  project.provide('promtool', join(await builtBinary('scripts/dev/prometheus.sh'), 'promtool'));
  project.provide('helm', await builtBinary('scripts/dev/helm.sh'));
}
