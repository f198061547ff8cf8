import * as common from '@grafana/grafana-foundation-sdk/common';
import { flameGraph, graph, labelVariable, Row, signal, single, grid, ticketing, units } from './panels';
import { instant, series, tableQuery } from './queries';

const selected = '{app=~"$app", instance=~"$instance"}';
/** A prom-client series of each selected instance. */
const each = (metric: string, suffix = '') => series(`${metric}${selected}`, `{{app}} {{instance}}${suffix}`);
const stacked = new common.StackingConfigBuilder().mode(common.StackingMode.Normal);
const profiles = '{service_name=~"$app"}';

export const nodejs = ticketing(
  'ticketing-nodejs',
  'Node.js runtime',
  "prom-client's default process and Node.js metrics per service and instance, as USE: utilisation, saturation, errors.",
)
  .variables([
    labelVariable('app', 'Service', 'label_values(nodejs_version_info, app)'),
    labelVariable('instance', 'Instance', 'label_values(nodejs_version_info{app=~"$app"}, instance)'),
  ])
  .withRow(new Row('Chapter 07 · the Node.js dashboard: CPU, heap, event loop lag'))
  .withPanel(
    graph('Process CPU', 'CPU seconds per second (1 = one full core), user + system.', [
      series(`rate(process_cpu_seconds_total${selected}[$__rate_interval])`, '{{app}} {{instance}}'),
    ])
      .unit(units.PercentUnit)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('Heap used / total', 'V8 heap in use and the heap V8 has reserved.', [
      each('nodejs_heap_size_used_bytes', ' used'),
      each('nodejs_heap_size_total_bytes', ' total'),
    ])
      .unit(units.BytesIEC)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      'Event loop lag',
      'How late the event loop runs timers: the last measure and its p99 since the previous scrape.',
      [each('nodejs_eventloop_lag_seconds', ' last'), each('nodejs_eventloop_lag_p99_seconds', ' p99')],
    )
      .unit(units.Seconds)
      .min(0)
      .span(8)
      .height(8),
  )
  .withRow(new Row('Utilisation'))
  .withPanel(
    graph('Resident memory', 'RSS of the process.', [each('process_resident_memory_bytes')])
      .unit(units.BytesIEC)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('Heap by space', 'V8 heap in use by space.', [
      series(`sum by (app, space) (nodejs_heap_space_size_used_bytes${selected})`, '{{app}} {{space}}'),
    ])
      .unit(units.BytesIEC)
      .min(0)
      .stacking(stacked)
      .fillOpacity(30)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('External memory', 'Memory of C++ objects bound to JavaScript (buffers).', [
      each('nodejs_external_memory_bytes'),
    ])
      .unit(units.BytesIEC)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('Open file descriptors', 'Sockets and files held open, against the limit.', [
      each('process_open_fds', ' open'),
      each('process_max_fds', ' limit'),
    ])
      .min(0)
      .span(6)
      .height(8),
  )
  .withRow(new Row('Saturation'))
  .withPanel(
    graph(
      'Event loop lag p50 / p90 / p99',
      'Percentiles of the lag between scrapes; a busy loop delays every request.',
      ['p50', 'p90', 'p99'].map((p) => each(`nodejs_eventloop_lag_${p}_seconds`, ` ${p}`)),
    )
      .unit(units.Seconds)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('Active handles / requests', 'libuv handles (sockets, timers) and requests in flight.', [
      each('nodejs_active_handles_total', ' handles'),
      each('nodejs_active_requests_total', ' requests'),
    ])
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('Time in GC', 'Share of wall time spent collecting garbage, by kind.', [
      series(
        `sum by (app, kind) (rate(nodejs_gc_duration_seconds_sum${selected}[$__rate_interval]))`,
        '{{app}} {{kind}}',
      ),
    ])
      .unit(units.PercentUnit)
      .min(0)
      .stacking(stacked)
      .fillOpacity(30)
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('GC runs / s and p95 pause', 'Collections per second by kind, and the 95th percentile pause.', [
      series(
        `sum by (app, kind) (rate(nodejs_gc_duration_seconds_count${selected}[$__rate_interval]))`,
        '{{app}} {{kind}} runs/s',
      ),
      series(
        `histogram_quantile(0.95, sum by (app, le) (rate(nodejs_gc_duration_seconds_bucket${selected}[$__rate_interval])))`,
        '{{app}} p95 pause',
      ),
    ])
      .min(0)
      .span(6)
      .height(8),
  )
  .withRow(new Row('Errors: restarts and availability'))
  .withPanel(
    signal(
      'Restarts',
      'Process starts in the selected time range (process_start_time_seconds changes at each start).',
      [instant(`sum by (app) (changes(process_start_time_seconds${selected}[$__range]))`, '{{app}}')],
      'green',
      { red: 1 },
    )
      .decimals(0)
      .span(6)
      .height(6),
  )
  .withPanel(
    single('Scrape targets up', 'Instances Prometheus could scrape at the last attempt.', [
      instant('sum by (app) (up{app=~"$app"})', '{{app}}'),
    ])
      .decimals(0)
      .span(6)
      .height(6),
  )
  .withPanel(
    graph('Uptime', 'Time since each process started; a drop to zero is a restart.', [
      series(`time() - process_start_time_seconds${selected}`, '{{app}} {{instance}}'),
    ])
      .unit(units.Seconds)
      .min(0)
      .span(6)
      .height(6),
  )
  .withPanel(
    grid('Versions', 'Node.js version of each instance.', [tableQuery(`nodejs_version_info${selected}`)])
      .transformations([
        {
          id: 'organize',
          options: {
            excludeByName: {
              Time: true,
              Value: true,
              __name__: true,
              job: true,
              major: true,
              minor: true,
              patch: true,
            },
            renameByName: { app: 'Service', instance: 'Instance', version: 'Node.js' },
          },
        },
      ])
      .span(6)
      .height(6),
  )
  .withRow(new Row('Profiles: where the CPU goes (Pyroscope)'))
  // Repeated across the row, Grafana gives each copy 24 / maxPerRow columns, whatever the panel's own width.
  .withPanel(
    flameGraph(
      'CPU flame graph · $app',
      'CPU time of each selected service by call stack, from its continuous profile (@pyroscope/nodejs: wall-clock samples with their CPU time, 100 a second). Width is CPU time; read it from the bottom (the entry points) up to the functions that burn it. `docker compose run --rm traffic --scenario busy-tickets` makes burnCpuOnPurpose stand out in ticket-service.',
      { w: 24, h: 12 },
      profiles,
      { repeat: 'app', repeatDirection: 'h', maxPerRow: 3, options: {} },
    ),
  )
  .withPanel(
    flameGraph(
      'Top functions by CPU, selected services',
      'The same profiles as a table: each function with the CPU time spent in it (self) and below it (total), busiest first. Sort by Self to find the hot spot.',
      { w: 24, h: 12 },
      profiles,
      { options: { defaultView: 'topTable' } },
    ),
  );
