/** Small helpers shared by the benchmarks: statistics, timing, logging. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of unsorted samples (p in 0..100); NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/**
 * A distribution-free confidence interval for the median: the sorted samples' k-th and (n+1-k)-th,
 * with k the largest rank for which that interval covers the median with probability ≥ `level`
 * (the count of samples below the median is Binomial(n, ½)). Null when n is too small for the level
 * (fewer than 6 samples at 95 %). With 10 samples it is the 2nd and the 9th (97.9 %), with 20 the
 * 6th and the 15th (95.9 %).
 */
export function medianInterval(samples: readonly number[], level = 0.95): [number, number] | null {
  const n = samples.length;
  const sorted = [...samples].sort((a, b) => a - b);
  let pmf = 2 ** -n; // P(X = 0)
  let below = 0; // P(X ≤ i)
  let k = 0;
  for (let i = 0; i < n; i++) {
    below += pmf;
    if (below > (1 - level) / 2) break;
    k = i + 1;
    pmf *= (n - i) / (i + 1);
  }
  return k >= 1 ? [sorted[k - 1]!, sorted[n - k]!] : null;
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(samples.length ? Math.max(...samples) : NaN),
    mean: round(samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : NaN),
  };
}

export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

export function log(...parts: unknown[]): void {
  const stamp = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${stamp}] ${parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}\n`);
}

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
