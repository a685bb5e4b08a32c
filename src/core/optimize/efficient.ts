/**
 * Mean-variance optimizers (PyPortfolioOpt `EfficientFrontier` conventions, conventions.md):
 * - min_volatility: min w'Sw + gamma w'w.
 * - efficient_return(t): min w'Sw + gamma w'w s.t. mu'w >= t (the min-vol portfolio when it
 *   already earns t; otherwise the constraint binds and is solved as mu'w = t).
 * - efficient_risk(s): max mu'w - gamma w'w s.t. w'Sw <= s^2, solved through its Lagrangian:
 *   bisection on eta in min gamma w'w - mu'w + eta w'Sw until the volatility equals s (warm starts).
 * - max_utility(d): max mu'w - d/2 w'Sw - gamma w'w.
 * - max_sharpe(rf): convex transform — min y'Sy (+ gamma y'y) s.t. (mu - rf)'y = 1, with the
 *   bounds homogenised by k = sum(y) (lb k <= y <= ub k), then w = y / k.
 * All subject to sum w = 1 (0 market-neutral) and per-asset bounds; solved by the active-set QP
 * (qp.ts; the covariance is passed with a scale, not copied). Starts: min_volatility from the budget
 * spread over the 16 lowest-variance assets, max_utility / max_sharpe from the maximum-return
 * portfolio, efficient_return from a mix of the min-volatility and maximum-return portfolios that
 * earns the target, efficient_risk's bisection from its previous solution; the QP is exact from any
 * feasible start, the start only changes how much work it does.
 * Performance: (mu'w, sqrt(w'Sw), (mu'w - rf)/sqrt(w'Sw)), nothing re-annualised.
 */
import { RebalError, fmt } from "../errors";
import { OptimizeOptions, Prepared, dot, fillBudget, prepare, prepareCov, prepareMu, quad, spreadBudget } from "./problem";
import { solveQP } from "./qp";

function ones(n: number): Float64Array { return new Float64Array(n).fill(1); }

/** The Hessian sScale S + ridge I, passed to the QP as S with a scale (no n x n copy). */
function hessian(S: Float64Array, sScale: number, ridge: number): { Q: Float64Array; qScale: number; qRidge: number } {
  return { Q: S, qScale: sScale, qRidge: ridge };
}

/** Indices by ascending key, ties by index. The comparator returns small integers: a difference of
 *  doubles would be boxed on every comparison (garbage that triggers GC pauses between solves). */
function ascending(key: Float64Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < key.length; i++) idx.push(i);
  return idx.sort((a, b) => (key[a] < key[b] ? -1 : key[a] > key[b] ? 1 : a - b));
}

function byVariance(p: Prepared): number[] {
  const v = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) v[i] = p.S[i * p.n + i];
  return ascending(v);
}

function byReturn(mu: Float64Array): number[] {
  const v = new Float64Array(mu.length);
  for (let i = 0; i < mu.length; i++) v[i] = -mu[i];
  return ascending(v);
}

function finish(x: Float64Array): number[] {
  const out = Array.from(x);
  for (const v of out) if (!Number.isFinite(v)) throw new RebalError("optimizer produced a non-finite weight");
  return out;
}

export function minVolatilityPrepared(p: Prepared, x0?: Float64Array): Float64Array {
  const { n } = p;
  // default start: the budget spread over the 16 lowest-variance assets (measured: less work than
  // one asset or 8/32/64 on the bench's factor-model covariances; the solver is exact from any start)
  const start = x0 ?? spreadBudget(p.lb, p.ub, p.budget, byVariance(p), 16);
  return solveQP({ n, ...hessian(p.S, 2, 2 * p.gamma), c: new Float64Array(n), lb: p.lb, ub: p.ub, Aeq: [ones(n)], beq: [p.budget] }, { x0: start, workspace: p.workspace }).x;
}

