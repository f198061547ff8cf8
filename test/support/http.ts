import type { ChildProcess } from 'node:child_process';
import { eventually } from './poll';

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = any>(
  method: string,
  url: string,
  body?: unknown,
  init: RequestInit = {},
): Promise<JsonResponse<T>> {
  const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const headers: Record<string, string> = { ...init.headers };
  if (payload !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: the assertion shows the text */
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

interface RequestInit {
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export const post = <T = any>(url: string, body?: unknown, init?: RequestInit) =>
  request<T>('POST', url, body, init);
export const get = <T = any>(url: string) => request<T>('GET', url);

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes; true when it answered 200. */
export async function answersOk(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<boolean> {
  const ok = async () => {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    return (
      (await fetch(url).then(
        (r) => r.status,
        () => 0,
      )) === 200
    );
  };
  return eventually(ok, `200 from ${url}`, timeoutMs).catch(() => false);
}
