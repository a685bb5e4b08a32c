/**
 * Risk models (annualised covariance, times `frequency`), as PyPortfolioOpt's `risk_models`:
 * - `sample`: pairwise-complete, ddof 1 (pandas `DataFrame.cov()`): for each pair, the means and
 *   the denominator n_ij - 1 come from the rows where both assets have returns. Fast path (no
 *   missing values): one centred Gram product packed straight from the panel (kernel.ts
 *   `gramCentredRows`); otherwise X'X on own-mean-centred data with missing→0 plus X'M and M'M
 *   with M the 0/1 mask of the K columns that have holes (N x K and K x K products).
 * - `semi`: `D = min(r - benchmark, 0)` with missing → 0, `D'D / T` (benchmark per period,
 *   PyPortfolioOpt default 0.000079).
 * - `exp` (span 180): per pair, the pandas-ewm (adjust=True) mean of `(r_i - m_i)(r_j - m_j)`
 *   at the last row, m_i the asset's own mean; weights `(1 - alpha)^k` over the common rows.
 * - `ledoit_wolf` (constant variance, sklearn `ledoit_wolf`), `ledoit_wolf_single_factor`,
 *   `ledoit_wolf_constant_correlation` (PyPortfolioOpt's formulas; the constant-correlation target
 *   uses the pandas sample covariance S as PyPortfolioOpt does), `oas` (sklearn `oas`): returns
 *   with missing → 0, centred, biased 1/T covariance. Each costs one Gram product (with
 *   missing data the constant-correlation target also needs the pairwise S, three more: four in
 *   all), one
 *   pass over the data for the column means, the shrinkage statistics rewritten as sums over rows
 *   of per-row sums (e.g. sum_ij sum_t x_ti^2 x_tj^2 = sum_t (sum_i x_ti^2)^2, so no second Gram
 *   product of squared data) and taken from kernel.ts `rowMoments` (a SIMD sweep of the panel the
 *   Gram product packed, not another pass over the data), and a few O(N^2) sweeps. Shrunk results
 *   are blended row by row from exactly symmetric factors, so they are exactly symmetric.
 * - sample, semi and exp are made PSD by spectral clipping of negative eigenvalues (PyPortfolioOpt
 *   `fix_nonpositive_semidefinite`, "spectral"); shrinkage estimators are PSD by construction.
 * Every estimator takes the caller's Workspace last (or `CovOptions.workspace`): the Gram kernel's
 * WebAssembly memory lives there (workspace.ts); without one, a temporary workspace per call.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { RebalError } from "../errors";
import { Workspace } from "../workspace";
import { CentredGram, centredGram, gramCentredRows, gramGeneral, gramSym } from "./kernel";
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
  /** the Gram kernel's memory between calls (default: a temporary one per call) */
  workspace?: Workspace;
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
export function sampleCovPanel(p: Panel, names?: readonly string[], ws: Workspace = new Workspace()): Float64Array {
  const { T, N } = p;
  const { m, missing } = columnMeans(p);
  if (!missing) {
    if (T < 2) throw new RebalError("need at least 2 return rows for a covariance");
    return gramCentredRows(p.x, T, N, m, 1 / (T - 1), ws);
  }
  // Only the K columns with holes need the mask products: for a complete column j the rows where
  // j is present are all rows, so sum_t xc_i = 0 and the common count is asset i's own count.
  const { xc, mask, counts } = centredAssetMajor(p, names);
  const holes: number[] = [];
  const kOf = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) if (counts[i] < T) { kOf[i] = holes.length; holes.push(i); }
  const K = holes.length;
  const mk = new Float64Array(K * T);
  for (let k = 0; k < K; k++) mk.set(mask.subarray(holes[k] * T, (holes[k] + 1) * T), k * T);
  const P = gramSym(xc, T, N, 1, ws);
  const S = gramGeneral(xc, mk, T, N, K, 1, ws); // S[i,k] = sum over rows where holes[k] is present of xc_i
  const C = gramSym(mk, T, K, 1, ws); // common counts among the columns with holes
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    if (counts[i] < 2) throw new RebalError(`${assetName(i, names)} has fewer than 2 returns`);
    const ki = kOf[i];
    for (let j = i; j < N; j++) {
      const kj = kOf[j];
      const n = ki >= 0 ? (kj >= 0 ? C[ki * K + kj] : counts[i]) : kj >= 0 ? counts[j] : T;
      if (n < 2) throw new RebalError(`${assetName(i, names)} and ${assetName(j, names)} have fewer than 2 common returns`);
      const sij = kj >= 0 ? S[i * K + kj] : 0, sji = ki >= 0 ? S[j * K + ki] : 0;
      const v = (P[i * N + j] - (sij * sji) / n) / (n - 1);
      out[i * N + j] = v; out[j * N + i] = v;
    }
  }
  return out;
}

