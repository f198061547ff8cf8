import { SlowAnswer } from './http';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  link?: string;
  /** Failed for a reason that waiting does not change (a server that cannot be reached). */
  final?: boolean;
  /** Failed because a server gave no answer in time: worth asking again while the stack warms up. */
  slow?: boolean;
  /** Nothing could be expected, so nothing was checked (ok, but not a pass): printed as such. */
  notChecked?: boolean;
}

export interface Endpoints {
  prometheus: string;
  loki: string;
  tempo: string;
  /** Undefined when there is no Pyroscope to check (PYROSCOPE_URL=off, e.g. on the chapter's cluster). */
  pyroscope?: string;
  grafana: string;
  /** user-service, which holds the users the "Joined queue" lines must name. */
  users: string;
  /** The Authorization header for Grafana's API, when it asks for a login (kube-prometheus-stack's does). */
  grafanaAuth?: string;
}

export const window = () => ({ from: Date.now() - 15 * 60_000, to: Date.now() });

/** A server that cannot be asked is a failure that waiting does not mend; one that is slow may answer later. */
export async function guard<T>(
  failed: (name: string, detail: string, slow: boolean) => T,
  name: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return failed(name, (error as Error).message, error instanceof SlowAnswer);
  }
}

export const failedGroup = (name: string, detail: string, slow = false): CheckResult[] => [
  { name, ok: false, final: !slow, slow, detail },
];
