import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportHold } from './export-hold';

/** A collector that takes a batch, or answers as `answer` says; what it took, in order. */
class Collector {
  answer: 'up' | 'down' | number = 'down';
  readonly took: number[] = [];
  export(items: number[], done: (result: ExportResult) => void): void {
    if (this.answer === 'up') {
      this.took.push(...items);
      return done({ code: ExportResultCode.SUCCESS });
    }
    // As the SDK's exporters fail: a network error as it is, an HTTP answer as an OTLPExporterError with its code.
    const error =
      this.answer === 'down'
        ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' })
        : new OTLPExporterError('refused', this.answer);
    done({ code: ExportResultCode.FAILED, error });
  }
  forceFlush = () => Promise.resolve();
  shutdown = () => Promise.resolve();
}

const limits = { items: 100, ageMs: 60_000, retryMs: 60_000 };

describe(ExportHold.name, () => {
  const said: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((line) => !!said.push(String(line)));
  const messages = () => said.map((line) => JSON.parse(line).msg as string);
  afterEach(() => {
    said.length = 0;
    vi.useRealTimers();
  });

  it('holds batches the collector could not take and sends them, oldest first, once it answers', async () => {
    const collector = new Collector();
    const sut = new ExportHold('spans', collector, limits);
    for (const batch of [[1, 2], [3], [4, 5]]) sut.export(batch, () => undefined);
    await sut.send();
    expect(sut.holding).toBe(5);
    collector.answer = 'up';
    await sut.forceFlush();
    expect(collector.took).toEqual([1, 2, 3, 4, 5]);
    expect(sut.holding).toBe(0);
    expect(messages()).toEqual([
      'Cannot export spans; holding them until the collector answers',
      'Exporting spans works again',
    ]);
  });

  it.each([429, 502, 503, 504])('holds a batch answered %i, which the spec says to retry', async (status) => {
    const collector = new Collector();
    collector.answer = status;
    const sut = new ExportHold('spans', collector, limits);
    sut.export([1], () => undefined);
    await sut.send();
    expect(sut.holding).toBe(1);
    collector.answer = 'up';
    await sut.send();
    expect(collector.took).toEqual([1]);
  });

  it.each([400, 413, 500])(
    'drops a batch refused for good (%i), counts it, says it once, and sends what follows',
    async (status) => {
      const collector = new Collector();
      collector.answer = status;
      const sut = new ExportHold('logs', collector, limits);
      sut.export([1, 2], () => undefined);
      await sut.send();
      sut.export([3], () => undefined);
      await sut.send();
      expect(sut.holding).toBe(0);
      expect(sut.dropped).toBe(3);
      collector.answer = 'up';
      sut.export([4], () => undefined);
      await sut.send();
      expect(collector.took).toEqual([4]);
      expect(messages()).toEqual([`Dropping logs: refused for good (HTTP ${status})`]);
    },
  );

  it('over gRPC, holds a batch answered UNAVAILABLE and drops one answered INVALID_ARGUMENT', async () => {
    const grpc = (code: number) => ({
      export: (_: number[], done: (result: ExportResult) => void) =>
        done({
          code: ExportResultCode.FAILED,
          error: Object.assign(new Error('grpc'), { code, metadata: {} }),
        }),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    });
    const unavailable = new ExportHold('spans', grpc(14), limits);
    unavailable.export([1], () => undefined);
    await unavailable.send();
    expect(unavailable.holding).toBe(1);
    const invalid = new ExportHold('spans', grpc(3), limits);
    invalid.export([1], () => undefined);
    await invalid.send();
    expect([invalid.holding, invalid.dropped]).toEqual([0, 1]);
    expect(messages()).toContain('Dropping spans: refused for good (gRPC status 3)');
  });

  it('drops a batch the exporter throws on, rather than stall behind it', async () => {
    const throwing = {
      export: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const sut = new ExportHold('logs', throwing, limits);
    sut.export([1, 2], () => undefined);
    await sut.send();
    expect([sut.holding, sut.dropped]).toEqual([0, 2]);
  });

  it('past its limit drops the oldest, says so once, and counts them when the collector is back', async () => {
    const collector = new Collector();
    const sut = new ExportHold('logs', collector, { ...limits, items: 4 });
    for (const batch of [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]) {
      sut.export(batch, () => undefined);
      await sut.send();
    }
    expect(sut.holding).toBe(4);
    collector.answer = 'up';
    await sut.send();
    expect(collector.took).toEqual([5, 6, 7, 8]);
    expect(messages().filter((m) => m === 'Dropping logs: more held than the limit')).toHaveLength(1);
    expect(JSON.parse(said.at(-1)!)).toMatchObject({ msg: 'Exporting logs works again', dropped: 4 });
  });

  it('drops what it has held for longer than its age limit', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const collector = new Collector();
    const sut = new ExportHold('spans', collector, { ...limits, ageMs: 1000 });
    sut.export([1, 2], () => undefined);
    await sut.send();
    vi.advanceTimersByTime(1500);
    collector.answer = 'up';
    sut.export([3], () => undefined);
    await sut.send();
    expect(collector.took).toEqual([3]);
    expect(sut.dropped).toBe(2);
    expect(messages()).toContain('Dropping spans: held longer than the limit');
  });

  it('sends what it holds before shutting down, and says what the collector never took', async () => {
    const collector = new Collector();
    const sut = new ExportHold('spans', collector, limits);
    sut.export([1], () => undefined);
    await sut.send();
    await sut.shutdown();
    expect(messages().at(-1)).toBe('Shutting down with 1 spans never sent');
  });
});
