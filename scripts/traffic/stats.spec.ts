import { describe, expect, it } from 'vitest';
import { percentile, slowest, summarise } from './stats';

describe(percentile.name, () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe(summarise.name, () => {
  it('counts ok and errors by status per step, with no answer as its own kind', () => {
    const rows = summarise([
      { step: 'join', status: 200, ms: 5 },
      { step: 'join', status: 503, ms: 9 },
      { step: 'join', status: 0, ms: 10_000 },
      { step: 'buy', status: 409, ms: 3 },
    ]);
    expect(rows.find((r) => r.step === 'join')).toMatchObject({
      count: 3,
      ok: 1,
      errors: { 503: 1, 'no answer': 1 },
    });
    expect(rows.find((r) => r.step === 'buy')).toMatchObject({ count: 1, ok: 0, errors: { 409: 1 } });
    expect(rows.find((r) => r.step === 'register')).toMatchObject({ count: 0, ok: 0 });
  });
});

describe(slowest.name, () => {
  it('is the slowest traced request, not the wait', () => {
    const sut = slowest([
      { step: 'wait for admission', status: 200, ms: 9000 },
      { step: 'join', status: 200, ms: 40, traceId: 'a' },
      { step: 'buy', status: 200, ms: 80, traceId: 'b' },
      { step: 'buy', status: 200, ms: 900 },
    ]);
    expect(sut?.traceId).toBe('b');
  });
});
