/**
 * max_assets / min_position in REBAL.OPTIMIZE: the exact branch and bound against an exhaustive
 * enumeration of supports solved by cvxopt (test/fixtures/cardinality/generate.py, 20 S&P 500 stocks),
 * against an enumeration over our own convex solver on random problems (the search logic alone),
 * the reported gap under a node budget, the seeded genetic solver, and the errors that name limits.
 */
import { optimize, optimizeDetailed, OptimizeOptions } from "../../src/core/optimize";
import { certifiedShift, relaxation, score, CardinalityParams } from "../../src/core/optimize/cardinality";
import { isPsd } from "../../src/core/estimators/covariance";
import { prepare } from "../../src/core/optimize/problem";
import { optimizeFn } from "../../src/functions/optimization";
import fx from "../fixtures/cardinality/cardinality.json";

/** the exact search must reach the enumerated optimum (issue 16: exact on N <= 25) */
const OPTIMUM_RTOL = 1e-8;
const HELD = 1e-12;

type Case = (typeof fx.cases)[number];
function inputs(c: Case): { mu: number[]; cov: number[][] } {
  return { mu: c.assets.map((i) => fx.mu[i]), cov: c.assets.map((i) => c.assets.map((j) => fx.cov[i][j])) };
}
function options(c: Case): OptimizeOptions {
  const a = c.args as { rf?: number; d?: number; t?: number };
  return { maxAssets: c.max_assets, minPosition: c.min_position || undefined, maxWeight: c.max_weight, riskFreeRate: a.rf, riskAversion: a.d, targetReturn: a.t };
}
const quad = (S: number[][], w: number[]) => w.reduce((s, wi, i) => s + wi * S[i].reduce((t, x, j) => t + x * w[j], 0), 0);
function fixtureScore(c: Case, mu: number[], cov: number[][], w: number[]): number {
  const a = c.args as { rf?: number; d?: number };
  const v = quad(cov, w), r = w.reduce((s, x, i) => s + x * mu[i], 0);
  if (c.objective === "max_sharpe") return -(r - a.rf!) / Math.sqrt(v);
  if (c.objective === "max_utility") return -(r - (a.d! / 2) * v);
  return v;
}
function expectFeasible(w: number[], K: number, m: number, ub = 1) {
  const held = w.filter((x) => x > HELD);
  expect(held.length).toBeLessThanOrEqual(K);
  held.forEach((x) => { expect(x).toBeGreaterThanOrEqual(m - 1e-10); expect(x).toBeLessThanOrEqual(ub + 1e-10); });
  w.forEach((x) => expect(x).toBeGreaterThanOrEqual(0));
  expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
}

describe("exact branch and bound vs enumeration with cvxopt (20 stocks)", () => {
  test.each(fx.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { mu, cov } = inputs(c);
    const { weights: w, report } = optimizeDetailed(c.objective, mu, cov, options(c));
    expectFeasible(w, c.max_assets, c.min_position, c.max_weight);
    const ours = fixtureScore(c, mu, cov, w);
    expect(Math.abs(ours - c.score) / Math.abs(c.score)).toBeLessThan(OPTIMUM_RTOL);
    expect(w.flatMap((x, i) => (x > HELD ? [i] : []))).toEqual(c.support);
    expect(report!.gap).toBe(0);
    expect(["exact", "exact+genetic"]).toContain(report!.solver); // auto: the genetic answer may be the one the exact search proves
    if (c.objective === "efficient_return") expect(w.reduce((s, x, i) => s + x * mu[i], 0)).toBeGreaterThanOrEqual((c.args as { t: number }).t - 1e-9);
  });

  test("the formula: output=summary reports a proven optimum; weights keep the orientation", () => {
    const c = fx.cases[0];
    const { mu, cov } = inputs(c);
    const rows = optimizeFn([mu], cov, "min_volatility", "max_assets=3; output=summary", null, null);
    const table = Object.fromEntries(rows.map((r) => [r[0], r[1]]));
    expect(table.status).toBe("optimal (proven)");
    expect(table.gap).toBe(0);
    expect(table.held).toBe(3);
    expect(Math.abs((table.volatility as number) - Math.sqrt(c.score)) / Math.sqrt(c.score)).toBeLessThan(1e-8);
    const w = optimizeFn([mu], cov, "min_volatility", [["max_assets", 3]], null, null);
    expect(w).toHaveLength(1);
    expect(w[0].filter((x) => (x as number) > 0)).toHaveLength(3);
  });
});

