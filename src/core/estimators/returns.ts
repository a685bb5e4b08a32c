/**
 * Expected returns (annualised), as PyPortfolioOpt's `expected_returns` module:
 * - `mean` (default): compounded historical mean `prod(1 + r)^(frequency / n_i) - 1`, n_i the
 *   asset's own count of non-missing returns (`compounding=false` gives `arith`).
 * - `arith`: `mean(r) * frequency`.
 * - `ema`: pandas `ewm(span, adjust=True).mean().iloc[-1]` — weight `(1 - alpha)^k` for the
 *   observation k rows before the end, alpha = 2 / (span + 1), normalised over the asset's
 *   non-missing observations; then `(1 + m)^frequency - 1` (compounded, default) or `m * frequency`.
 * - `capm`: `rf + beta_i (R_m - rf)`, `beta_i = cov(r_i, m) / var(m)` with the pairwise-complete
 *   ddof-1 covariance (pandas); the market is the benchmark's returns or, without one, the
 *   cross-sectional mean of each day's non-missing returns; R_m compounded (or arithmetic).
 * Inputs are prices (default) or returns (`returnsData`), rows oldest first, NaN/blank = missing;
 * leading blanks (late listings) are fine.
 */
import { RebalError } from "../errors";
import { Cells, Panel, assetName, checkFrequency, panelFromCells, returnsPanel, toPanel } from "./panel";

export type ReturnsMethod = "mean" | "arith" | "ema" | "capm";
export const RETURNS_METHODS: readonly ReturnsMethod[] = ["mean", "arith", "ema", "capm"];

export interface ReturnsOptions {
  /** periods per year, default 252 */
  frequency?: number;
  /** EMA span, default 500 */
  span?: number;
  /** compound (default true) or scale arithmetically */
  compounding?: boolean;
  /** CAPM risk-free rate (annual), default 0 */
  riskFreeRate?: number;
  /** CAPM benchmark: a price (or, with returnsData, return) column aligned with the data rows */
  benchmark?: ReadonlyArray<unknown> | null;
  /** the data are returns, not prices */
  returnsData?: boolean;
  /** asset names for messages */
  names?: readonly string[];
}

function compound(growth: number, n: number, frequency: number): number {
  return Math.pow(growth, frequency / n) - 1;
}

/** Compounded (or arithmetic) historical mean per asset from a returns panel. */
export function meanReturnFromPanel(p: Panel, frequency: number, compounding: boolean, names?: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.N; i++) {
    let n = 0, logSum = 0, sum = 0;
    for (let t = 0; t < p.T; t++) {
      const r = p.x[t * p.N + i];
      if (r === r) { n++; sum += r; logSum += Math.log1p(r); }
    }
    if (n === 0) throw new RebalError(`${assetName(i, names)} has no returns`);
    out.push(compounding ? Math.expm1((frequency / n) * logSum) : (sum / n) * frequency);
  }
  return out;
}

/** EMA of returns at the last row (pandas ewm adjust=True), per asset, then annualised. */
export function emaReturnFromPanel(p: Panel, frequency: number, span: number, compounding: boolean, names?: readonly string[]): number[] {
  if (!Number.isFinite(span) || span < 1) throw new RebalError(`span ${span} must be a number >= 1`);
  const decay = 1 - 2 / (span + 1);
  const out: number[] = [];
  for (let i = 0; i < p.N; i++) {
    let num = 0, den = 0, w = 1, n = 0;
    for (let t = p.T - 1; t >= 0; t--) {
      const r = p.x[t * p.N + i];
      if (r === r) { num += w * r; den += w; n++; }
      w *= decay;
    }
    if (n === 0) throw new RebalError(`${assetName(i, names)} has no returns`);
    if (!(den > 0)) throw new RebalError(`${assetName(i, names)}: its returns are too old for span ${span}`);
    const m = num / den;
    out.push(compounding ? compound(1 + m, 1, frequency) : m * frequency);
  }
  return out;
}

/** CAPM expected returns from a returns panel and optional market returns (aligned, NaN = missing). */
export function capmReturnFromPanel(
  p: Panel, market: Float64Array | null, frequency: number, riskFreeRate: number, compounding: boolean, names?: readonly string[],
): number[] {
  const { T, N, x } = p;
  let m: Float64Array;
  if (market) {
    m = market;
  } else {
    m = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let s = 0, c = 0;
      for (let i = 0; i < N; i++) { const r = x[t * N + i]; if (r === r) { s += r; c++; } }
      m[t] = c > 0 ? s / c : NaN;
    }
  }
  // market variance over its own rows
  let mn = 0, ms = 0, mlog = 0;
  for (let t = 0; t < T; t++) if (m[t] === m[t]) { mn++; ms += m[t]; mlog += Math.log1p(m[t]); }
  if (mn < 2) throw new RebalError("benchmark has fewer than 2 returns");
  const mMean = ms / mn;
  let mVar = 0;
  for (let t = 0; t < T; t++) if (m[t] === m[t]) mVar += (m[t] - mMean) ** 2;
  mVar /= mn - 1;
  if (!(mVar > 0)) throw new RebalError("benchmark returns have zero variance: beta is undefined");
  const mktRet = compounding ? Math.expm1((frequency / mn) * mlog) : mMean * frequency;
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    let n = 0, si = 0, sm = 0;
    for (let t = 0; t < T; t++) {
      const r = x[t * N + i];
      if (r === r && m[t] === m[t]) { n++; si += r; sm += m[t]; }
    }
    if (n < 2) throw new RebalError(`${assetName(i, names)} has fewer than 2 returns on days with a market return`);
    const ai = si / n, am = sm / n;
    let c = 0;
    for (let t = 0; t < T; t++) {
      const r = x[t * N + i];
      if (r === r && m[t] === m[t]) c += (r - ai) * (m[t] - am);
    }
    const beta = c / (n - 1) / mVar;
    out.push(riskFreeRate + beta * (mktRet - riskFreeRate));
  }
  return out;
}

