import { DependencyUnavailableException } from './api-error';

export interface ServiceResponse<T> {
  status: number;
  body: T;
}

/**
 * JSON over HTTP to another service of the sandbox, bounded by a timeout. A callee that is down, slow or
 * answers 5xx becomes a 503 naming it; any other status is handed back for the caller to interpret.
 */
export class ServiceClient {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ServiceResponse<T>> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DependencyUnavailableException(this.name, describeFetchError(error, this.timeoutMs));
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500) {
      throw new DependencyUnavailableException(this.name, `answered ${response.status}`);
    }
    return { status: response.status, body: (text ? safeJson(text) : undefined) as T };
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'request failed';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
