/**
 * The stationary block bootstrap (Politis and Romano, 1994) of the daily return rows of a price
 * history, for Monte Carlo simulations of a policy.
 *
 * - The sample: the rows where every asset has a return (conventions.md: simple returns
 *   p_t / p_{t-1} - 1, no forward fill); whole rows are resampled, so the cross-section (the
 *   correlations of a day) is kept.
 * - A path of L rows: the first index is uniform on the m sample rows; each next one is, with
 *   probability 1 / block, a new uniform index (a new block starts), else the row after the previous
 *   one, circularly (row m - 1 is followed by row 0). Block lengths are geometric with mean `block`;
 *   `block = 1` starts a new block on every row, i.e. i.i.d. resampling of rows.
 * - Draws, per row: one uniform() for the coin (also on the first row, where it is not looked at) and,
 *   when a block starts, one below(m) (random.ts). With block = 1 the coin always says "new block"
 *   (u < 1), so the rows are i.i.d. uniform draws of the sample.
 * - Prices of a path: row 0 is the start prices (the last prices of the history), row k is row k - 1
 *   times (1 + r) of the k-th resampled return row.
 * Pure TypeScript; no module-level state.
 */
import { RebalError } from "../errors";
import { Xoshiro128 } from "./random";

/** The complete return rows of a price history (row-major m x n). */
export interface ReturnSample {
  rows: number;
  n: number;
  r: Float64Array;
}

/** Rows of returns where every asset has one (row-major T x n prices, NaN = missing). */
export function completeReturns(prices: Float64Array, T: number, n: number): ReturnSample {
  const r = new Float64Array(Math.max(0, T - 1) * n);
  let m = 0;
  for (let t = 1; t < T; t++) {
    let ok = true;
    for (let i = 0; i < n; i++) {
      const x = prices[t * n + i] / prices[(t - 1) * n + i] - 1;
      if (!(x === x)) { ok = false; break; }
      r[m * n + i] = x;
    }
    if (ok) m++;
  }
  if (m < 2) throw new RebalError(`prices give ${m} day${m === 1 ? "" : "s"} on which every asset has a return: a bootstrap needs at least 2`);
  return { rows: m, n, r: r.slice(0, m * n) };
}

/** Fills idx[0..L) with a stationary-bootstrap sequence of row indices of an m-row sample. */
export function bootstrapIndices(rng: Xoshiro128, m: number, block: number, idx: Int32Array): void {
  if (!(block >= 1)) throw new RebalError(`block must be at least 1 day, got ${block}`);
  const p = 1 / block;
  let i = -1;
  for (let k = 0; k < idx.length; k++) {
    const u = rng.uniform();
    if (i < 0 || u < p) i = rng.below(m);
    else if (++i === m) i = 0;
    idx[k] = i;
  }
}

/** Prices of a path into out (row-major (L + 1) x n): row 0 = p0, then compounded resampled returns. */
export function pathPrices(sample: ReturnSample, idx: Int32Array, p0: Float64Array, out: Float64Array): void {
  const n = sample.n;
  const r = sample.r;
  out.set(p0, 0);
  for (let k = 0; k < idx.length; k++) {
    const src = idx[k] * n, prev = k * n, dst = prev + n;
    for (let i = 0; i < n; i++) out[dst + i] = out[prev + i] * (1 + r[src + i]);
  }
}
