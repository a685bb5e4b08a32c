/**
 * Black-Litterman (REBAL.IMPLIEDRETURNS, REBAL.RISKAVERSION, REBAL.BLACKLITTERMAN), with the
 * conventions of PyPortfolioOpt's `black_litterman` module:
 * - market-implied prior returns (He & Litterman 1999): pi = delta * S w_mkt + rf, w_mkt = caps / sum(caps),
 *   delta (risk aversion) 1 by default, rf 0;
 * - market-implied risk aversion: delta = (mean(r) * frequency - rf) / (var(r) * frequency), r the simple
 *   returns of the market prices (no forward fill: a return is missing when either price is; ddof 1);
 *   a falling market gives a negative delta, returned as it is (as PyPortfolioOpt does);
 * - posterior returns (Black & Litterman 1992), views P w = Q with uncertainty Omega, tau 0.05:
 *   E[R] = pi + tau S P' (P tau S P' + Omega)^-1 (Q - P pi); posterior covariance
 *   S + tau S - tau S P' (P tau S P' + Omega)^-1 P tau S (PyPortfolioOpt bl_cov);
 * - Omega `default`: diag(tau P S P') (He & Litterman); `idzorek`: from confidences c_k in [0, 1] by
 *   Walters' closed form of Idzorek's method, omega_k = tau (1 - c_k) / c_k * p_k S p_k', and 1e6 for
 *   c_k = 0 (a view without effect); c_k = 1 makes the view hold exactly;
 * - weights of the posterior (PyPortfolioOpt bl_weights): w = (delta S)^-1 E[R] / sum(...), with the
 *   prior covariance S as PyPortfolioOpt uses it, delta the `risk_aversion` option (default 1).
 * The covariance is used as given (validated, not PSD-repaired: the formulas need only
 * P tau S P' + Omega to be invertible). Views are sparse in practice: S P' is formed from each view's
 * nonzero picks, O(N nnz(P)), and the K x K system is solved by Gaussian elimination with partial pivoting.
 */
import { RebalError, fmt } from "../errors";
import { nameOf, prepareCov } from "./problem";

/** Idzorek's omega for a view held with confidence 0 (PyPortfolioOpt: 1e6, no effect). */
export const ZERO_CONFIDENCE_OMEGA = 1e6;
/** Pivots of the K x K view system below this fraction of its largest diagonal mean dependent views. */
const VIEW_PIVOT_TOL = 1e-13;

type Cov = ReadonlyArray<ReadonlyArray<unknown>>;

function finite(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RebalError(`${what} must be a number, got ${v === null || v === undefined || v === "" ? "a blank" : String(v)}`);
  return v;
}

/** pi = delta * S w_mkt + rf with w_mkt = caps / sum(caps). */
export function impliedReturns(cov: Cov, marketCaps: ReadonlyArray<unknown>, riskAversion = 1, riskFreeRate = 0, names?: readonly string[]): number[] {
  const S = prepareCov(cov, names, false);
  const n = Math.round(Math.sqrt(S.length));
  if (!Array.isArray(marketCaps) || marketCaps.length !== n) throw new RebalError(`market_caps has ${Array.isArray(marketCaps) ? marketCaps.length : 0} values but cov has ${n} assets`);
  if (!Number.isFinite(riskAversion) || riskAversion <= 0) throw new RebalError(`risk_aversion must be a positive number, got ${fmt(riskAversion)}`);
  if (!Number.isFinite(riskFreeRate)) throw new RebalError(`risk_free_rate must be a number, got ${riskFreeRate}`);
  const w = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = finite(marketCaps[i], `market cap of ${nameOf(i, names)}`);
    if (c < 0) throw new RebalError(`market cap of ${nameOf(i, names)} is negative (${fmt(c)})`);
    w[i] = c; total += c;
  }
  if (!(total > 0) || !Number.isFinite(total)) throw new RebalError(!(total > 0) ? "market_caps sum to zero" : "market_caps overflow when summed: use smaller units (e.g. billions)");
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += S[i * n + j] * (w[j] / total);
    out[i] = riskAversion * s + riskFreeRate;
    if (!Number.isFinite(out[i])) throw new RebalError(`the implied return of ${nameOf(i, names)} overflows: check the scale of cov and risk_aversion`);
  }
  return out;
}

