// The repository's compose files, parsed once for the config specs: docker-compose.yml (anchors merged), the
// servers' configs, and where each compose service listens, so that a spec checks wiring rather than values.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseDuration } from '../../scripts/traffic/options';

export type Service = Record<string, any>;

export const yamlFile = (path: string) => parse(readFileSync(path, 'utf8'), { merge: true });

export const compose = yamlFile('docker-compose.yml');
export const all = compose.services as Record<string, Service>;
/** What `docker compose up` starts: every service outside a profile. */
export const services = Object.fromEntries(Object.entries(all).filter(([, s]) => !s.profiles));
/** The tools' services, under profiles `up` does not start. */
export const tools = Object.fromEntries(Object.entries(all).filter(([, s]) => s.profiles));
export const apps = ['queue-service', 'ticket-service', 'user-service'] as const;

export const prometheus = yamlFile('compose/prometheus/prometheus.yml');
/** The text of each server's config, by compose service: its ports are read from it too. */
const configTexts: Record<string, string> = {
  'otel-collector': readFileSync('otel-collector/config.yaml', 'utf8'),
  ...Object.fromEntries(
    ['tempo', 'loki', 'pyroscope'].map((name) => [
      name,
      readFileSync(`compose/${name}/${name}.yaml`, 'utf8'),
    ]),
  ),
};
export const collectorText = configTexts['otel-collector'];
export const collector = parse(collectorText);
export const tempo = parse(configTexts.tempo, { merge: true });
export const loki = parse(configTexts.loki, { merge: true });
export const pyroscope = parse(configTexts.pyroscope, { merge: true });

/** A compose mem_limit (`256m`, `1g`) in MiB. */
export const megabytes = (limit: string): number =>
  Number.parseInt(limit, 10) * (limit.endsWith('g') ? 1024 : 1);

/** A Go or Prometheus duration (`200ms`, `1s`, `1m`, `0s`) in milliseconds, read as the traffic tool reads one. */
export const ms = (duration: string): number => parseDuration(duration, duration);

const portsIn = (text: string) =>
  [...text.matchAll(/(?:_PORT:-|0\.0\.0\.0:|listen_port: )(\d+)/g)].map((m) => m[1]);

/** The container ports a compose service listens on: published, PORT, and those its own config opens. */
export function listens(name: string): string[] {
  const service = all[name];
  const published = (service.ports ?? []).map((p: string) => p.split(':').at(-1));
  return [...published, service.environment?.PORT, ...portsIn(configTexts[name] ?? '')].filter(Boolean);
}

/** Why `url` (http://host:port/…) does not reach a compose service where it listens; undefined when it does. */
export function unreachable(url: string): string | undefined {
  const { hostname, port } = new URL(url);
  if (!all[hostname]) return `${url}: no compose service ${hostname}`;
  if (!listens(hostname).includes(port)) return `${url}: ${hostname} listens on ${listens(hostname)}`;
  return undefined;
}
