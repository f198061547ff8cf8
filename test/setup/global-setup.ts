// Vitest globalSetup of the e2e project: makes sure Postgres and Redis answer on 127.0.0.1:55432 / 56379 (starting them
// with scripts/dev/servers.sh when not), that the services and Prometheus are built, and removes this run's
// databases after.
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
import { runAsync } from '../support/binaries';
import { adminDatabaseUrl, runId, serverPorts } from '../support/databases';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.stdout.write(await runAsync('bash', ['scripts/dev/servers.sh'], serverPorts()));
  const apps = ['queue-service', 'user-service', 'ticket-service'];
  if (process.env.SKIP_BUILD !== 'true' || apps.some((app) => !existsSync(`dist/apps/${app}/main.js`))) {
    process.stdout.write(await runAsync('npm', ['run', '--silent', 'build']));
    process.env.SKIP_BUILD = 'true'; // the next project's setup in this run finds it built
  }
  // The Prometheus server the tests run (TestPrometheus), off the event loop while it builds the first time.
  await runAsync('bash', ['scripts/dev/prometheus.sh']);
  const id = runId();
  project.provide('runId', id);
  return async () => {
    const admin = new Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${id}%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
  };
}
