// compose/prometheus/prometheus.yml parsed: whom it scrapes, how often, and the flags its server runs with.
// promtool of the pinned release checks the file and the rules in test/stack/prometheus.test.ts.
import { describe, expect, it } from 'vitest';
import { apps, ms, prometheus, services, unreachable } from './compose-files';

const jobs = Object.fromEntries(
  prometheus.scrape_configs.map((job: { job_name: string }) => [job.job_name, job]),
) as Record<string, any>;
const interval = (job: string) => ms(jobs[job].scrape_interval ?? prometheus.global.scrape_interval);

describe('compose/prometheus/prometheus.yml', () => {
  it('finds every replica of each app by DNS at its port and labels its series with app', () => {
    for (const app of apps) {
      const port = Number(services[app].environment.PORT);
      expect(jobs[app].dns_sd_configs).toEqual([{ names: [app], type: 'A', port, refresh_interval: '10s' }]);
      expect(jobs[app].relabel_configs).toContainEqual(
        expect.objectContaining({ target_label: 'app', source_labels: ['job'] }),
      );
    }
  });

  it('scrapes every static target at a compose service where it listens, and itself', () => {
    const targets = Object.values(jobs).flatMap((job) =>
      (job.static_configs ?? []).flatMap((c: { targets: string[] }) => c.targets),
    );
    expect(targets.length).toBeGreaterThan(5);
    const self = targets.filter((t) => t.startsWith('localhost:'));
    expect(self).toEqual([`localhost:${services.prometheus.ports[0].split(':').at(-1)}`]);
    const wrong = targets.filter((t) => !self.includes(t)).map((t) => unreachable(`http://${t}`));
    expect(wrong.filter(Boolean)).toEqual([]);
  });

  it('scrapes the apps every 2 s and span metrics as often as the collector flushes them', () => {
    for (const app of apps) expect(interval(app), app).toBeLessThanOrEqual(2000);
    expect(interval('span-metrics')).toBeLessThanOrEqual(1000);
  });

  it('keeps exemplars and takes the remote writes Tempo sends the service graph with', () => {
    const flags = services.prometheus.command as string[];
    expect(flags).toContain('--enable-feature=exemplar-storage');
    expect(flags).toContain('--web.enable-remote-write-receiver');
  });
});
