/**
 * Shared inputs of the optimizers: validation of expected returns, covariance and bounds, and the
 * bound conventions of conventions.md — weights sum to 1 (0 when market-neutral), default bounds
 * [0, 1] (long only), scalar `minWeight`/`maxWeight` overridden per asset by `lower`/`upper`
 * (a null entry falls back to the scalar). A covariance that is not PSD is repaired by clipping
 * negative eigenvalues (spectral), as PyPortfolioOpt does before optimizing.
 */
import { RebalError, fmt } from "../errors";
import { fixNonPsd } from "../estimators/covariance";
import { Workspace } from "../workspace";

export interface OptimizeOptions {
  riskFreeRate?: number;
  targetReturn?: number;
  targetVolatility?: number;
  /** max_utility risk aversion, default 1 */
  riskAversion?: number;
  minWeight?: number;
  maxWeight?: number;
  lower?: ReadonlyArray<number | null | undefined> | null;
  upper?: ReadonlyArray<number | null | undefined> | null;
  /** L2 regularisation gamma * sum w^2 (PyPortfolioOpt L2_reg), default 0 */
  gamma?: number;
  /** weights sum to 0 instead of 1 (min_volatility, efficient_*, max_utility) */
  marketNeutral?: boolean;
  /** risk_parity risk budgets (default equal) */
  riskBudget?: ReadonlyArray<number> | null;
  /** at most this many non-zero weights (cardinality.ts) */
  maxAssets?: number;
  /** a held weight is at least this (cardinality.ts) */
  minPosition?: number;
  /** branch-and-bound budget in relaxations (cardinality.ts) */
  maxNodes?: number;
  /** cardinality solver: auto (default: exact, then genetic if max_nodes stopped it), exact or genetic */
  solver?: "auto" | "exact" | "genetic";
  /** genetic solver seed */
  seed?: number;
  /** current weights (turnover.ts): with costBps / maxTurnover, re-optimise from them */
  current?: ReadonlyArray<number> | null;
  /** proportional cost in basis points of sum |w - current|, in the objective (turnover.ts) */
  costBps?: number;
  /** cap on sum |w - current| (turnover.ts) */
  maxTurnover?: number;
  names?: readonly string[];
  /** the QP solver's scratch between solves (default: a temporary one per call) */
  workspace?: Workspace;
}

export interface Prepared {
  n: number;
  S: Float64Array;
  mu: Float64Array | null;
  lb: Float64Array;
  ub: Float64Array;
  budget: number;
  gamma: number;
  names?: readonly string[];
  /** passed to every QP solve of this problem (prepare: the caller's, or one for this call) */
  workspace?: Workspace;
}

export function nameOf(i: number, names?: readonly string[]): string {
  return names && names[i] !== undefined ? `asset ${names[i]}` : `asset ${i + 1}`;
}

