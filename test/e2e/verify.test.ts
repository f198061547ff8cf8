import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  chapterQueries,
  Endpoints,
  FaultsOn,
  grafanaChecks,
  logChecks,
  metricChecks,
  profileChecks,
  runChecks,
} from '../../scripts/verify/checks';
import { resolveVariables } from '../../scripts/verify/grafana';
import { slowServers } from '../../scripts/verify/http';
import { endpoints as verifyEndpoints } from '../../scripts/verify/main';
import { CheckResult } from '../../scripts/verify/result';
import { Settle } from '../../scripts/verify/settle';
import { createDatabase, freshRedis } from '../support/databases';
import { admittedUser } from '../support/flow';
import { post } from '../support/http';
import { eventually } from '../support/poll';
import { TestPrometheus } from '../support/prometheus';
import { RunningService, startStack, Stack } from '../support/services';

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
      extra: { 'queue-service': { ADMIT_PER_SECOND: '50', FAULTS_ENABLED: 'true' } },
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
    // No 5xx, and no faults known: nothing to expect of the 5xx query.
    expect(results.find((r) => r.name === `Prometheus: ${chapterQueries[1]}`)).toMatchObject({
      ok: true,
      notChecked: true,
    });
  });

  const errorCheck = async (url: string, faults?: FaultsOn) =>
    (await metricChecks({ prometheus: url, grafana: 'http://g' } as Endpoints, faults)).find(
      (r) => r.name === `Prometheus: ${chapterQueries[1]}`,
    );
  const queueFaults: FaultsOn = { services: ['queue-service'], by: '--faults-on' };

  it('fails the 5xx query that finds nothing after traffic with faults on', async () => {
    expect(await errorCheck(prometheus.url, queueFaults)).toMatchObject({
      ok: false,
      detail: 'no 5xx series from queue-service, although error faults were on there (--faults-on)',
    });
  });

  it('passes the 5xx query once the faulted service has answered 503, and fails it when Prometheus cannot run it', async () => {
    const faults = (errorRate: number) =>
      fetch(`${stack.queue.url}/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errorRate }),
      });
    expect((await faults(1)).status).toBe(200);
    try {
      const answer = await fetch(`${stack.queue.url}/queue/status/${randomUUID()}`);
      expect(answer.status).toBe(503);
    } finally {
      await faults(0);
    }
    await prometheus.waitFor(`sum by (app) (${chapterQueries[1]})`);
    expect(await errorCheck(prometheus.url, queueFaults)).toMatchObject({
      ok: true,
      detail: '5xx series for queue-service',
    });
    // A Prometheus that may load only 5 samples per query answers the 5xx query, over 1m of 1 s scrapes, 422.
    const small = await new TestPrometheus(['--query.max-samples=5']).start([
      { app: 'queue-service', url: stack.queue.url },
    ]);
    try {
      await eventually(
        async () => (await errorCheck(small.url, queueFaults))?.detail.includes('too many samples'),
        'the 5xx query to load more than 5 samples',
        30_000,
        500,
      );
      expect(await errorCheck(small.url, queueFaults)).toMatchObject({
        ok: false,
        detail:
          'the query failed: execution: query processing would load too many samples into memory in query execution',
      });
    } finally {
      await small.stop();
    }
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
    // user-service has a rate() series once two scrapes are in, which a slow machine may already have taken.
    expect(rate).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^no series for queue-service, (user-service, )?ticket-service$/),
    });
    expect(results.find((r) => r.name.endsWith('alert rules loaded'))?.ok).toBe(false);
  });
});

/**
 * Loki, Tempo and Grafana cannot run on this machine: their clients are tested against a server that answers
 * as they do (Loki /loki/api/v1/query_range, Grafana /api/datasources/uid/<uid>/health, /api/search,
 * /api/dashboards/uid/<uid>, /api/ds/query), Tempo with its awkward answers as its source gives them: 3.0's
 * /api/v2/traces/<id> answers 200 with an empty trace for an id it does not hold, /api/traces/<id> answers 404,
 * and a trace's spans arrive service by service. The users the lines name are registered in a real user-service.
 */
describe('npm run verify: Loki, Tempo and Grafana clients against stand-ins that answer as the servers do', () => {
  const oldTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const newTrace = '0af7651916cd43dd8448eb211c80319c';
  let server: Server;
  let url = '';
  type TempoState = 'complete' | 'queue-only' | 'absent' | 'v1-only' | 'v1-absent';
  const state = {
    traceLabel: true,
    emptyPanel: false,
    lokiHealthy: true,
    /** The lines' ages in seconds: an old line's trace has had time to arrive, a fresh one's may not. */
    lineAges: [600, 0],
    tempo: { [oldTrace]: 'complete', [newTrace]: 'complete' } as Record<string, TempoState>,
    /** Tempo answers "absent" this many more times before the trace is there (a trace that arrives late). */
    lateFor: 0,
    emptyPanelFor: 0,
    /** The Authorization header Grafana's API wants (kube-prometheus-stack's Grafana asks for a login). */
    login: undefined as string | undefined,
    /** No Pyroscope behind Grafana: its data source fails and its panels are empty. */
    noPyroscope: false,
    /** Nobody has opened the lobby's page in the window: its panels are empty. */
    lobbyUnused: false,
    /** The services Pyroscope has CPU profiles of. */
    profiled: ['queue-service', 'user-service', 'ticket-service'],
    /** The next LabelValues (Pyroscope) and query_range (Loki) are answered this late, as a fresh server's. */
    profileQueryLateMs: 0,
    lokiQueryLateMs: 0,
    /** Loki's answer: as Loki gives it, one stream with its lines out of order, or naming a user nobody has. */
    loki: 'healthy' as 'healthy' | 'disordered' | 'stranger',
    noDashboards: false,
  };
  let userService: RunningService;
  /** The two users the lines name, registered in user-service. */
  const named: { id: string; name: string }[] = [];
  const tempoRequests: string[] = [];
  const said: string[] = [];
  const settle = (waitMs: number): Settle => ({ waitMs, pollMs: 50, say: (m) => said.push(m) });

  /** Loki answers only lines within the asked range: a line of age 0 was logged at the query's end. */
  const lokiResponse = (end: bigint) => {
    const ns = (ageSeconds: number) => String(end - BigInt(ageSeconds * 1000) * 1_000_000n);
    const [oldAge, newAge] = state.lineAges;
    // Without the categorize-labels flag, Loki merges structured metadata (trace_id, the record's attributes)
    // into the stream's labels.
    const stream = (traceId: string, user: { id: string; name: string }, position: number) => ({
      app: 'queue-service',
      service_name: 'queue-service',
      ...(state.traceLabel && { trace_id: traceId }),
      userId: user.id,
      userName: user.name,
      position: String(position),
    });
    const line = (user: { name: string }, position: number) =>
      `Joined queue: ${user.name} at position ${position}`;
    const stranger = { id: '7f3c2b1a-0e9d-4c8b-a7f6-e5d4c3b2a190', name: 'user-nobdy' };
    const [first, second] = state.loki === 'stranger' ? [named[0], stranger] : named;
    const result =
      state.loki === 'disordered'
        ? [
            {
              stream: { app: 'queue-service', service_name: 'queue-service' },
              values: [
                [ns(oldAge), line(first, 1)],
                [ns(newAge), line(second, 2)],
              ],
            },
          ]
        : [
            { stream: stream(newTrace, second, 2), values: [[ns(newAge), line(second, 2)]] },
            { stream: stream(oldTrace, first, 1), values: [[ns(oldAge), line(first, 1)]] },
          ];
    return { status: 'success', data: { resultType: 'streams', result, stats: {} } };
  };
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const resourceSpans = (traceState: TempoState) => [
    {
      resource: { attributes: [attr('service.name', 'queue-service')] },
      scopeSpans: [
        {
          spans: [
            { name: 'POST /queue/join', attributes: [attr('http.route', '/queue/join')] },
            { name: 'eval', attributes: [attr('db.system.name', 'redis')] },
          ],
        },
      ],
    },
    ...(traceState === 'queue-only'
      ? []
      : [
          {
            resource: { attributes: [attr('service.name', 'user-service')] },
            scopeSpans: [
              {
                spans: [{ name: 'pg.query:SELECT ticketing', attributes: [attr('db.system', 'postgresql')] }],
              },
            ],
          },
        ]),
  ];
  /** Tempo's two trace-by-id routes (modules/frontend, api/http.go of v3.0). */
  const tempoAnswer = (path: string): [number, unknown] => {
    const [, version, id] = /^\/api\/(v2\/)?traces\/([0-9a-f]+)$/.exec(path)!;
    tempoRequests.push(path);
    let traceState = state.tempo[id] ?? 'absent';
    if (state.lateFor > 0 && version) {
      state.lateFor--;
      traceState = 'absent';
    }
    if (version) {
      // A Tempo without the v2 route (before 2.5) answers 404 there.
      if (traceState.startsWith('v1-')) return [404, '404 page not found'];
      return traceState === 'absent'
        ? [200, { trace: {}, metrics: {} }]
        : [200, { trace: { resourceSpans: resourceSpans(traceState) }, metrics: {} }];
    }
    return traceState.endsWith('absent')
      ? [404, 'trace not found']
      : [200, { batches: resourceSpans('complete') }];
  };
  // The lobby's, in short: a panel with data once someone has used the page, and one only when it failed.
  const lobbyDashboard = {
    dashboard: {
      uid: 'ticketing-lobby',
      title: 'Lobby (browser)',
      panels: [
        {
          type: 'stat',
          title: 'LCP (p75)',
          datasource: { type: 'prometheus', uid: 'prometheus' },
          targets: [
            {
              refId: 'A',
              expr: 'histogram_quantile(0.75, sum by (le) (rate(browser_web_vital_lcp_milliseconds_bucket[5m])))',
            },
          ],
        },
        {
          type: 'logs',
          title: 'Uncaught errors',
          datasource: { type: 'loki', uid: 'loki' },
          targets: [{ refId: 'A', expr: '{app="lobby"} | detected_level="error"' }],
        },
      ],
    },
  };
  const dashboard = {
    dashboard: {
      uid: 'ticketing-overview',
      title: 'Service overview',
      templating: { list: [{ name: 'app', type: 'query' }] },
      panels: [
        { type: 'row', title: 'RED', panels: [] },
        {
          type: 'flamegraph',
          title: 'CPU flame graph',
          datasource: { type: 'grafana-pyroscope-datasource', uid: 'pyroscope' },
          targets: [{ refId: 'A', queryType: 'profile', labelSelector: '{service_name=~"$app"}' }],
        },
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
    userService = await RunningService.start('user-service', {
      DATABASE_URL: await createDatabase(inject('runId'), 'verify_users'),
    });
    for (const name of ['user-ab12c', 'user-k3x9q'])
      named.push((await post<{ id: string; name: string }>(`${userService.url}/users`, { name })).body);
    server = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const path = request.url!.split('?')[0];
      const json = (status: number, value: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const late = async (key: 'profileQueryLateMs' | 'lokiQueryLateMs') => {
        const ms = state[key];
        state[key] = 0;
        await sleep(ms);
      };
      if (path === '/loki/api/v1/query_range') {
        await late('lokiQueryLateMs');
        return json(200, lokiResponse(BigInt(new URL(request.url!, url).searchParams.get('end')!)));
      }
      if (path.includes('/traces/')) {
        const [status, value] = tempoAnswer(path);
        return typeof value === 'string'
          ? response.writeHead(status, { 'content-type': 'text/plain' }).end(value)
          : json(status, value);
      }
      if (path.startsWith('/api/') && state.login && request.headers.authorization !== state.login)
        return json(401, { message: 'Unauthorized', messageId: 'auth.unauthorized', statusCode: 401 });
      if (path.startsWith('/api/datasources/uid/')) {
        const healthy =
          (!path.includes('/loki/') || state.lokiHealthy) &&
          !(path.includes('/pyroscope/') && state.noPyroscope);
        return json(
          healthy ? 200 : 400,
          healthy
            ? { status: 'OK', message: 'Data source is working' }
            : { status: 'ERROR', message: 'Unable to connect with Loki' },
        );
      }
      // Pyroscope's Connect API over JSON: protojson leaves an empty list out.
      if (path === '/querier.v1.QuerierService/LabelValues') {
        await late('profileQueryLateMs');
        const asked = JSON.parse(body) as { name: string; matchers: string[] };
        const cpu = asked.matchers.join().includes('wall:cpu:nanoseconds:wall:nanoseconds');
        const names = asked.name === 'service_name' && cpu ? state.profiled : [];
        return json(200, names.length ? { names } : {});
      }
      if (path === '/api/search')
        return json(
          200,
          state.noDashboards
            ? []
            : [
                { uid: 'ticketing-overview', title: 'Service overview', url: '/d/ticketing-overview' },
                { uid: 'ticketing-lobby', title: 'Lobby (browser)', url: '/d/ticketing-lobby' },
              ],
        );
      if (path === '/api/dashboards/uid/ticketing-overview') return json(200, dashboard);
      if (path === '/api/dashboards/uid/ticketing-lobby') return json(200, lobbyDashboard);
      if (path === '/api/ds/query') {
        received.push(JSON.parse(body));
        const profiles = body.includes('grafana-pyroscope-datasource');
        const lobbyUnused = state.lobbyUnused && /browser_web_vital|app=\\"lobby/.test(body);
        const empty =
          (profiles && state.noPyroscope) || lobbyUnused || state.emptyPanel || state.emptyPanelFor-- > 0;
        const values = empty
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

  afterAll(async () => {
    server.close();
    await userService?.stop();
  });

  const endpoints = (): Endpoints => ({
    prometheus: url,
    loki: url,
    tempo: url,
    pyroscope: url,
    grafana: url,
    users: userService.url,
  });

  beforeEach(() => {
    state.lineAges = [600, 0];
    state.tempo = { [oldTrace]: 'complete', [newTrace]: 'complete' };
    state.lateFor = 0;
    state.loki = 'healthy';
    tempoRequests.length = 0;
    said.length = 0;
  });

  it('passes the Loki step and follows the trace id of a line old enough for its trace to have arrived', async () => {
    state.tempo[newTrace] = 'absent';
    const { results, newest } = await logChecks(endpoints(), settle(30_000));
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['Loki: {app="queue-service"} |= "Joined queue"', true],
      ['Loki -> Tempo: the join trace shows Redis and database spans', true],
    ]);
    expect(results[1].detail).toContain(oldTrace);
    expect(results[1].link).toContain(encodeURIComponent(oldTrace));
    expect(newest).toBeGreaterThan(Date.now() - 5000);
    expect(said).toEqual([]);
  });

  it('right after traffic, waits for the trace that arrives late, saying what for', async () => {
    state.lineAges = [2, 1];
    state.lateFor = 3;
    const { results } = await logChecks(endpoints(), settle(30_000));
    expect(results[1]).toMatchObject({ ok: true, detail: expect.stringContaining(oldTrace) });
    expect(tempoRequests.filter((p) => p.includes(oldTrace)).length).toBe(4);
    expect(said).toEqual([
      expect.stringMatching(new RegExp(`^Waiting for the trace ${oldTrace} .*Tempo, at most \\d+ s more$`)),
    ]);
  });

  it('never reads Tempo 3.0’s empty 200 as a trace of 0 spans: a missing trace is named as missing', async () => {
    state.tempo[oldTrace] = 'absent';
    const { results } = await logChecks(endpoints(), settle(30_000));
    expect(results[1]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        new RegExp(`^trace ${oldTrace} is not in Tempo, \\d+ s after its line was logged$`),
      ),
    });
    expect(results[1].detail).not.toMatch(/0 spans/);
    // The line is old: waiting would not bring the trace, so it asks once on each route and does not wait.
    expect(tempoRequests).toEqual([`/api/v2/traces/${oldTrace}`]);
    expect(said).toEqual([]);
  });

  it('stops waiting for a fresh line’s trace at the bound, and says what never arrived', async () => {
    state.lineAges = [1, 0]; // both fresh; the older one is followed
    state.tempo[oldTrace] = 'absent';
    const { results } = await logChecks(endpoints(), settle(5000));
    expect(results[1]).toMatchObject({ ok: false, detail: expect.stringContaining('is not in Tempo') });
    expect(tempoRequests.length).toBeGreaterThan(1);
    expect(said).toHaveLength(1);
  });

  it('fails a partial trace, naming the part that is missing, once the wait is over', async () => {
    state.tempo[oldTrace] = 'queue-only';
    const { results } = await logChecks(endpoints(), settle(30_000));
    expect(results[1]).toMatchObject({
      ok: false,
      detail: `trace ${oldTrace}: 2 spans; queue-service -> redis yes, user-service -> postgres MISSING`,
    });
  });

  it('reads the trace from /api/traces/<id> where /api/v2 answers 404, and treats its 404 as not found', async () => {
    state.tempo[oldTrace] = 'v1-only';
    expect((await logChecks(endpoints(), settle(30_000))).results[1].ok).toBe(true);
    expect(tempoRequests).toEqual([`/api/v2/traces/${oldTrace}`, `/api/traces/${oldTrace}`]);
    state.tempo[oldTrace] = 'v1-absent';
    const { results } = await logChecks(endpoints(), settle(30_000));
    expect(results[1]).toMatchObject({ ok: false, detail: expect.stringContaining('is not in Tempo') });
  });

  it('fails the trace step when the lines carry no trace id', async () => {
    state.traceLabel = false;
    expect((await logChecks(endpoints(), settle(30_000))).results[1]).toMatchObject({
      ok: false,
      detail: 'no trace_id on the "Joined queue" lines',
    });
    state.traceLabel = true;
  });

  it('names the users the lines name, as user-service holds them', async () => {
    const [result] = (await logChecks(endpoints(), settle(30_000))).results;
    expect(result).toMatchObject({
      ok: true,
      detail:
        '2 lines naming users (the newest 2 found in user-service), in time order; last: Joined queue: user-k3x9q at position 2',
    });
  });

  it('fails the Loki step on lines out of time order as Loki returned them', async () => {
    state.loki = 'disordered';
    const [result] = (await logChecks(endpoints(), settle(30_000))).results;
    expect(result).toMatchObject({
      name: 'Loki: {app="queue-service"} |= "Joined queue"',
      ok: false,
      detail: expect.stringMatching(
        /^out of time order in \{app="queue-service", service_name="queue-service"\}: "Joined queue: user-k3x9q at position 2" .* in a backward answer$/,
      ),
    });
  });

  it('fails the Loki step on a line naming a user user-service does not have', async () => {
    state.loki = 'stranger';
    const [result] = (await logChecks(endpoints(), settle(30_000))).results;
    expect(result).toMatchObject({
      ok: false,
      detail:
        '"Joined queue: user-nobdy at position 2" names user-nobdy, but user-service has no user 7f3c2b1a-0e9d-4c8b-a7f6-e5d4c3b2a190',
    });
  });

  it('fails the Grafana step when Grafana holds no dashboard', async () => {
    state.noDashboards = true;
    try {
      const results = await grafanaChecks(endpoints());
      expect(
        results.find((r) => r.name === 'Grafana: every panel of every dashboard has data'),
      ).toMatchObject({
        ok: false,
        detail: 'Grafana holds no dashboard: were grafana/dashboards provisioned?',
      });
    } finally {
      state.noDashboards = false;
    }
  });

  it('checks each data source’s health and runs every panel’s queries with the variables resolved', async () => {
    const results = await grafanaChecks(endpoints());
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const query = (received as { queries: { expr: string; datasource: unknown }[] }[])
      .flatMap((r) => r.queries)
      .find((q) => q.expr?.includes('http_request_duration_seconds_count'))!;
    expect(query.expr).toBe('sum by (app) (rate(http_request_duration_seconds_count{app=~".*"}[1m]))');
    expect(query.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    // The service map is drawn in the browser; the check asks Prometheus for the series it is drawn from.
    const serviceMap = (received as { queries: { expr?: string; datasource: unknown }[] }[])
      .flatMap((r) => r.queries)
      .find((q) => q.expr?.includes('traces_service_graph_request_total'));
    expect(serviceMap?.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });

  it('logs in to a Grafana that asks for it, with GRAFANA_USER and GRAFANA_PASSWORD', async () => {
    state.login = `Basic ${Buffer.from('admin:s3cret').toString('base64')}`;
    try {
      const refused = await grafanaChecks(endpoints());
      expect(refused).toMatchObject([{ name: 'Grafana', ok: false, detail: expect.stringContaining('401') }]);
      const env = { GRAFANA_URL: url, GRAFANA_USER: 'admin', GRAFANA_PASSWORD: 's3cret', PYROSCOPE_URL: url };
      const results = await grafanaChecks(verifyEndpoints(env));
      expect(results.filter((r) => !r.ok)).toEqual([]);
    } finally {
      state.login = undefined;
    }
  });

  it('with PYROSCOPE_URL=off, leaves out the profile checks, the Pyroscope data source and the flame graphs', async () => {
    state.noPyroscope = true;
    try {
      // With Pyroscope expected, its absence fails the data source and the flame graph panel.
      const failing = (await grafanaChecks(endpoints())).filter((r) => !r.ok).map((r) => r.name);
      expect(failing).toEqual([
        'Grafana: data source pyroscope',
        'Grafana: every panel of "Service overview" has data',
      ]);
      const off = verifyEndpoints({
        PROMETHEUS_URL: url,
        LOKI_URL: url,
        TEMPO_URL: url,
        GRAFANA_URL: url,
        PYROSCOPE_URL: 'off',
      });
      expect(off.pyroscope).toBeUndefined();
      expect(await profileChecks(off)).toEqual([]);
      const results = await grafanaChecks(off);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.map((r) => r.name)).not.toContain('Grafana: data source pyroscope');
      expect(results.find((r) => r.name.includes('Service overview'))?.detail).toBe('2 panels');
    } finally {
      state.noPyroscope = false;
    }
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

  it('leaves the lobby’s dashboard unchecked while nobody has used the page, and never asks its error panels for data', async () => {
    const lobby = (results: CheckResult[]) => results.find((r) => r.name.includes('Lobby (browser)'));
    state.lobbyUnused = true;
    try {
      expect(lobby(await grafanaChecks(endpoints()))).toMatchObject({
        ok: true,
        notChecked: true,
        detail: expect.stringContaining('no page of the lobby in the last 15 minutes'),
      });
    } finally {
      state.lobbyUnused = false;
    }
    const used = lobby(await grafanaChecks(endpoints()));
    expect(used).toMatchObject({ ok: true, detail: '1 panels' });
    expect(used?.notChecked).toBeUndefined();
  });

  it('right after traffic, runs a check without data again until it has data, saying what it waits for', async () => {
    state.lineAges = [2, 1];
    state.emptyPanelFor = 2; // both query panels of the first round
    const results = await runChecks(endpoints(), settle(30_000));
    expect(results.find((r) => r.name.includes('Service overview'))).toMatchObject({ ok: true });
    expect(said).toContainEqual(
      expect.stringMatching(/^Waiting for every dashboard panel to have data, at most \d+ s more$/),
    );
    // Prometheus is not there at all (the stand-in has no /api/v1): failed at once, not waited for.
    expect(results.find((r) => r.name === 'Prometheus')).toMatchObject({ ok: false, final: true });
  });

  it('fails a check without data at once when the last traffic is older than the wait', async () => {
    state.lineAges = [600, 300];
    state.emptyPanelFor = 2;
    const results = await runChecks(endpoints(), settle(30_000));
    expect(results.find((r) => r.name.includes('Service overview'))?.ok).toBe(false);
    expect(said).toEqual([]);
    state.emptyPanelFor = 0;
  });

  it('finds a CPU profile of every service in Pyroscope, or names the services without one', async () => {
    expect(await profileChecks(endpoints())).toMatchObject([{ ok: true }]);
    state.profiled = ['user-service'];
    expect(await profileChecks(endpoints())).toMatchObject([
      { ok: false, detail: expect.stringContaining('from queue-service, ticket-service') },
    ]);
    state.profiled = [];
    expect((await profileChecks(endpoints()))[0].ok).toBe(false);
    state.profiled = ['queue-service', 'user-service', 'ticket-service'];
  });

  it('waits for a Pyroscope whose first query takes 10 s, as a fresh one’s did, and names it as slow', async () => {
    state.profileQueryLateMs = 10_500;
    expect(await profileChecks(endpoints())).toMatchObject([{ ok: true }]);
    expect(slowServers().get(url)).toBeGreaterThanOrEqual(10_000);
  });

  it('reports a server that answers nothing in time as slow, not unreachable, and asks it again', async () => {
    state.lokiQueryLateMs = 11_000;
    const [result] = (await logChecks(endpoints())).results;
    expect(result).toMatchObject({ ok: false, slow: true, final: false });
    expect(result.detail).toBe(`${url} gave no answer within 10 s: it is up but slow (still starting?)`);
    state.lokiQueryLateMs = 11_000;
    const results = await runChecks(endpoints(), settle(30_000));
    expect(said.some((m) => m.startsWith('Waiting for Loki and Tempo to answer'))).toBe(true);
    expect(results.filter((r) => r.name.startsWith('Loki')).every((r) => r.ok)).toBe(true);
  });

  it('resolves template variables the way the check runs them', () => {
    expect(
      resolveVariables('x{app=~"${app:regex}",i=~"$instance"}[$__rate_interval]', ['app', 'instance']),
    ).toBe('x{app=~".*",i=~".*"}[1m]');
    expect(resolveVariables('$unknown', [])).toBe('$unknown');
  });
});
