/** A non-2xx answer, with its status for callers that tell "not found" from a failure. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
    text: string,
  ) {
    super(`${url.split('?')[0]} answered ${status}: ${text.slice(0, 200)}`);
  }
}

/**
 * GET or POST JSON with a timeout. A server that does not answer, or answers non-2xx, is an error that says
 * which URL and what happened.
 */
export async function fetchJson<T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error & { cause?: { code?: string } }) => {
    const reason = error.cause?.code ?? error.message;
    throw new Error(
      `cannot reach ${new URL(url).origin} (${reason}): is the stack up? \`docker compose up -d\``,
    );
  });
  const text = await response.text();
  if (!response.ok) throw new HttpError(response.status, url, text);
  return JSON.parse(text) as T;
}
