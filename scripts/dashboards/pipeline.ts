import { graph, Row, signal, ticketing, units } from './panels';
import { instant, series } from './queries';

const perSecond = (title: string, description: string, ...queries: [string, string][]) =>
  graph(
    title,
    description,
    queries.map(([expr, legend]) => series(expr, legend)),
  )
    .unit(units.OpsPerSecond)
    .min(0);
const rate = (metric: string, by?: string) =>
  by ? `sum by (${by}) (rate(${metric}[$__rate_interval]))` : `sum(rate(${metric}[$__rate_interval]))`;
// The refused and failed counters appear only after a first failure: 0 until then, not no data.
const lost = (metric: string, legend: string): [string, string] => [`${rate(metric)} or vector(0)`, legend];

export const pipeline = ticketing(
  'ticketing-pipeline',
  'Telemetry pipeline',
  'The health of what carries the telemetry: Prometheus scrapes, the OpenTelemetry Collector, Loki and Tempo ingestion, and the metrics derived from spans.',
)
  .withRow(new Row('Scrapes'))
  .withPanel(
    signal(
      'Targets up by job',
      '1 when Prometheus scraped every target of the job at its last attempt.',
      [instant('min by (job) (up)', '{{job}}')],
      'red',
      { green: 1 },
    )
      .decimals(0)
      .span(12)
      .height(6),
  )
  .withPanel(
    graph('Prometheus head series', "Active series in Prometheus's in-memory block.", [
      series('prometheus_tsdb_head_series', 'series'),
    ])
      .min(0)
      .span(6)
      .height(6),
  )
  .withPanel(
    perSecond('Samples appended / s', 'Ingestion rate of Prometheus.', [
      'rate(prometheus_tsdb_head_samples_appended_total[$__rate_interval])',
      'samples',
    ])
      .span(6)
      .height(6),
  )
  .withRow(new Row('OpenTelemetry Collector'))
  .withPanel(
    perSecond(
      'Received',
      "Spans and log records the collector's receivers accepted.",
      [rate('otelcol_receiver_accepted_spans_total', 'receiver'), 'spans · {{receiver}}'],
      [rate('otelcol_receiver_accepted_log_records_total', 'receiver'), 'log records · {{receiver}}'],
    )
      .span(8)
      .height(8),
  )
  .withPanel(
    perSecond(
      'Sent',
      'What the exporters delivered, by exporter.',
      [rate('otelcol_exporter_sent_spans_total', 'exporter'), 'spans · {{exporter}}'],
      [rate('otelcol_exporter_sent_log_records_total', 'exporter'), 'log records · {{exporter}}'],
    )
      .span(8)
      .height(8),
  )
  .withPanel(
    perSecond(
      'Refused and failed',
      'Anything above zero is telemetry lost or retried; the counters may only appear after a first failure.',
      lost('otelcol_receiver_refused_spans_total', 'spans refused'),
      lost('otelcol_receiver_refused_log_records_total', 'log records refused'),
      lost('otelcol_exporter_send_failed_spans_total', 'spans failed to send'),
      lost('otelcol_exporter_send_failed_log_records_total', 'log records failed to send'),
    )
      .span(8)
      .height(8),
  )
  .withPanel(
    perSecond(
      'Processor in / out',
      'Items entering and leaving each processor; a gap is what it dropped.',
      [
        rate('otelcol_processor_incoming_items_total', 'processor, otel_signal'),
        'in · {{processor}} {{otel_signal}}',
      ],
      [
        rate('otelcol_processor_outgoing_items_total', 'processor, otel_signal'),
        'out · {{processor}} {{otel_signal}}',
      ],
    )
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('Exporter queues', "Batches waiting to be sent, against each queue's capacity.", [
      series('max by (exporter) (otelcol_exporter_queue_size)', 'size · {{exporter}}'),
      series('max by (exporter) (otelcol_exporter_queue_capacity)', 'capacity · {{exporter}}'),
    ])
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('Collector memory', 'Resident memory of the collector process.', [
      series('otelcol_process_memory_rss_bytes', 'RSS'),
    ])
      .unit(units.BytesIEC)
      .min(0)
      .span(4)
      .height(8),
  )
  .withPanel(
    graph('Collector CPU', 'CPU seconds per second (1 = one core).', [
      series('rate(otelcol_process_cpu_seconds_total[$__rate_interval])', 'CPU'),
    ])
      .unit(units.PercentUnit)
      .min(0)
      .span(4)
      .height(8),
  )
  .withRow(new Row('Backends'))
  .withPanel(
    perSecond('Loki: lines received', 'Log lines the distributor accepted.', [
      rate('loki_distributor_lines_received_total'),
      'lines',
    ])
      .span(6)
      .height(8),
  )
  .withPanel(
    graph('Loki: bytes received', 'Log bytes the distributor accepted.', [
      series(rate('loki_distributor_bytes_received_total'), 'bytes'),
    ])
      .unit(units.BytesPerSecondSI)
      .min(0)
      .span(6)
      .height(8),
  )
  .withPanel(
    perSecond('Tempo: spans received', 'Spans the distributor accepted.', [
      rate('tempo_distributor_spans_received_total'),
      'spans',
    ])
      .span(6)
      .height(8),
  )
  .withPanel(
    perSecond(
      'Metrics from spans',
      "Span rate per service from the collector's spanmetrics connector, and requests per edge from Tempo's metrics generator (its service-graphs processor): the data behind Explore -> Tempo -> Service Graph.",
      [rate('traces_spanmetrics_calls_total', 'service_name'), 'spans · {{service_name}}'],
      [rate('traces_service_graph_request_total', 'client, server'), 'edge · {{client}} → {{server}}'],
    )
      .span(6)
      .height(8),
  );