describe("branch and bound vs enumeration over the same convex solver (random problems)", () => {
  function rand(seed: number) { let s = seed; return () => { s = (s * 48271) % 2147483647; return s / 2147483647; }; }
  function problem(seed: number, n: number) {
    const r = rand(seed);
    const B = Array.from({ length: n }, () => [r() - 0.3, r() - 0.5]);
    const cov = B.map((bi, i) => B.map((bj, j) => 0.05 * (bi[0] * bj[0] + bi[1] * bj[1]) + (i === j ? 0.01 + 0.04 * r() : 0)));
    const mu = Array.from({ length: n }, () => 0.02 + 0.12 * r());
    return { mu, cov };
  }
  function* subsets(n: number, k: number, start = 0, acc: number[] = []): Generator<number[]> {
    if (acc.length === k) { yield acc; return; }
    for (let i = start; i < n; i++) yield* subsets(n, k, i + 1, [...acc, i]);
  }
  test.each([
    ["min_volatility", 3, 0], ["min_volatility", 4, 0.15], ["max_sharpe", 2, 0], ["max_sharpe", 3, 0.2], ["max_utility", 3, 0.1], ["efficient_risk", 3, 0],
  ] as const)("%s K=%d min_position %d", (objective, K, m) => {
    for (const seed of [3, 17, 101]) {
      const n = 9;
      const { mu, cov } = problem(seed, n);
      const o: OptimizeOptions = { maxAssets: K, minPosition: m || undefined, riskFreeRate: 0.01, riskAversion: 3, targetVolatility: 0.2 };
      const p = prepare(mu, cov, o, true, objective);
      const c: CardinalityParams = { objective, maxAssets: K, minPosition: m, riskFreeRate: 0.01, riskAversion: 3, targetVolatility: 0.2 };
      let best = Infinity;
      for (let k = 1; k <= K; k++) for (const S of subsets(n, k)) {
        const lb = new Float64Array(n), ub = new Float64Array(n);
        for (const i of S) { lb[i] = m; ub[i] = 1; }
        if (k * m > 1) continue;
        const r = relaxation(p, c, lb, ub);
        if (r) best = Math.min(best, r.score);
      }
      let res: ReturnType<typeof optimizeDetailed>;
      try { res = optimizeDetailed(objective, mu, cov, o); } catch { expect(best).toBe(Infinity); continue; }
      expectFeasible(res.weights, K, m);
      const s = score(p, c, res.weights);
      expect(Math.abs(s - best)).toBeLessThanOrEqual(1e-9 * Math.abs(best));
      expect(res.report!.gap).toBe(0);
    }
  });
});

describe("the covariance split behind the second bound", () => {
  test("S - delta I stays positive definite and delta is close to the smallest eigenvalue", () => {
    const n = fx.cov.length;
    const S = Float64Array.from(fx.cov.flat());
    const d = certifiedShift(S, n);
    expect(d).toBeGreaterThan(0);
    const M = Float64Array.from(S);
    for (let i = 0; i < n; i++) M[i * n + i] -= d;
    expect(isPsd(M, n)).toBe(true);
    // a little more (beyond the 5% margin) is no longer PSD: delta is near lambda_min, not a loose guess
    for (let i = 0; i < n; i++) M[i * n + i] -= 0.1 * d;
    expect(isPsd(M, n)).toBe(false);
    const singular = new Float64Array(4).fill(1); // [[1,1],[1,1]]
    expect(certifiedShift(singular, 2)).toBe(0);
  });
});

