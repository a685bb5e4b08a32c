/**
 * Tail-risk optimizers (REBAL.OPTIMIZETAIL), as PyPortfolioOpt's EfficientCVaR / EfficientCDaR, solved as
 * linear programs by HiGHS (npm `highs`, WebAssembly, loaded lazily on first use as REBAL.ALLOCATE does)
 * through its model API: typed CSR arrays passed to `passModel`, no LP text.
 * - CVaR (Rockafellar & Uryasev 2000): CVaR_beta(w) = min over alpha of
 *   alpha + 1/((1 - beta) T) sum_t max(-r_t'w - alpha, 0); LP: min alpha + 1/((1-beta)T) sum u_t s.t.
 *   r_t'w + alpha + u_t >= 0, u_t >= 0. At the optimum alpha is a VaR_beta of the losses -r'w.
 * - CDaR (Chekhlov, Uryasev & Zabarankin 2005), drawdowns of the *uncompounded* cumulative return
 *   sum_{s <= t} r_s'w from its running maximum (starting at 0), as PyPortfolioOpt: min alpha +
 *   1/((1-beta)T) sum z_t s.t. z_t >= u_t - alpha, u_t >= u_{t-1} - r_t'w (u_0 = 0), u_t, z_t >= 0.
 * - Objectives: min_cvar (default), efficient_cvar (min CVaR s.t. mu'w >= target_return), min_cdar,
 *   efficient_cdar; beta 0.95. Risk values are per period (daily returns: daily CVaR / CDaR), not
 *   annualised, as PyPortfolioOpt reports them.
 * - mu is the compounded mean historical return prod(1 + r)^(frequency / T) - 1 (REBAL.RETURNS' default).
 * - Weights sum to 1, bounds as REBAL.OPTIMIZE (problem.ts: default [0, 1], min_weight/max_weight,
 *   per-asset lower/upper; min_weight=-1 for long-short).
 * Returns are simple returns from the prices (no forward fill; panel.ts); the LP needs every asset's
 * return on every date, so a missing one is an error naming it. A target above the maximum attainable
 * return is an error naming that maximum. The result carries the LP and HiGHS's primal and dual
 * solution, so callers (tests) can check optimality (duality) without trusting the solver.
 */
import type { Highs, ModelData } from "highs";
import { RebalError, fmt } from "../errors";
import { Panel, assetName, checkFrequency, panelFromRaw } from "../estimators/panel";
import { loadHighs } from "./allocate";
import { OptimizeOptions, fillBudget, prepareBounds } from "./problem";

export const TAIL_OBJECTIVES = ["min_cvar", "efficient_cvar", "min_cdar", "efficient_cdar"] as const;
export type TailObjective = (typeof TAIL_OBJECTIVES)[number];

/** HiGHS primal and dual feasibility tolerances for the tail LPs (its defaults are 1e-7). */
export const TAIL_LP_TOL = 1e-9;
/** A one-period simple return beyond this (1,000,000%) is bad data, and would break the LP's scaling. */
const MAX_RETURN = 1e4;
/** A target return within this relative distance of the maximum attainable is that maximum. */
const TARGET_TOL = 1e-12;

export interface TailOptions extends Pick<OptimizeOptions, "minWeight" | "maxWeight" | "lower" | "upper" | "names"> {
  /** confidence level beta in (0, 1), default 0.95 */
  beta?: number;
  targetReturn?: number;
  /** periods per year for mu (252) */
  frequency?: number;
  /** the panel holds returns, not prices */
  returnsData?: boolean;
}

