// Vitest globalSetup of the engine project: a Docker engine of our own (scripts/dev/docker.sh starts Debian's
// dockerd when none answers on its socket, and this stops it after if it did), Docker Compose v2 as a CLI
// plugin under our own DOCKER_CONFIG (scripts/dev/compose.sh), and the stand-in images (test/images/build.sh).
import type { TestProject } from 'vitest/node';
import { Engine, startEngine, stopEngine } from '../support/engine';

declare module 'vitest' {
  export interface ProvidedContext {
    docker: Engine['env'];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { started, env } = await startEngine();
  project.provide('docker', env);
  return async () => {
    if (started) await stopEngine();
  };
}
