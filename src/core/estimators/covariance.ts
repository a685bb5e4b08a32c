/**
 * Risk models (annualised covariance, times `frequency`), as PyPortfolioOpt's `risk_models`:
 * - `sample`: pairwise-complete, ddof 1 (pandas `DataFrame.cov()`): for each pair, the means and
 *   the denominator n_ij - 1 come from the rows where both assets have returns. Fast path (no
 *   missing values): one centred Gram product; otherwise three Gram products (X'X, X'M, M'M on
 *   own-mean-centred data with missing→0 and the 0/1 mask M).
 * - `semi`: `D = min(r - benchmark, 0)` with missing → 0, `D'D / T` (benchmark per period,
 *   PyPortfolioOpt default 0.000079).
 * - `exp` (span 180): per pair, the pandas-ewm (adjust=True) mean of `(r_i - m_i)(r_j - m_j)`
 *   at the last row, m_i the asset's own mean; weights `(1 - alpha)^k` over the common rows.
 * - `ledoit_wolf` (constant variance, sklearn `ledoit_wolf`), `ledoit_wolf_single_factor`,
 *   `ledoit_wolf_constant_correlation` (PyPortfolioOpt's formulas; the constant-correlation target
 *   uses the pandas sample covariance S as PyPortfolioOpt does), `oas` (sklearn `oas`): returns
 *   with missing → 0, centred, biased 1/T covariance. Each costs one Gram product plus O(T N).
 * - sample, semi and exp are made PSD by spectral clipping of negative eigenvalues (PyPortfolioOpt
 *   `fix_nonpositive_semidefinite`, "spectral"); shrinkage estimators are PSD by construction.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { RebalError } from "../errors";
import { gramGeneral, gramSym } from "./kernel";
import { Cells, Panel, assetName, checkFrequency, panelFromCells } from "./panel";

export type CovMethod = "sample" | "semi" | "exp" | "ledoit_wolf" | "ledoit_wolf_single_factor" | "ledoit_wolf_constant_correlation" | "oas";
export const COV_METHODS: readonly CovMethod[] = [
  "sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas",
];

export interface CovOptions {
  /** periods per year, default 252 */
  frequency?: number;
  /** exp span, default 180 */
  span?: number;
  /** semicovariance benchmark per period, default 0.000079 (PyPortfolioOpt) */
  benchmark?: number;
  /** the data are returns, not prices */
  returnsData?: boolean;
  /** spectral PSD repair of sample/semi/exp (default true) */
  fixPsd?: boolean;
  names?: readonly string[];
}

/** Result of a shrinkage estimator: the (unannualised) covariance as Float64Array and the intensity. */
export interface Shrunk { cov: Float64Array; shrinkage: number }

function hasMissing(p: Panel): boolean {
  for (let k = 0; k < p.x.length; k++) if (p.x[k] !== p.x[k]) return true;
  return false;
}

/** Asset-major copy with each column centred by its own mean; missing → 0; plus mask (1/0) and counts. */
function centredAssetMajor(p: Panel, names?: readonly string[]): { xc: Float64Array; mask: Float64Array; counts: Int32Array; means: Float64Array } {
  const { T, N, x } = p;
  const xc = new Float64Array(T * N), mask = new Float64Array(T * N);
  const counts = new Int32Array(N), means = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const v = x[t * N + i];
      if (v === v) { counts[i]++; means[i] += v; }
    }
  }
  for (let i = 0; i < N; i++) {
    if (counts[i] === 0) throw new RebalError(`${assetName(i, names)} has no returns`);
    means[i] /= counts[i];
  }
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      const v = x[t * N + i];
      if (v === v) { xc[i * T + t] = v - means[i]; mask[i * T + t] = 1; }
    }
  }
  return { xc, mask, counts, means };
}

