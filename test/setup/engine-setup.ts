// Vitest globalSetup of the engine project: a Docker engine of our own (scripts/dev/docker.sh starts Debian's
// dockerd when none answers on its socket, and this stops it after if it did), Docker Compose v2 as a CLI
// plugin under our own DOCKER_CONFIG (scripts/dev/compose.sh), and the stand-in images (test/images/build.sh).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runAsync } from '../support/binaries';

declare module 'vitest' {
  export interface ProvidedContext {
    docker: { DOCKER_HOST: string; DOCKER_CONFIG: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = (await runAsync('bash', ['scripts/dev/docker.sh', 'start'])).trim() === 'started';
  const docker = {
    DOCKER_HOST: (await runAsync('bash', ['scripts/dev/docker.sh', 'env']))
      .trim()
      .replace(/^DOCKER_HOST=/, ''),
    DOCKER_CONFIG: (await runAsync('bash', ['scripts/dev/compose.sh'])).trim(),
  };
  process.stdout.write(await runAsync('bash', [join('test/images/build.sh')], docker));
  project.provide('docker', docker);
  return async () => {
    if (started) await runAsync('bash', ['scripts/dev/docker.sh', 'stop']);
  };
}