function num(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RebalError(`${what} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * Validates a covariance (square, finite, symmetric, non-negative diagonal) and repairs PSD
 * (`repair` false: validation only, e.g. Black-Litterman, which uses the matrix as given).
 */
export function prepareCov(cov: ReadonlyArray<ReadonlyArray<unknown>>, names?: readonly string[], repair = true): Float64Array {
  if (!Array.isArray(cov) || cov.length === 0) throw new RebalError("cov is empty");
  const n = cov.length;
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = cov[i];
    if (!Array.isArray(row) || row.length !== n) throw new RebalError(`cov must be square: row ${i + 1} has ${Array.isArray(row) ? row.length : 0} columns, expected ${n}`);
    for (let j = 0; j < n; j++) {
      const v = row[j];
      // the message is built only for a bad cell (a template per cell costs more than the check)
      S[i * n + j] = typeof v === "number" && v - v === 0 ? v : num(v, `cov row ${i + 1}, column ${j + 1}`);
    }
  }
  let scale = 0;
  for (let i = 0; i < n; i++) {
    if (S[i * n + i] < 0) throw new RebalError(`cov diagonal of ${nameOf(i, names)} is negative (${fmt(S[i * n + i])})`);
    scale = Math.max(scale, S[i * n + i]);
  }
  const symTol = 1e-8 * Math.max(scale, 1e-300);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
    const a = S[i * n + j], b = S[j * n + i], d = a - b;
    // cheap test first: no Math calls per pair (measured: they dominated at N = 500 under jest's vm)
    if ((d > symTol || d < -symTol) && Math.abs(d) > symTol + 1e-12 * Math.max(Math.abs(a), Math.abs(b))) {
      throw new RebalError(`cov is not symmetric at row ${i + 1}, column ${j + 1} (${fmt(a)} vs ${fmt(b)})`);
    }
    const m = 0.5 * (a + b);
    S[i * n + j] = m; S[j * n + i] = m;
  }
  if (scale === 0) throw new RebalError("cov is all zeros");
  return repair ? fixNonPsd(S, n) : S;
}

export function prepareMu(mu: ReadonlyArray<unknown> | null | undefined, n: number, required: boolean, objective: string): Float64Array | null {
  if (mu === null || mu === undefined || (Array.isArray(mu) && mu.length === 0)) {
    if (required) throw new RebalError(`expected_returns are required for ${objective}`);
    return null;
  }
  if (mu.length !== n) throw new RebalError(`expected_returns has ${mu.length} values but cov has ${n} assets`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = mu[i];
    if (v === null || v === undefined || v === "") {
      if (required) throw new RebalError(`expected_returns value ${i + 1} is blank`);
      return null;
    }
    out[i] = num(v, `expected_returns value ${i + 1}`);
  }
  return out;
}

/** Bounds per asset, checked for feasibility with the budget. */
export function prepareBounds(n: number, o: OptimizeOptions, budget: number): { lb: Float64Array; ub: Float64Array } {
  const minW = o.minWeight ?? 0, maxW = o.maxWeight ?? 1;
  num(minW, "min_weight");
  num(maxW, "max_weight");
  const lb = new Float64Array(n), ub = new Float64Array(n);
  for (const [arr, what] of [[o.lower, "lower"], [o.upper, "upper"]] as const) {
    if (arr && arr.length !== n) throw new RebalError(`${what} has ${arr.length} values but there are ${n} assets`);
  }
  for (let i = 0; i < n; i++) {
    const l = o.lower?.[i], u = o.upper?.[i];
    lb[i] = l === null || l === undefined ? minW : num(l, `lower bound of ${nameOf(i, o.names)}`);
    ub[i] = u === null || u === undefined ? maxW : num(u, `upper bound of ${nameOf(i, o.names)}`);
    if (lb[i] > ub[i]) throw new RebalError(`bounds are infeasible: ${nameOf(i, o.names)} has lower bound ${fmt(lb[i])} above its upper bound ${fmt(ub[i])}`);
  }
  let sl = 0, su = 0;
  for (let i = 0; i < n; i++) { sl += lb[i]; su += ub[i]; }
  const tol = 1e-12 * n;
  const fromScalar = (arr: OptimizeOptions["lower"]) => !arr || arr.every((v) => v === null || v === undefined);
  if (sl > budget + tol) {
    if (fromScalar(o.lower)) throw new RebalError(`bounds are infeasible: min_weight ${fmt(minW)} x ${n} assets: the lower bounds sum to ${fmt(sl)}, above the budget ${fmt(budget)} (the weights sum to ${fmt(budget)})`);
    throw new RebalError(`bounds are infeasible: the lower bounds sum to ${fmt(sl)}, above the budget ${fmt(budget)}`);
  }
  if (su < budget - tol) {
    if (fromScalar(o.upper)) throw new RebalError(`bounds are infeasible: max_weight ${fmt(maxW)} x ${n} assets: the upper bounds sum to ${fmt(su)}, below the budget ${fmt(budget)} (the weights sum to ${fmt(budget)})`);
    throw new RebalError(`bounds are infeasible: the upper bounds sum to ${fmt(su)}, below the budget ${fmt(budget)}`);
  }
  return { lb, ub };
}

export function prepare(mu: ReadonlyArray<unknown> | null | undefined, cov: ReadonlyArray<ReadonlyArray<unknown>>, o: OptimizeOptions, muRequired: boolean, objective: string): Prepared {
  const S = prepareCov(cov, o.names);
  const n = Math.round(Math.sqrt(S.length));
  const m = prepareMu(mu, n, muRequired, objective);
  const budget = o.marketNeutral ? 0 : 1;
  const { lb, ub } = prepareBounds(n, o, budget);
  const gamma = o.gamma ?? 0;
  if (!Number.isFinite(gamma) || gamma < 0) throw new RebalError(`gamma ${gamma} must be a number >= 0`);
  return { n, S, mu: m, lb, ub, budget, gamma, names: o.names, workspace: o.workspace ?? new Workspace() };
}

/**
 * A point of {lb <= x <= ub, sum x = budget}: start at lb and raise variables to ub in `order`
 * until the budget is reached (the last one partially). With `order` by descending mu this is
 * the maximum-return portfolio (fractional knapsack).
 */
export function fillBudget(lb: Float64Array, ub: Float64Array, budget: number, order: number[]): Float64Array {
  const x = Float64Array.from(lb);
  let rest = budget;
  for (let i = 0; i < x.length; i++) rest -= lb[i];
  for (const i of order) {
    if (rest <= 0) break;
    const room = ub[i] - lb[i];
    const d = Math.min(room, rest);
    x[i] += d;
    rest -= d;
  }
  return x;
}

/**
 * A point of {lb <= x <= ub, sum x = budget} spread over the first q assets of `order`: each gets an
 * equal share of the budget above the lower bounds (capped at its upper bound), and whatever the
 * caps leave is filled greedily in `order` as in fillBudget. A start for the active-set QP with q
 * variables off their bounds, e.g. the lowest-variance assets for min_volatility.
 */
export function spreadBudget(lb: Float64Array, ub: Float64Array, budget: number, order: number[], q: number): Float64Array {
  const x = Float64Array.from(lb);
  let rest = budget;
  for (let i = 0; i < x.length; i++) rest -= lb[i];
  if (!(rest > 0)) return x;
  const share = rest / Math.max(1, Math.min(q, order.length));
  for (let a = 0; a < q && a < order.length; a++) {
    const i = order[a];
    const d = Math.min(ub[i] - lb[i], share, rest);
    x[i] += d;
    rest -= d;
  }
  for (const i of order) {
    if (rest <= 0) break;
    const d = Math.min(ub[i] - x[i], rest);
    if (d > 0) { x[i] += d; rest -= d; }
  }
  return x;
}

export function quad(S: Float64Array, w: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) { let r = 0; for (let j = 0; j < n; j++) r += S[i * n + j] * w[j]; s += w[i] * r; }
  return s;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