/** Pairwise-complete sample covariance (ddof 1), unannualised, N x N row-major. */
export function sampleCovPanel(p: Panel, names?: readonly string[]): Float64Array {
  const { T, N } = p;
  const { xc, mask, counts } = centredAssetMajor(p, names);
  if (!hasMissing(p)) {
    if (T < 2) throw new RebalError("need at least 2 return rows for a covariance");
    const G = gramSym(xc, T, N);
    const s = 1 / (T - 1);
    for (let k = 0; k < G.length; k++) G[k] *= s;
    return G;
  }
  const P = gramSym(xc, T, N);
  const S = gramGeneral(xc, mask, T, N); // S[i,j] = sum over rows where j present of xc_i
  const C = gramSym(mask, T, N);
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    if (counts[i] < 2) throw new RebalError(`${assetName(i, names)} has fewer than 2 returns`);
    for (let j = i; j < N; j++) {
      const n = C[i * N + j];
      if (n < 2) throw new RebalError(`${assetName(i, names)} and ${assetName(j, names)} have fewer than 2 common returns`);
      const v = (P[i * N + j] - (S[i * N + j] * S[j * N + i]) / n) / (n - 1);
      out[i * N + j] = v; out[j * N + i] = v;
    }
  }
  return out;
}

/** Semicovariance `D'D / T`, D = min(r - benchmark, 0), missing → 0. */
export function semiCovPanel(p: Panel, benchmark: number): Float64Array {
  const { T, N, x } = p;
  const d = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) {
    const v = x[t * N + i] - benchmark;
    d[i * T + t] = v < 0 ? v : 0; // NaN → 0
  }
  const G = gramSym(d, T, N);
  for (let k = 0; k < G.length; k++) G[k] /= T;
  return G;
}

/** Exponentially weighted covariance at the last row (pandas ewm, adjust=True), unannualised. */
export function expCovPanel(p: Panel, span: number, names?: readonly string[]): Float64Array {
  if (!Number.isFinite(span) || span < 1) throw new RebalError(`span ${span} must be a number >= 1`);
  const { T, N } = p;
  const { xc, mask } = centredAssetMajor(p, names);
  const decay = 1 - 2 / (span + 1);
  const sw = new Float64Array(T);
  for (let t = T - 1, w = 1; t >= 0; t--, w *= decay) sw[t] = Math.sqrt(w);
  for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) { xc[i * T + t] *= sw[t]; mask[i * T + t] *= sw[t]; }
  const num = gramSym(xc, T, N);
  const den = hasMissing(p) ? gramSym(mask, T, N) : null;
  let full = 0;
  if (!den) for (let t = 0; t < T; t++) full += sw[t] * sw[t];
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = i; j < N; j++) {
    const dd = den ? den[i * N + j] : full;
    if (!(dd > 0)) throw new RebalError(`${assetName(i, names)} and ${assetName(j, names)} have no common returns`);
    const v = num[i * N + j] / dd;
    out[i * N + j] = v; out[j * N + i] = v;
  }
  return out;
}

/** Returns with missing → 0, then centred by column means: asset-major. */
function zeroFilledCentred(p: Panel): Float64Array {
  const { T, N, x } = p;
  const out = new Float64Array(T * N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) { const v = x[t * N + i]; if (v === v) s += v; }
    const m = s / T;
    for (let t = 0; t < T; t++) { const v = x[t * N + i]; out[i * T + t] = (v === v ? v : 0) - m; }
  }
  return out;
}

/** sklearn `ledoit_wolf` (shrink towards mu*I), biased covariance, one Gram product. */
export function ledoitWolfPanel(p: Panel): Shrunk {
  const { T, N } = p;
  const X = zeroFilledCentred(p);
  const G = gramSym(X, T, N);
  const emp = new Float64Array(N * N);
  for (let k = 0; k < G.length; k++) emp[k] = G[k] / T;
  let trace = 0;
  for (let i = 0; i < N; i++) trace += emp[i * N + i];
  const mu = trace / N;
  // beta_ = sum_{ij} sum_t x_ti^2 x_tj^2 = sum_t (sum_i x_ti^2)^2
  const rowSq = new Float64Array(T);
  for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) { const v = X[i * T + t]; rowSq[t] += v * v; }
  let beta_ = 0;
  for (let t = 0; t < T; t++) beta_ += rowSq[t] * rowSq[t];
  let delta_ = 0;
  for (let k = 0; k < G.length; k++) delta_ += G[k] * G[k];
  delta_ /= T * T;
  let beta = (1 / (N * T)) * (beta_ / T - delta_);
  let delta = delta_ - 2 * mu * trace + N * mu * mu;
  delta /= N;
  beta = Math.min(beta, delta);
  const shrinkage = beta === 0 ? 0 : beta / delta;
  for (let k = 0; k < emp.length; k++) emp[k] *= 1 - shrinkage;
  for (let i = 0; i < N; i++) emp[i * N + i] += shrinkage * mu;
  return { cov: emp, shrinkage };
}

