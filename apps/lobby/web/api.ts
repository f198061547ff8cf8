import { context, type Context } from '@opentelemetry/api';

/** The services' error shape (docs/api.md), and the lobby server's own 502 for a service that does not answer. */
export interface ApiError {
  statusCode: number;
  code?: string;
  message?: string;
  dependency?: string;
  service?: string;
  fields?: { field: string; errors: string[] }[];
}

export type Answer<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiError };

/** Told while a call is retried: what is away, and when the next try is. */
export type OnRetry = (why: { status: number; away: string; inMs: number; attempt: number }) => void;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One call of the journey, in the context of its click (so its fetch span, and the services' spans under it,
 * join the click's trace). A 503 (a fault that is on, a dependency away), the lobby server's 502 (a service
 * down) and a network error are tried again with backoff, 0.5 s doubling up to 5 s, for as long as it takes;
 * every other answer is the caller's to show.
 */
export async function call<T>(
  parent: Context,
  method: string,
  path: string,
  body: unknown,
  onRetry: OnRetry,
): Promise<Answer<T>> {
  for (let attempt = 1; ; attempt++) {
    const init: RequestInit = {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    let status = 0;
    let payload: unknown;
    try {
      const response = await context.with(parent, () => fetch(`/api${path}`, init));
      status = response.status;
      payload = await response.json().catch(() => ({}));
    } catch {
      // A network error: the lobby's own server is away (status stays 0).
    }
    if (status >= 200 && status < 300) return { ok: true, status, body: payload as T };
    const error = (payload ?? {}) as ApiError;
    if (status !== 0 && status !== 502 && status !== 503) return { ok: false, status, error };
    const away = status === 0 ? 'lobby' : (error.service ?? error.dependency ?? 'a service');
    const inMs = Math.min(5000, 500 * 2 ** (attempt - 1));
    onRetry({ status, away, inMs, attempt });
    await wait(inMs);
  }
}
