/**
 * Cardinality and minimum positions in REBAL.OPTIMIZE: `max_assets` K (at most K non-zero weights) and
 * `min_position` m (a held weight is at least m), for the mean-variance objectives min_volatility,
 * max_sharpe, efficient_return, efficient_risk and max_utility (long only).
 *
 * Exact branch and bound over the existing convex solvers (efficient.ts, the active-set QP): each node
 * fixes some assets out (weight 0) and some in (weight in [max(lb, m), ub]; they count toward K); the
 * others are relaxed to [0, ub] (lb must be 0 for them: a positive lower bound means held). A node's
 * convex relaxation is solved exactly, so its score bounds every portfolio below it:
 * - min_volatility, efficient_return: w'Sw + gamma w'w;
 * - efficient_risk: -mu'w + gamma w'w (PyPortfolioOpt's objective under the volatility cap);
 * - max_utility(d): -(mu'w - d/2 w'Sw - gamma w'w);
 * - max_sharpe: the convex transform's objective y'(S + gamma I)y at y = w / ((mu - rf)'w), i.e.
 *   1 / Sharpe^2 when gamma = 0 — restricting the box can only raise it.
 * Scores are minimised. A relaxation whose support has at most K assets, each held at >= m, is feasible
 * (an incumbent). Otherwise it branches: on an asset held below m if there is one, else on the
 * undecided asset with the largest weight ("in" keeps the relaxation, so "in" chains cost no solve; once
 * K are in, every other asset is out). Nodes are explored best-first (lowest parent score), after a
 * depth-first dive that takes the heaviest assets in (falling back to "out" where that fails), for an
 * early incumbent; the dive may exceed max_nodes (at most DIVE_NODES_PER_ASSET n relaxations) so that
 * a budget-stopped search still returns a feasible portfolio. A node is pruned when its
 * score is within PRUNE_RTOL of the incumbent. The search stops at `max_nodes` relaxations (default
 * DEFAULT_MAX_NODES): the result then reports the proven relative gap (incumbent - best open bound) /
 * |incumbent|, 0 when the search finished (proven optimal).
 * `solver=genetic` runs a seeded, reproducible genetic search over supports instead (genetic.ts); the
 * default `solver=auto` runs the genetic search first and gives its portfolio to this search as the
 * incumbent (more pruning from the first node), then reports this search's proven bound and gap
 * (index.ts optimizeDetailed).
 * Measured (tsx, 2 shared cores, load 2-7): N = 20, K = 5, min_position 0.05: proven in ~1,100
 * relaxations, 0.6-0.8 s; N = 50 factor model, K = 15: max-Sharpe proven in 89 (0.1 s), min-volatility
 * stops at 2,000 with a 0.6% gap (0.9 s); N = 100, K = 15: gaps 8-13% after 2,000 (1-1.5 s) — the
 * genetic search (0.1-0.35 s) finds the best known portfolio there, and solver=auto returns it with
 * the exact search's bound (0.7-2 s).
 * With `current` and cost_bps / max_turnover (turnover.ts), each node solves the from-current problem
 * (min_volatility, max_utility, efficient_return) and the scores include the transaction cost.
 * Infeasible requests (K below what the bounds need to reach the budget, a minimum position that the
 * forced holdings cannot afford) are errors naming the limit.
 */
import { RebalError, fmt } from "../errors";
import { efficientReturnPrepared, efficientRiskPrepared, maxSharpePrepared, maxUtilityPrepared, minVolatilityPrepared } from "./efficient";
import { isPsd } from "../estimators/covariance";
import { Prepared, dot, nameOf, quad } from "./problem";
import { TurnoverObjective, optimizeFromCurrent } from "./turnover";

export const CARDINALITY_OBJECTIVES = ["min_volatility", "max_sharpe", "efficient_return", "efficient_risk", "max_utility"] as const;
export type CardinalityObjective = (typeof CARDINALITY_OBJECTIVES)[number];

