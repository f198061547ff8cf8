import { setTimeout as sleep } from 'node:timers/promises';
import type { TrafficClient } from './client';
import type { TrafficOptions } from './options';

export type FlowOutcome = 'ticket' | 'sold out' | 'failed';

const POLL_MS = 250;
const ADMISSION_TIMEOUT_MS = 10 * 60_000;

/** One user, as in the chapter and beyond: register -> join -> wait for admission -> buy a ticket. */
export async function runFlow(
  client: TrafficClient,
  urls: TrafficOptions['urls'],
  signal: AbortSignal,
): Promise<FlowOutcome> {
  const registered = await client.call('register', 'POST', `${urls.user}/users`, {});
  if (registered.status !== 201) return 'failed';
  const userId = registered.body.id as string;

  const joined = await client.call('join', 'POST', `${urls.queue}/queue/join`, { userId });
  if (joined.status !== 200) return 'failed';

  const waitStarted = performance.now();
  let token: string | undefined;
  let lastStatus = 0;
  while (!token && performance.now() - waitStarted < ADMISSION_TIMEOUT_MS) {
    const status = await client.call('wait for admission', 'GET', `${urls.queue}/queue/status/${userId}`);
    lastStatus = status.status;
    if (status.status === 200 && status.body.status === 'admitted') token = status.body.admissionToken;
    else if (status.status === 404) break;
    else await sleep(POLL_MS, undefined, { signal });
  }
  client.record({
    step: 'wait for admission',
    status: token ? 200 : lastStatus || 0,
    ms: performance.now() - waitStarted,
  });
  if (!token) return 'failed';

  const bought = await client.call('buy', 'POST', `${urls.ticket}/tickets`, {
    userId,
    admissionToken: token,
  });
  if (bought.status === 201 || bought.status === 200) return 'ticket';
  return bought.status === 409 ? 'sold out' : 'failed';
}
