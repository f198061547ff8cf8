// Read by `npm test` (vitest run). Four projects, by what they need: unit (Node alone: specs beside the code,
// the docs, and test/config's parsed configs), e2e against the built services on real Postgres/Redis, stack
// (the configs run by the Go-built collector, promtool, compose-go and helm), and the sandbox on a Docker engine.
import { join } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const alias = { '@app/common': join(__dirname, 'libs/common/src') };

export default defineConfig({
  plugins: [swc.vite()],
  resolve: { alias },
  test: {
    // Suites start services on one Postgres and hand out Redis databases in turn: one file at a time.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'apps/**/*.spec.ts',
            'libs/**/*.spec.ts',
            'scripts/**/*.spec.ts',
            'test/docs/**/*.spec.ts',
            // Checks that only read the repository's files (compose, chart, dashboards, rules, collector config).
            'test/config/**/*.spec.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['test/stack/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts', 'test/setup/stack-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts', 'test/setup/engine-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_200_000,
        },
      },
    ],
  },
});