export interface RiskAversionOptions {
  /** periods per year (252) */
  frequency?: number;
  riskFreeRate?: number;
  /** the series is returns, not prices */
  returnsData?: boolean;
}

/** delta = (mean(r) f - rf) / (var(r) f), r the market's simple returns (see header). */
export function marketRiskAversion(series: ReadonlyArray<number | null | undefined>, o: RiskAversionOptions = {}): number {
  const f = o.frequency ?? 252;
  if (!Number.isFinite(f) || f <= 0) throw new RebalError(`frequency must be a positive number, got ${f}`);
  const rf = o.riskFreeRate ?? 0;
  if (!Number.isFinite(rf)) throw new RebalError(`risk_free_rate must be a number, got ${rf}`);
  const r: number[] = [];
  const what = o.returnsData ? "market return" : "market price";
  const val = (t: number): number | null => {
    const v = series[t];
    if (v === null || v === undefined) return null;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RebalError(`${what} row ${t + 1} is not a number: ${String(v)}`);
    if (!o.returnsData && v <= 0) throw new RebalError(`${what} row ${t + 1} must be positive, got ${fmt(v)}`);
    return v;
  };
  if (o.returnsData) for (let t = 0; t < series.length; t++) { const v = val(t); if (v !== null) r.push(v); }
  else {
    let prev = series.length ? val(0) : null;
    for (let t = 1; t < series.length; t++) {
      const v = val(t);
      if (v !== null && prev !== null) r.push(v / prev - 1);
      prev = v;
    }
  }
  if (r.length < 2) throw new RebalError(`market_prices give ${r.length} return${r.length === 1 ? "" : "s"}: at least 2 are needed`);
  let m = 0;
  for (const x of r) m += x;
  m /= r.length;
  let v = 0;
  for (const x of r) v += (x - m) * (x - m);
  v /= r.length - 1;
  if (!(v > 0)) throw new RebalError("market returns have zero variance: the risk aversion is undefined");
  return (m * f - rf) / (v * f);
}

export interface View {
  /** picking weights, one per asset (0 = not in the view) */
  picks: ArrayLike<number>;
  /** the view's return Q */
  q: number;
  /** Idzorek confidence in [0, 1], or null */
  confidence?: number | null;
}

export type OmegaMethod = "default" | "idzorek";

export interface BlackLittermanOptions {
  /** default 0.05 */
  tau?: number;
  /** default: `idzorek` when every view has a confidence, else `default` */
  omega?: OmegaMethod;
  /** delta for `weights` (default 1) */
  riskAversion?: number;
  names?: readonly string[];
}

export interface BlackLittermanResult {
  n: number;
  /** posterior returns E[R] */
  returns: Float64Array;
  omega: Float64Array;
  /** posterior covariance, row-major (computed on demand) */
  covariance(): Float64Array;
  /** (delta S)^-1 E[R] normalised to sum 1 (computed on demand) */
  weights(riskAversion?: number): Float64Array;
}

