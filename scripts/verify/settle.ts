import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long verify lets telemetry be on its way: a signal that should be queryable within 5 s of the request
 * is given `waitMs` from the newest traffic before its absence counts as a failure.
 */
export interface Settle {
  waitMs: number;
  pollMs: number;
  /** Progress while waiting, e.g. "Waiting for ..." on stderr. */
  say: (message: string) => void;
}

export function settleFromEnv(env: NodeJS.ProcessEnv, say: Settle['say']): Settle {
  const seconds = Number(env.VERIFY_WAIT_SECONDS ?? 30);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(
      `VERIFY_WAIT_SECONDS must be a number of seconds >= 0 (got "${env.VERIFY_WAIT_SECONDS}")`,
    );
  return { waitMs: seconds * 1000, pollMs: 1000, say };
}

export const noWait: Settle = { waitMs: 0, pollMs: 0, say: () => undefined };

/**
 * Runs `attempt` until it is `done`, or until `deadline` (ms since the epoch) has passed; says once, before
 * the first wait, what it waits for. Returns the last attempt's value.
 */
export async function until<T>(
  settle: Settle,
  deadline: number,
  what: string,
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  let value = await attempt();
  let said = false;
  while (!done(value) && Date.now() < deadline) {
    if (!said) {
      settle.say(`Waiting for ${what}, at most ${Math.ceil((deadline - Date.now()) / 1000)} s more`);
      said = true;
    }
    await sleep(Math.min(settle.pollMs, Math.max(0, deadline - Date.now())));
    value = await attempt();
  }
  return value;
}