describe("node budget, genetic solver, limits", () => {
  const c = fx.cases[1]; // min_volatility K=5, min_position 0.05
  const { mu, cov } = inputs(c);

  test("a small node budget returns a feasible answer with an honest gap", () => {
    const { weights, report } = optimizeDetailed("min_volatility", mu, cov, { ...options(c), maxNodes: 4, solver: "exact" });
    expectFeasible(weights, 5, 0.05);
    expect(report!.nodes).toBeLessThanOrEqual(4 + 4 * mu.length); // max_nodes, plus the first dive (at most 4 n)
    expect(report!.bound).toBeLessThanOrEqual(c.score * (1 + 1e-9));
    expect(report!.score).toBeGreaterThanOrEqual(c.score * (1 - 1e-9));
    expect(report!.gap).toBeCloseTo((report!.score - report!.bound) / report!.score, 12);
  });

  test("solver=auto (default): the genetic answer seeds the exact search; a budget-stopped search keeps an honest bound", () => {
    const genetic = optimizeDetailed("min_volatility", mu, cov, { ...options(c), solver: "genetic" });
    const auto = optimizeDetailed("min_volatility", mu, cov, { ...options(c), maxNodes: 30 });
    expectFeasible(auto.weights, 5, 0.05);
    expect(auto.report!.score).toBeLessThanOrEqual(genetic.report!.score);
    expect(auto.report!.score).toBeGreaterThanOrEqual(c.score * (1 - 1e-9));
    expect(auto.report!.bound).toBeLessThanOrEqual(c.score * (1 + 1e-9));
    expect(auto.report!.gap).toBeCloseTo((auto.report!.score - auto.report!.bound) / auto.report!.score, 12);
    expect(["exact", "exact+genetic"]).toContain(auto.report!.solver);
  });

  test("solver=genetic: feasible, reproducible with a seed, near the exact optimum", () => {
    for (const cc of fx.cases.slice(0, 6)) {
      const { mu: m2, cov: c2 } = inputs(cc);
      const a = optimizeDetailed(cc.objective, m2, c2, { ...options(cc), solver: "genetic", seed: 7 });
      const b = optimizeDetailed(cc.objective, m2, c2, { ...options(cc), solver: "genetic", seed: 7 });
      expect(a.weights).toEqual(b.weights);
      expectFeasible(a.weights, cc.max_assets, cc.min_position, cc.max_weight);
      const s = fixtureScore(cc, m2, c2, a.weights);
      expect((s - cc.score) / Math.abs(cc.score)).toBeLessThan(5e-3); // within 0.5% of the optimum
      expect(a.report!.solver).toBe("genetic");
      expect(a.report!.gap).toBeGreaterThanOrEqual(0);
    }
  });

  test("infeasible or misplaced requests name the limit", () => {
    expect(() => optimize("min_volatility", mu, cov, { maxAssets: 3, maxWeight: 0.2 })).toThrow(/max_assets 3 is below the 5 assets the upper bounds need/);
    expect(() => optimize("min_volatility", mu, cov, { maxAssets: 2, lower: mu.map((_, i) => (i < 3 ? 0.1 : null)) })).toThrow(/max_assets 2 is below the 3 assets that must be held/);
    expect(() => optimize("min_volatility", mu, cov, { minPosition: 0.3, lower: mu.map((_, i) => (i < 4 ? 0.01 : null)) })).toThrow(/min_position 0.3: the 4 assets that must be held need 1.2/);
    expect(() => optimize("min_volatility", mu, cov, { maxAssets: 2.5 })).toThrow(/max_assets must be a whole number/);
    expect(() => optimize("min_volatility", mu, cov, { maxAssets: 3, minWeight: -0.1 })).toThrow(/need long-only bounds/);
    expect(() => optimize("hrp", mu, cov, { maxAssets: 3 })).toThrow(/objective hrp does not use max_assets/);
    expect(() => optimize("min_volatility", mu, cov, { maxNodes: 10 })).toThrow(/max_nodes apply only with max_assets or min_position/);
    expect(() => optimize("min_volatility", mu, cov, { maxAssets: 3, seed: 3, solver: "exact" })).toThrow(/seed applies only with solver=genetic or auto/);
    expect(() => optimize("efficient_return", mu, cov, { maxAssets: 1, targetReturn: Math.max(...mu) + 0.01 })).toThrow(/max_assets 1.*target out of reach|above the maximum attainable/);
    expect(() => optimizeFn([mu], cov, "min_volatility", "max_assets=3; output=everything", null, null)).toThrow(/output must be one of weights, summary/);
    expect(() => optimizeFn([mu], cov, "min_volatility", "max_assets=three", null, null)).toThrow(/max_assets must be a number/);
  });
});
