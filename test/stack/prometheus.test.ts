// compose/prometheus checked by promtool of the release docker-compose.yml pins (built from source by
// scripts/dev/prometheus.sh, with the server every live test runs): config, rules and rule unit tests.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const config = parse(readFileSync('compose/prometheus/prometheus.yml', 'utf8'), { merge: true });
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });

describe('promtool of the pinned release', () => {
  const check = (...args: string[]) => run(inject('promtool'), args, { cwd: 'compose/prometheus' });

  it('loads prometheus.yml and every rule file it names', async () => {
    const { stdout } = await check('check', 'config', 'prometheus.yml');
    expect(stdout).toContain('SUCCESS: 3 rule files found');
  });

  it('passes the rule unit tests: each alert and SLO burn fires when it should and only then', async () => {
    const { stdout } = await check('test', 'rules', 'tests/rules.test.yml');
    expect(stdout).toContain('SUCCESS');
  });

  it('fails on a rule test that expects the wrong thing, so the suite can fail', async () => {
    const broken = readFileSync('compose/prometheus/tests/rules.test.yml', 'utf8').replace(
      'summary: loki target loki:3100 is down',
      'summary: tempo target is down',
    );
    const file = `/tmp/ticketing-broken-${process.pid}.test.yml`;
    writeFileSync(file, broken.replaceAll('../rules/', `${process.cwd()}/compose/prometheus/rules/`));
    await expect(check('test', 'rules', file)).rejects.toMatchObject({ code: 1 });
  });
});

describe('what Prometheus scrapes', () => {
  const jobs = Object.fromEntries(
    config.scrape_configs.map((job: { job_name: string }) => [job.job_name, job]),
  );

  it('finds every replica of each app by DNS and labels its series with app', () => {
    for (const [app, port] of [
      ['queue-service', 3001],
      ['user-service', 3003],
      ['ticket-service', 3002],
    ] as const) {
      expect(jobs[app].dns_sd_configs).toEqual([{ names: [app], type: 'A', port, refresh_interval: '10s' }]);
      expect(jobs[app].relabel_configs).toContainEqual(
        expect.objectContaining({ target_label: 'app', source_labels: ['job'] }),
      );
    }
  });

  it('scrapes the collector, its span metrics, Loki, Tempo, Grafana and itself', () => {
    const targets = (job: string) => jobs[job].static_configs[0].targets;
    expect(targets('otel-collector')).toEqual(['otel-collector:8888']);
    expect(targets('span-metrics')).toEqual(['otel-collector:8889']);
    expect(targets('loki')).toEqual(['loki:3100']);
    expect(targets('tempo')).toEqual(['tempo:3200']);
    expect(targets('grafana')).toEqual(['grafana:3000']);
    expect(targets('prometheus')).toEqual(['localhost:9090']);
  });

  it('keeps exemplars and takes the remote writes Tempo sends the service graph with', () => {
    const flags = compose.services.prometheus.command as string[];
    expect(flags).toContain('--enable-feature=exemplar-storage');
    expect(flags).toContain('--web.enable-remote-write-receiver');
    const tempo = parse(readFileSync('compose/tempo/tempo.yaml', 'utf8'));
    expect(tempo.metrics_generator.storage.remote_write[0].url).toBe('http://prometheus:9090/api/v1/write');
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs']);
  });
});
