import { fetchJson } from './http';

/**
 * Pyroscope's query API (Connect over JSON, api/querier/v1/querier.proto): which services have profiles. A fresh
 * Pyroscope 2.2 took 10 s to answer its first LabelValues, so a query has 30 s.
 */
export class PyroscopeClient {
  constructor(readonly url: string) {}

  /** service_name of every series of `profileType` between `from` and `to` (ms); protojson leaves out an empty list. */
  async services(profileType: string, from: number, to: number): Promise<string[]> {
    const response = await fetchJson<{ names?: string[] }>(
      `${this.url}/querier.v1.QuerierService/LabelValues`,
      {
        method: 'POST',
        body: {
          name: 'service_name',
          matchers: [`{__profile_type__="${profileType}"}`],
          start: from,
          end: to,
        },
        budgetMs: 30_000,
      },
    );
    return response.names ?? [];
  }
}