export function maxUtilityPrepared(p: Prepared, delta: number, x0?: Float64Array): Float64Array {
  if (!Number.isFinite(delta) || delta <= 0) throw new RebalError(`risk_aversion ${delta} must be a positive number`);
  const { n } = p;
  const mu = p.mu!;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = -mu[i];
  const start = x0 ?? fillBudget(p.lb, p.ub, p.budget, byReturn(mu));
  return solveQP({ n, ...hessian(p.S, delta, 2 * p.gamma), c, lb: p.lb, ub: p.ub, Aeq: [ones(n)], beq: [p.budget] }, { x0: start, workspace: p.workspace }).x;
}

/** Maximum attainable return over the bounds and budget (greedy fill by return). */
export function maxReturnPrepared(p: Prepared): { w: Float64Array; ret: number } {
  const w = fillBudget(p.lb, p.ub, p.budget, byReturn(p.mu!));
  return { w, ret: dot(p.mu!, w) };
}

export function efficientReturnPrepared(p: Prepared, target: number, wMinVol?: Float64Array): Float64Array {
  if (!Number.isFinite(target)) throw new RebalError(`target_return must be a number, got ${target}`);
  const mu = p.mu!;
  const { w: wMax, ret: rMax } = maxReturnPrepared(p);
  const tol = 1e-12 * Math.max(1, Math.abs(rMax));
  if (target > rMax + tol) {
    throw new RebalError(`target_return ${fmt(target)} is above the maximum attainable return ${fmt(rMax)}`);
  }
  const wmv = wMinVol ?? minVolatilityPrepared(p);
  const rmv = dot(mu, wmv);
  if (rmv >= target) return wmv;
  if (target >= rMax - tol) {
    // only the max-return face is feasible: minimise variance on it
    target = rMax;
  }
  const theta = rMax - rmv > 0 ? (target - rmv) / (rMax - rmv) : 1;
  const n = p.n;
  const x0 = new Float64Array(n);
  for (let i = 0; i < n; i++) x0[i] = (1 - theta) * wmv[i] + theta * wMax[i];
  // re-project the return row exactly (rounding)
  return solveQP({ n, ...hessian(p.S, 2, 2 * p.gamma), c: new Float64Array(n), lb: p.lb, ub: p.ub, Aeq: [ones(n), Float64Array.from(mu)], beq: [p.budget, dot(mu, x0)] }, { x0, workspace: p.workspace }).x;
}

export function efficientRiskPrepared(p: Prepared, targetVol: number): Float64Array {
  if (!Number.isFinite(targetVol) || targetVol < 0) throw new RebalError(`target_volatility must be a number >= 0, got ${targetVol}`);
  const { n } = p;
  const mu = p.mu!;
  const pureMinVol = minVolatilityPrepared({ ...p, gamma: 0 });
  const volMin = Math.sqrt(Math.max(quad(p.S, pureMinVol, n), 0));
  if (targetVol < volMin * (1 - 1e-9)) {
    throw new RebalError(`target_volatility ${fmt(targetVol)} is below the minimum attainable volatility ${fmt(volMin)}`);
  }
  let sMax = 0, muMax = 0;
  for (let i = 0; i < n; i++) { sMax = Math.max(sMax, p.S[i * n + i]); muMax = Math.max(muMax, Math.abs(mu[i])); }
  const scale = Math.max(muMax, 1e-12) / Math.max(sMax, 1e-300);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = -mu[i];
  const solve = (eta: number, x0: Float64Array): Float64Array => {
    return solveQP({ n, ...hessian(p.S, 2 * eta, 2 * p.gamma), c, lb: p.lb, ub: p.ub, Aeq: [ones(n)], beq: [p.budget] }, { x0, workspace: p.workspace }).x;
  };
  const vol = (w: Float64Array): number => Math.sqrt(Math.max(quad(p.S, w, n), 0));
  let lo = Math.log(scale * 1e-9), hi = Math.log(scale * 1e9);
  let wLo = solve(Math.exp(lo), fillBudget(p.lb, p.ub, p.budget, byReturn(mu)));
  if (vol(wLo) <= targetVol) return wLo; // the volatility constraint does not bind
  let wHi = solve(Math.exp(hi), pureMinVol);
  if (vol(wHi) > targetVol) {
    // gamma keeps the volatility above the target even at high eta
    throw new RebalError(`target_volatility ${fmt(targetVol)} is below the minimum attainable volatility ${fmt(vol(wHi))} with gamma ${fmt(p.gamma)}`);
  }
  for (let it = 0; it < 200 && hi - lo > 1e-13; it++) {
    const mid = 0.5 * (lo + hi);
    const w = solve(Math.exp(mid), wHi);
    const v = vol(w);
    if (Math.abs(v - targetVol) <= 1e-12 * targetVol) return w;
    if (v > targetVol) { lo = mid; wLo = w; } else { hi = mid; wHi = w; }
  }
  void wLo;
  return wHi;
}

