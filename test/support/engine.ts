import { runAsync } from './binaries';

export interface Engine {
  /** Whether this call started the engine (so it is the caller's to stop). */
  started: boolean;
  /** What docker and docker compose need to reach it: our socket and our Compose plugin. */
  env: { DOCKER_HOST: string; DOCKER_SOCKET: string; DOCKER_DATA_ROOT: string; DOCKER_CONFIG: string };
}

/**
 * The Docker engine of scripts/dev/docker.sh (started when none answers on its socket), Docker Compose from
 * scripts/dev/compose.sh, and the stand-in images of test/images/build.sh built on it.
 */
export async function startEngine(): Promise<Engine> {
  const started = (await runAsync('bash', ['scripts/dev/docker.sh', 'start'])).trim() === 'started';
  const lines = (await runAsync('bash', ['scripts/dev/docker.sh', 'env'])).trim().split('\n');
  const engine = Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2)));
  const env = {
    DOCKER_HOST: engine.DOCKER_HOST,
    DOCKER_SOCKET: engine.DOCKER_SOCKET,
    DOCKER_DATA_ROOT: engine.DOCKER_DATA_ROOT,
    DOCKER_CONFIG: (await runAsync('bash', ['scripts/dev/compose.sh'])).trim(),
  };
  process.stdout.write(await runAsync('bash', ['test/images/build.sh'], env));
  return { started, env };
}

export const stopEngine = (): Promise<string> => runAsync('bash', ['scripts/dev/docker.sh', 'stop']);
