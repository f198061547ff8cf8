import type { Admission } from './admission.service';

export const queueKeys = {
  waiting: 'queue:waiting',
  sequence: 'queue:sequence',
  joinedAt: 'queue:joined-at',
  admissionPrefix: 'queue:admission:',
  admission: (userId: string) => `queue:admission:${userId}`,
  admittedIn: (second: number) => `queue:admitted-in:${second}`,
};

/** What the queue keeps of a join: when, and which span did it (so the admission can link back to it). */
export function formatJoinedAt(at: number, span?: { traceId: string; spanId: string }): string {
  return span ? `${at}:${span.traceId}:${span.spanId}` : String(at);
}

export function parseJoinedAt(value: string): Pick<Admission, 'joinedAt' | 'joinSpan'> {
  const [at, traceId, spanId] = value.split(':');
  return { joinedAt: new Date(Number(at)), ...(traceId && spanId && { joinSpan: { traceId, spanId } }) };
}
