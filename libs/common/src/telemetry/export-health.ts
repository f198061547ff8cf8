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
 * Wraps an exporter so that a collector that is away (restarting, say) loses nothing up to a bound: a batch it
 * could not take is held and sent again, oldest first, as soon as it answers (asked every `retryMs` meanwhile).
 * Past `limit` items the oldest are dropped and counted. The batch processor in front keeps its own bounded
 * queue; this only keeps what the exporter would have thrown away. The outage is said once when it starts,
 * once when it ends, and once if it drops anything.
 */
export class HoldingExporter<T> implements Exporter<T> {
  private readonly held: T[][] = [];
  private heldItems = 0;
  private dropped = 0;
  private failing = false;
  private sending?: Promise<void>;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly signal: string,
    private readonly inner: Exporter<T>,
    private readonly limit: number,
    private readonly retryMs = 1000,
  ) {}

  export(items: T[], done: (result: ExportResult) => void): void {
    this.hold(items);
    done({ code: ExportResultCode.SUCCESS });
    void this.send();
  }

  /** Sends what is held; resolves when all is sent or the collector has refused again. */
  send(): Promise<void> {
    this.sending ??= this.sendHeld().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendHeld(): Promise<void> {
    clearTimeout(this.retry);
    while (this.held.length) {
      const batch = this.held[0];
      const result = await new Promise<ExportResult>((resolve) => this.inner.export(batch, resolve));
      if (result.code !== ExportResultCode.SUCCESS) {
        if (!this.failing)
          reportTelemetry('warn', `Cannot export ${this.signal}; holding them until the collector answers`, {
            err: result.error?.message,
            limit: this.limit,
          });
        this.failing = true;
        this.retry = setTimeout(() => void this.send(), this.retryMs).unref();
        return;
      }
      if (this.held[0] === batch) {
        this.held.shift();
        this.heldItems -= batch.length;
      }
    }
    if (this.failing)
      reportTelemetry(
        'info',
        `Exporting ${this.signal} works again`,
        this.dropped ? { dropped: this.dropped } : {},
      );
    this.failing = false;
    this.dropped = 0;
  }

  private hold(items: T[]): void {
    if (!items.length) return;
    this.held.push(items);
    this.heldItems += items.length;
    const droppedBefore = this.dropped;
    while (this.heldItems > this.limit && this.held.length > 1) {
      const oldest = this.held.shift()!;
      this.heldItems -= oldest.length;
      this.dropped += oldest.length;
    }
    if (!droppedBefore && this.dropped)
      reportTelemetry('warn', `Dropping the oldest ${this.signal}: more than ${this.limit} held`, {
        limit: this.limit,
      });
  }

  /** What is held now (for the tests). */
  get holding(): number {
    return this.heldItems;
  }

  async forceFlush(): Promise<void> {
    await this.send();
    await this.inner.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await this.send();
    clearTimeout(this.retry);
    if (this.heldItems)
      reportTelemetry(
        'warn',
        `Shutting down with ${this.heldItems} ${this.signal} the collector did not take`,
      );
    await this.inner.shutdown();
  }
}