/** Relaxations solved before the search stops and reports its gap. */
export const DEFAULT_MAX_NODES = 2000;
/** A weight at or below this is not held (the active-set solver returns exact zeros on bounds). */
export const HELD_TOL = 1e-12;
/** A held weight this far below min_position still counts as meeting it (rounding). */
const MIN_POSITION_TOL = 1e-10;
/** The first dive for an incumbent may solve up to this many relaxations per asset, max_nodes or not. */
const DIVE_NODES_PER_ASSET = 4;
/** A node whose bound is within this relative distance of the incumbent cannot improve it. */
export const PRUNE_RTOL = 1e-10;

export interface CardinalityParams {
  objective: CardinalityObjective;
  /** max_assets K (default: no limit) */
  maxAssets?: number;
  /** min_position m (default 0) */
  minPosition?: number;
  maxNodes?: number;
  riskFreeRate?: number;
  targetReturn?: number;
  targetVolatility?: number;
  riskAversion?: number;
  /** re-optimising from current holdings (turnover.ts): min_volatility, max_utility, efficient_return */
  fromCurrent?: { current: ArrayLike<number>; costBps?: number; maxTurnover?: number };
}

export interface CardinalityResult {
  weights: Float64Array;
  /** the objective's score (see header; lower is better) */
  score: number;
  /** best proven lower bound on the score */
  bound: number;
  /** (score - bound) / |score|, 0 = proven optimal */
  gap: number;
  nodes: number;
  held: number;
  solver: "exact" | "genetic" | "exact+genetic";
}

/** Checks K and m against the bounds; returns the per-asset status at the root (1 in, -1 out, 0 undecided). */
export function cardinalityRoot(p: Prepared, K: number, m: number): Int8Array {
  const { n, lb, ub } = p;
  if (p.budget !== 1) throw new RebalError("max_assets and min_position do not support market_neutral");
  if (!Number.isInteger(K) || K < 1) throw new RebalError(`max_assets must be a whole number >= 1, got ${fmt(K)}`);
  if (!Number.isFinite(m) || m < 0 || m > 1) throw new RebalError(`min_position must be a number from 0 to 1, got ${fmt(m)}`);
  const st = new Int8Array(n);
  let forced = 0, forcedLb = 0;
  for (let i = 0; i < n; i++) {
    if (lb[i] < 0) throw new RebalError(`max_assets and min_position need long-only bounds: ${nameOf(i, p.names)} has lower bound ${fmt(lb[i])}`);
    if (lb[i] > 0) {
      if (ub[i] < m) throw new RebalError(`${nameOf(i, p.names)} must be held (lower bound ${fmt(lb[i])}) but its upper bound ${fmt(ub[i])} is below min_position ${fmt(m)}`);
      st[i] = 1; forced++; forcedLb += Math.max(lb[i], m);
    } else if (ub[i] <= 0 || ub[i] < m) st[i] = -1;
  }
  if (forced > K) throw new RebalError(`max_assets ${K} is below the ${forced} assets that must be held (positive lower bounds)`);
  if (forcedLb > 1 + 1e-12) throw new RebalError(`min_position ${fmt(m)}: the ${forced} assets that must be held need ${fmt(forcedLb)}, above the budget 1`);
  // the fewest assets that can reach the budget: the forced ones, then the largest upper bounds
  let cap = 0;
  for (let i = 0; i < n; i++) if (st[i] === 1) cap += ub[i];
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => st[i] === 0).sort((a, b) => ub[b] - ub[a] || a - b);
  let need = forced;
  for (const i of rest) { if (cap >= 1 - 1e-12) break; cap += ub[i]; need++; }
  if (cap < 1 - 1e-12) throw new RebalError(`the bounds cannot reach the budget with min_position ${fmt(m)}: assets with an upper bound below it cannot be held`);
  if (need > K) throw new RebalError(`max_assets ${K} is below the ${need} assets the upper bounds need to reach the budget (at least ${need} must be held)`);
  return st;
}

/** Node bounds from the statuses. */
function nodeBounds(p: Prepared, st: Int8Array, m: number, lb: Float64Array, ub: Float64Array): boolean {
  let sl = 0, su = 0;
  for (let i = 0; i < p.n; i++) {
    if (st[i] < 0) { lb[i] = 0; ub[i] = 0; }
    else if (st[i] > 0) { lb[i] = Math.max(p.lb[i], m); ub[i] = p.ub[i]; }
    else { lb[i] = 0; ub[i] = p.ub[i]; }
    sl += lb[i]; su += ub[i];
  }
  return sl <= 1 + 1e-12 && su >= 1 - 1e-12;
}

