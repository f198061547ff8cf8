import * as common from '@grafana/grafana-foundation-sdk/common';
import { graph, labelVariable, Row, signal, thresholds, ticketing, units } from './panels';
import { instant, series } from './queries';

// Each query asks kube-state-metrics (Kubernetes) first and compose's cAdvisor after, so one file serves both.
const service = 'container=~"$service"';
const limit = `kube_pod_container_resource_limits{resource="memory", ${service}}`;
const workingSet = `container_memory_working_set_bytes{${service}}`;
const count = (title: string, description: string, expr: string) =>
  signal(title, description, [instant(expr, '{{container}}')], 'green', { red: 1 })
    .decimals(0)
    .span(12)
    .height(6);

export const use = ticketing(
  'ticketing-use',
  'Containers — USE',
  "The chapter's USE checklist for every container: utilisation against its limit, saturation, and errors (restarts, OOM kills). The same queries read compose's cAdvisor and kube-prometheus-stack's kubelet and kube-state-metrics.",
)
  .variables([
    labelVariable('service', 'Service', 'label_values(container_memory_working_set_bytes, container)'),
  ])
  .withRow(
    new Row('Chapter 07 · USE — Utilization: CPU, and memory against the limit (Kubernetes Pod Metrics)'),
  )
  .withPanel(
    graph(
      'CPU',
      "CPU seconds per second of each container (1 = one full core), from cAdvisor: compose's own, kubelet's on Kubernetes.",
      [
        series(
          `sum by (container) (rate(container_cpu_usage_seconds_total{${service}}[$__rate_interval]))`,
          '{{container}}',
        ),
      ],
    )
      .unit(units.PercentUnit)
      .min(0)
      .span(8)
      .height(8),
  )
  .withPanel(
    graph(
      'Memory against the limit',
      "The working set (what the kernel counts against the limit) as a share of the container's memory limit: kube-state-metrics' limit on Kubernetes, cAdvisor's in compose. At 100 % the kernel OOM-kills it. The busiest replica of each service.",
      [
        series(
          `max by (container) (sum by (namespace, pod, container) (${workingSet}) / sum by (namespace, pod, container) (${limit})) or max by (container) (${workingSet} / (container_spec_memory_limit_bytes{${service}} > 0))`,
          '{{container}}',
        ),
      ],
    )
      .unit(units.PercentUnit)
      .min(0)
      .max(1)
      .thresholds(thresholds('green', { orange: 0.8, red: 0.95 }))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line),
      )
      .span(8)
      .height(8),
  )
  .withPanel(
    graph('Memory working set and limit', 'Bytes in use and the limit, per service (replicas added up).', [
      series(`sum by (container) (${workingSet})`, '{{container}} working set'),
      series(
        `sum by (container) (${limit}) or sum by (container) (container_spec_memory_limit_bytes{${service}} > 0)`,
        '{{container}} limit',
      ),
    ])
      .unit(units.BytesIEC)
      .min(0)
      .span(8)
      .height(8),
  )
  .withRow(new Row('Chapter 07 · USE — Saturation: Node.js event loop lag'))
  .withPanel(
    graph(
      'Event loop lag p99',
      "How late each service's event loop runs timers (prom-client), the worst instance.",
      [series('max by (app) (nodejs_eventloop_lag_p99_seconds{app=~"$service"})', '{{app}}')],
    )
      .unit(units.Seconds)
      .min(0)
      .span(24)
      .height(8),
  )
  .withRow(new Row('Chapter 07 · USE — Errors: Pod restart count, OOMKilled'))
  .withPanel(
    count(
      'Restarts',
      "Container restarts in the selected time range: kube-state-metrics' restart count on Kubernetes; in compose, the restart count Docker gives cAdvisor (the restarts label).",
      `round(sum by (container) (increase(kube_pod_container_status_restarts_total{${service}}[$__range]))) or sum by (container) (count by (container, name) (count by (container, name, restarts) (last_over_time(container_start_time_seconds{${service}}[$__range]))) - 1)`,
    ),
  )
  .withPanel(
    count(
      'OOM kills',
      "Containers killed for going over their memory limit in the selected time range: cAdvisor's OOM count in compose (over the container's restarts, each of which labels its series anew); on Kubernetes, whether kube-state-metrics' last termination reason is OOMKilled.",
      `sum by (container) (max_over_time(kube_pod_container_status_last_terminated_reason{reason="OOMKilled", ${service}}[$__range])) or sum by (container) (max by (container, name) (max_over_time(container_oom_events_total{${service}}[$__range])) - min by (container, name) (min_over_time(container_oom_events_total{${service}}[$__range])))`,
    ),
  );
