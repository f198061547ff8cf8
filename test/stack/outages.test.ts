// Telemetry that survives the pipeline's own outages: user-service under steady traffic, exporting through the
// real collector to an OTLP receiver standing in for Tempo and Loki, with compose's OTEL_* settings. The
// collector is stopped for 30 s (the SDKs hold what it could not take), then the receiver (the collector's
// queue holds it); every span and log record of each window must arrive, counted against the requests made.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestCollector } from '../support/collector';
import { createDatabase } from '../support/databases';
import { OtlpReceiver } from '../support/otlp-receiver';
import { composeTelemetryEnv, RunningService } from '../support/services';

const outageMs = 30_000;

describe('a collector, then a Tempo and Loki, away for 30 s under traffic', () => {
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

  /** POST /users about ten times a second, each in a trace of our own, while `outage` runs; the trace ids. */
  async function trafficDuring(outage: () => Promise<void>): Promise<Set<string>> {
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
        await sleep(100);
      }
    })();
    await sleep(2000);
    await outage();
    await sleep(2000);
    running = false;
    await requests;
    return traces;
  }

  async function everyOneArrived(traces: Set<string>): Promise<void> {
    const arrived = () => ({
      spans: new Set(
        receiver.spans.filter((s) => s.kind === 2 && traces.has(s.traceId)).map((s) => s.traceId),
      ),
      logs: new Set(receiver.logs.filter((l) => traces.has(l.traceId)).map((l) => l.traceId)),
    });
    await receiver
      .waitFor(
        () => arrived().spans.size === traces.size && arrived().logs.size === traces.size,
        'every trace',
        60_000,
      )
      .catch(() => undefined);
    const { spans, logs } = arrived();
    expect({ spans: spans.size, logs: logs.size }).toEqual({ spans: traces.size, logs: traces.size });
  }

  it('the SDKs hold what a stopped collector could not take, and send it all once it is back', async () => {
    const traces = await trafficDuring(async () => {
      await collector.stop();
      await sleep(outageMs);
      await collector.start();
    });
    expect(traces.size).toBeGreaterThan(100);
    await everyOneArrived(traces);
    expect(users.lines.filter((l) => l.includes('holding them until the collector answers')).length).toBe(2);
    expect(users.lines.some((l) => l.includes('Exporting spans works again'))).toBe(true);
    expect(users.lines.some((l) => l.includes('Dropping the oldest'))).toBe(false);
  });

  it('the collector holds what a stopped Tempo and Loki could not take, and sends it all once they are back', async () => {
    const port = Number(new URL(receiver.url).port);
    const traces = await trafficDuring(async () => {
      await receiver.stop();
      await sleep(outageMs);
      await receiver.start(port);
    });
    expect(traces.size).toBeGreaterThan(100);
    await everyOneArrived(traces);
  });
});
