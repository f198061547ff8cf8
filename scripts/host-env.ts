import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The tools' environment on the host: the process's own, over the `.env` that docker compose reads from the
 * working folder (where *_PORT variables move the sandbox's host ports; .env.example). In the tools' image
 * there is no such file.
 */
export function hostEnv(): NodeJS.ProcessEnv {
  return { ...(existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {}), ...process.env };
}

/** A server of the sandbox as the host reaches it: localhost, at the port compose publishes it on. */
export const onHost = (env: NodeJS.ProcessEnv, portVariable: string, port: number): string =>
  `http://localhost:${env[portVariable] || port}`;
