/**
 * Re-optimising from current holdings (REBAL.OPTIMIZE's `current` argument with `cost_bps` and/or
 * `max_turnover`), PyPortfolioOpt conventions: the objective pays `transaction_cost` k * sum|w - c|
 * (k = cost_bps / 10,000, in the objective's own units: PyPortfolioOpt adds it to the variance or to the
 * negative utility) and the turnover sum|w - c| is capped by max_turnover.
 * - min_volatility: min w'Sw + gamma w'w + k |w - c|_1;
 * - max_utility(d): min -(mu'w - d/2 w'Sw - gamma w'w) + k |w - c|_1;
 * - efficient_return(t): min w'Sw + gamma w'w + k |w - c|_1 s.t. mu'w >= t (with max_turnover, the start
 *   is the most return within the cap, from a max_utility solve with a vanishing risk aversion; a
 *   target above it is an error naming that return).
 * All with sum w = 1, lb <= w <= ub, and |w - c|_1 <= max_turnover when given.
 *
 * Solved exactly by an outer loop over sign patterns around the existing active-set QP (qp.ts): with
 * s_i = +1 (w_i in [c_i, ub_i], cost +k w_i) or -1 (w_i in [lb_i, c_i], cost -k w_i) fixed, the problem
 * is a smooth QP whose turnover cap is one linear row sum s_i (w_i - c_i) <= max_turnover. At its
 * optimum, an asset sitting at c_i satisfies the non-smooth optimality condition |q_i| <= k + mu
 * (q_i its gradient plus the equality rows' multipliers without the cost term, mu the cap's
 * multiplier); an asset with q_i beyond it switches side, and the QP restarts from the current point
 * (feasible on both sides, turnover unchanged). Each switch strictly lowers the objective, so the loop
 * ends, at the exact optimum of the convex non-smooth problem.
 * The start is the cheapest move to feasibility: current clipped to the bounds, then the budget gap
 * closed in proportion to each asset's room; a cap below that turnover is an error naming it.
 */
import { RebalError, fmt } from "../errors";
import { efficientReturnPrepared, maxReturnPrepared } from "./efficient";
import { Prepared, nameOf } from "./problem";
import { solveQP } from "./qp";

export const TURNOVER_OBJECTIVES = ["min_volatility", "max_utility", "efficient_return"] as const;
export type TurnoverObjective = (typeof TURNOVER_OBJECTIVES)[number];

/** Sign-pattern switches before giving up (each strictly lowers the objective; a handful are typical). */
const MAX_SWITCH_ROUNDS = 200;
/** Risk aversion of the phase-1 max-return solve (relative to max |mu| / max variance): a vanishing quadratic term. */
const PHASE1_AVERSION = 1e-9;
/** A multiplier beyond k + mu by less than this (relative to the gradient scale) is rounding, not a switch. */
const SWITCH_TOL = 1e-10;

export interface TurnoverParams {
  objective: TurnoverObjective;
  current: ArrayLike<number>;
  /** basis points of traded weight, >= 0 */
  costBps?: number;
  /** cap on sum |w - current|, > 0 */
  maxTurnover?: number;
  riskAversion?: number;
  targetReturn?: number;
}

export interface TurnoverResult { weights: Float64Array; turnover: number; cost: number; rounds: number }

/** The cheapest feasible point from c (min sum|w - c| over the box and budget) and its turnover. */
export function cheapestFeasible(p: Prepared, c: ArrayLike<number>): { w: Float64Array; turnover: number } {
  const { n, lb, ub } = p;
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) { w[i] = Math.min(Math.max(c[i], lb[i]), ub[i]); sum += w[i]; }
  let gap = p.budget - sum;
  // close the budget gap in proportion to the room in its direction (any split costs the same)
  let room = 0;
  for (let i = 0; i < n; i++) room += gap > 0 ? ub[i] - w[i] : w[i] - lb[i];
  if (gap !== 0 && room > 0) {
    const f = Math.min(1, Math.abs(gap) / room);
    for (let i = 0; i < n; i++) w[i] += gap > 0 ? f * (ub[i] - w[i]) : -f * (w[i] - lb[i]);
    sum = 0;
    for (let i = 0; i < n; i++) sum += w[i];
    gap = p.budget - sum;
    // rounding: put what is left on the asset with the most room
    let best = 0;
    for (let i = 1; i < n; i++) if ((gap > 0 ? ub[i] - w[i] : w[i] - lb[i]) > (gap > 0 ? ub[best] - w[best] : w[best] - lb[best])) best = i;
    w[best] += gap;
  }
  let t = 0;
  for (let i = 0; i < n; i++) t += Math.abs(w[i] - c[i]);
  return { w, turnover: t };
}

