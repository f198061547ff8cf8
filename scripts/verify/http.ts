/** A non-2xx answer, with its status for callers that tell "not found" from a failure. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
    readonly text: string,
  ) {
    super(`${url.split('?')[0]} answered ${status}: ${text.slice(0, 200)}`);
  }
}

/** No answer within the time budget: a server that is slow (still warming up, say), not one that is down. */
export class SlowAnswer extends Error {
  constructor(url: string, budgetMs: number) {
    super(
      `${new URL(url).origin} gave no answer within ${budgetMs / 1000} s: it is up but slow (still starting?)`,
    );
  }
}

/** Answers that took longer than this are worth a word: which server, how long. */
const slowMs = 2000;
const slow = new Map<string, number>();

/** The servers that took more than 2 s to answer, and their slowest answer in ms. */
export const slowServers = (): Map<string, number> => new Map(slow);

/**
 * GET or POST JSON within a time budget (default 10 s). A server that cannot be reached, or answers non-2xx,
 * is an error that says which URL and what happened; one that does not answer in time is a SlowAnswer.
 */
export async function fetchJson<T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; budgetMs?: number } = {},
): Promise<T> {
  const budgetMs = init.budgetMs ?? 10_000;
  const started = Date.now();
  const slowOr = (error: Error) => (error.name === 'TimeoutError' ? new SlowAnswer(url, budgetMs) : error);
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(budgetMs),
  }).catch((error: Error & { cause?: { code?: string } }) => {
    if (error.name === 'TimeoutError') throw new SlowAnswer(url, budgetMs);
    const reason = error.cause?.code ?? error.message;
    throw new Error(
      `cannot reach ${new URL(url).origin} (${reason}): is the stack up? \`docker compose up -d\``,
    );
  });
  const text = await response.text().catch((error: Error) => {
    throw slowOr(error);
  });
  const took = Date.now() - started;
  const origin = new URL(url).origin;
  if (took > slowMs) slow.set(origin, Math.max(took, slow.get(origin) ?? 0));
  if (!response.ok) throw new HttpError(response.status, url, text);
  return JSON.parse(text) as T;
}