/** The LP as passed to HiGHS (rows in CSR), kept for optimality checks. */
export interface TailLp {
  numCols: number;
  numRows: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

export interface TailResult {
  objective: TailObjective;
  weights: Float64Array;
  /** CVaR_beta or CDaR_beta of the weights (per period) */
  risk: number;
  /** VaR_beta (CVaR) or DaR_beta (CDaR) at the optimum */
  alpha: number;
  /** mu'w (annualised) */
  expectedReturn: number;
  beta: number;
  /** number of return observations T */
  observations: number;
  lp: TailLp;
  solution: { colValue: Float64Array; colDual: Float64Array; rowValue: Float64Array; rowDual: Float64Array };
}

function returnsOf(panel: Panel, o: TailOptions): Panel {
  const r = panelFromRaw(panel, !!o.returnsData, o.names);
  for (let k = 0; k < r.x.length; k++) {
    if (Math.abs(r.x[k]) > MAX_RETURN) throw new RebalError(`returns row ${Math.floor(k / r.N) + 1}, ${assetName(k % r.N, o.names)}: a return of ${fmt(r.x[k])} (more than ${fmt(MAX_RETURN * 100)}% in one period) is not a price move; check the data`);
    if (r.x[k] !== r.x[k]) {
      throw new RebalError(`returns row ${Math.floor(k / r.N) + 1}, ${assetName(k % r.N, o.names)} is missing: CVaR and CDaR need every asset's return on every date (trim the prices to the dates where every asset has one)`);
    }
  }
  if (r.T < 2) throw new RebalError(`${o.returnsData ? "returns" : "prices"} give ${r.T} return row${r.T === 1 ? "" : "s"}: at least 2 are needed`);
  return r;
}

/** Builds the LP of `objective` (see header); `target` is the mu'w floor of the efficient objectives. */
export function buildTailLp(R: Panel, objective: TailObjective, beta: number, lb: Float64Array, ub: Float64Array, mu: Float64Array, target: number | null, inf: number): TailLp {
  const { T, N, x } = R;
  const cdar = objective === "min_cdar" || objective === "efficient_cdar";
  const numCols = cdar ? N + 1 + 2 * T : N + 1 + T;
  const numRows = (cdar ? 2 * T : T) + 1 + (target !== null ? 1 : 0);
  const nnz = (cdar ? T * (N + 2) + T * 3 - 1 : T * (N + 2)) + N + (target !== null ? N : 0);
  const colCost = new Float64Array(numCols), colLower = new Float64Array(numCols), colUpper = new Float64Array(numCols);
  const rowLower = new Float64Array(numRows), rowUpper = new Float64Array(numRows);
  const starts = new Int32Array(numRows + 1), indices = new Int32Array(nnz), values = new Float64Array(nnz);
  const A = N, U = N + 1, Z = N + 1 + T; // alpha, u_t, z_t (CDaR)
  const tailWeight = 1 / ((1 - beta) * T);
  colCost[A] = 1;
  for (let i = 0; i < N; i++) { colLower[i] = lb[i]; colUpper[i] = ub[i]; }
  colLower[A] = -inf; colUpper[A] = inf;
  for (let c = U; c < numCols; c++) { colLower[c] = 0; colUpper[c] = inf; }
  for (let c = cdar ? Z : U; c < numCols; c++) colCost[c] = tailWeight;
  let row = 0, k = 0;
  const beginRow = (lo: number, hi: number) => { starts[row] = k; rowLower[row] = lo; rowUpper[row] = hi; row++; };
  const put = (col: number, v: number) => { indices[k] = col; values[k] = v; k++; };
  for (let t = 0; t < T; t++) {
    const o = t * N;
    if (!cdar) { // r_t'w + alpha + u_t >= 0
      beginRow(0, inf);
      for (let i = 0; i < N; i++) put(i, x[o + i]);
      put(A, 1); put(U + t, 1);
    } else {
      // z_t - u_t + alpha >= 0
      beginRow(0, inf);
      put(A, 1); put(U + t, -1); put(Z + t, 1);
      // r_t'w + u_t - u_{t-1} >= 0 (u_0 = 0)
      beginRow(0, inf);
      for (let i = 0; i < N; i++) put(i, x[o + i]);
      if (t > 0) put(U + t - 1, -1);
      put(U + t, 1);
    }
  }
  beginRow(1, 1); // budget
  for (let i = 0; i < N; i++) put(i, 1);
  if (target !== null) { beginRow(target, inf); for (let i = 0; i < N; i++) put(i, mu[i]); }
  starts[row] = k;
  if (k !== nnz || row !== numRows) throw new Error(`internal: tail LP has ${k} nonzeros / ${row} rows, expected ${nnz} / ${numRows}`);
  return { numCols, numRows, colCost, colLower, colUpper, rowLower, rowUpper, starts, indices, values };
}

/** Compounded mean historical return per asset, annualised (see header). */
export function meanHistorical(R: Panel, frequency: number): Float64Array {
  const { T, N, x } = R;
  const logs = new Float64Array(N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) logs[i] += Math.log1p(x[t * N + i]);
  const mu = new Float64Array(N);
  for (let i = 0; i < N; i++) mu[i] = Math.expm1((logs[i] * frequency) / T);
  return mu;
}

function solveLp(highs: Highs, lp: TailLp): TailResult["solution"] {
  const data: ModelData = {
    numCols: lp.numCols, numRows: lp.numRows, colCost: lp.colCost, colLower: lp.colLower, colUpper: lp.colUpper,
    rowLower: lp.rowLower, rowUpper: lp.rowUpper,
    matrix: { format: "csr", numRows: lp.numRows, numCols: lp.numCols, starts: lp.starts, indices: lp.indices, values: lp.values },
  };
  const m = highs.createModel();
  try {
    m.options.set({ output_flag: false, primal_feasibility_tolerance: TAIL_LP_TOL, dual_feasibility_tolerance: TAIL_LP_TOL });
    try { m.passModel(data); m.run(); } catch (e) {
      throw new RebalError(`HiGHS could not solve the tail-risk LP (${e instanceof Error ? e.message : String(e)}): check the prices for extreme values`);
    }
    const status = m.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal) throw new RebalError(`the tail-risk LP did not solve: HiGHS model status ${status}`);
    const s = m.getSolution();
    return { colValue: s.colValue, colDual: s.colDual, rowValue: s.rowValue, rowDual: s.rowDual };
  } finally {
    m.dispose();
  }
}