/** Solves A x = B (A m x m, B m x c, row-major) in place of copies; throws on a (numerically) singular A. */
function solveDense(A: Float64Array, B: Float64Array, m: number, c: number, singular: (k: number) => string): Float64Array {
  const a = Float64Array.from(A), b = Float64Array.from(B);
  let dmax = 0;
  for (let i = 0; i < m; i++) dmax = Math.max(dmax, Math.abs(a[i * m + i]));
  const perm = Array.from({ length: m }, (_, i) => i);
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]) > Math.abs(a[piv * m + col])) piv = r;
    if (!(Math.abs(a[piv * m + col]) > VIEW_PIVOT_TOL * dmax)) throw new RebalError(singular(perm[col]));
    if (piv !== col) {
      for (let q = 0; q < m; q++) { const t = a[col * m + q]; a[col * m + q] = a[piv * m + q]; a[piv * m + q] = t; }
      for (let q = 0; q < c; q++) { const t = b[col * c + q]; b[col * c + q] = b[piv * c + q]; b[piv * c + q] = t; }
      const t = perm[col]; perm[col] = perm[piv]; perm[piv] = t;
    }
    const d = a[col * m + col];
    for (let r = col + 1; r < m; r++) {
      const f = a[r * m + col] / d;
      if (f === 0) continue;
      for (let q = col; q < m; q++) a[r * m + q] -= f * a[col * m + q];
      for (let q = 0; q < c; q++) b[r * c + q] -= f * b[col * c + q];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    const d = a[r * m + r];
    for (let q = 0; q < c; q++) {
      let s = b[r * c + q];
      for (let k = r + 1; k < m; k++) s -= a[r * m + k] * b[k * c + q];
      b[r * c + q] = s / d;
    }
  }
  return b;
}

