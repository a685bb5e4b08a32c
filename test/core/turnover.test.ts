/**
 * REBAL.OPTIMIZE from current holdings (current + cost_bps / max_turnover) against cvxopt on the
 * textbook split formulation (test/fixtures/turnover/generate.py, 20 S&P 500 stocks), plus: no
 * feasible perturbation lowers the objective, the turnover cap holds, costs make the move smaller,
 * and errors name the limit.
 */
import { optimize, optimizeDetailed } from "../../src/core/optimize";
import { cheapestFeasible } from "../../src/core/optimize/turnover";
import { prepare } from "../../src/core/optimize/problem";
import { optimizeFn } from "../../src/functions/optimization";
import fx from "../fixtures/turnover/turnover.json";

/** cvxopt stops at a relative gap <= 1e-6 on the cap-only cases (the split is degenerate without a
 *  cost: its weights are then off by up to ~5e-5), far tighter on the others */
const VALUE_RTOL = 1e-6;
const WEIGHT_TOL = 1e-5;
const WEIGHT_TOL_CAP_ONLY = 1e-4;
const n = fx.mu.length;
const quad = (w: number[]) => w.reduce((s, wi, i) => s + wi * fx.cov[i].reduce((t, x, j) => t + x * w[j], 0), 0);
type Case = (typeof fx.cases)[number] & { k?: number; tau?: number; ub?: number; d?: number; t?: number };
function value(c: Case, w: number[]): number {
  const v = quad(w), r = w.reduce((s, x, i) => s + x * fx.mu[i], 0);
  const base = c.objective === "max_utility" ? -(r - ((c.d ?? 1) / 2) * v) : v;
  return base + (c.k ?? 0) * w.reduce((s, x, i) => s + Math.abs(x - c.current[i]), 0);
}
const turnover = (w: number[], cur: number[]) => w.reduce((s, x, i) => s + Math.abs(x - cur[i]), 0);
function opts(c: Case) {
  return { current: c.current, costBps: c.k !== undefined ? c.k * 1e4 : undefined, maxTurnover: c.tau, maxWeight: c.ub, riskAversion: c.d, targetReturn: c.t };
}

describe("re-optimising from current holdings vs cvxopt (20 stocks)", () => {
  test.each((fx.cases as Case[]).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const w = optimize(c.objective, fx.mu, fx.cov, opts(c));
    expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    w.forEach((x) => { expect(x).toBeGreaterThanOrEqual(-1e-15); expect(x).toBeLessThanOrEqual((c.ub ?? 1) + 1e-15); });
    if (c.tau !== undefined) expect(turnover(w, c.current)).toBeLessThanOrEqual(c.tau + 1e-12);
    if (c.t !== undefined) expect(w.reduce((s, x, i) => s + x * fx.mu[i], 0)).toBeGreaterThanOrEqual(c.t - 1e-12);
    const ours = value(c, w);
    // ours is never worse than cvxopt's beyond its tolerance, and the two optima agree
    expect((ours - c.value) / Math.abs(c.value)).toBeLessThan(VALUE_RTOL);
    expect(Math.abs(ours - value(c, c.weights)) / Math.abs(c.value)).toBeLessThan(VALUE_RTOL);
    expect(ours).toBeLessThanOrEqual(value(c, c.weights) + 1e-12); // at least as good as cvxopt's point
    const tol = c.k === undefined ? WEIGHT_TOL_CAP_ONLY : WEIGHT_TOL;
    expect(Math.max(...w.map((x, i) => Math.abs(x - c.weights[i])))).toBeLessThan(tol);
  });

  test("no feasible perturbation lowers the objective (pairwise moves, shrinking to stay under the cap)", () => {
    let s = 5;
    const rnd = () => { s = (s * 48271) % 2147483647; return s / 2147483647; };
    for (const c of fx.cases as Case[]) {
      if (c.t !== undefined) continue;
      const w = optimize(c.objective, fx.mu, fx.cov, opts(c));
      const best = value(c, w), ub = c.ub ?? 1;
      for (let k = 0; k < 60; k++) {
        const i = Math.floor(rnd() * n), j = Math.floor(rnd() * n);
        if (i === j) continue;
        for (const e of [1e-3, 1e-5].map((x) => x * rnd())) {
          const v = [...w];
          const step = Math.min(e, ub - v[i], v[j]);
          if (step <= 0) continue;
          v[i] += step; v[j] -= step;
          if (c.tau !== undefined && turnover(v, c.current) > c.tau) continue;
          expect(value(c, v)).toBeGreaterThanOrEqual(best - 1e-15);
        }
      }
    }
  });

  test("a higher cost moves less; cost 0 and no cap is the plain optimizer", () => {
    const cur = fx.cases[0].current;
    const moves = [1, 10, 100, 1000].map((bps) => turnover(optimize("min_volatility", fx.mu, fx.cov, { current: cur, costBps: bps }), cur));
    for (let k = 1; k < moves.length; k++) expect(moves[k]).toBeLessThanOrEqual(moves[k - 1] + 1e-12);
    const plain = optimize("min_volatility", fx.mu, fx.cov);
    const zero = optimize("min_volatility", fx.mu, fx.cov, { current: cur, costBps: 0 });
    expect(Math.max(...plain.map((x, i) => Math.abs(x - zero[i])))).toBeLessThan(1e-9);
    const p = prepare(null, fx.cov, {}, false, "min_volatility");
    expect(cheapestFeasible(p, cur).turnover).toBeLessThan(1e-12); // a feasible book needs no move
  });
});