/** sklearn `oas`. */
export function oasPanel(p: Panel): Shrunk {
  const { T, N } = p;
  const X = zeroFilledCentred(p);
  const emp = gramSym(X, T, N);
  for (let k = 0; k < emp.length; k++) emp[k] /= T;
  let alpha = 0, trace = 0;
  for (let k = 0; k < emp.length; k++) alpha += emp[k] * emp[k];
  alpha /= N * N;
  for (let i = 0; i < N; i++) trace += emp[i * N + i];
  const mu = trace / N;
  const num = alpha + mu * mu;
  const den = (T + 1) * (alpha - (mu * mu) / N);
  const shrinkage = den === 0 ? 1 : Math.min(num / den, 1);
  for (let k = 0; k < emp.length; k++) emp[k] *= 1 - shrinkage;
  for (let i = 0; i < N; i++) emp[i * N + i] += shrinkage * mu;
  return { cov: emp, shrinkage };
}

/** PyPortfolioOpt `_ledoit_wolf_single_factor` (market = cross-sectional mean), one Gram product. */
export function ledoitWolfSingleFactorPanel(p: Panel): Shrunk {
  const { T, N } = p;
  const X = zeroFilledCentred(p);
  const G = gramSym(X, T, N);
  const sample = new Float64Array(N * N);
  for (let k = 0; k < G.length; k++) sample[k] = G[k] / T;
  const xm = new Float64Array(T);
  for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) xm[t] += X[i * T + t];
  for (let t = 0; t < T; t++) xm[t] /= N;
  let varmkt = 0;
  for (let t = 0; t < T; t++) varmkt += xm[t] * xm[t];
  varmkt /= T;
  if (!(varmkt > 0)) throw new RebalError("ledoit_wolf_single_factor: the market (mean) return has zero variance");
  const betas = new Float64Array(N);
  for (let i = 0; i < N; i++) { let s = 0; for (let t = 0; t < T; t++) s += X[i * T + t] * xm[t]; betas[i] = s / T; }
  const F = new Float64Array(N * N);
  let c = 0, sumS2 = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const f = i === j ? sample[i * N + i] : (betas[i] * betas[j]) / varmkt;
    F[i * N + j] = f;
    const d = sample[i * N + j] - f;
    c += d * d;
    sumS2 += sample[i * N + j] ** 2;
  }
  // p = 1/t sum(y'y) - sum(S^2), y = Xm^2: sum(y'y) = sum_t (sum_i y_ti)^2
  const ysum = new Float64Array(T), zb = new Float64Array(T), ydiag = new Float64Array(N), v1diag = new Float64Array(N), v3diag = new Float64Array(N);
  let y2sum = 0;
  for (let i = 0; i < N; i++) {
    let a = 0, b = 0, e = 0;
    for (let t = 0; t < T; t++) {
      const v = X[i * T + t], y = v * v, z = v * xm[t];
      ysum[t] += y; zb[t] += z * betas[i];
      y2sum += y * y; a += y * z; b += z * z; e += y;
    }
    ydiag[i] = e;
    v1diag[i] = a / T - betas[i] * sample[i * N + i];
    v3diag[i] = b / T - varmkt * sample[i * N + i];
  }
  let pp = 0;
  for (let t = 0; t < T; t++) pp += ysum[t] * ysum[t];
  pp = pp / T - sumS2;
  let diagS2 = 0;
  for (let i = 0; i < N; i++) diagS2 += sample[i * N + i] ** 2;
  const rdiag = y2sum / T - diagS2;
  // sum_ij v1_ij beta_j, v1 = y'z/T - beta_i S_ij
  let yzb = 0; // sum_ij (y'z)_ij beta_j = sum_t ysum_t * zb_t
  for (let t = 0; t < T; t++) yzb += ysum[t] * zb[t];
  let sb = 0, bSb = 0; // sum_ij beta_i S_ij beta_j
  for (let i = 0; i < N; i++) { let r = 0; for (let j = 0; j < N; j++) r += sample[i * N + j] * betas[j]; sb += betas[i] * r; }
  bSb = sb;
  const sumV1b = yzb / T - bSb;
  let diagV1b = 0;
  for (let i = 0; i < N; i++) diagV1b += v1diag[i] * betas[i];
  const roff1 = sumV1b / varmkt - diagV1b / varmkt;
  let zbb = 0;
  for (let t = 0; t < T; t++) zbb += zb[t] * zb[t];
  const sumV3bb = zbb / T - varmkt * bSb;
  let diagV3bb = 0;
  for (let i = 0; i < N; i++) diagV3bb += v3diag[i] * betas[i] * betas[i];
  const roff3 = sumV3bb / (varmkt * varmkt) - diagV3bb / (varmkt * varmkt);
  const r = rdiag + 2 * roff1 - roff3;
  const k = (pp - r) / c;
  const delta = c === 0 ? 0 : Math.max(0, Math.min(1, k / T));
  const out = new Float64Array(N * N);
  for (let q = 0; q < out.length; q++) out[q] = delta * F[q] + (1 - delta) * sample[q];
  void ydiag;
  return { cov: out, shrinkage: delta };
}

