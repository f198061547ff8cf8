import * as common from '@grafana/grafana-foundation-sdk/common';
import { graph, grid, logLines, Row, signal, single, ticketing, units } from './panels';
import { instant, logql, series, tableQuery } from './queries';

const client = 'service="lobby", span_kind="SPAN_KIND_CLIENT"';
const server = 'service!="lobby", span_kind="SPAN_KIND_SERVER"';
const clicks = 'service="lobby", span_kind="SPAN_KIND_INTERNAL", span_name=~"join queue|buy ticket"';
const latency = (q: number, matchers: string, window: string, by = 'http_route') =>
  `histogram_quantile(${q}, sum by (${by}, le) (rate(traces_spanmetrics_latency_bucket{${matchers}}[${window}])))`;
// The server's routes that the lobby calls, not those only the traffic tool does.
const calledByLobby = `and on (http_route) group by (http_route) (traces_spanmetrics_calls_total{${client}})`;
/** web.dev's limits: good up to the first, poor beyond the second. */
const vital = (
  title: string,
  description: string,
  metric: string,
  unit: string,
  good: number,
  poor: number,
) =>
  signal(
    title,
    description,
    [instant(`histogram_quantile(0.75, sum by (le) (rate(${metric}_bucket[$__range])))`)],
    'green',
    { orange: good, red: poor },
  )
    .unit(unit)
    .span(5)
    .height(6);
const routeColours = {
  '/users': 'blue',
  '/queue/join': 'green',
  '/queue/status/:userId': 'yellow',
  '/tickets': 'purple',
  '/event': 'orange',
};

