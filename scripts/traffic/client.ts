import type { Sample, Step } from './stats';

export interface Answer<T = any> {
  status: number;
  body: T;
  traceId?: string;
}

/** JSON over HTTP, timed, with the trace id the services send back in `traceresponse`. */
export class TrafficClient {
  readonly samples: Sample[] = [];

  constructor(private readonly signal: AbortSignal) {}

  async call<T = any>(step: Step, method: string, url: string, body?: unknown): Promise<Answer<T>> {
    const started = performance.now();
    let answer: Answer<T>;
    try {
      const response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(10_000)]),
      });
      const text = await response.text();
      answer = {
        status: response.status,
        body: (text ? JSON.parse(text) : undefined) as T,
        traceId: response.headers.get('traceresponse')?.split('-')[1],
      };
    } catch (error) {
      if (this.signal.aborted) throw error;
      answer = { status: 0, body: undefined as T };
    }
    if (step !== 'wait for admission') {
      this.samples.push({
        step,
        status: answer.status,
        ms: performance.now() - started,
        traceId: answer.traceId,
      });
    }
    return answer;
  }

  record(sample: Sample): void {
    this.samples.push(sample);
  }
}
