import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  chapterQueries,
  Endpoints,
  grafanaChecks,
  logChecks,
  metricChecks,
} from '../../scripts/verify/checks';
import { resolveVariables } from '../../scripts/verify/grafana';
import { createDatabase, freshRedis } from '../support/databases';
import { admittedUser } from '../support/flow';
import { post } from '../support/http';
import { TestPrometheus } from '../support/prometheus';
import { startStack, Stack } from '../support/services';

const alertRules = `groups:
  - name: test
    rules:
      - alert: AppDown
        expr: up == 0
        for: 1m
`;

describe('npm run verify: Prometheus checks against a real Prometheus scraping the real services', () => {
  let stack: Stack;
  const prometheus = new TestPrometheus();

  beforeAll(async () => {
    stack = await startStack({
      databaseUrl: await createDatabase(inject('runId'), 'verify'),
      redisUrl: await freshRedis(),
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50' } },
    });
    await prometheus.start(
      [stack.user, stack.queue, stack.ticket].map((s) => ({ app: s.name, url: s.url })),
      { 'alerts.yml': alertRules },
    );
    for (let i = 0; i < 3; i++) {
      const user = await admittedUser(stack);
      await post(`${stack.ticket.url}/tickets`, { userId: user.id, admissionToken: user.token });
    }
    // rate() over 1m needs two scrapes of each app's series
    await prometheus.waitFor('count(count by (app) (rate(http_request_duration_seconds_count[1m]))) == 3');
  }, 120_000);

  afterAll(async () => {
    await prometheus.stop();
    await stack?.stop();
  });

  it('the chapter’s three RED queries return series for every app, the runtime series exist, alerts are loaded', async () => {
    const results = await metricChecks({
      prometheus: prometheus.url,
      grafana: 'http://grafana.test',
    } as Endpoints);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(
      expect.arrayContaining(chapterQueries.map((q) => `Prometheus: ${q}`)),
    );
    expect(results.find((r) => r.name.endsWith('alert rules loaded'))?.detail).toBe('1 alert rules');
  });

  it('the chapter’s queries, as written, return data', async () => {
    for (const expr of [chapterQueries[0], chapterQueries[2]]) {
      expect((await prometheus.query(expr)).length, expr).toBeGreaterThan(0);
    }
  });

  it('fails, naming the app, when Prometheus has nothing of it', async () => {
    const empty = await new TestPrometheus().start([{ app: 'user-service', url: stack.user.url }]);
    await empty.waitFor('up{app="user-service"}');
    const results = await metricChecks({ prometheus: empty.url, grafana: 'http://g' } as Endpoints);
    await empty.stop();
    const rate = results.find((r) => r.name === `Prometheus: ${chapterQueries[0]}`);
    expect(rate).toMatchObject({
      ok: false,
      detail: 'no series for queue-service, user-service, ticket-service',
    });
    expect(results.find((r) => r.name.endsWith('alert rules loaded'))?.ok).toBe(false);
  });
});

/**
 * Loki, Tempo and Grafana cannot run on this machine: their clients are tested against a server that answers
 * with response shapes written from the upstream HTTP API docs (Loki /loki/api/v1/query_range, Tempo
 * /api/v2/traces/<id>, Grafana /api/datasources/uid/<uid>/health, /api/search, /api/dashboards/uid/<uid>,
 * /api/ds/query) — not against the real servers.
 */
