import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshRedis } from '../support/databases';
import { get, post } from '../support/http';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { freePort, RunningService } from '../support/services';

const ERROR = 2;
const traceIdOf = (headers: Headers): string => headers.get('traceresponse')!.split('-')[1];
const exceptionEvents = (spans: ReceivedSpan[]) =>
  spans.flatMap((s) => s.events.filter((e) => e.name === 'exception').map((e) => ({ span: s.name, ...e })));

// user-service is not running: a join with a well-formed id fails on the way to it, with a 503.
describe('error status on spans', () => {
  const receiver = new OtlpReceiver();
  let queue: RunningService;

  beforeAll(async () => {
    await receiver.start();
    queue = await RunningService.start('queue-service', {
      REDIS_URL: await freshRedis(),
      USER_SERVICE_URL: `http://127.0.0.1:${await freePort()}`,
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await queue?.stop();
    await receiver.stop();
  });

  // The server span (naming its handler) and the Redis commands that found nobody.
  const spansOf = (traceId: string, atLeast: number) =>
    receiver.waitFor(() => {
      const spans = receiver.trace(traceId);
      return spans.length >= atLeast && spans.some((s) => s.kind === 2) && spans;
    }, `${atLeast} spans of ${traceId}`);

  it('leaves a 404 unmarked: no span has an error status or an exception with its stack', async () => {
    const answer = await get(`${queue.url}/queue/status/${randomUUID()}`);
    expect(answer.status).toBe(404);
    const spans = await spansOf(traceIdOf(answer.headers), 3);
    expect(spans.find((s) => s.kind === 2)!.attributes['code.function.name']).toBe('QueueController.status');
    expect(spans.map((s) => [s.name, s.status.code ?? 0])).toEqual(spans.map((s) => [s.name, 0]));
    expect(exceptionEvents(spans)).toEqual([]);
  });

  it('leaves a validation failure (400) unmarked as well', async () => {
    const answer = await post(`${queue.url}/queue/join`, { userId: 'not-a-uuid' });
    expect(answer.status).toBe(400);
    const spans = await spansOf(traceIdOf(answer.headers), 1);
    expect(spans.find((s) => s.kind === 2)!.attributes['code.function.name']).toBe('QueueController.join');
    expect(spans.filter((s) => s.status.code === ERROR)).toEqual([]);
    expect(exceptionEvents(spans)).toEqual([]);
  });

  it('keeps the error status and the exception with its stack on a 5xx', async () => {
    const answer = await post(`${queue.url}/queue/join`, { userId: randomUUID() });
    expect(answer.status).toBe(503);
    const spans = await spansOf(traceIdOf(answer.headers), 2); // the server span, the refused call to user-service
    const server = spans.find((s) => s.kind === 2)!;
    expect(server.status.code).toBe(ERROR);
    const events = exceptionEvents([server]);
    expect(events.length).toBe(1);
    for (const event of events) {
      expect(event.attributes['exception.message']).toMatch(/user-service/);
      expect(event.attributes['exception.stacktrace']).toMatch(/\n\s+at /);
    }
  });
});