/** The convex solve of `objective` on bounds (lb, ub) and its score; null when the node is infeasible. */
export function relaxation(p: Prepared, c: CardinalityParams, lb: Float64Array, ub: Float64Array): { w: Float64Array; score: number } | null {
  const q: Prepared = { ...p, lb, ub };
  let w: Float64Array;
  try {
    if (c.fromCurrent) {
      w = optimizeFromCurrent(q, { objective: c.objective as TurnoverObjective, ...c.fromCurrent, riskAversion: c.riskAversion, targetReturn: c.targetReturn }).weights;
      return { w, score: score(p, c, w) };
    }
    switch (c.objective) {
      case "min_volatility": w = minVolatilityPrepared(q); break;
      case "max_utility": w = maxUtilityPrepared(q, c.riskAversion ?? 1); break;
      case "efficient_return": w = efficientReturnPrepared(q, c.targetReturn as number); break;
      case "efficient_risk": w = efficientRiskPrepared(q, c.targetVolatility as number); break;
      case "max_sharpe": w = maxSharpePrepared(q, c.riskFreeRate ?? 0); break;
    }
  } catch (e) {
    if (e instanceof RebalError) return null; // infeasible on this node (target out of reach, no excess return)
    throw e;
  }
  return { w, score: score(p, c, w) };
}

/** The objective's score of w (see header). */
export function score(p: Prepared, c: CardinalityParams, w: ArrayLike<number>): number {
  const { n } = p;
  const v = quad(p.S, w, n);
  let ww = 0;
  for (let i = 0; i < n; i++) ww += w[i] * w[i];
  const mu = p.mu;
  let cost = 0; // transaction cost k |w - current|_1 (turnover.ts), in the objective's units
  if (c.fromCurrent?.costBps) { for (let i = 0; i < n; i++) cost += Math.abs(w[i] - c.fromCurrent.current[i]); cost *= c.fromCurrent.costBps / 10000; }
  switch (c.objective) {
    case "min_volatility": case "efficient_return": return v + p.gamma * ww + cost;
    case "efficient_risk": return -dot(mu!, w) + p.gamma * ww;
    case "max_utility": return -(dot(mu!, w) - ((c.riskAversion ?? 1) / 2) * v - p.gamma * ww) + cost;
    case "max_sharpe": {
      const ex = dot(mu!, w) - (c.riskFreeRate ?? 0);
      return ex > 0 ? (v + p.gamma * ww) / (ex * ex) : Infinity;
    }
  }
}

/** Fraction of the estimated smallest eigenvalue used as the certified shift delta (S - delta I PSD). */
const SHIFT_FRACTION = 0.95;

/**
 * A certified delta > 0 with S - delta I positive definite (Cholesky), from an inverse-iteration
 * estimate of S's smallest eigenvalue; 0 when S is singular or the objective has no variance term to split.
 */
export function certifiedShift(S: Float64Array, n: number): number {
  // Cholesky of S
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = S[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) return 0;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = S[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / ljj;
    }
  }
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let lam = Infinity;
  for (let it = 0; it < 60; it++) {
    const y = Float64Array.from(v); // solve L L' y = v
    for (let i = 0; i < n; i++) { let t = y[i]; for (let k = 0; k < i; k++) t -= L[i * n + k] * y[k]; y[i] = t / L[i * n + i]; }
    for (let i = n - 1; i >= 0; i--) { let t = y[i]; for (let k = i + 1; k < n; k++) t -= L[k * n + i] * y[k]; y[i] = t / L[i * n + i]; }
    let nn = 0;
    for (let i = 0; i < n; i++) nn += y[i] * y[i];
    nn = Math.sqrt(nn);
    if (!(nn > 0) || !Number.isFinite(nn)) return 0;
    for (let i = 0; i < n; i++) y[i] /= nn;
    const next = quad(S, y, n); // Rayleigh quotient: >= lambda_min
    v = y;
    if (Math.abs(next - lam) <= 1e-6 * next) { lam = next; break; }
    lam = next;
  }
  for (let delta = SHIFT_FRACTION * lam, tries = 0; tries < 6 && delta > 0; tries++, delta *= 0.5) {
    const M = Float64Array.from(S);
    for (let i = 0; i < n; i++) M[i * n + i] -= delta;
    if (isPsd(M, n)) return delta;
  }
  return 0;
}

