// compose/Dockerfile's steps run here as Docker would run them (Docker cannot run here): the build stage's
// COPY and RUN lines in a scratch directory, the final stage's COPY --from lines into another, then an app
// started from that final directory alone must become ready, so the pruned image really holds what it needs.
import { execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../support/databases';
import { answersOk } from '../support/http';
import { freePort } from '../support/services';

const stages = readFileSync('compose/Dockerfile', 'utf8')
  .split(/^FROM .*$/m)
  .slice(1)
  .map((stage) => stage.split('\n').filter((line) => /^(COPY|RUN|WORKDIR) /.test(line)));

describe('compose/Dockerfile, step by step', () => {
  const root = mkdtempSync(join(tmpdir(), 'ticketing-image-'));
  const build = join(root, 'build');
  const final = join(root, 'final');

  beforeAll(() => {
    mkdirSync(build);
    mkdirSync(final);
    for (const line of stages[0]) {
      const [instruction, ...rest] = line.split(' ');
      if (instruction === 'COPY') {
        // Docker's rules: a directory's contents go to the destination; a file goes into it when it names a
        // directory (ends in / or takes several sources), else becomes it.
        const target = rest.at(-1)!;
        const sources = rest.slice(0, -1);
        for (const source of sources) {
          const intoDirectory = target.endsWith('/') || sources.length > 1;
          const file = !statSync(source).isDirectory();
          const destination = join(build, target, file && intoDirectory ? basename(source) : '');
          cpSync(source, destination, { recursive: true, filter: (path) => !path.endsWith('.spec.ts') });
        }
      } else if (instruction === 'RUN') {
        const command = rest.filter((word) => !word.startsWith('--mount=')).join(' ');
        execSync(command, { cwd: build, stdio: 'inherit', env: { ...process.env, NODE_ENV: '' } });
      }
    }
    for (const line of stages[1]) {
      const match = /^COPY --from=build \/app\/(\S+) (\S+)$/.exec(line);
      if (match)
        cpSync(join(build, match[1]), join(final, match[2] === './' ? match[1] : match[2]), {
          recursive: true,
        });
    }
  }, 600_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('leaves the build and test tools out of the final stage', () => {
    // (Some devDependencies, @types/node say, stay: production packages depend on them too.)
    for (const tool of [
      'typescript',
      '@nestjs/cli',
      'vitest',
      'eslint',
      'prettier',
      'tsx',
      'autocannon',
      '@swc/core',
    ]) {
      expect(existsSync(join(final, 'node_modules', tool)), tool).toBe(false);
    }
    expect(existsSync(join(final, 'node_modules', '@nestjs/core')), '@nestjs/core').toBe(true);
  });

  it('starts user-service from the final stage alone, as the image would, and it becomes ready', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/apps/user-service/main.js'], {
      cwd: final,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: await createDatabase(inject('runId'), 'image'),
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      expect(await answersOk(`http://127.0.0.1:${port}/health/ready`, child), output.join('')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