/** PyPortfolioOpt `_ledoit_wolf_constant_correlation`; S is the pandas (pairwise, ddof 1) sample covariance. */
export function ledoitWolfConstantCorrelationPanel(p: Panel, names?: readonly string[]): Shrunk {
  const { T, N } = p;
  const S = sampleCovPanel(p, names);
  const X = zeroFilledCentred(p);
  const G = gramSym(X, T, N); // help_ * T
  const std = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const v = S[i * N + i];
    if (!(v > 0)) throw new RebalError(`${assetName(i, names)} has zero variance: constant correlation is undefined`);
    std[i] = Math.sqrt(v);
  }
  let rsum = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) rsum += S[i * N + j] / (std[i] * std[j]);
  const rbar = N > 1 ? (rsum - N) / (N * (N - 1)) : 0;
  const F = new Float64Array(N * N);
  let gamma = 0, sumGS = 0, sumS2 = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const f = i === j ? S[i * N + i] : rbar * std[i] * std[j];
    F[i * N + j] = f;
    gamma += (S[i * N + j] - f) ** 2;
    sumGS += G[i * N + j] * S[i * N + j];
    sumS2 += S[i * N + j] ** 2;
  }
  // pi_mat = y'y/T - 2 G∘S/T + S∘S; sum(y'y) = sum_t (sum_i y_ti)^2
  const ysum = new Float64Array(T), a = new Float64Array(T), b = new Float64Array(T);
  const yyDiag = new Float64Array(N), t1Diag = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let d = 0, e = 0;
    for (let t = 0; t < T; t++) {
      const v = X[i * T + t], y = v * v;
      ysum[t] += y; d += y * y; e += y * v * v;
      a[t] += (v * y) / std[i]; // Xm^3 / std_i
      b[t] += v * std[i];
    }
    yyDiag[i] = d; t1Diag[i] = e;
  }
  let yy = 0, ab = 0;
  for (let t = 0; t < T; t++) { yy += ysum[t] * ysum[t]; ab += a[t] * b[t]; }
  const piHat = yy / T - (2 * sumGS) / T + sumS2;
  let piDiag = 0;
  for (let i = 0; i < N; i++) piDiag += yyDiag[i] / T - (2 * G[i * N + i] * S[i * N + i]) / T + S[i * N + i] ** 2;
  // theta = term1 - term2 - term3 + term4, off-diagonal, weighted by std_j / std_i
  // term1_ij = (Xm^3)'Xm / T; term2_ij = help_ii S_ij; term3_ij = help_ij var_i; term4_ij = var_i S_ij
  let wsum = ab / T; // sum_ij (std_j/std_i) term1_ij, diagonal removed below
  for (let i = 0; i < N; i++) {
    const hii = G[i * N + i] / T, vi = S[i * N + i];
    let rowSum = 0;
    for (let j = 0; j < N; j++) {
      if (j === i) continue;
      rowSum += (std[j] / std[i]) * (-hii * S[i * N + j] - (G[i * N + j] / T) * vi + vi * S[i * N + j]);
    }
    wsum += rowSum - t1Diag[i] / T; // remove term1 diagonal (weight std_i/std_i = 1)
  }
  const rho = piDiag + rbar * wsum;
  const kappa = (piHat - rho) / gamma;
  const delta = gamma === 0 ? 0 : Math.max(0, Math.min(1, kappa / T));
  const out = new Float64Array(N * N);
  for (let q = 0; q < out.length; q++) out[q] = delta * F[q] + (1 - delta) * S[q];
  return { cov: out, shrinkage: delta };
}

