import * as common from '@grafana/grafana-foundation-sdk/common';
import * as text from '@grafana/grafana-foundation-sdk/text';
import { signal, single, ticketing, units } from './panels';
import { instant, red, sources } from './queries';

/** A link that opens Explore on one query over the last 15 minutes. */
function explore(datasource: { type: string; uid: string }, query: Record<string, unknown>): string {
  const panes = {
    a: {
      datasource: datasource.uid,
      queries: [{ refId: 'A', datasource, ...query }],
      range: { from: 'now-15m', to: 'now' },
    },
  };
  // Parentheses too: the Markdown link would end at the first one.
  const encoded = encodeURIComponent(JSON.stringify(panes)).replace(
    /[()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `/explore?schemaVersion=1&orgId=1&panes=${encoded}`;
}
const logs = (expr: string) => explore(sources.loki, { expr, queryType: 'range' });

const steps = `Be the user at http://localhost:8000 (the lobby: your name, the queue, a ticket), then find yourself in Loki: the page links to the lines that name you, and [Explore → Loki: \`{app="lobby"}\`](${logs('{app="lobby"}')}) holds every visitor's journey, web vitals and errors as their browsers logged them; the visit as a whole is in [Lobby (browser)](/d/ticketing-lobby).

For volume, run \`docker compose run --rm traffic\` (10 users, one a second: register → join the queue → admitted → buy a ticket; \`npm run traffic\` with Node on your machine), then follow the chapter:

1. **Logs in Loki** — [Explore → Loki: \`{app="queue-service"} |= "Joined queue"\`](${logs('{app="queue-service"} |= "Joined queue"')}).
   One line per user, naming the user, in time order.
2. **Log → trace** — expand a line: its **TraceID** field links to Tempo, whose Gantt chart shows queue-service's
   Redis commands and its call to user-service, with the SQL statement, as spans.
3. **Node.js runtime** — [Node.js runtime](/d/ticketing-nodejs): process CPU, heap and event loop lag per service
   (our own take on grafana.com dashboard 11159), laid out as USE: utilisation, saturation, errors (restarts).
   The chapter's USE table for every container is [Containers — USE](/d/ticketing-use): CPU and memory against
   the limit, event loop lag, restarts and OOM kills (\`docker compose run --rm traffic --scenario leak\` makes one happen).
4. **RED queries** — [Services — RED](/d/ticketing-overview): the chapter's three PromQL queries verbatim in the first row,
   then rate, errors and duration per service and per route, with exemplars that open the trace of a slow request.

Then more:
[Ticketing flow](/d/ticketing-flow) (the funnel, the queue, SLOs) ·
[Lobby (browser)](/d/ticketing-lobby) (page loads, Core Web Vitals, errors, each API call as the browser saw it beside the server) ·
[Telemetry pipeline](/d/ticketing-pipeline) (collector, Loki, Tempo, Prometheus) ·
[Service graph](${explore(sources.tempo, { queryType: 'serviceMap' })}) ·
[Traces of ticket purchases](${explore(sources.tempo, { queryType: 'traceql', query: '{resource.service.name="ticket-service" && span.http.route="/tickets"}', limit: 20, tableType: 'traces' })}) ·
[Profiles: CPU flame graph of ticket-service](${explore(sources.pyroscope, { queryType: 'profile', profileTypeId: 'wall:cpu:nanoseconds:wall:nanoseconds', labelSelector: '{service_name="ticket-service"}', groupBy: [] })}) (and per service in [Node.js runtime](/d/ticketing-nodejs), or [Profiles Drilldown](/a/grafana-pyroscope-app/explore) when installed) ·
[Raw RED rate in Explore](${explore(sources.prometheus, { expr: 'rate(http_request_duration_seconds_count[1m])' })})`;

const all = red([], [], '$__rate_interval');

export const home = ticketing(
  'ticketing-home',
  'Ticketing sandbox — start here',
  'The chapter step by step, and the state of the sandbox at a glance.',
)
  .withPanel(
    new text.PanelBuilder()
      .title('The chapter, step by step')
      .mode(text.TextMode.Markdown)
      .content(steps)
      .span(24)
      .height(13),
  )
  .withPanel(
    single('Scrape targets up', 'Application instances Prometheus scrapes successfully.', [
      instant('sum(up{app=~".+"})'),
    ])
      .decimals(0)
      .span(4)
      .height(4),
  )
  .withPanel(
    single('Requests / s', 'All services, all routes.', [instant(all.rate)])
      .unit(units.RequestsPerSecond)
      .graphMode(common.BigValueGraphMode.Area)
      .span(4)
      .height(4),
  )
  .withPanel(
    signal(
      '5xx ratio',
      'Share of responses that were server errors, all services.',
      [instant(all.ratio('5..'))],
      'green',
      { red: 0.005 },
    )
      .unit(units.PercentUnit)
      .decimals(2)
      .span(4)
      .height(4),
  )
  .withPanel(
    single('p95 latency', 'Across all services and routes.', [instant(all.quantile(0.95))])
      .unit(units.Seconds)
      .graphMode(common.BigValueGraphMode.Area)
      .span(4)
      .height(4),
  )
  .withPanel(
    single('Tickets issued', 'In the selected time range.', [
      instant('round(sum(increase(ticketing_tickets_issued_total[$__range])))'),
    ])
      .decimals(0)
      .span(4)
      .height(4),
  )
  .withPanel(
    single('Seats remaining', 'As the ticket database reports it.', [
      instant('max(ticketing_seats_remaining)'),
    ])
      .decimals(0)
      .span(4)
      .height(4),
  );