/** Semicovariance `D'D / T`, D = min(r - benchmark, 0), missing → 0. */
export function semiCovPanel(p: Panel, benchmark: number, ws: Workspace = new Workspace()): Float64Array {
  const { T, N, x } = p;
  const d = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) {
    const v = x[t * N + i] - benchmark;
    d[i * T + t] = v < 0 ? v : 0; // NaN → 0
  }
  const G = gramSym(d, T, N, 1, ws);
  for (let k = 0; k < G.length; k++) G[k] /= T;
  return G;
}

/** Exponentially weighted covariance at the last row (pandas ewm, adjust=True), unannualised. */
export function expCovPanel(p: Panel, span: number, names?: readonly string[], ws: Workspace = new Workspace()): Float64Array {
  if (!Number.isFinite(span) || span < 1) throw new RebalError(`span ${span} must be a number >= 1`);
  const { T, N } = p;
  const { xc, mask } = centredAssetMajor(p, names);
  const decay = 1 - 2 / (span + 1);
  const sw = new Float64Array(T);
  for (let t = T - 1, w = 1; t >= 0; t--, w *= decay) sw[t] = Math.sqrt(w);
  for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) { xc[i * T + t] *= sw[t]; mask[i * T + t] *= sw[t]; }
  const num = gramSym(xc, T, N, 1, ws);
  const den = hasMissing(p) ? gramSym(mask, T, N, 1, ws) : null;
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

/**
 * Column means over all T rows with missing → 0 (the zero-filled convention of the shrinkage
 * estimators; with no missing values, the plain column means) and whether any value is missing.
 * Row-major, one sequential pass. The shrinkage estimators then work on `X_ti = (x_ti or 0) - m_i`
 * without materialising X: `centredGram` packs it for the Gram product and its row moments.
 */
function columnMeans(p: Panel): { m: Float64Array; missing: boolean } {
  const { T, N, x } = p;
  const m = new Float64Array(N);
  // plain sums, two rows at a time (no per-value test): a NaN anywhere in a column makes its sum
  // NaN, and only those columns are summed again skipping the missing values
  let t = 0;
  for (; t + 1 < T; t += 2) {
    const r0 = t * N, r1 = r0 + N;
    for (let i = 0; i < N; i++) m[i] += x[r0 + i] + x[r1 + i];
  }
  if (t < T) for (let i = 0, r0 = t * N; i < N; i++) m[i] += x[r0 + i];
  let missing = false;
  for (let i = 0; i < N; i++) {
    if (m[i] !== m[i]) {
      let s = 0;
      for (let u = 0; u < T; u++) { const v = x[u * N + i]; if (v === v) s += v; else missing = true; }
      m[i] = s;
    }
    m[i] /= T;
  }
  return { m, missing };
}

