import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';

/** What the telemetry SDK says about itself, as one JSON line on stderr (pino's shape, before pino loads). */
export function reportTelemetry(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}) {
  const line = { level: { info: 30, warn: 40 }[level], time: Date.now(), pid: process.pid };
  process.stderr.write(`${JSON.stringify({ ...line, context: 'Telemetry', ...fields, msg })}\n`);
}

interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Items held at most (the oldest go first), for how long at most, and how soon a failed collector is asked again. */
export type HoldLimits = { items: number; ageMs: number; retryMs: number };

/**
 * Why sending a batch again cannot help, if it cannot: the collector answered with a status the OTLP spec says
 * not to retry (HTTP: all but 429, 502, 503, 504; gRPC: all but CANCELLED, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS), or the exporter could not make the request.
 * A network error has no numeric code, and is worth another try.
 */
function refusal(result: ExportResult & { thrown?: boolean }): string | undefined {
  if (result.code === ExportResultCode.SUCCESS) return undefined;
  if (result.thrown) return `the exporter failed: ${result.error?.message}`;
  const status = (result.error as { code?: unknown } | undefined)?.code;
  if (typeof status !== 'number') return undefined;
  if (status < 100) return [1, 4, 8, 10, 11, 14, 15].includes(status) ? undefined : `gRPC status ${status}`;
  return [429, 502, 503, 504].includes(status) ? undefined : `HTTP ${status}`;
}

/**
 * Holds what a collector that is away (restarting, say) could not take, and sends it again, oldest first, once it
 * answers. The SDK's exporter retries over HTTP for OTEL_EXPORTER_OTLP_TIMEOUT (10 s), then the batch processor
 * drops the batch; the hold takes it at once (so the processor's own timeout never fires) and keeps it within a
 * count and an age. A batch refused for good is dropped. Each outage is said when it starts and when it ends.
 */
export class ExportHold<T> implements Exporter<T> {
  private readonly held: { items: T[]; since: number }[] = [];
  private heldItems = 0;
  /** Items given up: past a limit, or refused for good. Each reason is said once. */
  dropped = 0;
  private readonly said = new Set<string>();
  private failing = false;
  private sending?: Promise<void>;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly signal: string,
    private readonly inner: Exporter<T>,
    private readonly limits: HoldLimits,
  ) {}

  get holding(): number {
    return this.heldItems;
  }

  export(items: T[], done: (result: ExportResult) => void): void {
    this.held.push({ items, since: Date.now() });
    this.heldItems += items.length;
    while (this.heldItems > this.limits.items && this.held.length > 1)
      this.dropOldest('more held than the limit');
    done({ code: ExportResultCode.SUCCESS });
    // While the collector fails, the retry timer sends, not every new batch.
    if (!this.failing) void this.send();
  }

  /** Sends what is held; resolves when all is sent or the collector has failed again. */
  send(): Promise<void> {
    this.sending ??= this.sendHeld().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendHeld(): Promise<void> {
    clearTimeout(this.retry);
    for (let batch = this.oldest(); batch; batch = this.oldest()) {
      const result = await new Promise<ExportResult>((resolve) =>
        this.inner.export(batch!.items, resolve),
      ).catch((error: Error) => ({ code: ExportResultCode.FAILED, error, thrown: true }));
      const refused = refusal(result);
      if (result.code !== ExportResultCode.SUCCESS && !refused) {
        if (!this.failing)
          reportTelemetry('warn', `Cannot export ${this.signal}; holding them until the collector answers`, {
            err: result.error?.message,
            limits: this.limits,
          });
        this.failing = true;
        this.retry = setTimeout(() => void this.send(), this.limits.retryMs).unref();
        return;
      }
      if (this.held[0] !== batch) {
        // Dropped past the limit while it was on its way: unless refused, it arrived after all.
        if (!refused) this.dropped -= batch.items.length;
        continue;
      }
      if (refused) this.dropOldest(`refused for good (${refused})`);
      else this.heldItems -= this.held.shift()!.items.length;
    }
    if (this.failing)
      reportTelemetry('info', `Exporting ${this.signal} works again`, { dropped: this.dropped });
    this.failing = false;
  }

  /** The oldest batch still young enough to send. */
  private oldest() {
    while (this.held[0] && Date.now() - this.held[0].since > this.limits.ageMs)
      this.dropOldest('held longer than the limit');
    return this.held[0];
  }

  private dropOldest(reason: string): void {
    const { items } = this.held.shift()!;
    this.heldItems -= items.length;
    this.dropped += items.length;
    const kind = reason.replace(/ \(.*/, '');
    if (!this.said.has(kind))
      reportTelemetry('warn', `Dropping ${this.signal}: ${reason}`, { limits: this.limits });
    this.said.add(kind);
  }

  async forceFlush(): Promise<void> {
    await this.send();
    await this.inner.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.send();
    clearTimeout(this.retry);
    if (this.heldItems)
      reportTelemetry('warn', `Shutting down with ${this.heldItems} ${this.signal} never sent`);
    await this.inner.shutdown();
  }
}

const signals: Record<string, string> = { OTLPTraceExporter: 'spans', OTLPLogExporter: 'logs' };

/**
 * Puts a hold in front of every OTLP span and log exporter, whichever protocol OTEL_* chose: NodeSDK builds them
 * itself, so the hold goes on the class they all extend.
 */
export function holdExportsThroughOutages(limits: (signal: string) => HoldLimits): void {
  const base = OTLPExporterBase.prototype as Exporter<unknown>;
  const { export: send, forceFlush, shutdown } = base;
  const holds = new WeakMap<Exporter<unknown>, Exporter<unknown>>();
  const holdOf = (exporter: Exporter<unknown>) => {
    if (!holds.has(exporter)) {
      const signal = signals[exporter.constructor.name];
      const inner = {
        export: send.bind(exporter),
        forceFlush: forceFlush.bind(exporter),
        shutdown: shutdown.bind(exporter),
      };
      // Metrics (only with OTEL_METRICS_EXPORTER=otlp) are cumulative: the next export carries what one lost.
      holds.set(exporter, signal ? new ExportHold(signal, inner, limits(signal)) : inner);
    }
    return holds.get(exporter)!;
  };
  base.export = function (this: Exporter<unknown>, items, done) {
    holdOf(this).export(items, done);
  };
  base.forceFlush = function (this: Exporter<unknown>) {
    return holdOf(this).forceFlush();
  };
  base.shutdown = function (this: Exporter<unknown>) {
    return holdOf(this).shutdown();
  };
}
