import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { answersOk } from './http';
import { freePort } from './services';

export const lobbyTemplate = 'compose/lobby/default.conf.template';

/** What the template reads, as docker-compose.yml sets it for the lobby container. */
export interface LobbyEnv {
  USER_SERVICE_URL: string;
  QUEUE_SERVICE_URL: string;
  TICKET_SERVICE_URL: string;
  OTLP_HTTP_URL: string;
  GRAFANA_PUBLIC_URL: string;
}

/** The template with its ${VARIABLES} filled as the nginx image's envsubst fills them: the set ones only. */
export const renderTemplate = (template: string, env: Record<string, string>) =>
  template.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole);

/**
 * The lobby as compose runs it: Debian's nginx (scripts/dev/servers.sh --install) with the compose template,
 * serving the built page (dist/apps/lobby/public) on a free port of 127.0.0.1.
 */
export async function startLobby(env: LobbyEnv): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lobby-'));
  // nginx's workers run as nobody: they read the page and write request bodies here.
  chmodSync(dir, 0o755);
  const site = renderTemplate(readFileSync(lobbyTemplate, 'utf8'), {
    ...env,
    LOBBY_LISTEN: `127.0.0.1:${port}`,
    LOBBY_ROOT: resolve('dist/apps/lobby/public'),
    LOBBY_RESOLVER: '127.0.0.1',
  });
  writeFileSync(join(dir, 'lobby.conf'), site);
  // The main file of the nginx image, pared down: the template is included in its http block.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events {}
http {
  include /etc/nginx/mime.types;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/lobby.conf;
}
`,
  );
  const nginx = spawn(
    process.env.NGINX_PATH ?? '/usr/sbin/nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  for (const stream of [nginx.stdout!, nginx.stderr!])
    stream.on('data', (chunk) => output.push(String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  if (!(await answersOk(`${url}/health`, nginx))) throw new Error(`nginx did not start:\n${output.join('')}`);
  return {
    url,
    stop: async () => {
      if (nginx.exitCode !== null) return;
      const exited = new Promise((done) => nginx.once('exit', done));
      nginx.kill('SIGQUIT');
      await exited;
    },
  };
}
