import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

export const queueMetrics = {
  joins: 'ticketing_queue_joins_total',
  length: 'ticketing_queue_length',
  admissions: 'ticketing_admissions_total',
  wait: 'ticketing_queue_wait_seconds',
} as const;

export const queueMetricProviders = [
  makeCounterProvider({
    name: queueMetrics.joins,
    help: 'Users who entered the queue (joining again is not counted)',
  }),
  makeGaugeProvider({
    name: queueMetrics.length,
    help: 'Users waiting, as this replica last saw it (take max over replicas)',
  }),
  makeCounterProvider({ name: queueMetrics.admissions, help: 'Users admitted from the head of the queue' }),
  makeHistogramProvider({
    name: queueMetrics.wait,
    help: 'Time from joining the queue to admission',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  }),
];
