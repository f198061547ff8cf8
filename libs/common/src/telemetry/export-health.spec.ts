import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HoldingExporter } from './export-health';

/** An exporter whose collector is up or down, as the test says; what it took, in order. */
class Collector {
  up = false;
  readonly took: number[] = [];
  export(items: number[], done: (result: ExportResult) => void): void {
    if (this.up) this.took.push(...items);
    done(
      this.up
        ? { code: ExportResultCode.SUCCESS }
        : { code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') },
    );
  }
  shutdown = () => Promise.resolve();
}

describe(HoldingExporter.name, () => {
  const said: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((line) => !!said.push(String(line)));
  afterEach(() => void (said.length = 0));

  it('holds batches the collector could not take and sends them, oldest first, once it answers', async () => {
    const collector = new Collector();
    const sut = new HoldingExporter('spans', collector, 100, 60_000);
    for (const batch of [[1, 2], [3], [4, 5]]) sut.export(batch, () => undefined);
    await sut.send();
    expect(sut.holding).toBe(5);
    collector.up = true;
    await sut.forceFlush();
    expect(collector.took).toEqual([1, 2, 3, 4, 5]);
    expect(sut.holding).toBe(0);
    expect(said.map((line) => JSON.parse(line).msg)).toEqual([
      'Cannot export spans; holding them until the collector answers',
      'Exporting spans works again',
    ]);
  });

  it('past its limit drops the oldest, says so once, and counts them when the collector is back', async () => {
    const collector = new Collector();
    const sut = new HoldingExporter('logs', collector, 4, 60_000);
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
    collector.up = true;
    await sut.send();
    expect(collector.took).toEqual([5, 6, 7, 8]);
    const lines = said.map((line) => JSON.parse(line));
    expect(lines.filter((l) => l.msg.startsWith('Dropping the oldest logs'))).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ msg: 'Exporting logs works again', dropped: 4 });
  });
});
