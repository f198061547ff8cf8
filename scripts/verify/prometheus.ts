import { fetchJson, HttpError } from './http';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}

/** Prometheus answered, with an error: the query is wrong, too big, or took too long. */
export class PrometheusError extends Error {}

/**
 * An instant query's samples from Prometheus' answer (its HTTP status and body, JSON or not). Prometheus answers
 * an error as `{"status":"error","errorType":"bad_data","error":"..."}` with 400, 422 (execution) or 503
 * (timeout, canceled); a proxy in front of it may answer with text.
 */
export function readQueryAnswer(status: number, body: unknown, expr: string): Sample[] {
  const answer = body as Partial<ApiResponse<{ resultType?: string; result?: Sample[] }>> | undefined;
  if (typeof answer !== 'object' || answer === null)
    throw new PrometheusError(`answered ${status}: ${String(body).slice(0, 200)}`);
  if (answer.status !== 'success' || status >= 400)
    throw new PrometheusError(
      `${answer.errorType ?? `answered ${status}`}: ${answer.error ?? JSON.stringify(body)}`,
    );
  if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result))
    throw new PrometheusError(
      `${expr} answered ${answer.data?.resultType ?? 'nothing'}, not an instant vector`,
    );
  return answer.data.result;
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** The HTTP API of Prometheus (/api/v1): instant queries and the loaded rules. */
export class PrometheusClient {
  constructor(readonly url: string) {}

  async query(expr: string): Promise<Sample[]> {
    const url = `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const answer = await fetchJson<unknown>(url).then(
      (body) => ({ status: 200, body }),
      (error: unknown) => {
        // Only Prometheus' own error answer is a failed query; anything else is no Prometheus to ask.
        const body = error instanceof HttpError ? parsed(error.text) : undefined;
        if ((body as { status?: string } | undefined)?.status === 'error')
          return { status: (error as HttpError).status, body };
        throw error;
      },
    );
    return readQueryAnswer(answer.status, answer.body, expr);
  }

  async ruleNames(): Promise<string[]> {
    const response = await fetchJson<ApiResponse<{ groups: { rules: { name: string; type: string }[] }[] }>>(
      `${this.url}/api/v1/rules?type=alert`,
    );
    if (response.status !== 'success') throw new PrometheusError(`${response.errorType}: ${response.error}`);
    return response.data.groups.flatMap((g) => g.rules.map((r) => r.name));
  }
}
