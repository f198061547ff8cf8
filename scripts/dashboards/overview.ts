import * as common from '@grafana/grafana-foundation-sdk/common';
import * as nodeGraph from '@grafana/grafana-foundation-sdk/nodegraph';
import { grid, graph, labelVariable, logLines, Row, thresholds, ticketing, traces, units } from './panels';
import { red, series, serviceMap, sources, tableQuery } from './queries';

const perService = red(['app'], ['app=~"$app"'], '$__rate_interval');
const perRoute = red(['app', 'method', 'route'], ['app=~"$app"'], '$__range');
const stacked = new common.StackingConfigBuilder().mode(common.StackingMode.Normal);

export const overview = ticketing(
  'ticketing-overview',
  'Services — RED',
  'Rate, errors and duration of every HTTP route the services serve, from http_request_duration_seconds.',
)
  .variables([labelVariable('app', 'Service', 'label_values(http_request_duration_seconds_count, app)')])
  // The chapter's three queries, verbatim.
  .withRow(new Row('Chapter 07 · 3.1 RED method — the queries exactly as written'))
  .withPanel(
    graph(
      'Rate — rate(http_request_duration_seconds_count[1m])',
      'Requests per second, one series per app, method, route and status code.',
      [
        series(
          'rate(http_request_duration_seconds_count[1m])',
          '{{app}} {{method}} {{route}} {{status_code}}',
        ),
      ],
    )
      .unit(units.RequestsPerSecond)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      'Errors — 5xx rate',
      "Server errors per second. The chapter's query returns nothing while no request fails; the second series is its total, 0 when there are none.",
      [
        series(
          'rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])',
          '{{app}} {{method}} {{route}} {{status_code}}',
        ),
        series(
          'sum(rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])) or vector(0)',
          'all 5xx',
        ),
      ],
    )
      .unit(units.RequestsPerSecond)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      'Duration — p95',
      'The 95th percentile per series. The diamonds are exemplars: hover one and open its trace.',
      [
        series(
          'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[1m]))',
          '{{app}} {{method}} {{route}}',
        ).exemplar(true),
      ],
    )
      .unit(units.Seconds)
      .span(8)
      .height(8),
  )
  .withRow(new Row('Per service'))
  .withPanel(
    graph('Request rate', 'Requests per second by service.', [series(perService.rate, '{{app}}')])
      .unit(units.RequestsPerSecond)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('5xx ratio', 'Share of responses that were server errors.', [
      series(perService.ratio('5..'), '{{app}}'),
    ])
      .unit(units.PercentUnit)
      .min(0)
      .thresholds(thresholds('green', { red: 0.005 }))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea),
      )
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      '4xx ratio',
      'Share of responses that were client errors (a sold-out event, a user not yet admitted).',
      [series(perService.ratio('4..'), '{{app}}')],
    )
      .unit(units.PercentUnit)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      'Latency p50 / p95 / p99',
      'Percentiles by service; exemplars link to traces.',
      [0.5, 0.95, 0.99].map((q) => series(perService.quantile(q), `{{app}} p${q * 100}`).exemplar(true)),
    )
      .unit(units.Seconds)
      .span(12)
      .height(9),
  )
  .withPanel(
    graph('Requests by status code', 'Stacked, all selected services.', [
      series(
        'sum by (status_code) (rate(http_request_duration_seconds_count{app=~"$app"}[$__rate_interval]))',
        '{{status_code}}',
      ),
    ])
      .unit(units.RequestsPerSecond)
      .stacking(stacked)
      .fillOpacity(30)
      .span(12)
      .height(9),
  )
  .withRow(new Row('Per route'))
  .withPanel(
    grid(
      'Routes',
      'Rate, error ratio and latency of each route over the selected time range.',
      [perRoute.rate, perRoute.ratio('5..'), perRoute.quantile(0.95), perRoute.quantile(0.99)].map(
        tableQuery,
      ),
    )
      .overrideByName('Requests / s', [{ id: 'unit', value: units.RequestsPerSecond }])
      .overrideByName('5xx ratio', [{ id: 'unit', value: units.PercentUnit }])
      .overrideByRegexp('p9.', [{ id: 'unit', value: units.Seconds }])
      .transformations([
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            renameByName: {
              app: 'Service',
              method: 'Method',
              route: 'Route',
              'Value #A': 'Requests / s',
              'Value #B': '5xx ratio',
              'Value #C': 'p95',
              'Value #D': 'p99',
            },
          },
        },
      ])
      .span(24)
      .height(9),
  )
  .withRow(new Row('Logs, traces and the service graph'))
  .withPanel(
    logLines(
      'Logs of the selected services',
      'OTLP log records: the line is the message; trace_id, span_id and the level are structured metadata. Expand a line for the TraceID link.',
      '{app=~"$app", service_name=~".+"}',
      common.LogsSortOrder.Descending,
    )
      .span(12)
      .height(10),
  )
  .withPanel(
    traces(
      'Recent requests in Tempo',
      'Server spans of the selected services, newest first; click a trace id to open the trace (Redis and SQL spans included). Click a service name for its CPU flame graph over the same time range (Node.js runtime dashboard).',
      '{resource.app=~"$app" && kind=server}',
    )
      .span(12)
      .height(10),
  )
  .withPanel(
    new nodeGraph.PanelBuilder()
      .title('Service graph')
      .description(
        "Calls between the services, Redis and Postgres, with rates and error rates on the edges: Tempo's service graph, from the series its metrics generator writes to Prometheus.",
      )
      .datasource(sources.tempo)
      .withTarget(serviceMap().refId('A'))
      .span(24)
      .height(12),
  );
