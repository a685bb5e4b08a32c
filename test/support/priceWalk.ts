/**
 * Synthetic price histories for the backtest tests: a seeded Park-Miller generator and a random
 * walk on weekdays (Excel serial dates from 2020-01-06, a Monday). Each row draws a market move
 * `(r() - 0.5) * market` (when market > 0), then each asset's move `(r() - 0.5) * vol`.
 */

/** Park-Miller minimal standard generator: values in (0, 1), reproducible from `seed`. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

export interface WalkOptions {
  /** Starting prices are base + r() * span. */
  base: number;
  span: number;
  vol: number;
  market?: number;
}

/** T weekdays x n assets (row-major prices), every price present. */
export function randomWalk(T: number, n: number, r: () => number, o: WalkOptions): { dates: Float64Array; prices: Float64Array } {
  const dates = new Float64Array(T);
  const prices = new Float64Array(T * n);
  const last = Array.from({ length: n }, () => o.base + r() * o.span);
  const market = o.market ?? 0;
  let d = 43836;
  for (let t = 0; t < T; t++) {
    dates[t] = d;
    d += t % 5 === 4 ? 3 : 1;
    const m = market > 0 ? (r() - 0.5) * market : 0;
    for (let i = 0; i < n; i++) {
      last[i] *= 1 + m + (r() - 0.5) * o.vol;
      prices[t * n + i] = last[i];
    }
  }
  return { dates, prices };
}