export function maxSharpePrepared(p: Prepared, rf: number): Float64Array {
  if (!Number.isFinite(rf)) throw new RebalError(`risk_free_rate must be a number, got ${rf}`);
  if (p.budget !== 1) throw new RebalError("max_sharpe does not support market_neutral");
  const { n } = p;
  const mu = p.mu!;
  let best = -Infinity;
  for (let i = 0; i < n; i++) best = Math.max(best, mu[i]);
  if (best <= rf) throw new RebalError(`max_sharpe needs an expected return above risk_free_rate ${fmt(rf)}: the highest is ${fmt(best)}`);
  const { w: w0, ret } = maxReturnPrepared(p);
  if (ret <= rf) throw new RebalError(`max_sharpe: within the bounds the maximum attainable return ${fmt(ret)} is not above risk_free_rate ${fmt(rf)}`);
  const ex = new Float64Array(n);
  for (let i = 0; i < n; i++) ex[i] = mu[i] - rf;
  const y0 = new Float64Array(n);
  const e0 = dot(ex, w0);
  for (let i = 0; i < n; i++) y0[i] = w0[i] / e0;
  // homogenised bounds: lb_i k <= y_i <= ub_i k, k = sum y. Simple bounds when lb_i = 0 / ub redundant.
  const allNonNeg = Array.from(p.lb).every((v) => v >= 0);
  const lbY = new Float64Array(n).fill(-Infinity), ubY = new Float64Array(n).fill(Infinity);
  const G: Float64Array[] = [], h: number[] = [];
  for (let i = 0; i < n; i++) {
    if (p.lb[i] === 0) lbY[i] = 0;
    else {
      const row = new Float64Array(n).fill(p.lb[i]); // lb_i * sum y - y_i <= 0
      row[i] -= 1;
      G.push(row); h.push(0);
    }
    if (p.ub[i] === 0) ubY[i] = 0;
    else if (!(allNonNeg && p.ub[i] >= 1)) {
      const row = new Float64Array(n).fill(-p.ub[i]); // y_i - ub_i * sum y <= 0
      row[i] += 1;
      G.push(row); h.push(0);
    }
  }
  if (!allNonNeg) { G.push(new Float64Array(n).fill(-1)); h.push(0); } // k >= 0
  const y = solveQP({ n, ...hessian(p.S, 2, 2 * p.gamma), c: new Float64Array(n), lb: lbY, ub: ubY, Aeq: [ex], beq: [1], G, h }, { x0: y0, workspace: p.workspace }).x;
  let k = 0;
  for (let i = 0; i < n; i++) k += y[i];
  if (!(k > 0)) throw new RebalError("max_sharpe: no portfolio within the bounds has a positive excess return");
  const w = new Float64Array(n);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i] / k;
    w[i] = Math.min(Math.max(v, p.lb[i]), p.ub[i]);
    clipped = Math.max(clipped, Math.abs(w[i] - v));
  }
  // y satisfies the homogenised bounds up to rounding; more than that is a solver failure, not a
  // portfolio to return
  if (clipped > 1e-9) throw new RebalError(`max_sharpe: the optimizer lost feasibility by ${fmt(clipped)} (ill-conditioned covariance)`);
  return w;
}

