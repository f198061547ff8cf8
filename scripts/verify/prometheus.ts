import { fetchJson } from './http';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

/** The HTTP API of Prometheus (/api/v1): instant queries and the loaded rules. */
export class PrometheusClient {
  constructor(readonly url: string) {}

  async query(expr: string): Promise<Sample[]> {
    const response = await fetchJson<ApiResponse<{ resultType: string; result: Sample[] }>>(
      `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (response.status !== 'success') throw new Error(response.error ?? `query failed: ${expr}`);
    return response.data.result;
  }

  async ruleNames(): Promise<string[]> {
    const response = await fetchJson<ApiResponse<{ groups: { rules: { name: string; type: string }[] }[] }>>(
      `${this.url}/api/v1/rules?type=alert`,
    );
    return response.data.groups.flatMap((g) => g.rules.map((r) => r.name));
  }
}