describe('npm run verify: Loki, Tempo and Grafana clients against documented response shapes (not the real servers)', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  let server: Server;
  let url = '';
  const state = { traceLabel: true, redisSpan: true, emptyPanel: false, lokiHealthy: true };

  const lokiResponse = () => ({
    status: 'success',
    data: {
      resultType: 'streams',
      result: [
        {
          stream: {
            app: 'queue-service',
            service_name: 'queue-service',
            ...(state.traceLabel && { trace_id: traceId }),
          },
          values: [
            ['1795565000000000000', 'Joined queue: user-ab12c at position 1'],
            ['1795565001000000000', 'Joined queue: user-k3x9q at position 2'],
          ],
        },
      ],
      stats: {},
    },
  });
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const tempoResponse = () => ({
    trace: {
      resourceSpans: [
        {
          resource: { attributes: [attr('service.name', 'queue-service')] },
          scopeSpans: [
            {
              spans: [
                { name: 'POST /queue/join', attributes: [attr('http.route', '/queue/join')] },
                ...(state.redisSpan ? [{ name: 'eval', attributes: [attr('db.system', 'redis')] }] : []),
              ],
            },
          ],
        },
        {
          resource: { attributes: [attr('service.name', 'user-service')] },
          scopeSpans: [
            { spans: [{ name: 'pg.query:SELECT', attributes: [attr('db.system', 'postgresql')] }] },
          ],
        },
      ],
    },
  });
  const dashboard = {
    dashboard: {
      uid: 'ticketing-overview',
      title: 'Service overview',
      templating: { list: [{ name: 'app', type: 'query' }] },
      panels: [
        { type: 'row', title: 'RED', panels: [] },
        {
          type: 'nodeGraph',
          title: 'Service graph',
          datasource: { type: 'tempo', uid: 'tempo' },
          targets: [{ refId: 'A', queryType: 'serviceMap' }],
        },
        {
          type: 'timeseries',
          title: 'Rate',
          datasource: { type: 'prometheus', uid: 'prometheus' },
          targets: [
            {
              refId: 'A',
              expr: 'sum by (app) (rate(http_request_duration_seconds_count{app=~"$app"}[$__rate_interval]))',
            },
          ],
        },
        { type: 'text', title: 'About' },
      ],
    },
  };
  const received: unknown[] = [];

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const path = request.url!.split('?')[0];
      const json = (status: number, value: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (path === '/loki/api/v1/query_range') return json(200, lokiResponse());
      if (path === `/api/v2/traces/${traceId}`) return json(200, tempoResponse());
      if (path.startsWith('/api/datasources/uid/')) {
        const healthy = !path.includes('/loki/') || state.lokiHealthy;
        return json(
          healthy ? 200 : 400,
          healthy
            ? { status: 'OK', message: 'Data source is working' }
            : { status: 'ERROR', message: 'Unable to connect with Loki' },
        );
      }
      if (path === '/api/search')
        return json(200, [
          { uid: 'ticketing-overview', title: 'Service overview', url: '/d/ticketing-overview' },
        ]);
      if (path === '/api/dashboards/uid/ticketing-overview') return json(200, dashboard);
      if (path === '/api/ds/query') {
        received.push(JSON.parse(body));
        const values = state.emptyPanel
          ? [[], []]
          : [
              [1795565000000, 1795565030000],
              [0.5, 0.7],
            ];
        return json(200, {
          results: {
            A: {
              status: 200,
              frames: [{ schema: { fields: [{ name: 'Time' }, { name: 'Value' }] }, data: { values } }],
            },
          },
        });
      }
      json(404, { message: 'not found' });
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => server.close());

  const endpoints = (): Endpoints => ({ prometheus: url, loki: url, tempo: url, grafana: url });

  it('passes the Loki step and follows the line’s trace id to a trace with Redis and database spans', async () => {
    const results = await logChecks(endpoints());
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['Loki: {app="queue-service"} |= "Joined queue"', true],
      ['Loki -> Tempo: the join trace shows Redis and database spans', true],
    ]);
    expect(results[1].link).toContain(encodeURIComponent(traceId));
  });

  it('fails the trace step when the trace lacks the Redis span, or the line lacks a trace id', async () => {
    state.redisSpan = false;
    expect((await logChecks(endpoints()))[1]).toMatchObject({
      ok: false,
      detail: expect.stringContaining('redis MISSING'),
    });
    state.redisSpan = true;
    state.traceLabel = false;
    expect((await logChecks(endpoints()))[1]).toMatchObject({
      ok: false,
      detail: 'no trace_id on the "Joined queue" lines',
    });
    state.traceLabel = true;
  });

  it('checks each data source’s health and runs every panel’s queries with the variables resolved', async () => {
    const results = await grafanaChecks(endpoints());
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const query = (received.at(-1) as { queries: { expr: string; datasource: unknown }[] }).queries[0];
    expect(query.expr).toBe('sum by (app) (rate(http_request_duration_seconds_count{app=~".*"}[1m]))');
    expect(query.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    // The service map is drawn in the browser; the check asks Prometheus for the series it is drawn from.
    const serviceMap = (received as { queries: { expr?: string; datasource: unknown }[] }[])
      .flatMap((r) => r.queries)
      .find((q) => q.expr?.includes('traces_service_graph_request_total'));
    expect(serviceMap?.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });

  it('names the panel without data and the unhealthy data source', async () => {
    state.emptyPanel = true;
    state.lokiHealthy = false;
    const results = await grafanaChecks(endpoints());
    expect(results.find((r) => r.name === 'Grafana: data source loki')?.ok).toBe(false);
    expect(results.find((r) => r.name.includes('Service overview'))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('"Rate"'),
    });
    state.emptyPanel = false;
    state.lokiHealthy = true;
  });

  it('resolves template variables the way the check runs them', () => {
    expect(
      resolveVariables('x{app=~"${app:regex}",i=~"$instance"}[$__rate_interval]', ['app', 'instance']),
    ).toBe('x{app=~".*",i=~".*"}[1m]');
    expect(resolveVariables('$unknown', [])).toBe('$unknown');
  });
});