export const lobby = ticketing(
  'ticketing-lobby',
  'Lobby (browser)',
  "The lobby (http://localhost:8000) as its visitors' browsers saw it, from the OpenTelemetry JS web SDK: page loads and Core Web Vitals, the errors the pages threw, each API call beside the same route on the server, and the journey's clicks and log lines.",
)
  .withRow(new Row('Page loads and Core Web Vitals (p75 of the page loads in the selected time range)'))
  .withPanel(
    single(
      'Page loads',
      "Pages the lobby loaded in the selected time range: its documentLoad spans, counted by the collector's span metrics. increase() needs a sample before a page to count it: the page that starts the series (the first after the collector starts, or after a quiet spell) shows once a second one follows.",
      [
        instant(
          'round(sum(increase(traces_spanmetrics_calls_total{service="lobby", span_name="documentLoad"}[$__range]))) or vector(0)',
        ),
      ],
    )
      .decimals(0)
      .span(4)
      .height(6),
  )
  .withPanel(
    vital(
      'LCP · Largest Contentful Paint',
      "Time until the page drew its largest element, at the 75th percentile of the page loads (browser_web_vital_lcp_milliseconds, web-vitals' onLCP). Green up to 2.5 s, amber up to 4 s, red beyond: web.dev's good and poor.",
      'browser_web_vital_lcp_milliseconds',
      units.Milliseconds,
      2500,
      4000,
    ),
  )
  .withPanel(
    vital(
      'INP · Interaction to Next Paint',
      "The page's slowest reaction to a click or a key, until the next frame, at the 75th percentile (browser_web_vital_inp_milliseconds); a page reports it when it is hidden or left, and one without interaction reports none. Green up to 200 ms, amber up to 500 ms, red beyond (web.dev).",
      'browser_web_vital_inp_milliseconds',
      units.Milliseconds,
      200,
      500,
    ),
  )
  .withPanel(
    vital(
      'CLS · Cumulative Layout Shift',
      'How far the content moved under the reader without being asked to, unitless, at the 75th percentile (browser_web_vital_cls); reported when the page is hidden or left. Green up to 0.1, amber up to 0.25, red beyond (web.dev).',
      'browser_web_vital_cls',
      units.NoUnit,
      0.1,
      0.25,
    ).decimals(2),
  )
  .withPanel(
    vital(
      'TTFB · Time to First Byte',
      "From the start of the navigation to the first byte of the page (the lobby's nginx), at the 75th percentile (browser_web_vital_ttfb_milliseconds). Green up to 800 ms, amber up to 1.8 s, red beyond (web.dev).",
      'browser_web_vital_ttfb_milliseconds',
      units.Milliseconds,
      800,
      1800,
    ),
  )
  .withRow(new Row('Browser errors'))
  .withPanel(
    graph(
      'Browser errors',
      "The pages' log records at ERROR, counted in Loki per interval of the graph, by kind; the last series is their total, 0 when there are none. Loki takes the level from the record's severity (detected_level, structured metadata).",
      [
        logql(
          'sum by (kind) (count_over_time({app="lobby"} | detected_level="error" | regexp "^(?P<kind>Uncaught error|Unhandled rejection):" [$__interval]))',
          '{{kind}}',
        ),
        logql(
          'sum(count_over_time({app="lobby"} | detected_level="error" [$__interval])) or vector(0)',
          'all errors',
        ),
      ],
    )
      .decimals(0)
      .min(0)
      .drawStyle(common.GraphDrawStyle.Bars)
      .fillOpacity(60)
      .span(8)
      .height(8),
  )
  .withPanel(
    logLines(
      'Uncaught errors and unhandled rejections',
      "The error records, newest first: the line is the message; the exception's type and stack trace and the page's session.id are structured metadata (expand a line).",
      '{app="lobby"} | detected_level="error"',
      common.LogsSortOrder.Descending,
    )
      .span(16)
      .height(8),
  )
  .withRow(new Row('Each API call as the browser saw it, beside the same route as the server saw it'))
  .withPanel(
    grid(
      'Routes: browser and server',
      "Each route the lobby calls, over the selected time range: the lobby's CLIENT spans (the fetch, from the call to the answer) beside the SERVER spans of the service that answered, on the same http_route. The difference is the network's and the lobby's proxy's share (nginx, and queue-lb in front of queue-service): time the server never sees. The server side counts every caller of the route, the traffic tool's too.",
      [
        `round(sum by (http_route) (increase(traces_spanmetrics_calls_total{${client}}[$__range])))`,
        latency(0.5, client, '$__range'),
        `${latency(0.5, server, '$__range')} ${calledByLobby}`,
        `${latency(0.5, client, '$__range')} - on (http_route) ${latency(0.5, server, '$__range')}`,
        latency(0.95, client, '$__range'),
        `${latency(0.95, server, '$__range')} ${calledByLobby}`,
      ].map(tableQuery),
    )
      .overrideByRegexp('p50|p95', [{ id: 'unit', value: units.Seconds }])
      .overrideByName('Calls', [{ id: 'decimals', value: 0 }])
      .transformations([
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            indexByName: {
              http_route: 0,
              'Value #A': 1,
              'Value #B': 2,
              'Value #C': 3,
              'Value #D': 4,
              'Value #E': 5,
              'Value #F': 6,
            },
            renameByName: {
              http_route: 'Route',
              'Value #A': 'Calls',
              'Value #B': 'Browser p50',
              'Value #C': 'Server p50',
              'Value #D': 'Network + proxy p50',
              'Value #E': 'Browser p95',
              'Value #F': 'Server p95',
            },
          },
        },
      ])
      .span(10)
      .height(9),
  )
  .withPanel(
    graph(
      'p95 per route: browser (solid) and server (dashed)',
      "The 95th percentile of each route the lobby calls, as its fetch saw it (solid) and as the service that answered saw it (dashed, same colour): the gap between the two lines is the network's and the lobby's proxy's share. The diamonds are exemplars of the browser's calls: hover one and open its trace, where the server's span sits inside the browser's.",
      [
        series(latency(0.95, client, '$__rate_interval'), '{{http_route}} · browser').exemplar(true),
        series(`${latency(0.95, server, '$__rate_interval')} ${calledByLobby}`, '{{http_route}} · server'),
      ],
    )
      .unit(units.Seconds)
      .min(0)
      .legend(
        new common.VizLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.Table)
          .placement(common.LegendPlacement.Right)
          .showLegend(true)
          .calcs(['mean', 'max'])
          .sortBy('Name')
          .sortDesc(false),
      )
      .overrides([
        {
          matcher: { id: 'byRegexp', options: ' · server$' },
          properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }],
        },
        ...Object.entries(routeColours).map(([route, colour]) => ({
          matcher: { id: 'byRegexp', options: `^${route} · ` },
          properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: colour } }],
        })),
      ])
      .span(14)
      .height(9),
  )
  .withRow(new Row('Clicks and the journey'))
  .withPanel(
    graph(
      'Page loads and clicks per minute',
      "The lobby's page loads and its two buttons, each click a span of its own: join queue (the name, then the queue) and buy ticket.",
      [
        series(
          '60 * sum(rate(traces_spanmetrics_calls_total{service="lobby", span_name="documentLoad"}[$__rate_interval]))',
          'page load',
        ),
        series(
          `60 * sum by (span_name) (rate(traces_spanmetrics_calls_total{${clicks}}[$__rate_interval]))`,
          '{{span_name}}',
        ),
      ],
    )
      .unit(units.OpsPerMinute)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph(
      'Click duration p50 / p95',
      'From the click to the page showing the answer: every call the click made, with its retries while a service is away, inside one span. The diamonds are exemplars: open the trace of a slow click.',
      [
        series(latency(0.5, clicks, '$__rate_interval', 'span_name'), '{{span_name}} p50'),
        series(latency(0.95, clicks, '$__rate_interval', 'span_name'), '{{span_name}} p95').exemplar(true),
      ],
    )
      .unit(units.Seconds)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    logLines(
      'The journey, as the lobby logged it',
      'The pages\' INFO records of each step, one line per user and step: joined the queue at position N, was admitted, bought seat S. Expand a line for its user.name and session.id; queue-service\'s "Joined queue" lines name the same users.',
      '{app="lobby"} |~ "joined the queue at position|was admitted|bought seat"',
      common.LogsSortOrder.Ascending,
    )
      .span(12)
      .height(8),
  );
