import * as common from '@grafana/grafana-foundation-sdk/common';
import { FieldColorBuilder, FieldColorModeId } from '@grafana/grafana-foundation-sdk/dashboard';
import { bars, graph, logLines, Row, signal, single, thresholds, ticketing, traces, units } from './panels';
import { instant, red, series } from './queries';

const steps = [
  ['ticketing_users_registered_total', '1 · registered', 'registered'],
  ['ticketing_queue_joins_total', '2 · joined the queue', 'joined'],
  ['ticketing_admissions_total', '3 · admitted', 'admitted'],
  ['ticketing_tickets_issued_total', '4 · ticket issued', 'ticket issued'],
];
const wait = (q: number) =>
  `histogram_quantile(${q}, sum by (le) (rate(ticketing_queue_wait_seconds_bucket[$__rate_interval])))`;

export const flow = ticketing(
  'ticketing-flow',
  'Ticketing flow',
  'The business flow: registration → queue → admission → ticket, the waiting room, and the objectives it is held to.',
)
  .withRow(new Row('Funnel'))
  .withPanel(
    bars(
      'Funnel in the selected time range',
      'How many users reached each step.',
      steps.map(([metric, legend]) => instant(`round(sum(increase(${metric}[$__range])))`, legend)),
    )
      .min(0)
      .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.ContinuousBlPu))
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
      .orientation(common.VizOrientation.Horizontal)
      .displayMode(common.BarGaugeDisplayMode.Gradient)
      .showUnfilled(true)
      .valueMode(common.BarGaugeValueMode.Color)
      .span(12)
      .height(8),
  )
  .withPanel(
    graph(
      'Steps per second',
      'The same steps over time.',
      steps.map(([metric, , legend]) => series(`sum(rate(${metric}[$__rate_interval]))`, legend)),
    )
      .unit(units.OpsPerSecond)
      .min(0)
      .span(12)
      .height(8),
  )
  .withRow(new Row('Waiting room and seats'))
  .withPanel(
    graph(
      'Queue length',
      'Users waiting. Every queue-service replica reports the shared queue, so take the max.',
      [series('max(ticketing_queue_length)', 'waiting')],
    )
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('Wait from join to admission', 'Percentiles of the time users spent in the queue.', [
      series(wait(0.5), 'p50'),
      series(wait(0.95), 'p95'),
    ])
      .unit(units.Seconds)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    signal(
      'Seats remaining',
      'From the ticket database at each scrape.',
      [instant('max(ticketing_seats_remaining)')],
      'red',
      {
        green: 1,
      },
    )
      .decimals(0)
      .span(4)
      .height(8),
  )
  .withPanel(
    single('Sold-out refusals', 'Purchases refused because no seat was left, in the selected time range.', [
      instant('round(sum(increase(ticketing_sold_out_total[$__range])))'),
    ])
      .decimals(0)
      .span(4)
      .height(8),
  )
  .withRow(new Row('Objectives'))
  .withPanel(
    signal(
      'Availability (objective 99.5 %)',
      'Share of requests, all services, answered without a 5xx in the selected time range.',
      [instant(`1 - (${red([], [], '$__range', 'increase').ratio('5..')})`)],
      'red',
      { green: 0.995 },
    )
      .unit(units.PercentUnit)
      .decimals(2)
      .span(6)
      .height(7),
  )
  .withPanel(
    signal(
      'Admitted within 60 s (objective 95 %)',
      'Share of admissions whose wait in the queue was 60 s or less, in the selected time range.',
      [
        instant(
          'sum(increase(ticketing_queue_wait_seconds_bucket{le=~"60(\\\\.0)?"}[$__range])) / sum(increase(ticketing_queue_wait_seconds_count[$__range]))',
        ),
      ],
      'red',
      { green: 0.95 },
    )
      .unit(units.PercentUnit)
      .decimals(1)
      .span(6)
      .height(7),
  )
  .withPanel(
    graph('Availability by service', 'Non-5xx share over time against the 99.5 % objective (red area).', [
      series(`1 - (${red(['app'], ['app=~".+"'], '$__rate_interval').ratio('5..')})`, '{{app}}'),
    ])
      .unit(units.PercentUnit)
      .max(1)
      .thresholds(thresholds('red', { transparent: 0.995 }))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.LineAndArea),
      )
      .span(12)
      .height(7),
  )
  .withRow(new Row('Logs and traces of the flow'))
  .withPanel(
    logLines(
      "Joined queue (the chapter's Loki query)",
      'One line per user in time order; expand one for its TraceID link.',
      '{app="queue-service"} |= "Joined queue"',
      common.LogsSortOrder.Ascending,
    )
      .span(12)
      .height(10),
  )
  .withPanel(
    traces(
      'Ticket purchases in Tempo',
      'Recent POST /tickets traces; click a trace id to open it. Click a service name for its CPU flame graph over the same time range (Node.js runtime dashboard).',
      '{resource.service.name="ticket-service" && span.http.route="/tickets"}',
    )
      .span(12)
      .height(10),
  );
