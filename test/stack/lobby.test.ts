import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, screenshotDir } from '../support/browser';
import { startLobby } from '../support/lobby';
import { TestCollector } from '../support/collector';
import { createDatabase, freshRedis } from '../support/databases';
import { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { eventually } from '../support/poll';
import { AppName, composeTelemetryEnv, freePort, RunningService } from '../support/services';

const traceIdIn = async (page: Page) =>
  /[0-9a-f]{32}/.exec(decodeURIComponent((await page.getAttribute('#link-trace', 'href')) ?? ''))?.[0];

// What the page says may take a while on a busy machine: asked again every 100 ms, for up to a minute.
const patiently = { timeout: 60_000, interval: 100 };

/** Whether `ancestor` is above `span` in its trace. */
function descends(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId))
    if (at.spanId === ancestor.spanId) return true;
  return false;
}

describe('the lobby, walked in a real browser', () => {
  // Tempo and Loki, behind the real collector that the services and the page send to.
  const backends = new OtlpReceiver();
  let collector: TestCollector;
  let browser: Browser;
  const services = new Map<AppName, RunningService>();
  const env = new Map<AppName, Record<string, string>>();
  const pages: Page[] = [];
  let lobby: Awaited<ReturnType<typeof startLobby>>;
  let first: { name: string; joinTrace?: string };

  const start = async (name: AppName) => services.set(name, await RunningService.start(name, env.get(name)!));
  const open = async () => {
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 900, height: 640 } });
    // Generous: on a busy machine the browser, nginx, the services and the collector share the cores.
    page.setDefaultTimeout(60_000);
    pages.push(page);
    await page.goto(lobby.url);
    return page;
  };
  const shot = (page: Page, step: string) =>
    page.screenshot({ path: `${screenshotDir}/${step}.png`, fullPage: true });

  beforeAll(async () => {
    await backends.start();
    collector = await new TestCollector(inject('otelcol'), {
      TEMPO_OTLP_ENDPOINT: backends.url,
      LOKI_OTLP_ENDPOINT: backends.url,
    }).start();
    const ports = { user: await freePort(), queue: await freePort(), ticket: await freePort() };
    const all = {
      ...composeTelemetryEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
      DATABASE_URL: await createDatabase(inject('runId'), 'lobby'),
      REDIS_URL: await freshRedis(),
      USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
      QUEUE_SERVICE_URL: `http://127.0.0.1:${ports.queue}`,
      TICKET_SERVICE_URL: `http://127.0.0.1:${ports.ticket}`,
    };
    env.set('user-service', { ...all, PORT: `${ports.user}` });
    env.set('queue-service', { ...all, PORT: `${ports.queue}`, ADMIT_PER_SECOND: '20' });
    // One seat: the first user's ticket sells out the event.
    env.set('ticket-service', { ...all, PORT: `${ports.ticket}`, EVENT_CAPACITY: '1' });
    for (const name of ['user-service', 'queue-service', 'ticket-service'] as const) await start(name);
    lobby = await startLobby({
      USER_SERVICE_URL: all.USER_SERVICE_URL,
      QUEUE_SERVICE_URL: all.QUEUE_SERVICE_URL,
      TICKET_SERVICE_URL: all.TICKET_SERVICE_URL,
      OTLP_HTTP_URL: collector.otlpHttp,
      GRAFANA_PUBLIC_URL: 'http://localhost:3000',
    });
    browser = await launchChromium();
    mkdirSync(screenshotDir, { recursive: true });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await lobby?.stop();
    await Promise.all([...services.values()].map((service) => service.stop()));
    await collector?.stop();
    await backends.stop();
  });

  it('walks the journey: a name, the queue, the admission, a ticket with its seat', async () => {
    first = { name: `lobby-${Date.now().toString(36)}` };
    const page = await open();
    await page.fill('#name', first.name);
    await shot(page, '1-lobby');
    await page.click('#join');
    await page.locator('#step-queue, #step-admitted').filter({ visible: true }).first().waitFor();
    if (await page.isVisible('#step-queue')) await shot(page, '2-queue');
    await page.locator('#step-admitted').waitFor();
    first.joinTrace = await traceIdIn(page);
    await shot(page, '3-admitted');
    await page.click('#buy');
    await page.locator('#step-ticket').waitFor();
    expect(await page.textContent('#seat')).toMatch(/^Your seat: \S+/);
    expect(await page.textContent('#ticket-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.textContent('#who')).toBe(first.name);
    await shot(page, '4-ticket');
    // The user's log lines, as the chapter's checkpoint asks.
    const logs = decodeURIComponent((await page.getAttribute('#link-logs', 'href'))!);
    expect(logs).toContain(`{app=\\"queue-service\\"} |= \\"${first.name}\\"`);
  });

  it('puts the click, queue-service, Redis, user-service and Postgres in one trace', async () => {
    expect(first.joinTrace).toMatch(/^[0-9a-f]{32}$/);
    const spans = await backends.waitFor(
      () => {
        const trace = backends.trace(first.joinTrace!);
        const sql = trace.some(
          (s) => s.service === 'user-service' && s.attributes['db.system.name'] === 'postgresql',
        );
        const redis = trace.some(
          (s) => s.service === 'queue-service' && s.attributes['db.system.name'] === 'redis',
        );
        return sql && redis && trace;
      },
      'the join click’s whole trace',
      60_000,
    );
    const click = spans.find((s) => s.service === 'lobby' && s.name === 'join queue')!;
    expect(click.parentSpanId).toBe('');
    expect(click.attributes['session.id']).toEqual(expect.any(String));
    const fetchSpan = spans.find((s) => s.service === 'lobby' && s.name === 'POST /queue/join')!;
    expect(fetchSpan).toMatchObject({
      kind: 3,
      attributes: expect.objectContaining({ 'http.route': '/queue/join' }),
    });
    const server = spans.find((s) => s.service === 'queue-service' && s.kind === 2)!;
    expect(server.attributes['http.route']).toBe('/queue/join');
    expect(server.parentSpanId).toBe(fetchSpan.spanId);
    expect(descends(spans, server, click)).toBe(true);
    expect(spans.some((s) => s.service === 'lobby' && s.name === 'POST /users')).toBe(true);
    expect(spans.find((s) => s.service === 'lobby')!.resource).toMatchObject({
      'service.name': 'lobby',
      'service.namespace': 'ticketing',
      'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      'deployment.environment.name': 'sandbox',
      app: 'lobby',
    });
  });

  it('sends the page load, the web vitals, the journey’s log lines and uncaught errors', async () => {
    const [page] = await Promise.all([open(), open()]);
    await page.evaluate(() =>
      setTimeout(() => {
        throw new Error('thrown on purpose by the lobby test');
      }),
    );
    const load = await backends.waitFor(
      () => backends.spans.find((s) => s.service === 'lobby' && s.name === 'documentLoad'),
      'a documentLoad span',
      60_000,
    );
    expect(load.attributes['session.id']).toEqual(expect.any(String));
    const error = await backends.waitFor(
      () => backends.logs.find((l) => l.service === 'lobby' && String(l.body).includes('thrown on purpose')),
      'the uncaught error as a log record',
      60_000,
    );
    expect(error).toMatchObject({
      severityText: 'ERROR',
      resource: expect.objectContaining({ app: 'lobby' }),
    });
    expect(error.attributes).toMatchObject({ 'session.id': expect.any(String), 'exception.type': 'Error' });
    expect(
      backends.logs.some(
        (l) => l.service === 'lobby' && l.body === `${first.name} joined the queue at position 1`,
      ),
    ).toBe(true);
    // Time to first byte is measured at load, and each page sends what it measured since its last export: the
    // collector adds the pages up for Prometheus (two open here, one more earlier).
    const metrics = await eventually(
      async () => {
        const text = await fetch(collector.spanMetrics).then((r) => r.text());
        const count = /^browser_web_vital_ttfb_milliseconds_count\{[^}]*\} (\d+)/m.exec(text)?.[1];
        return Number(count) >= 2 && text;
      },
      'the TTFB of two pages on the collector’s Prometheus endpoint',
      30_000,
    );
    expect(metrics).toMatch(
      /^traces_spanmetrics_calls_total\{[^}]*service_name="lobby"[^}]*span_name="documentLoad"/m,
    );
  });

  it('shows a bad name and a taken name next to the field, and stores nothing', async () => {
    const page = await open();
    await page.fill('#name', 'not a name!');
    await page.click('#join');
    await expect.poll(() => page.textContent('#name-error'), patiently).toMatch(/name/);
    await page.fill('#name', first.name);
    await page.click('#join');
    await expect
      .poll(() => page.textContent('#name-error'), patiently)
      .toBe('That name is taken: choose another, or leave it empty.');
    expect(await page.isVisible('#step-lobby')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('lobby.user'))).toBeNull();
  });

  it('says sold out when the last seat is gone', async () => {
    const page = await open();
    await page.click('#generate');
    expect(await page.inputValue('#name')).toMatch(/^guest-[a-z0-9]+$/);
    await page.click('#join');
    await page.locator('#step-admitted').waitFor();
    await page.click('#buy');
    await expect
      .poll(() => page.textContent('#problem'), patiently)
      .toBe('Sold out: every seat has been sold.');
  });

  it('names the service that is away, keeps trying, and goes on by itself when it is back', async () => {
    const page = await open();
    await Promise.all(['user-service', 'queue-service'].map((name) => services.get(name as AppName)!.stop()));
    await page.click('#join');
    await expect
      .poll(() => page.textContent('#notice'), patiently)
      .toMatch(/^user-service is unavailable; trying again/);
    await shot(page, '5-retrying');
    await start('user-service');
    await expect.poll(() => page.textContent('#notice'), patiently).toMatch(/^queue-service is unavailable/);
    await start('queue-service');
    await page.locator('#step-queue, #step-admitted').filter({ visible: true }).first().waitFor();
    expect(await page.textContent('#problem')).toBe('');
  });
});
