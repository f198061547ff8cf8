import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

/** Request headers npm's conditional fetches need, passed on to the registry. */
const passed = ['accept', 'if-none-match', 'if-modified-since', 'npm-command', 'user-agent'];

/**
 * An npm mirror as a company runs one: HTTPS on 127.0.0.1, with a certificate of a CA of its own (made here with
 * openssl, for a day), passing every request on to registry.npmjs.org. It counts what it was asked.
 */
export type NpmMirror = Awaited<ReturnType<typeof startNpmMirror>>;

export async function startNpmMirror() {
  const dir = mkdtempSync(join(tmpdir(), 'npm-mirror-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=ticketing-sandbox test mirror CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
  let requests = 0;
  const server = createServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
    (request, response) => {
      requests++;
      const headers = Object.fromEntries(
        passed.flatMap((h) => (request.headers[h] ? [[h, String(request.headers[h])]] : [])),
      );
      fetch(`https://registry.npmjs.org${request.url}`, { headers })
        .then((upstream) => {
          const kept = ['content-type', 'etag', 'last-modified', 'cache-control'].flatMap((h) =>
            upstream.headers.get(h) ? [[h, upstream.headers.get(h)!]] : [],
          );
          response.writeHead(upstream.status, Object.fromEntries(kept));
          if (!upstream.body) return void response.end();
          Readable.fromWeb(upstream.body as ReadableStream).pipe(response);
        })
        .catch((error: Error) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(error.message);
        });
    },
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}/`,
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    get requests() {
      return requests;
    },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