describe("max_assets together with current (enumeration of supports with cvxopt)", () => {
  test.each(fx.cardinality_cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const cc = c as unknown as Case & { max_assets: number; support: number[] };
    const { weights: w, report } = optimizeDetailed(cc.objective, fx.mu, fx.cov, { ...opts(cc), maxAssets: cc.max_assets });
    expect(w.filter((x) => x > 0).length).toBeLessThanOrEqual(cc.max_assets);
    if (cc.tau !== undefined) expect(turnover(w, cc.current)).toBeLessThanOrEqual(cc.tau + 1e-12);
    expect((value(cc, w) - cc.value) / Math.abs(cc.value)).toBeLessThan(1e-8);
    expect(Math.abs(value(cc, w) - cc.value) / Math.abs(cc.value)).toBeLessThan(1e-7);
    expect(w.flatMap((x, i) => (x > 0 ? [i] : []))).toEqual(cc.support);
    expect(report!.gap).toBe(0);
  });
});

describe("limits and bad input", () => {
  const cur = fx.cases[0].current;
  test("errors name the limit and the argument", () => {
    const cash = cur.map((x) => x * 0.8);
    expect(() => optimize("min_volatility", fx.mu, fx.cov, { current: cash, maxTurnover: 0.1 })).toThrow(/max_turnover 0.1 is below the 0.2 turnover needed just to meet the bounds and the budget/);
    expect(() => optimize("min_volatility", fx.mu, fx.cov, { costBps: 5 })).toThrow(/cost_bps need current/);
    expect(() => optimize("min_volatility", fx.mu, fx.cov, { current: cur })).toThrow(/current needs cost_bps and\/or max_turnover/);
    expect(() => optimize("max_sharpe", fx.mu, fx.cov, { current: cur, costBps: 5 })).toThrow(/objective max_sharpe does not use current, cost_bps/);
    const top = Math.max(...fx.mu);
    expect(() => optimize("efficient_return", fx.mu, fx.cov, { current: cur, maxTurnover: 0.1, targetReturn: top - 0.01 })).toThrow(/above the maximum attainable return within max_turnover 0.1 \(about 0\.\d+\)/);
    expect(() => optimize("efficient_return", fx.mu, fx.cov, { current: cur, maxTurnover: 0.5, targetReturn: top + 0.01 })).toThrow(/above the maximum attainable return \d/);
    expect(() => optimize("min_volatility", fx.mu, fx.cov, { current: cur, costBps: -1 })).toThrow(/cost_bps must be a number >= 0/);
    expect(() => optimize("max_sharpe", fx.mu, fx.cov, { current: cur, costBps: 5, maxAssets: 4 })).toThrow(/objective max_sharpe does not use current, cost_bps/);
  });
  test("the formula's 7th argument", () => {
    const c = fx.cases[0] as Case;
    const w = optimizeFn([fx.mu], fx.cov, "min_volatility", "cost_bps=10", null, null, undefined, [c.current]);
    expect(w).toHaveLength(1);
    expect(Math.max(...(w[0] as number[]).map((x, i) => Math.abs(x - c.weights[i])))).toBeLessThan(WEIGHT_TOL);
    expect(() => optimizeFn([fx.mu], fx.cov, "min_volatility", "cost_bps=10", null, null, undefined, [c.current.map((x, i) => (i === 3 ? null : x))])).toThrow(/current value 4 is blank/);
    expect(() => optimizeFn([fx.mu], fx.cov, "min_volatility", "cost_bps=10", null, null, undefined, [c.current.slice(1)])).toThrow(/current has 19 values but there are 20 assets/);
  });
});
