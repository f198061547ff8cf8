export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = any>(
  method: string,
  url: string,
  body?: unknown,
  init: { raw?: string; contentType?: string } = {},
): Promise<JsonResponse<T>> {
  const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const headers: Record<string, string> = {};
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

export const post = <T = any>(url: string, body?: unknown, init?: { raw?: string; contentType?: string }) =>
  request<T>('POST', url, body, init);
export const get = <T = any>(url: string) => request<T>('GET', url);