function benchmarkReturns(bench: ReadonlyArray<unknown>, returnsData: boolean, rowsT: number, rawRows: number): Float64Array {
  const cells = bench.map((v) => [Array.isArray(v) ? v[0] : v]);
  if (cells.length !== rawRows) {
    throw new RebalError(`benchmark has ${cells.length} rows but the ${returnsData ? "returns" : "prices"} have ${rawRows}`);
  }
  const panel = toPanel(cells, "benchmark");
  if (returnsData) return panel.x;
  for (let t = 0; t < panel.T; t++) if (panel.x[t] <= 0) throw new RebalError(`benchmark row ${t + 1}: price ${panel.x[t]} is not positive`);
  const r = new Float64Array(Math.max(panel.T - 1, 0));
  for (let t = 1; t < panel.T; t++) r[t - 1] = panel.x[t] / panel.x[t - 1] - 1;
  void rowsT;
  return r;
}

/**
 * Expected annualised returns, one per asset (PyPortfolioOpt `expected_returns.return_model`).
 * `method`: "mean" (default, compounded) | "arith" | "ema" | "capm". Unknown method → RebalError.
 */
export function expectedReturns(data: Cells, method: string = "mean", opts: ReturnsOptions = {}): number[] {
  const out = expectedReturnsRaw(data, method, opts);
  out.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RebalError(`expected return of ${assetName(i, opts.names)} is not finite: its returns are too extreme to annualise`);
  });
  return out;
}

function expectedReturnsRaw(data: Cells, method: string, opts: ReturnsOptions): number[] {
  const key = (method ?? "mean").toString().trim().toLowerCase() || "mean";
  const frequency = checkFrequency(opts.frequency);
  const returnsData = !!opts.returnsData;
  const compounding = opts.compounding ?? true;
  switch (key) {
    case "mean":
    case "mean_historical_return":
      return meanReturnFromPanel(panelFromCells(data, returnsData, opts.names), frequency, compounding, opts.names);
    case "arith":
      return meanReturnFromPanel(panelFromCells(data, returnsData, opts.names), frequency, false, opts.names);
    case "ema":
    case "ema_historical_return":
      return emaReturnFromPanel(panelFromCells(data, returnsData, opts.names), frequency, opts.span ?? 500, compounding, opts.names);
    case "capm":
    case "capm_return": {
      const rf = opts.riskFreeRate ?? 0;
      if (!Number.isFinite(rf)) throw new RebalError(`risk_free_rate ${rf} is not a number`);
      if (!opts.benchmark) {
        return capmReturnFromPanel(panelFromCells(data, returnsData, opts.names), null, frequency, rf, compounding, opts.names);
      }
      // keep the market aligned with the asset rows, then drop rows where every asset is missing
      const raw = toPanel(data, returnsData ? "returns" : "prices");
      const mk = benchmarkReturns(opts.benchmark, returnsData, raw.T, raw.T);
      let rp: Panel;
      if (returnsData) rp = raw;
      else {
        // returns without row dropping, then drop all-missing rows together with the market
        rp = { T: raw.T - 1, N: raw.N, x: new Float64Array(Math.max(raw.T - 1, 0) * raw.N) };
        for (let k = 0; k < raw.T * raw.N; k++) if (raw.x[k] <= 0) returnsPanel(raw, opts.names); // throws the message
        for (let t = 1; t < raw.T; t++) for (let i = 0; i < raw.N; i++) rp.x[(t - 1) * raw.N + i] = raw.x[t * raw.N + i] / raw.x[(t - 1) * raw.N + i] - 1;
      }
      const keep: number[] = [];
      for (let t = 0; t < rp.T; t++) {
        for (let i = 0; i < rp.N; i++) if (rp.x[t * rp.N + i] === rp.x[t * rp.N + i]) { keep.push(t); break; }
      }
      if (keep.length === 0) throw new RebalError("prices give no returns");
      const x = new Float64Array(keep.length * rp.N);
      const m = new Float64Array(keep.length);
      keep.forEach((t, r) => { x.set(rp.x.subarray(t * rp.N, (t + 1) * rp.N), r * rp.N); m[r] = mk[t]; });
      return capmReturnFromPanel({ T: keep.length, N: rp.N, x }, m, frequency, rf, compounding, opts.names);
    }
    default:
      throw new RebalError(`unknown returns method "${method}": use one of ${RETURNS_METHODS.join(", ")}`);
  }
}