/** REBAL.OPTIMIZETAIL's engine: `panel` is prices (or returns with returnsData), T x N, NaN = missing. */
export async function optimizeTail(panel: Panel, objective: string | null | undefined, o: TailOptions = {}): Promise<TailResult> {
  const key = (objective ?? "min_cvar").toString().trim().toLowerCase() || "min_cvar";
  if (!(TAIL_OBJECTIVES as readonly string[]).includes(key)) throw new RebalError(`unknown objective "${objective}": use one of ${TAIL_OBJECTIVES.join(", ")}`);
  const obj = key as TailObjective;
  const beta = o.beta ?? 0.95;
  if (!Number.isFinite(beta) || beta <= 0 || beta >= 1) throw new RebalError(`beta must be a number strictly between 0 and 1, got ${fmt(beta)}`);
  const frequency = checkFrequency(o.frequency);
  const efficient = obj === "efficient_cvar" || obj === "efficient_cdar";
  if (efficient && (o.targetReturn === undefined || o.targetReturn === null)) throw new RebalError(`${obj} needs target_return`);
  if (!efficient && o.targetReturn !== undefined && o.targetReturn !== null) throw new RebalError(`objective ${obj} does not use target_return (efficient_cvar and efficient_cdar do)`);
  const R = returnsOf(panel, o);
  const { lb, ub } = prepareBounds(R.N, o, 1);
  const mu = meanHistorical(R, frequency);
  let target: number | null = null;
  if (efficient) {
    const t = o.targetReturn as number;
    if (!Number.isFinite(t)) throw new RebalError(`target_return must be a number, got ${t}`);
    const order = Array.from({ length: R.N }, (_, i) => i).sort((a, b) => mu[b] - mu[a] || a - b);
    const wMax = fillBudget(lb, ub, 1, order);
    let rMax = 0;
    for (let i = 0; i < R.N; i++) rMax += mu[i] * wMax[i];
    if (t > rMax + TARGET_TOL * Math.max(1, Math.abs(rMax))) throw new RebalError(`target_return ${fmt(t)} is above the maximum attainable return ${fmt(rMax)} (the compounded mean historical return within the bounds)`);
    target = Math.min(t, rMax);
  }
  const highs = await loadHighs();
  const lp = buildTailLp(R, obj, beta, lb, ub, mu, target, highs.infinity);
  const solution = solveLp(highs, lp);
  const weights = Float64Array.from(solution.colValue.subarray(0, R.N));
  let er = 0, risk = 0;
  for (let i = 0; i < R.N; i++) er += mu[i] * weights[i];
  for (let c = 0; c < lp.numCols; c++) risk += lp.colCost[c] * solution.colValue[c];
  for (const v of weights) if (!Number.isFinite(v)) throw new RebalError("the tail-risk LP produced a non-finite weight");
  return { objective: obj, weights, risk, alpha: solution.colValue[R.N], expectedReturn: er, beta, observations: R.T, lp, solution };
}
