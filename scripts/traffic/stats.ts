export type Step = 'register' | 'join' | 'wait for admission' | 'buy';
export const steps: Step[] = ['register', 'join', 'wait for admission', 'buy'];

export interface Sample {
  step: Step;
  status: number; // 0 when no answer came
  ms: number;
  traceId?: string;
}

/** The value below which `q` of the sorted values fall (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export interface StepSummary {
  step: Step;
  count: number;
  ok: number;
  errors: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
}

export function summarise(samples: Sample[]): StepSummary[] {
  return steps.map((step) => {
    const mine = samples.filter((s) => s.step === step);
    const durations = mine.map((s) => s.ms).sort((a, b) => a - b);
    const errors: Record<string, number> = {};
    for (const s of mine) {
      if (s.status >= 200 && s.status < 300) continue;
      const key = s.status === 0 ? 'no answer' : String(s.status);
      errors[key] = (errors[key] ?? 0) + 1;
    }
    return {
      step,
      count: mine.length,
      ok: mine.length - Object.values(errors).reduce((a, b) => a + b, 0),
      errors,
      p50: percentile(durations, 0.5),
      p95: percentile(durations, 0.95),
      p99: percentile(durations, 0.99),
    };
  });
}

export function slowest(samples: Sample[]): Sample | undefined {
  return samples.filter((s) => s.traceId && s.step !== 'wait for admission').sort((a, b) => b.ms - a.ms)[0];
}