/** True when Cholesky of `m + 1e-16 I` succeeds (PyPortfolioOpt `_is_positive_semidefinite`). */
export function isPsd(m: Float64Array, N: number): boolean {
  const L = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    let d = m[j * N + j] + 1e-16;
    for (let k = 0; k < j; k++) d -= L[j * N + k] ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    L[j * N + j] = ljj;
    for (let i = j + 1; i < N; i++) {
      let s = m[i * N + j];
      for (let k = 0; k < j; k++) s -= L[i * N + k] * L[j * N + k];
      L[i * N + j] = s / ljj;
    }
  }
  return true;
}

/** Spectral repair: clip negative eigenvalues to 0 and rebuild (only when not PSD). */
export function fixNonPsd(m: Float64Array, N: number): Float64Array {
  if (isPsd(m, N)) return m;
  const rows: number[][] = [];
  for (let i = 0; i < N; i++) rows.push(Array.from(m.subarray(i * N, (i + 1) * N)));
  const e = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const q = e.realEigenvalues.map((v) => (v > 0 ? v : 0));
  const V = e.eigenvectorMatrix;
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = i; j < N; j++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += V.get(i, k) * q[k] * V.get(j, k);
    out[i * N + j] = s; out[j * N + i] = s;
  }
  return out;
}

function toRows(m: Float64Array, N: number, scale: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < N; i++) {
    const r: number[] = new Array(N);
    for (let j = 0; j < N; j++) r[j] = m[i * N + j] * scale;
    out.push(r);
  }
  return out;
}

/** Covariance of a returns panel by method, annualised, as Float64Array N x N. */
export function riskMatrixPanel(p: Panel, method: string, opts: CovOptions = {}): Float64Array {
  const key = (method ?? "sample").toString().trim().toLowerCase() || "sample";
  const frequency = checkFrequency(opts.frequency);
  const fix = opts.fixPsd ?? true;
  let m: Float64Array;
  switch (key) {
    case "sample": case "sample_cov": m = sampleCovPanel(p, opts.names); if (fix) m = fixNonPsd(m, p.N); break;
    case "semi": case "semicovariance": {
      const b = opts.benchmark ?? 0.000079;
      if (!Number.isFinite(b)) throw new RebalError(`benchmark ${b} is not a number`);
      m = semiCovPanel(p, b); if (fix) m = fixNonPsd(m, p.N); break;
    }
    case "exp": case "exp_cov": m = expCovPanel(p, opts.span ?? 180, opts.names); if (fix) m = fixNonPsd(m, p.N); break;
    case "ledoit_wolf": case "ledoit_wolf_constant_variance": m = ledoitWolfPanel(p).cov; break;
    case "ledoit_wolf_single_factor": m = ledoitWolfSingleFactorPanel(p).cov; break;
    case "ledoit_wolf_constant_correlation": m = ledoitWolfConstantCorrelationPanel(p, opts.names).cov; break;
    case "oas": case "oracle_approximating": m = oasPanel(p).cov; break;
    default: throw new RebalError(`unknown covariance method "${method}": use one of ${COV_METHODS.join(", ")}`);
  }
  for (let k = 0; k < m.length; k++) m[k] *= frequency;
  for (let k = 0; k < m.length; k++) if (!Number.isFinite(m[k])) throw new RebalError(`covariance (${key}) is not finite: check the data for extreme values`);
  return m;
}

/**
 * Annualised covariance matrix (PyPortfolioOpt `risk_models.risk_matrix(method=...)`) from prices
 * (default) or returns (`returnsData`). `method`: sample (default) | semi | exp | ledoit_wolf |
 * ledoit_wolf_single_factor | ledoit_wolf_constant_correlation | oas.
 */
export function riskMatrix(data: Cells, method: string = "sample", opts: CovOptions = {}): number[][] {
  const p = panelFromCells(data, !!opts.returnsData, opts.names);
  return toRows(riskMatrixPanel(p, method, opts), p.N, 1);
}
