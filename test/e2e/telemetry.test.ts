import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freshRedis } from '../support/databases';
import { waitForAdmission } from '../support/flow';
import { get, post } from '../support/http';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { eventually } from '../support/poll';
import { freePort, RunningService, startStack, Stack } from '../support/services';

const traceIdOf = (headers: Headers): string => {
  const header = headers.get('traceresponse');
  expect(header, 'traceresponse header').toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  return header!.split('-')[1];
};

const telemetryOn = (receiver: OtlpReceiver, delayMs = 100) => ({
  OTEL_SDK_DISABLED: 'false',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_BSP_SCHEDULE_DELAY: String(delayMs),
  OTEL_BLRP_SCHEDULE_DELAY: String(delayMs),
});

const has = (spans: ReceivedSpan[], service: string, match: (s: ReceivedSpan) => boolean) =>
  spans.some((s) => s.service === service && match(s));
const isRedis = (s: ReceivedSpan) =>
  s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis';
const isSql = (s: ReceivedSpan) =>
  s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql';
const isServer = (route: string) => (s: ReceivedSpan) => s.kind === 2 && s.attributes['http.route'] === route;

describe('traces, logs and metrics from every service', () => {
  const receiver = new OtlpReceiver();
  let stack: Stack;
  let user: { id: string; name: string };
  let token: string;
  let joinTrace: string;
  let buyTrace: string;

  beforeAll(async () => {
    await receiver.start();
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'telemetry'),
      redisUrl: await freshRedis(),
      extra: { all: telemetryOn(receiver), 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    const registered = await post(`${stack.user.url}/users`, {});
    user = registered.body;
    const joined = await post(`${stack.queue.url}/queue/join`, { userId: user.id });
    joinTrace = traceIdOf(joined.headers);
    token = await waitForAdmission(stack.queue.url, user.id);
    const bought = await post(`${stack.ticket.url}/tickets`, { userId: user.id, admissionToken: token });
    expect(bought.status).toBe(201);
    buyTrace = traceIdOf(bought.headers);
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('exports OTLP over HTTP as protobuf, with the resource of the contract', async () => {
    await receiver.waitFor(() => receiver.spans.length > 0, 'span');
    expect([...receiver.contentTypes]).toEqual(['application/x-protobuf']);
    const resource = receiver.spans.find((s) => s.service === 'queue-service')!.resource;
    expect(resource).toMatchObject({
      'service.name': 'queue-service',
      'service.namespace': 'ticketing',
      'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      'deployment.environment.name': 'sandbox',
      app: 'queue-service',
    });
  });

  it('follows the join across queue-service, Redis, user-service and Postgres in one trace', async () => {
    const spans = await receiver.waitFor(() => {
      const t = receiver.trace(joinTrace);
      return has(t, 'user-service', isSql) && has(t, 'queue-service', isRedis) && t;
    }, 'complete join trace');
    expect(has(spans, 'queue-service', isServer('/queue/join'))).toBe(true);
    expect(has(spans, 'user-service', isServer('/users/:id'))).toBe(true);
    expect(spans.find((s) => isServer('/queue/join')(s))?.name).toBe('POST /queue/join');
    expect(spans.find((s) => isServer('/users/:id')(s))?.name).toBe('GET /users/:id');
    expect(has(spans, 'queue-service', (s) => s.kind === 3)).toBe(true); // the outgoing call to user-service
    // One span a hop: the server span names the handler that served it; Nest adds no spans of its own.
    const join = spans.find(isServer('/queue/join'))!;
    expect(join.attributes['code.function.name']).toBe('QueueController.join');
    expect(spans.find(isServer('/users/:id'))!.attributes['code.function.name']).toBe(
      'UsersController.findOne',
    );
    const children = spans.filter((s) => s.parentSpanId === join.spanId);
    expect(children.length).toBeGreaterThan(1);
    expect(children.map((s) => s.kind)).toEqual(children.map(() => 3)); // Redis and HTTP calls, no Nest spans
    for (const span of spans) expect(span.name).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no raw ids in names
  });

  it('follows the purchase to queue-service’s verify route and ticket-service’s SQL', async () => {
    const spans = await receiver.waitFor(() => {
      const t = receiver.trace(buyTrace);
      return (
        has(t, 'queue-service', isServer('/queue/admissions/verify')) && has(t, 'ticket-service', isSql) && t
      );
    }, 'complete purchase trace');
    expect(has(spans, 'ticket-service', isServer('/tickets'))).toBe(true);
  });

  it('spans an admission tick that let someone in, linked to the join', async () => {
    const tick = await receiver.waitFor(
      () =>
        receiver.spans.find((s) => s.name === 'admit queue' && s.links.some((l) => l.traceId === joinTrace)),
      'admission span linked to the join',
    );
    expect(tick.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.batch.message_count': expect.any(Number),
    });
  });

  it('traces neither /health nor /metrics', async () => {
    for (const service of [stack.user, stack.queue, stack.ticket]) {
      await get(`${service.url}/health/ready`);
      await get(`${service.url}/metrics`);
    }
    await post(`${stack.user.url}/users`, {}); // a marker after them
    await receiver.waitFor(
      () => receiver.spans.filter((s) => isServer('/users')(s)).length >= 2,
      'marker span',
    );
    const probes = receiver.spans.filter((s) =>
      /health|metrics/.test(
        `${s.name} ${s.attributes['http.route'] ?? ''} ${s.attributes['url.path'] ?? ''}`,
      ),
    );
    expect(probes).toEqual([]);
  });

  it('exports the "Joined queue" record with the join trace, and writes trace ids on stdout', async () => {
    const record = await receiver.waitFor(
      () =>
        receiver.logs.find((l) => l.service === 'queue-service' && String(l.body).startsWith('Joined queue')),
      'Joined queue log record',
    );
    expect(record.body).toMatch(new RegExp(`^Joined queue: ${user.name} at position \\d+$`));
    expect(record).toMatchObject({
      traceId: joinTrace,
      severityText: 'info',
      resource: { app: 'queue-service' },
    });
    expect(record.attributes).toMatchObject({ userName: user.name, position: expect.any(Number) });

    const line = stack.queue.records.find((r) => String(r.msg).startsWith('Joined queue'));
    expect(line).toMatchObject({ trace_id: joinTrace, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('never puts an admission token in a span or a log record', async () => {
    await receiver.waitFor(() => receiver.trace(buyTrace).length > 3, 'purchase spans');
    const everything = JSON.stringify([receiver.spans, receiver.logs]);
    expect(everything).not.toContain(token);
    expect(stack.queue.lines.join('\n') + stack.ticket.lines.join('\n')).not.toContain(token);
  });

  it('serves the request histogram with trace-id exemplars, and the flow’s own metrics', async () => {
    const response = await fetch(`${stack.queue.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text' },
    });
    expect(response.headers.get('content-type')).toContain('application/openmetrics-text');
    const text = await response.text();
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/queue\/join"[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/queue\/join",status_code="200"\} \d+/,
    );
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'ticketing_queue_joins_total',
      'ticketing_admissions_total',
      'ticketing_queue_length',
      'ticketing_queue_wait_seconds_bucket',
    ]) {
      expect(text, name).toContain(name);
    }
    const tickets = await (await fetch(`${stack.ticket.url}/metrics`)).text();
    expect(tickets).toMatch(/ticketing_tickets_issued_total 1/);
    expect(tickets).toMatch(/ticketing_seats_remaining \d+/);
    expect(await (await fetch(`${stack.user.url}/metrics`)).text()).toMatch(
      /ticketing_users_registered_total [1-9]/,
    );
  });
});

describe('with the collector away', () => {
  it('keeps answering, and warns once per outage instead of once per batch', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'nocollector'),
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: nowhere,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BLRP_SCHEDULE_DELAY: '50',
    });
    const warnings = () => users.lines.filter((l) => l.includes('Cannot export'));
    // The exporter retries a refused batch with backoff (about 10 s in all on a quiet machine) before giving up
    // on it: keep the traffic going till then, for up to 90 s on a busy one.
    let requests = 0;
    await eventually(
      async () => {
        expect((await post(`${users.url}/users`, {})).status).toBe(201);
        return ++requests >= 20 && warnings().length >= 2;
      },
      'a warning for spans and one for logs, under traffic',
      90_000,
      50,
    );
    expect(await users.stop()).toBe(0);
    expect(warnings().length).toBeGreaterThanOrEqual(1);
    expect(warnings().length).toBeLessThanOrEqual(2); // spans and logs, once each
  }, 150_000);
});

describe('with a collector that refuses a batch for good', () => {
  it('drops that batch, says so once, and sends the next ones at once', async () => {
    const receiver = await new OtlpReceiver().start();
    const poison = randomBytes(16).toString('hex');
    receiver.refuseSpans = (spans) => (spans.some((s) => s.traceId === poison) ? 400 : undefined);
    const users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'refused'),
      ...telemetryOn(receiver),
    });
    const traceparent = `00-${poison}-${randomBytes(8).toString('hex')}-01`;
    expect((await post(`${users.url}/users`, {}, { headers: { traceparent } })).status).toBe(201);
    await receiver.waitFor(() => receiver.refused > 0, 'the refused batch');
    // Held at the head and sent again, it would be refused again and stall everything behind it.
    const next = await post(`${users.url}/users`, {});
    await receiver.waitFor(() => receiver.trace(traceIdOf(next.headers)).length > 0, 'the next span', 5000);
    expect(await users.stop()).toBe(0);
    expect(receiver.trace(poison)).toEqual([]);
    expect(users.lines.filter((l) => l.includes('refused for good'))).toHaveLength(1);
    await receiver.stop();
  });
});

describe('on SIGTERM', () => {
  it('flushes the spans of the last requests before exiting', async () => {
    const receiver = await new OtlpReceiver().start();
    // A long batch delay: nothing leaves before the shutdown flush.
    const users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'flush'),
      ...telemetryOn(receiver, 60_000),
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`${users.url}/users`, {})));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(receiver.spans.filter(isServer('/users'))).toHaveLength(0);
    expect(await users.stop()).toBe(0);
    expect(receiver.spans.filter(isServer('/users'))).toHaveLength(20);
    await receiver.stop();
  });
});

describe('the standard OTEL_* variables', () => {
  it('OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override the defaults', async () => {
    const receiver = await new OtlpReceiver().start();
    const users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'otelenv'),
      ...telemetryOn(receiver),
      OTEL_SERVICE_NAME: 'accounts',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=workshop,team=blue',
    });
    await post(`${users.url}/users`, {});
    const span = await receiver.waitFor(() => receiver.spans.find(isServer('/users')), 'span');
    expect(span.resource).toMatchObject({
      'service.name': 'accounts',
      app: 'accounts',
      'deployment.environment.name': 'workshop',
      team: 'blue',
      'service.namespace': 'ticketing',
    });
    await users.stop();
    await receiver.stop();
  });

  it('pushes no OTLP metrics (Prometheus scrapes /metrics) unless OTEL_METRICS_EXPORTER asks for them', async () => {
    const receiver = await new OtlpReceiver().start();
    const start = (label: string, extra: Record<string, string> = {}) =>
      createDatabase(inject('runId'), label).then((databaseUrl) =>
        RunningService.start('user-service', {
          DATABASE_URL: databaseUrl,
          ...telemetryOn(receiver),
          OTEL_METRIC_EXPORT_INTERVAL: '200',
          ...extra,
        }),
      );
    const quiet = await start('nometrics');
    await post(`${quiet.url}/users`, {});
    // Shutdown flushes every reader there is: an OTLP metric reader would export now if one existed.
    await quiet.stop();
    expect(receiver.metricExports).toBe(0);

    const asked = await start('otlpmetrics', { OTEL_METRICS_EXPORTER: 'otlp' });
    await post(`${asked.url}/users`, {});
    await receiver.waitFor(() => receiver.metricExports > 0, 'OTLP metrics export');
    await asked.stop();
    await receiver.stop();
  });

  it('OTEL_SDK_DISABLED=true turns tracing and log export off', async () => {
    const receiver = await new OtlpReceiver().start();
    const users = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'oteloff'),
      ...telemetryOn(receiver),
      OTEL_SDK_DISABLED: 'true',
    });
    const response = await post(`${users.url}/users`, {});
    expect(response.status).toBe(201);
    expect(response.headers.get('traceresponse')).toBeNull();
    expect(await users.stop()).toBe(0);
    expect(receiver.spans).toEqual([]);
    expect(receiver.logs).toEqual([]);
    expect(users.records.some((r) => 'trace_id' in r)).toBe(false);
    await receiver.stop();
  });
});

describe('the standard OTEL_* variables that choose and batch the exporters', () => {
  const receiver = new OtlpReceiver();
  let databaseUrl: string;

  beforeAll(async () => {
    await receiver.start();
    databaseUrl = await createDatabase(inject('runId'), 'exportvars');
  });

  afterAll(() => receiver.stop());

  /** user-service with telemetry to the receiver and `env` on top; registers one user, stops (flushing). */
  const oneRequest = async (env: Record<string, string>) => {
    receiver.spans.length = 0;
    receiver.logs.length = 0;
    receiver.contentTypes.clear();
    Object.assign(receiver.requests, { traces: 0, logs: 0 });
    const users = await RunningService.start('user-service', {
      DATABASE_URL: databaseUrl,
      ...telemetryOn(receiver),
      ...env,
    });
    const response = await post(`${users.url}/users`, {});
    expect(response.status).toBe(201);
    expect(await users.stop()).toBe(0);
    const requestLog = (l: { body: unknown }) => String(l.body).startsWith('POST /users 201');
    return {
      response,
      users,
      requestLogs: receiver.logs.filter(requestLog),
      serverSpans: receiver.spans.filter(isServer('/users')),
    };
  };

  it('OTEL_LOGS_EXPORTER=none: spans still go, log records do not, and stdout keeps its trace ids', async () => {
    const { serverSpans, users } = await oneRequest({ OTEL_LOGS_EXPORTER: 'none' });
    expect(serverSpans).toHaveLength(1);
    expect(receiver.logs).toEqual([]);
    expect(receiver.requests.logs).toBe(0);
    expect(users.records.some((r) => r.trace_id === serverSpans[0].traceId)).toBe(true);
  });

  it('OTEL_TRACES_EXPORTER=none: log records still go, spans do not', async () => {
    const { response, requestLogs } = await oneRequest({ OTEL_TRACES_EXPORTER: 'none' });
    expect(requestLogs).toHaveLength(1);
    expect(receiver.spans).toEqual([]);
    expect(response.headers.get('traceresponse')).toBeNull();
  });

  it('OTEL_EXPORTER_OTLP_PROTOCOL=http/json, and a per-signal protocol beside it', async () => {
    const json = await oneRequest({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(json.serverSpans).toHaveLength(1);
    expect(json.requestLogs[0].traceId).toBe(json.serverSpans[0].traceId);
    expect([...receiver.contentTypes]).toEqual(['application/json']);
    await oneRequest({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    expect([...receiver.contentTypes].sort()).toEqual(['application/json', 'application/x-protobuf']);
  });

  it('OTEL_BLRP_* batch the log records (one record per export here), as OTEL_BSP_* batch the spans', async () => {
    await oneRequest({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1' });
    expect(receiver.logs.length).toBeGreaterThan(1);
    expect(receiver.requests.logs).toBe(receiver.logs.length);
    expect(receiver.requests.traces).toBe(receiver.spans.length);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS / _ENABLED_ leave instrumentations out by their usual short names', async () => {
    const disabled = await oneRequest({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' });
    expect(disabled.serverSpans).toHaveLength(1);
    const trace = receiver.spans.filter((s) => s.traceId === disabled.serverSpans[0].traceId);
    expect(trace.map((s) => s.name)).toEqual(['POST /users']);
    const enabled = await oneRequest({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' });
    expect(enabled.serverSpans).toEqual([]);
  });

  it('refuses values the SDK does not know at start, naming each variable', async () => {
    const users = await RunningService.start(
      'user-service',
      {
        DATABASE_URL: databaseUrl,
        ...telemetryOn(receiver),
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'thrift',
        OTEL_BLRP_SCHEDULE_DELAY: 'soon',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,expresss',
      },
      { ready: false },
    );
    expect(await users.waitForExit()).toBe(1);
    const output = users.lines.join('\n');
    expect(output).toContain('Invalid configuration');
    expect(output).toMatch(
      /OTEL_TRACES_EXPORTER: must be a comma-separated list of otlp, console, none \(got "zipkin"\)/,
    );
    expect(output).toMatch(/OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: must be http\/protobuf, http\/json or grpc/);
    expect(output).toMatch(/OTEL_BLRP_SCHEDULE_DELAY: .*"soon"/);
    expect(output).toMatch(
      /OTEL_NODE_DISABLED_INSTRUMENTATIONS: must be a comma-separated list of [a-z, -]*\bexpress, [a-z, -]*\bhttp, .*\(got "http,expresss"\)/,
    );
  });
});
