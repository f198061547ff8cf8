// docker-compose.yml through Compose's own loader: scripts/compose-config is compose-go, as Docker Compose v2
// loads files (schema, anchors, merges), built with the machine's Go. What only parses the file is in
// test/config/compose.spec.ts.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { all, Service, services } from '../config/compose-files';

const load = async (file: string) =>
  JSON.parse(
    (await promisify(execFile)('go', ['-C', 'scripts/compose-config', 'run', '.', resolve(file)])).stdout,
  ) as { services: Record<string, Service> };

describe("docker-compose.yml through Compose's own loader (compose-go, schema and merges)", () => {
  it('loads, with every anchor and merge resolved as compose resolves them', async () => {
    const project = await load('docker-compose.yml');
    // Compose leaves the services under a profile out of a project loaded without one.
    const up = Object.entries(services);
    expect(Object.keys(project.services).sort()).toEqual(up.map(([name]) => name).sort());
    // Each app has the anchors' keys and its own, merged (compose-go's `<<` is not YAML 1.1's, nor are its
    // units: it gives mem_limit in bytes).
    for (const [name, service] of up.filter(([name]) => name.endsWith('-service'))) {
      const loaded = project.services[name];
      expect(Object.keys(loaded.depends_on).sort(), name).toEqual(Object.keys(service.depends_on).sort());
      expect(loaded.environment.OTEL_SERVICE_NAME, name).toBe(name);
      expect(loaded.environment.DATABASE_URL, name).toBe(service.environment.DATABASE_URL);
      expect(Number(loaded.mem_limit), name).toBe(Number.parseInt(service.mem_limit, 10) * 1024 * 1024);
      expect(loaded.healthcheck.test, name).toEqual(service.healthcheck.test);
    }
    // A healthcheck merged over the anchor keeps the anchor's timing and takes its own test.
    expect(project.services.tempo.healthcheck.test).toEqual(all.tempo.healthcheck.test);
    expect(project.services.tempo.healthcheck.start_period).toBe(all.loki.healthcheck.start_period);
  }, 300_000);

  it('rejects what compose would reject, so the check can fail', async () => {
    const broken = `/tmp/ticketing-compose-${process.pid}.yml`;
    writeFileSync(
      broken,
      readFileSync('docker-compose.yml', 'utf8').replace('mem_limit: 128m', 'mem_limit: lots'),
    );
    await expect(load(broken)).rejects.toMatchObject({ stderr: expect.stringMatching(/mem_limit|lots/) });
  }, 300_000);
});