type Cov = ReadonlyArray<ReadonlyArray<unknown>>;
type Mu = ReadonlyArray<unknown> | null | undefined;

export function minVolatility(cov: Cov, o: OptimizeOptions = {}): number[] {
  return finish(minVolatilityPrepared(prepare(null, cov, o, false, "min_volatility")));
}
export function maxSharpe(mu: Mu, cov: Cov, o: OptimizeOptions = {}): number[] {
  return finish(maxSharpePrepared(prepare(mu, cov, o, true, "max_sharpe"), o.riskFreeRate ?? 0));
}
export function efficientReturn(mu: Mu, cov: Cov, o: OptimizeOptions = {}): number[] {
  if (o.targetReturn === undefined || o.targetReturn === null) throw new RebalError("efficient_return needs target_return");
  return finish(efficientReturnPrepared(prepare(mu, cov, o, true, "efficient_return"), o.targetReturn));
}
export function efficientRisk(mu: Mu, cov: Cov, o: OptimizeOptions = {}): number[] {
  if (o.targetVolatility === undefined || o.targetVolatility === null) throw new RebalError("efficient_risk needs target_volatility");
  return finish(efficientRiskPrepared(prepare(mu, cov, o, true, "efficient_risk"), o.targetVolatility));
}
export function maxUtility(mu: Mu, cov: Cov, o: OptimizeOptions = {}): number[] {
  return finish(maxUtilityPrepared(prepare(mu, cov, o, true, "max_utility"), o.riskAversion ?? 1));
}

export interface Performance { expectedReturn: number; volatility: number; sharpe: number }

/** (mu'w, sqrt(w'Sw), (mu'w - rf) / vol); an error when the volatility is zero. */
export function portfolioPerformance(weights: ReadonlyArray<unknown>, mu: Mu, cov: Cov, riskFreeRate = 0): Performance {
  const S = prepareCov(cov);
  const n = Math.round(Math.sqrt(S.length));
  if (!Array.isArray(weights) || weights.length !== n) throw new RebalError(`weights has ${Array.isArray(weights) ? weights.length : 0} values but cov has ${n} assets`);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = weights[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RebalError(`weight ${i + 1} is not a number`);
    w[i] = v;
  }
  const m = prepareMu(mu, n, true, "performance")!;
  if (!Number.isFinite(riskFreeRate)) throw new RebalError("risk_free_rate must be a number");
  const ret = dot(m, w);
  const vol = Math.sqrt(Math.max(quad(S, w, n), 0));
  if (!(vol > 0)) throw new RebalError("the portfolio volatility is zero: the Sharpe ratio is undefined");
  return { expectedReturn: ret, volatility: vol, sharpe: (ret - riskFreeRate) / vol };
}

export interface FrontierPoint { expectedReturn: number; volatility: number; sharpe: number; weights: number[] }

/** `points` efficient portfolios with returns evenly spaced from the min-volatility return to the maximum. */
export function efficientFrontier(mu: Mu, cov: Cov, points = 20, o: OptimizeOptions = {}): FrontierPoint[] {
  if (!Number.isInteger(points) || points < 2 || points > 1000) throw new RebalError(`points ${points} must be an integer from 2 to 1000`);
  const p = prepare(mu, cov, o, true, "frontier");
  const rf = o.riskFreeRate ?? 0;
  const wmv = minVolatilityPrepared(p);
  const r0 = dot(p.mu!, wmv);
  const r1 = maxReturnPrepared(p).ret;
  const out: FrontierPoint[] = [];
  for (let k = 0; k < points; k++) {
    const t = r0 + ((r1 - r0) * k) / (points - 1);
    const w = k === 0 ? wmv : efficientReturnPrepared(p, Math.min(t, r1), wmv);
    const ret = dot(p.mu!, w), vol = Math.sqrt(Math.max(quad(p.S, w, p.n), 0));
    out.push({ expectedReturn: ret, volatility: vol, sharpe: vol > 0 ? (ret - rf) / vol : 0, weights: finish(w) });
  }
  return out;
}