/** sklearn `ledoit_wolf` (shrink towards mu*I), biased covariance, one Gram product. */
export function ledoitWolfPanel(p: Panel, ws: Workspace = new Workspace()): Shrunk {
  const { T, N, x } = p;
  const { m } = columnMeans(p);
  const cg = centredGram(x, T, N, m, 1 / T, ws);
  const emp = cg.gram;
  let trace = 0;
  for (let i = 0; i < N; i++) trace += emp[i * N + i];
  const mu = trace / N;
  // beta_ = sum_{ij} sum_t x_ti^2 x_tj^2 = sum_t (sum_i x_ti^2)^2: row moments, no second Gram product
  const rowSq = cg.rowMoments(null, null, null).s2;
  let beta_ = 0;
  for (let t = 0; t < T; t++) beta_ += rowSq[t] * rowSq[t];
  let delta_ = 0; // sum_ij (G_ij / T)^2, from the upper triangle (emp is exactly symmetric)
  for (let i = 0; i < N; i++) {
    const row = i * N;
    let off = 0;
    for (let j = i + 1; j < N; j++) off += emp[row + j] * emp[row + j];
    delta_ += emp[row + i] * emp[row + i] + 2 * off;
  }
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
export function oasPanel(p: Panel, ws: Workspace = new Workspace()): Shrunk {
  const { T, N } = p;
  const emp = gramCentredRows(p.x, T, N, columnMeans(p).m, 1 / T, ws);
  let alpha = 0, trace = 0; // alpha = mean of emp^2, from the upper triangle (emp is exactly symmetric)
  for (let i = 0; i < N; i++) {
    const row = i * N;
    let off = 0;
    for (let j = i + 1; j < N; j++) off += emp[row + j] * emp[row + j];
    alpha += emp[row + i] * emp[row + i] + 2 * off;
  }
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
export function ledoitWolfSingleFactorPanel(p: Panel, ws: Workspace = new Workspace()): Shrunk {
  const { T, N, x } = p;
  const { m } = columnMeans(p);
  const cg = centredGram(x, T, N, m, 1 / T, ws);
  const sample = cg.gram;
  // betas_i = cov(X_i, xm) = sum_t X_ti xm_t / T with xm_t = mean_i X_ti: the row sums of
  // G / (T N), so no pass over the data is needed for them. (X = Xm: zero-filled, centred.)
  const betas = new Float64Array(N);
  for (let i = 0; i < N; i++) { let s = 0; for (let j = 0; j < N; j++) s += sample[i * N + j]; betas[i] = s / N; }
  // With y = X^2, z = X * xm every statistic below is a sum over rows of per-row sums (row
  // moments of X): xm_t, (X beta)_t, sum_i y_ti, sum_i y_ti^2, sum_i y_ti X_ti beta_i, sum_i y_ti beta_i^2.
  const b2 = new Float64Array(N);
  for (let i = 0; i < N; i++) b2[i] = betas[i] * betas[i];
  const mo = cg.rowMoments(betas, betas, b2);
  let varmkt = 0, pp = 0, y2sum = 0, yzb = 0, zbb = 0, yzB = 0, zzBB = 0;
  for (let t = 0; t < T; t++) {
    const ys = mo.s2[t], c3 = mo.s3w[t], c2 = mo.s2w[t];
    const xt = mo.s1[t] / N, zb = xt * mo.s1w[t]; // zb_t = sum_i z_ti beta_i
    const y4 = mo.s4[t];
    varmkt += xt * xt;
    pp += ys * ys; y2sum += y4;
    yzb += ys * zb; zbb += zb * zb;
    yzB += xt * c3; zzBB += xt * xt * c2; // sum_i (y'z)_ii beta_i, sum_i (z'z)_ii beta_i^2
  }
  varmkt /= T;
  if (!(varmkt > 0)) throw new RebalError("ledoit_wolf_single_factor: the market (mean) return has zero variance");
  // target F: diagonal of S, off-diagonal beta_i beta_j / varmkt (recomputed in the blend, not
  // stored). c = sum_ij (S - F)^2, sum S^2 and bSb = sum_ij beta_i S_ij beta_j from the upper
  // triangle (S is exactly symmetric).
  let c = 0, sumS2 = 0, bSb = 0;
  for (let i = 0; i < N; i++) {
    const row = i * N, bi = betas[i], bv = bi / varmkt, sii = sample[row + i];
    let cc = 0, s2 = 0, rb = 0;
    for (let j = i + 1; j < N; j++) {
      const sij = sample[row + j], bj = betas[j], d = sij - bv * bj;
      cc += d * d; s2 += sij * sij; rb += sij * bj;
    }
    c += 2 * cc;
    sumS2 += sii * sii + 2 * s2;
    bSb += bi * (sii * bi + 2 * rb);
  }
  let sBB = 0; // sum_i beta_i S_ii beta_i
  for (let i = 0; i < N; i++) sBB += sample[i * N + i] * betas[i] * betas[i];
  // p = 1/t sum(y'y) - sum(S^2), y = Xm^2: sum(y'y) = sum_t (sum_i y_ti)^2
  pp = pp / T - sumS2;
  let diagS2 = 0;
  for (let i = 0; i < N; i++) diagS2 += sample[i * N + i] ** 2;
  const rdiag = y2sum / T - diagS2;
  // sum_ij v1_ij beta_j, v1 = y'z/T - beta_i S_ij; sum_ij (y'z)_ij beta_j = sum_t ysum_t * zb_t
  const sumV1b = yzb / T - bSb;
  const diagV1b = yzB / T - sBB; // sum_i v1_ii beta_i
  const roff1 = sumV1b / varmkt - diagV1b / varmkt;
  // v3 = z'z/T - varmkt S
  const sumV3bb = zbb / T - varmkt * bSb;
  const diagV3bb = zzBB / T - varmkt * sBB; // sum_i v3_ii beta_i^2
  const roff3 = sumV3bb / (varmkt * varmkt) - diagV3bb / (varmkt * varmkt);
  const r = rdiag + 2 * roff1 - roff3;
  const k = (pp - r) / c;
  const delta = c === 0 ? 0 : Math.max(0, Math.min(1, k / T));
  // blend delta F + (1 - delta) S in place (F's diagonal is S's own). Row by row; exactly
  // symmetric because S is and betas_i * betas_j is commutative.
  const keep = 1 - delta, dv = delta / varmkt;
  for (let i = 0; i < N; i++) {
    const row = i * N, bi = betas[i];
    for (let j = 0; j < i; j++) sample[row + j] = dv * (bi * betas[j]) + keep * sample[row + j];
    for (let j = i + 1; j < N; j++) sample[row + j] = dv * (bi * betas[j]) + keep * sample[row + j];
  }
  return { cov: sample, shrinkage: delta };
}

/**
 * PyPortfolioOpt `_ledoit_wolf_constant_correlation`; S is the pandas (pairwise, ddof 1) sample
 * covariance. Without missing values S = G / (T - 1) and the statistics use G = X'X of the same
 * centred data, so one Gram product serves both; with missing values S is the pairwise estimate
 * and G comes from the zero-filled data (four products: three for the pairwise S, one for G).
 */
export function ledoitWolfConstantCorrelationPanel(p: Panel, names?: readonly string[], ws: Workspace = new Workspace()): Shrunk {
  const { T, N, x } = p;
  const { m, missing } = columnMeans(p);
  // help_ * T = gf * G: without missing values G is S itself and gf = T - 1
  let S: Float64Array, G: Float64Array, gf: number, cg: CentredGram;
  if (!missing) {
    if (T < 2) throw new RebalError("need at least 2 return rows for a covariance");
    cg = centredGram(x, T, N, m, 1 / (T - 1), ws);
    S = cg.gram; G = S; gf = T - 1;
  } else {
    S = sampleCovPanel(p, names, ws);
    cg = centredGram(x, T, N, m, 1, ws); // after S: its row moments can reuse the packed panel
    G = cg.gram; gf = 1;
  }
  const std = new Float64Array(N), inv = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const v = S[i * N + i];
    if (!(v > 0)) throw new RebalError(`${assetName(i, names)} has zero variance: constant correlation is undefined`);
    std[i] = Math.sqrt(v);
    inv[i] = 1 / std[i];
  }
  // One sweep of the upper triangle (S and G are exactly symmetric): rsum = sum_ij S_ij / (std_i
  // std_j), sum G∘S, sum S^2, and w234 = sum_{i != j} (std_j / std_i) (term4 - term2 - term3)_ij
  // with term2_ij = help_ii S_ij, term3_ij = help_ij var_i, term4_ij = var_i S_ij (help = G / T);
  // the (i, j) and (j, i) terms of w234 are added together.
  const vd = new Float64Array(N), hd = new Float64Array(N); // var_i, var_i - help_ii
  for (let i = 0; i < N; i++) { vd[i] = S[i * N + i]; hd[i] = S[i * N + i] - (gf * G[i * N + i]) / T; }
  const gT = gf / T;
  let rsum = 0, sumGS = 0, sumS2 = 0, w234 = 0;
  for (let i = 0; i < N; i++) {
    const row = i * N, si = std[i], ii = inv[i], vi = vd[i], ai = hd[i], sii = S[row + i];
    let rr = 0, gs = 0, s2 = 0, rw = 0;
    for (let j = i + 1; j < N; j++) {
      const sij = S[row + j], gij = gT * G[row + j], sj = std[j], ij = inv[j];
      rr += sij * ij;
      gs += gij * sij;
      s2 += sij * sij;
      rw += sj * ii * (ai * sij - gij * vi) + si * ij * (hd[j] * sij - gij * vd[j]);
    }
    rsum += sii * ii * ii + 2 * rr * ii;
    sumGS += sii * gf * G[row + i] + 2 * T * gs;
    sumS2 += sii * sii + 2 * s2;
    w234 += rw;
  }
  const rbar = N > 1 ? (rsum - N) / (N * (N - 1)) : 0;
  // target F: diagonal of S, off-diagonal rbar std_i std_j (recomputed in the blend, not stored)
  let gamma = 0;
  for (let i = 0; i < N; i++) {
    const ri = rbar * std[i], row = i * N;
    let g = 0;
    for (let j = i + 1; j < N; j++) { const d = S[row + j] - ri * std[j]; g += d * d; }
    gamma += 2 * g;
  }
  // pi_mat = y'y/T - 2 G∘S/T + S∘S, y = Xm^2; sum(y'y) = sum_t (sum_i y_ti)^2.
  // term1 weighted sum: sum_ij (std_j/std_i) ((Xm^3)'Xm)_ij / T = sum_t a_t b_t / T with
  // a_t = sum_i Xm_ti^3 / std_i, b_t = sum_j Xm_tj std_j. One row-major pass.
  // x4 = sum_ti Xm_ti^4 = trace(y'y) = the sum of term1's diagonal (times T). Row moments of X.
  const mo = cg.rowMoments(std, inv, null);
  let yy = 0, ab = 0, x4 = 0;
  for (let t = 0; t < T; t++) {
    const ys = mo.s2[t];
    yy += ys * ys; ab += mo.s3w[t] * mo.s1w[t]; x4 += mo.s4[t];
  }
  const piHat = yy / T - (2 * sumGS) / T + sumS2;
  let piDiag = x4 / T;
  for (let i = 0; i < N; i++) piDiag += S[i * N + i] ** 2 - (2 * gf * G[i * N + i] * S[i * N + i]) / T;
  const t1Diag = x4 / T;
  // theta = term1 - term2 - term3 + term4, off-diagonal, weighted by std_j / std_i
  const wsum = ab / T - t1Diag + w234; // term1 diagonal (weight std_i/std_i = 1) removed
  const rho = piDiag + rbar * wsum;
  const kappa = (piHat - rho) / gamma;
  const delta = gamma === 0 ? 0 : Math.max(0, Math.min(1, kappa / T));
  // blend delta F + (1 - delta) S in place (F's diagonal is S's own). Row by row; exactly
  // symmetric because S is and std_i * std_j is commutative.
  const keep = 1 - delta, dr = delta * rbar;
  for (let i = 0; i < N; i++) {
    const row = i * N, si = std[i];
    for (let j = 0; j < i; j++) S[row + j] = dr * (si * std[j]) + keep * S[row + j];
    for (let j = i + 1; j < N; j++) S[row + j] = dr * (si * std[j]) + keep * S[row + j];
  }
  return { cov: S, shrinkage: delta };
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
  const ws = opts.workspace ?? new Workspace();
  let m: Float64Array;
  switch (key) {
    case "sample": case "sample_cov": m = sampleCovPanel(p, opts.names, ws); if (fix) m = fixNonPsd(m, p.N); break;
    case "semi": case "semicovariance": {
      const b = opts.benchmark ?? 0.000079;
      if (!Number.isFinite(b)) throw new RebalError(`benchmark ${b} is not a number`);
      m = semiCovPanel(p, b, ws); if (fix) m = fixNonPsd(m, p.N); break;
    }
    case "exp": case "exp_cov": m = expCovPanel(p, opts.span ?? 180, opts.names, ws); if (fix) m = fixNonPsd(m, p.N); break;
    case "ledoit_wolf": case "ledoit_wolf_constant_variance": m = ledoitWolfPanel(p, ws).cov; break;
    case "ledoit_wolf_single_factor": m = ledoitWolfSingleFactorPanel(p, ws).cov; break;
    case "ledoit_wolf_constant_correlation": m = ledoitWolfConstantCorrelationPanel(p, opts.names, ws).cov; break;
    case "oas": case "oracle_approximating": m = oasPanel(p, ws).cov; break;
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
  return riskMatrixRows(panelFromCells(data, !!opts.returnsData, opts.names), method, opts);
}

/** `riskMatrix` of a returns panel (e.g. panelFromRaw of a range read straight into a Float64Array), as rows. */
export function riskMatrixRows(p: Panel, method: string = "sample", opts: CovOptions = {}): number[][] {
  return toRows(riskMatrixPanel(p, method, opts), p.N, 1);
}
