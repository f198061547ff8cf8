import { fetchJson } from './http';

type Value = [string, string] | [string, string, { structuredMetadata?: Record<string, string> }];

export interface LokiStream {
  stream: Record<string, string>;
  values: Value[];
}

/** A log query as asked (times in ns since the epoch, as Loki takes them) and the streams Loki answered, untouched. */
export interface LokiAnswer {
  asked: { start: bigint; end: bigint; direction: 'forward' | 'backward'; limit: number };
  streams: LokiStream[];
}

interface QueryRangeResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: LokiStream[] };
}

/**
 * Loki's /loki/api/v1/query_range for log queries, newest lines first as Grafana's Explore asks them, so that
 * a limit keeps the newest. The answer is returned as Loki gave it: its order is one of the things checked.
 */
export class LokiClient {
  constructor(readonly url: string) {}

  async query(expr: string, since: Date, limit = 1000): Promise<LokiAnswer> {
    const asked = {
      start: BigInt(since.getTime()) * 1_000_000n,
      end: BigInt(Date.now()) * 1_000_000n,
      direction: 'backward' as const,
      limit,
    };
    const params = new URLSearchParams({
      query: expr,
      start: String(asked.start),
      end: String(asked.end),
      limit: String(limit),
      direction: asked.direction,
    });
    const response = await fetchJson<QueryRangeResponse>(`${this.url}/loki/api/v1/query_range?${params}`);
    if (response.status !== 'success') throw new Error(`Loki: ${response.error ?? response.status}`);
    if (response.data.resultType !== 'streams')
      throw new Error(`Loki answered ${response.data.resultType}, not log streams, for ${expr}`);
    return { asked, streams: response.data.result };
  }
}