/** Posterior returns (and, on demand, covariance and weights) of the Black-Litterman model (see header). */
export function blackLitterman(cov: Cov, prior: ReadonlyArray<unknown> | null | undefined, views: readonly View[], o: BlackLittermanOptions = {}): BlackLittermanResult {
  const names = o.names;
  const S = prepareCov(cov, names, false);
  const n = Math.round(Math.sqrt(S.length));
  const pi = new Float64Array(n);
  if (prior !== null && prior !== undefined) {
    if (prior.length !== n) throw new RebalError(`prior has ${prior.length} values but cov has ${n} assets`);
    for (let i = 0; i < n; i++) pi[i] = finite(prior[i], `prior return of ${nameOf(i, names)}`);
  }
  const tau = o.tau ?? 0.05;
  if (!Number.isFinite(tau) || tau <= 0) throw new RebalError(`tau must be a positive number, got ${fmt(tau)}`);
  const K = views.length;
  if (K === 0) throw new RebalError("views is empty: give at least one view (a row of picking weights, then Q)");
  const withConf = views.filter((v) => v.confidence !== null && v.confidence !== undefined).length;
  const omegaMethod: OmegaMethod = o.omega ?? (withConf === K ? "idzorek" : "default");
  if (omegaMethod === "idzorek" && withConf < K) {
    const k = views.findIndex((v) => v.confidence === null || v.confidence === undefined);
    throw new RebalError(`omega=idzorek needs a confidence for every view: view ${k + 1} has none`);
  }
  if (omegaMethod === "default" && withConf > 0) {
    throw new RebalError(`views have confidences but omega is default (diag(tau P S P')): use omega=idzorek, or clear the confidence column`);
  }
  // sparse picks: for view k, idx[k] / val[k]
  const idx: number[][] = [], val: number[][] = [];
  const Q = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const v = views[k];
    if (!v.picks || v.picks.length !== n) throw new RebalError(`view ${k + 1} has ${v.picks ? v.picks.length : 0} picking weights but cov has ${n} assets`);
    const ii: number[] = [], vv: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = v.picks[i];
      if (x === 0) continue;
      if (typeof x !== "number" || !Number.isFinite(x)) finite(x, `view ${k + 1} picking weight of ${nameOf(i, names)}`);
      ii.push(i); vv.push(x);
    }
    if (ii.length === 0) throw new RebalError(`view ${k + 1} picks no asset (every picking weight is 0)`);
    idx.push(ii); val.push(vv);
    Q[k] = finite(v.q, `view ${k + 1} return Q`);
    if (omegaMethod === "idzorek") {
      const c = finite(v.confidence, `view ${k + 1} confidence`);
      if (c < 0 || c > 1) throw new RebalError(`view ${k + 1} confidence must be from 0 to 1, got ${fmt(c)}`);
    }
  }
  // tSP = tau S P' (n x K, column k at k n)
  const tSP = new Float64Array(n * K);
  for (let k = 0; k < K; k++) {
    const ii = idx[k], vv = val[k], o2 = k * n;
    for (let a = 0; a < ii.length; a++) {
      const j = ii[a], x = tau * vv[a];
      for (let i = 0; i < n; i++) tSP[o2 + i] += S[i * n + j] * x; // S symmetric: column j = row j
    }
  }
  // A = P tSP + Omega (K x K)
  const A = new Float64Array(K * K);
  for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) {
    let s = 0;
    const ii = idx[k], vv = val[k], ol = l * n;
    for (let a = 0; a < ii.length; a++) s += vv[a] * tSP[ol + ii[a]];
    A[k * K + l] = s;
  }
  for (let k = 0; k < K; k++) for (let l = 0; l < k; l++) { const m = 0.5 * (A[k * K + l] + A[l * K + k]); A[k * K + l] = m; A[l * K + k] = m; }
  const omega = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const pSp = A[k * K + k] / tau; // p_k S p_k'
    if (omegaMethod === "default") omega[k] = A[k * K + k];
    else {
      const c = views[k].confidence as number;
      omega[k] = c === 0 ? ZERO_CONFIDENCE_OMEGA : (tau * (1 - c) / c) * pSp;
    }
    if (!(pSp > 0) && omega[k] === 0) throw new RebalError(`view ${k + 1} has zero variance under cov (p S p' = 0) and no uncertainty: the posterior is undefined`);
    A[k * K + k] += omega[k];
  }
  const resid = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    const ii = idx[k], vv = val[k];
    for (let a = 0; a < ii.length; a++) s += vv[a] * pi[ii[a]];
    resid[k] = Q[k] - s;
  }
  const singular = (k: number) => `views are linearly dependent or fully confident and contradictory (view ${k + 1} adds nothing independent): remove it or lower its confidence`;
  const sol = solveDense(A, resid, K, 1, singular);
  const ret = Float64Array.from(pi);
  for (let k = 0; k < K; k++) { const o2 = k * n, s = sol[k]; for (let i = 0; i < n; i++) ret[i] += tSP[o2 + i] * s; }
  for (let i = 0; i < n; i++) if (!Number.isFinite(ret[i])) throw new RebalError("the posterior returns overflowed: check the covariance scale and the views");
  return {
    n, returns: ret, omega,
    covariance(): Float64Array {
      // S + tau S - tSP A^-1 tSP'
      const B = new Float64Array(K * n); // tSP' (K x n)
      for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) B[k * n + i] = tSP[k * n + i];
      const X = solveDense(A, B, K, n, singular); // A^-1 tSP'
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += tSP[k * n + i] * X[k * n + j];
        const v = (1 + tau) * S[i * n + j] - s;
        if (!Number.isFinite(v)) throw new RebalError("the posterior covariance overflows: check the scale of cov and the views");
        out[i * n + j] = v; out[j * n + i] = v;
      }
      return out;
    },
    weights(riskAversion = o.riskAversion ?? 1): Float64Array {
      if (!Number.isFinite(riskAversion) || riskAversion <= 0) throw new RebalError(`risk_aversion must be a positive number, got ${fmt(riskAversion)}`);
      const M = new Float64Array(n * n);
      for (let k = 0; k < n * n; k++) M[k] = riskAversion * S[k];
      const raw = solveDense(M, ret, n, 1, () => "cov is singular: the posterior weights (delta S)^-1 E[R] are undefined");
      let s = 0;
      for (let i = 0; i < n; i++) s += raw[i];
      if (!(Math.abs(s) > 1e-300) || !Number.isFinite(s)) throw new RebalError("the posterior weights (delta S)^-1 E[R] sum to zero: they cannot be normalised");
      for (let i = 0; i < n; i++) {
        raw[i] /= s;
        if (!Number.isFinite(raw[i])) throw new RebalError("the posterior weights overflow: cov is (nearly) singular");
      }
      return raw;
    },
  };
}