/** bound: the node's lower bound; w, score: the parent's relaxation when it is still this node's */
interface Node { st: Int8Array; bound: number; w: Float64Array | null; score?: number }

/** Binary heap of nodes by bound (lowest first); caller-owned, no module state. */
class NodeHeap {
  private a: Node[] = [];
  get size(): number { return this.a.length; }
  push(x: Node): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) { const j = (i - 1) >> 1; if (a[j].bound <= a[i].bound) break; [a[i], a[j]] = [a[j], a[i]]; i = j; }
  }
  pop(): Node {
    const a = this.a, top = a[0], last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let s = i;
        if (l < a.length && a[l].bound < a[s].bound) s = l;
        if (r < a.length && a[r].bound < a[s].bound) s = r;
        if (s === i) break;
        [a[i], a[s]] = [a[s], a[i]]; i = s;
      }
    }
    return top;
  }
  minBound(): number { return this.a.length ? this.a[0].bound : Infinity; }
}

/** Exact branch and bound (see header). */
export function cardinalityBranchAndBound(p: Prepared, c: CardinalityParams, incumbent?: { weights: Float64Array; score: number }): CardinalityResult {
  const n = p.n;
  const K = c.maxAssets ?? n;
  const m = c.minPosition ?? 0;
  const maxNodes = c.maxNodes ?? DEFAULT_MAX_NODES;
  if (!Number.isInteger(maxNodes) || maxNodes < 1) throw new RebalError(`max_nodes must be a whole number >= 1, got ${fmt(maxNodes)}`);
  const root = cardinalityRoot(p, K, m);
  const lb = new Float64Array(n), ub = new Float64Array(n);
  // a known feasible portfolio (the genetic search's, solver=auto) prunes from the start
  let best: Float64Array | null = incumbent ? Float64Array.from(incumbent.weights) : null, bestScore = incumbent ? incumbent.score : Infinity, nodes = 0;
  // Perspective-style bound (min_volatility, efficient_return, max_utility): with S = S' + delta I,
  // S' PSD, every K-sparse w with sum w = 1 has |w|^2 >= 1/K, so its score is at least the convex
  // optimum with S' plus (c delta + gamma) / K (c = 1, or d/2 for max_utility): a second bound per
  // node, often far above the plain relaxation when S has a large idiosyncratic part.
  const splits = c.objective === "min_volatility" || c.objective === "efficient_return" || c.objective === "max_utility";
  const delta = splits ? certifiedShift(p.S, n) : 0;
  const coef = c.objective === "max_utility" ? (c.riskAversion ?? 1) / 2 : 1;
  const extra = (coef * delta + p.gamma) / K;
  let pShift: Prepared | null = null;
  if (extra > 0) {
    const Sp = Float64Array.from(p.S);
    for (let i = 0; i < n; i++) Sp[i * n + i] -= delta;
    pShift = { ...p, S: Sp, gamma: 0 };
  }
  const shiftedBound = (nlb: Float64Array, nub: Float64Array): number => {
    if (!pShift) return -Infinity;
    const r = relaxation(pShift, c, nlb, nub);
    return r ? r.score + extra : Infinity;
  };
  const heap = new NodeHeap();

  // the first dive (for an incumbent) runs past max_nodes, up to DIVE_NODES_PER_ASSET n relaxations
  const diveCap = DIVE_NODES_PER_ASSET * n;
  let diveNodes = 0;
  /**
   * Expands a node: solves (unless the parent's solution is still the relaxation), updates the
   * incumbent or pushes children. A dive follows the "in" child depth first and falls back to the
   * "out" child; it returns whether it found an incumbent.
   */
  const expand = (st: Int8Array, wParent: Float64Array | null, parentScore: number, dive: boolean, parentBound = -Infinity): boolean => {
    // "in" chains: fill K, then everything undecided is out
    let inCount = 0;
    for (let i = 0; i < n; i++) if (st[i] > 0) inCount++;
    if (inCount > K) return false;
    if (inCount === K) for (let i = 0; i < n; i++) if (st[i] === 0) st[i] = -1;
    let w = wParent, sc = parentScore, nb = Math.max(parentBound, parentScore); // nb: this node's lower bound
    const stale = w === null || Array.from(st).some((s, i) => (s < 0 && w![i] > HELD_TOL) || (s > 0 && w![i] < Math.max(p.lb[i], m) - MIN_POSITION_TOL));
    if (stale) {
      if (!nodeBounds(p, st, m, lb, ub)) return false;
      if (dive ? diveNodes >= diveCap : nodes >= maxNodes) { heap.push({ st, bound: nb, w: null, score: parentScore }); return false; }
      nodes++;
      if (dive) diveNodes++;
      const r = relaxation(p, c, Float64Array.from(lb), Float64Array.from(ub));
      if (!r) return false;
      w = r.w; sc = r.score;
      nb = Math.max(nb, sc);
      // the shifted bound can only prune, once there is an incumbent to prune against
      if (best !== null && nb < bestScore - PRUNE_RTOL * Math.abs(bestScore)) nb = Math.max(nb, shiftedBound(Float64Array.from(lb), Float64Array.from(ub)));
    }
    if (nb >= bestScore - PRUNE_RTOL * Math.abs(bestScore)) return false;
    // feasibility and branching choice
    let held = 0, below = -1, belowGap = 0, heavy = -1;
    for (let i = 0; i < n; i++) {
      const x = w![i];
      if (x <= HELD_TOL) continue;
      held++;
      if (st[i] === 0) {
        if (x < m - MIN_POSITION_TOL && m - x > belowGap) { belowGap = m - x; below = i; }
        if (heavy < 0 || x > w![heavy]) heavy = i;
      }
    }
    if (held <= K && below < 0) { best = w; bestScore = sc; return true; }
    const j = below >= 0 ? below : heavy;
    if (j < 0) return false; // cannot happen: an infeasible relaxation has an undecided held asset
    const stIn = Int8Array.from(st); stIn[j] = 1;
    const stOut = Int8Array.from(st); stOut[j] = -1;
    if (dive) {
      if (expand(stIn, w, sc, true, nb)) { heap.push({ st: stOut, bound: nb, w: null, score: sc }); return true; }
      return expand(stOut, null, sc, true, nb);
    }
    heap.push({ st: stIn, bound: nb, w, score: sc });
    heap.push({ st: stOut, bound: nb, w: null, score: sc });
    return false;
  };

  expand(Int8Array.from(root), null, -Infinity, true);
  while (heap.size > 0 && nodes < maxNodes) {
    const nd = heap.pop();
    if (nd.bound >= bestScore - PRUNE_RTOL * Math.abs(bestScore)) { continue; }
    expand(nd.st, nd.w, nd.score ?? nd.bound, false, nd.bound);
  }
  // open nodes that could still improve bound the answer
  let bound = bestScore;
  while (heap.size > 0) {
    const nd = heap.pop();
    if (nd.bound < bestScore - PRUNE_RTOL * Math.abs(bestScore)) { bound = Math.min(bound, nd.bound); break; } // heap order: the first is the lowest
  }
  if (best === null) {
    if (nodes >= maxNodes) throw new RebalError(`max_assets / min_position: no feasible portfolio found within max_nodes ${maxNodes}: raise max_nodes or try solver=genetic`);
    throw new RebalError(`no portfolio meets max_assets ${K}${m > 0 ? ` and min_position ${fmt(m)}` : ""} with this objective's constraints (target out of reach for every allowed set of assets)`);
  }
  const wBest = best as Float64Array;
  let held = 0;
  for (let i = 0; i < n; i++) { if (wBest[i] <= HELD_TOL) wBest[i] = 0; else held++; }
  const gap = bound >= bestScore ? 0 : (bestScore - bound) / Math.max(Math.abs(bestScore), 1e-300);
  return { weights: wBest, score: bestScore, bound: Math.min(bound, bestScore), gap, nodes, held, solver: "exact" };
}
