import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../../test/support/browser';
import { builtBinary } from '../../test/support/binaries';
import { TestCollector } from '../../test/support/collector';
import { startLobby } from '../../test/support/lobby';
import { OtlpReceiver } from '../../test/support/otlp-receiver';
import { composeTelemetryEnv, freePort, RunningService } from '../../test/support/services';
import { BenchContext, PartResult } from './context';
import { spread } from './harness';

const page = 'dist/apps/lobby/public';
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The lobby in Debian's Chromium: what the page weighs (gzipped, as nginx sends it), its Largest Contentful Paint
 * on this machine (a fresh browser context each load, nothing cached), and how long after a click its trace is
 * in Tempo: the click's span at the Tempo stand-in's OTLP endpoint, behind the real collector, with the
 * services, nginx and compose's export settings. Targets: 150 KB of JavaScript gzipped, an LCP of 1 s.
 */
export async function lobby(ctx: BenchContext): Promise<PartResult> {
  const loads = ctx.quick ? 5 : 20;
  const clicks = ctx.quick ? 3 : 10;
  const sizes = Object.fromEntries(
    ['app.js', 'index.html', 'style.css'].map((file) => {
      const bytes = readFileSync(`${page}/${file}`);
      return [file, { raw: bytes.length, gzip: gzipSync(bytes).length }];
    }),
  );

  const tempo = await new OtlpReceiver().start();
  const collector = await new TestCollector(await builtBinary('scripts/collector/build.sh'), {
    TEMPO_OTLP_ENDPOINT: tempo.url,
    LOKI_OTLP_ENDPOINT: `${tempo.url}/otlp`,
  }).start();
  const ports = { user: await freePort(), queue: await freePort(), ticket: await freePort() };
  const urls = {
    USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
    QUEUE_SERVICE_URL: `http://127.0.0.1:${ports.queue}`,
    TICKET_SERVICE_URL: `http://127.0.0.1:${ports.ticket}`,
  };
  const env = {
    ...composeTelemetryEnv(),
    ...urls,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
  };
  const services = [
    await RunningService.start('user-service', { ...env, PORT: `${ports.user}` }),
    await RunningService.start('queue-service', { ...env, PORT: `${ports.queue}`, ADMIT_PER_SECOND: '50' }),
    await RunningService.start('ticket-service', {
      ...env,
      PORT: `${ports.ticket}`,
      EVENT_CAPACITY: '100000',
    }),
  ];
  const site = await startLobby({
    ...urls,
    OTLP_HTTP_URL: collector.otlpHttp,
    GRAFANA_PUBLIC_URL: 'http://localhost:3000',
  });
  const browser = await launchChromium();
  const lcp: number[] = [];
  const clickToTempo: number[] = [];
  try {
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ locale: 'en-US' });
      const tab = await context.newPage();
      await tab.goto(site.url, { waitUntil: 'load' });
      lcp.push(
        await tab.evaluate(
          () =>
            new Promise<number>((resolve) =>
              new PerformanceObserver((list) => resolve(list.getEntries().at(-1)!.startTime)).observe({
                type: 'largest-contentful-paint' as never,
                buffered: true,
              }),
            ),
        ),
      );
      await context.close();
    }
    for (let i = 0; i < clicks; i++) {
      const context = await browser.newContext({ locale: 'en-US' });
      const tab = await context.newPage();
      await tab.goto(site.url);
      const clicked = Date.now();
      await tab.click('#join');
      await tab
        .locator('#step-queue, #step-admitted')
        .filter({ visible: true })
        .first()
        .waitFor()
        .catch(async (error: Error) => {
          const said = await tab.textContent('main');
          throw new Error(`${error.message}\nthe page said: ${said?.replace(/\s+/g, ' ')}`);
        });
      const traceId = /[0-9a-f]{32}/.exec(
        decodeURIComponent((await tab.getAttribute('#link-trace', 'href'))!),
      )![0];
      const span = await tempo.waitFor(
        () => tempo.spans.find((s) => s.traceId === traceId && s.name === 'join queue'),
        `the click's span ${traceId}`,
        30_000,
      );
      clickToTempo.push((span.receivedAt - clicked) / 1000);
      await context.close();
    }
  } finally {
    await browser.close();
    await site.stop();
    await Promise.all(services.map((service) => service.stop()));
    await collector.stop();
    await tempo.stop();
  }

  const l = spread(lcp);
  const c = spread(clickToTempo);
  const js = sizes['app.js'];
  const total = Object.values(sizes).reduce((sum, s) => sum + s.gzip, 0);
  return {
    part: 'Lobby: the page in Chromium (targets: JS ≤ 150 KB gzipped, LCP ≤ 1 s)',
    table: [
      ['measure', 'median', 'min..max', 'samples'],
      ['JavaScript, gzipped (raw)', `${kb(js.gzip)} (${kb(js.raw)})`, '', '1'],
      ['page, gzipped: html + css + js', kb(total), '', '1'],
      [
        'LCP, fresh context',
        `${l.median.toFixed(0)} ms`,
        `${l.min.toFixed(0)}..${l.max.toFixed(0)} ms`,
        `${loads}`,
      ],
      [
        'click to its span in Tempo',
        `${c.median.toFixed(2)} s`,
        `${c.min.toFixed(2)}..${c.max.toFixed(2)} s`,
        `${clicks}`,
      ],
    ],
    figures: { sizes, pageGzip: total, lcpMs: l, clickToTempoSeconds: c },
    notes: [
      "Tempo is a stand-in here: the figure is the click's span at its OTLP endpoint; real Tempo adds 1-2 s before search finds it.",
      'The click span ends when its calls have answered (joining is a POST /users and a POST /queue/join), and the page batches spans for 500 ms.',
    ],
  };
}