export function optimizeFromCurrent(p: Prepared, tp: TurnoverParams): TurnoverResult {
  const { n } = p;
  const c = tp.current;
  if (c.length !== n) throw new RebalError(`current has ${c.length} values but cov has ${n} assets`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(c[i])) throw new RebalError(`current weight of ${nameOf(i, p.names)} is not a number`);
  const bps = tp.costBps ?? 0;
  if (!Number.isFinite(bps) || bps < 0) throw new RebalError(`cost_bps must be a number >= 0, got ${fmt(bps)}`);
  const k = bps / 10000;
  const cap = tp.maxTurnover;
  if (cap !== undefined && (!Number.isFinite(cap) || cap < 0)) throw new RebalError(`max_turnover must be a number >= 0, got ${fmt(cap)}`);
  const start = cheapestFeasible(p, c);
  if (cap !== undefined && start.turnover > cap * (1 + 1e-12) + 1e-15) {
    throw new RebalError(`max_turnover ${fmt(cap)} is below the ${fmt(start.turnover)} turnover needed just to meet the bounds and the budget from current`);
  }
  let x0 = start.w;
  const mu = p.mu;
  const lin = new Float64Array(n); // objective's own linear term
  let qScale = 2;
  if (tp.objective === "max_utility") {
    const d = tp.riskAversion ?? 1;
    if (!Number.isFinite(d) || d <= 0) throw new RebalError(`risk_aversion ${d} must be a positive number`);
    qScale = d;
    for (let i = 0; i < n; i++) lin[i] = -mu![i];
  }
  const G: Float64Array[] = [], h: number[] = [];
  let retRow = -1, capRow = -1;
  if (tp.objective === "efficient_return") {
    let t = tp.targetReturn as number;
    const rMax = maxReturnPrepared(p).ret;
    if (t > rMax + 1e-12 * Math.max(1, Math.abs(rMax))) throw new RebalError(`target_return ${fmt(t)} is above the maximum attainable return ${fmt(rMax)}`);
    t = Math.min(t, rMax);
    if (cap === undefined) x0 = efficientReturnPrepared(p, t); // feasible start meeting the target
    else {
      // phase 1: the most return within the cap (max_utility with a vanishing risk aversion; its
      // return is the LP maximum up to PHASE1_AVERSION * variance), a start that meets the target
      let sMax = 0;
      for (let i = 0; i < n; i++) sMax = Math.max(sMax, p.S[i * n + i]);
      let muMax = 0;
      for (let i = 0; i < n; i++) muMax = Math.max(muMax, Math.abs(mu![i]));
      const w1 = optimizeFromCurrent(p, { objective: "max_utility", current: c, maxTurnover: cap, riskAversion: (PHASE1_AVERSION * Math.max(muMax, 1e-12)) / Math.max(sMax, 1e-300) }).weights;
      let r1 = 0;
      for (let i = 0; i < n; i++) r1 += mu![i] * w1[i];
      if (t > r1 + 1e-9 * Math.max(1, Math.abs(r1))) throw new RebalError(`target_return ${fmt(t)} is above the maximum attainable return within max_turnover ${fmt(cap)} (about ${fmt(r1)})`);
      x0 = w1;
      t = Math.min(t, r1);
    }
    const row = new Float64Array(n);
    for (let i = 0; i < n; i++) row[i] = -mu![i];
    retRow = G.length; G.push(row); h.push(-t);
  }
  // sign pattern from the start (ties: the side the start is on; at c either)
  const s = new Int8Array(n);
  for (let i = 0; i < n; i++) s[i] = c[i] > p.ub[i] ? -1 : c[i] < p.lb[i] ? 1 : x0[i] >= c[i] ? 1 : -1;
  const lb = new Float64Array(n), ub = new Float64Array(n), q = new Float64Array(n);
  const capRowCoef = new Float64Array(n);
  if (cap !== undefined) { capRow = G.length; G.push(capRowCoef); h.push(0); }
  let x: Float64Array = Float64Array.from(x0);
  let rounds = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      if (s[i] > 0) { lb[i] = Math.max(p.lb[i], Math.min(c[i], p.ub[i])); ub[i] = p.ub[i]; }
      else { lb[i] = p.lb[i]; ub[i] = Math.min(p.ub[i], Math.max(c[i], p.lb[i])); }
      x[i] = Math.min(Math.max(x[i], lb[i]), ub[i]); // already inside: the start and every switch keep x in the region
      q[i] = lin[i] + k * s[i];
    }
    if (capRow >= 0) {
      let hc = cap as number;
      for (let i = 0; i < n; i++) { capRowCoef[i] = s[i]; hc += s[i] * c[i]; }
      h[capRow] = hc;
    }
    const r = solveQP({ n, Q: p.S, qScale, qRidge: 2 * p.gamma, c: q, lb, ub, Aeq: [new Float64Array(n).fill(1)], beq: [p.budget], G, h }, { x0: x, workspace: p.workspace });
    x = r.x;
    // z = Hx + q + A'nu + G'nuIn (bound multipliers); switch assets at c whose condition fails
    const muCap = capRow >= 0 ? r.nuIn[capRow] : 0;
    const thr = k + muCap;
    let gscale = 1e-300, worst = 0, who = -1;
    const z = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let g = q[j] + 2 * p.gamma * x[j] + r.nuEq[0];
      const o = j * n;
      for (let i = 0; i < n; i++) g += qScale * p.S[o + i] * x[i];
      for (let gr = 0; gr < G.length; gr++) g += G[gr][j] * r.nuIn[gr];
      z[j] = g;
      gscale = Math.max(gscale, Math.abs(g));
    }
    for (let i = 0; i < n; i++) {
      if (c[i] > p.ub[i] || c[i] < p.lb[i] || p.lb[i] === p.ub[i]) continue;
      if (x[i] !== c[i]) continue; // inside its region: the QP's own condition holds
      // at c on side +1 (a lower bound of the region): z >= 0; the other side wants z - 2 thr < 0
      const v = s[i] > 0 ? z[i] - 2 * thr : -(z[i] + 2 * thr);
      if (v > SWITCH_TOL * gscale && v > worst) { worst = v; who = i; }
    }
    if (who < 0) break;
    if (++rounds > MAX_SWITCH_ROUNDS) throw new RebalError(`optimizer: the transaction-cost search did not settle in ${MAX_SWITCH_ROUNDS} rounds`);
    s[who] = -s[who] as -1 | 1;
  }
  void retRow;
  let turnover = 0;
  for (let i = 0; i < n; i++) turnover += Math.abs(x[i] - c[i]);
  return { weights: x, turnover, cost: k * turnover, rounds };
}
