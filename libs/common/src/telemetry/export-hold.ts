import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';

/** What the telemetry SDK says about itself, as one JSON line on stderr (pino's shape, before pino loads). */
export function reportTelemetry(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}) {
  const record = {
    level: level === 'warn' ? 40 : 30,
    time: Date.now(),
    pid: process.pid,
    context: 'Telemetry',
  };
  process.stderr.write(`${JSON.stringify({ ...record, ...fields, msg })}\n`);
}

interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Items held at most (the oldest go first), for how long at most, and how soon a failed collector is asked again. */
export type HoldLimits = { items: number; ageMs: number; retryMs: number };

// An HTTP status the OTLP spec says never to retry (all but 429, 502, 503, 504): sending again cannot help.
// A network error has no HTTP status, nor has a gRPC one (below 400).
const refusedForGood = ({ code, error }: ExportResult): number | undefined => {
  const status = (error as { code?: unknown } | undefined)?.code;
  const retryable = typeof status !== 'number' || status < 400 || [429, 502, 503, 504].includes(status);
  return code === ExportResultCode.SUCCESS || retryable ? undefined : (status as number);
};

/**
 * Holds what a collector that is away (restarting, say) could not take, and sends it again, oldest first, once it
 * answers. The SDK's exporter retries for OTEL_EXPORTER_OTLP_TIMEOUT (10 s), then the batch processor drops the
 * batch; the hold takes it at once (so the processor's own timeout never fires) and keeps it within a count and
 * an age. A batch the collector refuses for good is dropped. Each outage is said when it starts and when it ends.
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
    void this.send();
  }

  /** Sends what is held; resolves when all is sent or the collector has failed again. */
  send(): Promise<void> {
    this.sending ??= this.sendHeld().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendHeld(): Promise<void> {
    clearTimeout(this.retry);
    for (let batch = this.oldest(); batch; batch = this.oldest()) {
      const result = await new Promise<ExportResult>((resolve) => this.inner.export(batch!.items, resolve));
      const refused = refusedForGood(result);
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
      if (this.held[0] !== batch) continue; // dropped past the limit while it was on its way
      if (refused) this.dropOldest(`the collector refused them for good (HTTP ${refused})`);
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
    const kind = reason.replace(/\(.*/, '');
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
      reportTelemetry(
        'warn',
        `Shutting down with ${this.heldItems} ${this.signal} the collector did not take`,
      );
    await this.inner.shutdown();
  }
}

const signals: Record<string, string> = { OTLPTraceExporter: 'spans', OTLPLogExporter: 'logs' };

/**
 * Puts a hold in front of every OTLP exporter, whichever protocol OTEL_* chose: NodeSDK builds them itself, so the
 * hold goes on the class they all extend.
 */
export function holdExportsThroughOutages(limits: (signal: string) => HoldLimits): void {
  const base = OTLPExporterBase.prototype as Exporter<unknown>;
  const { export: send, forceFlush, shutdown } = base;
  const holds = new WeakMap<Exporter<unknown>, Exporter<unknown>>();
  const holdOf = (exporter: Exporter<unknown>) => {
    if (!holds.has(exporter)) {
      const signal = signals[exporter.constructor.name] ?? 'metrics';
      const inner = {
        export: send.bind(exporter),
        forceFlush: forceFlush.bind(exporter),
        shutdown: shutdown.bind(exporter),
      };
      holds.set(exporter, new ExportHold(signal, inner, limits(signal)));
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
