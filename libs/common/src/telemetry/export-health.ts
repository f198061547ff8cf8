import { ExportResult, ExportResultCode } from '@opentelemetry/core';

/** What the telemetry SDK says about itself, as one JSON line on stderr (pino's shape, before pino loads). */
export function reportTelemetry(
  level: 'info' | 'warn',
  msg: string,
  fields: Record<string, unknown> = {},
): void {
  const record = {
    level: level === 'warn' ? 40 : 30,
    time: Date.now(),
    pid: process.pid,
    context: 'Telemetry',
    ...fields,
    msg,
  };
  process.stderr.write(`${JSON.stringify(record)}\n`);
}

interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Wraps an exporter so that an unreachable collector is reported once when the outage starts and once when it
 * ends, instead of once per failed batch. The batch processors around it keep their bounded queues.
 */
export class OutageReportingExporter<T> implements Exporter<T> {
  private failing = false;

  constructor(
    private readonly signal: string,
    private readonly inner: Exporter<T>,
  ) {}

  export(items: T[], done: (result: ExportResult) => void): void {
    this.inner.export(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) reportTelemetry('info', `Exporting ${this.signal} works again`);
        this.failing = false;
      } else if (!this.failing) {
        this.failing = true;
        reportTelemetry('warn', `Cannot export ${this.signal}; dropping them until the collector answers`, {
          err: result.error?.message,
        });
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
