export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  link?: string;
  /** Failed for a reason that waiting does not change (a server that cannot be reached). */
  final?: boolean;
}

export interface Endpoints {
  prometheus: string;
  loki: string;
  tempo: string;
  /** Undefined when there is no Pyroscope to check (PYROSCOPE_URL=off, e.g. on the chapter's cluster). */
  pyroscope?: string;
  grafana: string;
  /** The Authorization header for Grafana's API, when it asks for a login (kube-prometheus-stack's does). */
  grafanaAuth?: string;
}

export const window = () => ({ from: Date.now() - 15 * 60_000, to: Date.now() });

/** A server that cannot be asked is a failure that waiting does not mend. */
export async function guard<T>(
  failed: (name: string, detail: string) => T,
  name: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return failed(name, (error as Error).message);
  }
}

export const failedGroup = (name: string, detail: string): CheckResult[] => [
  { name, ok: false, final: true, detail },
];
