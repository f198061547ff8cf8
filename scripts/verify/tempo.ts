import { fetchJson } from './http';

export interface TraceSpan {
  service: string;
  name: string;
  attributes: Record<string, unknown>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };
interface ResourceSpans {
  resource?: { attributes?: OtlpAttribute[] };
  scopeSpans?: { spans?: { name: string; attributes?: OtlpAttribute[] }[] }[];
}

const plain = (v: OtlpValue) =>
  v.stringValue ??
  v.boolValue ??
  v.doubleValue ??
  (v.intValue === undefined ? undefined : Number(v.intValue));
const attributes = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** Tempo's trace by id: /api/v2/traces/<id> ({ trace: { resourceSpans } }), or /api/traces/<id> ({ batches }). */
export class TempoClient {
  constructor(readonly url: string) {}

  async spans(traceId: string): Promise<TraceSpan[]> {
    let resourceSpans: ResourceSpans[];
    try {
      const v2 = await fetchJson<{ trace?: { resourceSpans?: ResourceSpans[] } }>(
        `${this.url}/api/v2/traces/${traceId}`,
      );
      resourceSpans = v2.trace?.resourceSpans ?? [];
    } catch {
      const v1 = await fetchJson<{ batches?: ResourceSpans[] }>(`${this.url}/api/traces/${traceId}`);
      resourceSpans = v1.batches ?? [];
    }
    return resourceSpans.flatMap((rs) => {
      const service = String(attributes(rs.resource?.attributes)['service.name'] ?? 'unknown');
      return (rs.scopeSpans ?? []).flatMap((ss) =>
        (ss.spans ?? []).map((s) => ({ service, name: s.name, attributes: attributes(s.attributes) })),
      );
    });
  }
}
