import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchJson } from './http';

describe(fetchJson.name, () => {
  it('names the server it cannot reach and what to start, rather than "fetch failed"', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    await expect(fetchJson(`http://127.0.0.1:${port}/api/v1/query`)).rejects.toThrow(
      `cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is the stack up? \`docker compose up -d\``,
    );
  });
});
