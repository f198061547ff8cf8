// Vitest globalSetup of the stack project (after global-setup.ts): builds the real OpenTelemetry Collector
// from otel-collector/builder-config.yaml with ocb, promtool of the Prometheus release compose pins, and helm
// (all cached per machine), and hands their paths to the tests; compiles the Go checkers the tests run.
import { join } from 'node:path';
import { builtBinary, runAsync } from '../support/binaries';
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
  // The Go checkers the tests `go run`: built here, into Go's cache, rather than inside a test's time limit.
  for (const tool of ['scripts/compose-config', 'scripts/k8s-validate'])
    await runAsync('go', ['-C', tool, 'build', '-o', '/dev/null', '.']);
}
