// Telemetry that survives the pipeline's own outages: user-service under steady traffic, exporting through the
// real collector to an OTLP receiver standing in for Tempo and Loki, with compose's OTEL_* settings. The
// collector is stopped (the SDKs hold what it could not take), then the receiver (the collector's queue holds
// it); every span and log record of each window must arrive, counted against the requests made. Each outage
// lasts OUTAGE_SECONDS (3 by default; the bench runs it with 30), and at least until an export has failed.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestCollector } from '../support/collector';
import { createDatabase } from '../support/databases';
import { OtlpReceiver } from '../support/otlp-receiver';
import { eventually } from '../support/poll';
import { composeTelemetryEnv, RunningService } from '../support/services';

function outageSeconds(value = process.env.OUTAGE_SECONDS): number {
  if (value === undefined || value === '') return 3;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600)
    throw new Error(`OUTAGE_SECONDS must be a whole number of seconds from 1 to 600, not "${value}"`);
  return seconds;
}

const outageMs = outageSeconds() * 1000;
// The outage, the collector's backoff after it (up to half the outage again) and the deliveries: bounded.
const timeout = 2 * outageMs + 120_000;

describe(`a collector, then a Tempo and Loki, away for ${outageMs / 1000} s under traffic`, () => {
  let receiver: OtlpReceiver;
  let collector: TestCollector;
  let users: RunningService;
  const backends = () => ({ TEMPO_OTLP_ENDPOINT: receiver.url, LOKI_OTLP_ENDPOINT: `${receiver.url}/otlp` });

  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
    collector = await new TestCollector(inject('otelcol'), backends()).start();
    users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'outages'),
      ...composeTelemetryEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
    });
  });

  afterAll(async () => {
    await users?.stop();
    await collector?.stop();
    await receiver?.stop();
  });

  const arrived = (traces: Set<string>) => ({
    spans: new Set(receiver.spans.filter((s) => s.kind === 2 && traces.has(s.traceId)).map((s) => s.traceId)),
    logs: new Set(receiver.logs.filter((l) => traces.has(l.traceId)).map((l) => l.traceId)),
  });

  /**
   * POST /users about ten times a second, each in a trace of our own: until some have arrived, then through
   * `outage`, then ten more. The trace ids, and how many requests were made while `outage` ran.
   */
  async function trafficDuring(
    outage: () => Promise<void>,
  ): Promise<{ traces: Set<string>; during: number }> {
    const traces = new Set<string>();
    let running = true;
    const requests = (async () => {
      while (running) {
        const traceId = randomBytes(16).toString('hex');
        const response = await fetch(`${users.url}/users`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
          body: '{}',
        });
        expect(response.status).toBe(201);
        traces.add(traceId);
        await sleep(100); // the pace of the traffic, not a wait for anything
      }
    })();
    await eventually(() => arrived(traces).spans.size >= 3, 'the first spans through the pipeline', 30_000);
    const before = traces.size;
    await outage();
    const after = traces.size;
    await eventually(() => traces.size >= after + 10, 'ten requests after the outage', 30_000);
    running = false;
    await requests;
    return { traces, during: after - before };
  }

  /** Ends once `outageMs` has passed and `failed()` has found the exports that failed meanwhile. */
  const outageUntil = (failed: () => boolean, what: string) =>
    Promise.all([sleep(outageMs), eventually(failed, what, outageMs + 30_000)]);

  async function everyOneArrived(traces: Set<string>): Promise<void> {
    const all = () => arrived(traces).spans.size === traces.size && arrived(traces).logs.size === traces.size;
    await eventually(all, 'every trace', outageMs + 60_000, 200).catch(() => undefined);
    const { spans, logs } = arrived(traces);
    expect({ spans: spans.size, logs: logs.size }).toEqual({ spans: traces.size, logs: traces.size });
  }

  it(
    'the SDKs hold what a stopped collector could not take, and send it all once it is back',
    async () => {
      const holding = () => users.lines.filter((l) => l.includes('holding them until the collector answers'));
      const { traces, during } = await trafficDuring(async () => {
        await collector.stop();
        // An export of each signal failed while the collector was away: the hold had something to hold.
        await outageUntil(() => holding().length === 2, 'a failed export of spans and of logs');
        await collector.start();
      });
      expect(during).toBeGreaterThan(0);
      await everyOneArrived(traces);
      expect(holding().length).toBe(2);
      expect(users.lines.filter((l) => /Exporting (spans|logs) works again/.test(l)).length).toBe(2);
      expect(users.lines.some((l) => l.includes('Dropping'))).toBe(false);
    },
    timeout,
  );

  it(
    'the collector holds what a stopped Tempo and Loki could not take, and sends it all once they are back',
    async () => {
      const port = Number(new URL(receiver.url).port);
      // The collector's exporters say each failed attempt that they will retry, naming themselves.
      const retrying = (exporter: string) =>
        collector.output
          .join('')
          .split('\n')
          .some((l) => l.includes('Will retry') && l.includes(exporter));
      const { traces, during } = await trafficDuring(async () => {
        await receiver.stop();
        await outageUntil(
          () => retrying('otlp_http/tempo') && retrying('otlp_http/loki'),
          'a failed export to Tempo and to Loki',
        );
        await receiver.start(port);
      });
      expect(during).toBeGreaterThan(0);
      await everyOneArrived(traces);
    },
    timeout,
  );
});
