import { setTimeout as sleep } from 'node:timers/promises';
import type { TrafficOptions } from './options';

type Settings = { errorRate: number; delayMs: number; cpuMs: number; leakMbPerSecond: number };
const settingNames = ['errorRate', 'delayMs', 'cpuMs', 'leakMbPerSecond'] as const;

const serviceUrl = (urls: TrafficOptions['urls'], service: string) =>
  ({ 'user-service': urls.user, 'queue-service': urls.queue, 'ticket-service': urls.ticket })[service]!;

async function put(url: string, settings: Partial<Settings>): Promise<Settings> {
  const response = await fetch(`${url}/admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(5000),
  });
  if (response.status === 404) {
    throw new Error(
      `${url} has no fault injection: start it with FAULTS_ENABLED=true (docker compose sets it)`,
    );
  }
  if (!response.ok)
    throw new Error(`${url}/admin/faults answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Settings;
}

/** Sets the run's faults on the chosen services; the returned function puts back what they had before. */
export async function applyFaults(options: TrafficOptions): Promise<() => Promise<void>> {
  const faults = options.faults;
  if (!faults) return async () => undefined;
  const before = new Map<string, Settings>();
  for (const service of faults.services) {
    const url = serviceUrl(options.urls, service);
    const current = await fetch(`${url}/admin/faults`, { signal: AbortSignal.timeout(5000) });
    if (current.ok) before.set(url, (await current.json()) as Settings);
    const wanted = Object.fromEntries(
      settingNames.flatMap((name) => (faults[name] === undefined ? [] : [[name, faults[name]]])),
    );
    await put(url, wanted);
  }
  return async () => {
    for (const [url, settings] of before) await restore(url, settings);
  };
}

// A leaking service may be restarting just then (its OOM kill): the restore is retried for half a minute.
async function restore(url: string, settings: Settings): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await put(url, settings);
      return;
    } catch (error) {
      if (attempt >= 15) {
        process.stderr.write(`Could not put back the faults of ${url}: ${(error as Error).message}\n`);
        return;
      }
      await sleep(2000);
    }
  }
}
