import { fetchJson } from './http';

export interface LogLine {
  at: Date;
  line: string;
  /** Stream labels and structured metadata together (trace_id is structured metadata). */
  labels: Record<string, string>;
}

type Value = [string, string] | [string, string, { structuredMetadata?: Record<string, string> }];

interface QueryRangeResponse {
  status: string;
  data: { resultType: 'streams'; result: { stream: Record<string, string>; values: Value[] }[] };
}

/** Loki's /loki/api/v1/query_range for log queries, oldest line first. */
export class LokiClient {
  constructor(readonly url: string) {}

  async lines(expr: string, since: Date, limit = 1000): Promise<LogLine[]> {
    const params = new URLSearchParams({
      query: expr,
      start: String(since.getTime() * 1e6),
      end: String(Date.now() * 1e6),
      limit: String(limit),
      direction: 'forward',
    });
    const response = await fetchJson<QueryRangeResponse>(`${this.url}/loki/api/v1/query_range?${params}`);
    return response.data.result
      .flatMap(({ stream, values }) =>
        values.map(([ns, line, extra]) => ({
          at: new Date(Number(BigInt(ns) / 1_000_000n)),
          line,
          labels: { ...stream, ...(extra?.structuredMetadata ?? {}) },
        })),
      )
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}
