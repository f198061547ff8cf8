import { dashboardLink, dashboards, lokiLink, traceLink } from './grafana';
import type { TrafficOptions } from './options';
import { Sample, slowest, summarise } from './stats';

const ms = (value: number) =>
  Number.isNaN(value) ? '-' : value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(1)}ms`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  return rows
    .map((row) =>
      row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  '),
    )
    .join('\n');
}

/** The end-of-run summary: a row per step, the tickets, and where to look in Grafana. */
export function report(
  options: TrafficOptions,
  samples: Sample[],
  tickets: number,
  soldOut: number,
  range: { from: number; to: number },
): string {
  const rows = [['step', 'count', 'ok', 'errors', 'p50', 'p95', 'p99']];
  for (const s of summarise(samples)) {
    const errors =
      Object.entries(s.errors)
        .map(([status, n]) => `${n}×${status}`)
        .join(' ') || '0';
    rows.push([s.step, String(s.count), String(s.ok), errors, ms(s.p50), ms(s.p95), ms(s.p99)]);
  }
  const grafana = options.urls.grafana;
  const lines = [
    '',
    table(rows),
    '',
    `Tickets issued: ${tickets}${soldOut ? `, sold out for ${soldOut}` : ''}`,
    '',
    'In Grafana:',
    `  this run's "Joined queue" logs  ${lokiLink(grafana, '{app="queue-service"} |= "Joined queue"', range)}`,
  ];
  const worst = slowest(samples);
  if (worst?.traceId)
    lines.push(
      `  slowest request (${worst.step}, ${ms(worst.ms)})  ${traceLink(grafana, worst.traceId, range)}`,
    );
  lines.push(`  service overview over the run  ${dashboardLink(grafana, dashboards.overview, range)}`);
  return lines.join('\n');
}

export const scenarioHints: Record<
  TrafficOptions['scenario'],
  (o: TrafficOptions, r: { from: number; to: number }) => string
> = {
  chapter: () => '',
  surge: (o, r) =>
    `Surge: watch the queue length climb and drain, and the join-to-admission wait p95, in the Ticketing flow dashboard: ${dashboardLink(o.urls.grafana, dashboards.flow, r)}`,
  'slow-tickets': (o, r) =>
    `Slow tickets: ticket-service answers up to 1.5 s late. Watch the p95 of POST /tickets rise and click an exemplar on the latency panel to open a slow trace: ${dashboardLink(o.urls.grafana, dashboards.overview, r)}`,
  'busy-tickets': (o, r) =>
    `Busy tickets: ticket-service burns up to 40 ms of CPU per purchase. In the Node.js runtime dashboard, pick ticket-service: its CPU flame graph and top functions show burnCpuOnPurpose: ${dashboardLink(o.urls.grafana, dashboards.runtime, r)}`,
  errors: (o, r) =>
    `Errors: a fifth of queue-service's requests answer 503. Watch the 5xx rate and open an error trace (status = error): ${dashboardLink(o.urls.grafana, dashboards.overview, r)}`,
  leak: (o, r) =>
    `Leak: ticket-service holds ${o.faults?.leakMbPerSecond ?? 2} MB more each second until its container is OOM-killed (at 2 MB a second, in about a minute and a half) and restarted. In Containers — USE, watch its memory reach 100 % of the limit, then OOM kills and Restarts go to 1: ${dashboardLink(o.urls.grafana, dashboards.use, r)}`,
};
