// compose/Dockerfile and .dockerignore parsed: what the image builds and runs, and what the build context
// sends. The engine test builds and runs the image itself.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dockerfile = readFileSync('compose/Dockerfile', 'utf8');

describe('compose/Dockerfile', () => {
  it('builds with npm ci, prunes to production deps and runs node directly as a non-root user', () => {
    expect(dockerfile).toMatch(/RUN .*npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/apps\/[a-z-]+\/main\.js"\]$/m);
  });

  it('runs the Node the tests run on, which package.json engines allows', () => {
    const pinned = readFileSync('.node-version', 'utf8').trim();
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${pinned.replaceAll('.', '\\.')}-bookworm-slim$`, 'm'),
    );
    expect(process.version).toBe(`v${pinned}`);
    const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!;
    const [pinnedMajor, pinnedMinor] = pinned.split('.').map(Number);
    expect(pinnedMajor).toBe(Number(major));
    expect(pinnedMinor).toBeGreaterThanOrEqual(Number(minor));
  });

  it('sends the build context only what it copies, and every copied path exists', () => {
    const ignore = readFileSync('.dockerignore', 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    expect(copied.length).toBeGreaterThan(0);
    for (const path of copied) {
      expect(existsSync(path), path).toBe(true);
      expect(ignore, path).toMatch(new RegExp(`^!${path.replace(/[.*]/g, '\\$&')}(/\\*\\*)?$`, 'm'));
    }
  });
});
