import fc from "fast-check";
import { RebalError } from "../../src/core/errors";
import { optimize, portfolioPerformance, efficientFrontier, allocateGreedy, allocateLp, OptimizeOptions } from "../../src/core/optimize";
import { solveQP } from "../../src/core/optimize/qp";
import fx from "../fixtures/optimize/optimize.json";
import qpfx from "../fixtures/qp/qp.json";

const mu = fx.mu, cov = fx.cov;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function expectPerf(w: number[], ref: { ret: number; vol: number }, m = mu, S = cov, tol = 1e-6) {
  const p = portfolioPerformance(w, m, S);
  expect(rel(p.expectedReturn, ref.ret)).toBeLessThan(tol);
  expect(rel(p.volatility, ref.vol)).toBeLessThan(tol);
  expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
}
const n = mu.length;
const C = fx.cases;

describe("optimizers vs cvxopt (20 sp500 assets, 500 days)", () => {
  const cases: Array<[string, string, OptimizeOptions, { ret: number; vol: number }]> = [
    ["min_volatility", "min_volatility", {}, C.min_volatility],
    ["min_volatility 1%..15%", "min_volatility", { minWeight: 0.01, maxWeight: 0.15 }, C.min_volatility_bounds],
    ["min_volatility gamma 0.1", "min_volatility", { gamma: 0.1 }, C.min_volatility_gamma],
    ["min_volatility shorts [-1,1]", "min_volatility", { minWeight: -1 }, C.min_volatility_shorts],
    ["max_sharpe rf 2%", "max_sharpe", { riskFreeRate: 0.02 }, C.max_sharpe],
    ["max_sharpe 2%..20%", "max_sharpe", { riskFreeRate: 0.02, lower: new Array(n).fill(0.02), upper: new Array(n).fill(0.2) }, C.max_sharpe_bounds],
    ["max_sharpe shorts", "max_sharpe", { minWeight: -1 }, C.max_sharpe_shorts],
    ["efficient_return", "efficient_return", { targetReturn: fx.targets.efficient_return }, C.efficient_return],
    ["efficient_return gamma", "efficient_return", { targetReturn: fx.targets.efficient_return, gamma: 0.05 }, C.efficient_return_gamma],
    ["efficient_risk", "efficient_risk", { targetVolatility: fx.targets.efficient_risk }, C.efficient_risk],
    ["max_utility", "max_utility", {}, C.max_utility],
    ["max_utility d=5 gamma", "max_utility", { riskAversion: 5, gamma: 0.01 }, C.max_utility_5],
  ];
  test.each(cases)("%s", (_n, obj, o, ref) => expectPerf(optimize(obj, mu, cov, o), ref));

  test("95x95 ill-conditioned covariance", () => {
    const b = fx.cov95;
    expectPerf(optimize("min_volatility", b.mu, b.cov), b.min_volatility, b.mu, b.cov);
    expectPerf(optimize("max_sharpe", b.mu, b.cov, { riskFreeRate: 0.02 }), b.max_sharpe, b.mu, b.cov);
    expectPerf(optimize("max_sharpe", b.mu, b.cov, { riskFreeRate: 0.02, maxWeight: 0.05 }), b.max_sharpe_cap, b.mu, b.cov);
    expectPerf(optimize("efficient_return", b.mu, b.cov, { targetReturn: b.target_return }), b.efficient_return, b.mu, b.cov);
  });

  test("hrp, inverse variance, equal", () => {
    optimize("hrp", null, cov).forEach((v, i) => expect(rel(v, fx.hrp.weights[i])).toBeLessThan(1e-9));
    optimize("inverse_variance", null, cov).forEach((v, i) => expect(rel(v, fx.inverse_variance[i])).toBeLessThan(1e-12));
    expect(optimize("equal", null, cov)).toEqual(new Array(n).fill(1 / n));
  });

  test("risk parity: matches Newton reference and equalises risk contributions", () => {
    const w = optimize("risk_parity", null, cov);
    w.forEach((v, i) => expect(rel(v, fx.risk_parity[i])).toBeLessThan(1e-8));
    const Sw = cov.map((r) => r.reduce((s, v, j) => s + v * w[j], 0));
    const rc = w.map((v, i) => v * Sw[i]);
    const tot = rc.reduce((a, b) => a + b, 0);
    rc.forEach((v) => expect(Math.abs(v / tot - 1 / n)).toBeLessThan(1e-10));
  });

  test("frontier is monotone and starts at min volatility", () => {
    const f = efficientFrontier(mu, cov, 8);
    expect(rel(f[0].volatility, C.min_volatility.vol)).toBeLessThan(1e-6);
    for (let k = 1; k < f.length; k++) {
      expect(f[k].expectedReturn).toBeGreaterThan(f[k - 1].expectedReturn);
      expect(f[k].volatility).toBeGreaterThanOrEqual(f[k - 1].volatility - 1e-12);
    }
  });
});

describe("infeasible and bad requests say so", () => {
  test("target return above the maximum names the attainable maximum", () => {
    expect(() => optimize("efficient_return", mu, cov, { targetReturn: 9 })).toThrow(/target_return 9 is above the maximum attainable return 0\.\d+/);
  });
  test("target volatility below the minimum", () => {
    expect(() => optimize("efficient_risk", mu, cov, { targetVolatility: 0.01 })).toThrow(/target_volatility 0.01 is below the minimum attainable volatility 0\.\d+/);
  });
  test("infeasible bounds", () => {
    expect(() => optimize("min_volatility", null, cov, { maxWeight: 0.01 })).toThrow(/upper bounds sum to 0.2, below the budget 1/);
    expect(() => optimize("min_volatility", null, cov, { lower: [0.5, ...new Array(n - 1).fill(null)], upper: [0.4, ...new Array(n - 1).fill(null)] })).toThrow(/asset 1 has lower bound 0.5 above its upper bound 0.4/);
  });
  test("max_sharpe when every return is at or below rf", () => {
    expect(() => optimize("max_sharpe", mu, cov, { riskFreeRate: 5 })).toThrow(/above risk_free_rate 5/);
  });
  test("unknown objective", () => expect(() => optimize("maximum", mu, cov)).toThrow(/unknown objective "maximum"/));
});

// ---- optimality on random problems -------------------------------------------------------
function rng(seed: number) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; }; }
function randomProblem(seed: number, N: number, T: number) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  const X = Array.from({ length: T }, () => Array.from({ length: N }, () => gauss()));
  const S = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => X.reduce((s, row) => s + row[i] * row[j], 0) / T * 0.04));
  const m = Array.from({ length: N }, () => 0.02 + 0.2 * r());
  return { S, m, r };
}
const objective = (w: number[], S: number[][], m: number[], d: number) => 0.5 * d * w.reduce((s, wi, i) => s + wi * S[i].reduce((t, v, j) => t + v * w[j], 0), 0) - m.reduce((s, v, i) => s + v * w[i], 0);

describe("optimality on random problems", () => {
  test.each([1, 2, 3, 4, 5, 6])("max_utility seed %i: KKT holds and no feasible perturbation improves", (seed) => {
    const N = 8 + seed * 5, { S, m, r } = randomProblem(seed, N, seed % 2 ? N + 5 : N - 3);
    const ub = 0.3;
    const w = optimize("max_utility", m, S, { riskAversion: 3, maxWeight: ub });
    // KKT: gradient g = dSw - m; free assets share one multiplier; at 0 g >= that; at ub g <= that
    const g = w.map((_, i) => 3 * S[i].reduce((t, v, j) => t + v * w[j], 0) - m[i]);
    const free = w.map((v, i) => (v > 1e-9 && v < ub - 1e-9 ? i : -1)).filter((i) => i >= 0);
    const nu = free.length ? g[free[0]] : 0;
    free.forEach((i) => expect(Math.abs(g[i] - nu)).toBeLessThan(1e-9));
    w.forEach((v, i) => { if (v <= 1e-9 && free.length) expect(g[i]).toBeGreaterThan(nu - 1e-9); if (v >= ub - 1e-9 && free.length) expect(g[i]).toBeLessThan(nu + 1e-9); });
    const f0 = objective(w, S, m, 3);
    for (let k = 0; k < 200; k++) {
      const i = Math.floor(r() * N), j = Math.floor(r() * N), e = r() * 0.01;
      const v = w.slice(); v[i] += e; v[j] -= e;
      if (v[i] > ub || v[j] < 0) continue;
      expect(objective(v, S, m, 3)).toBeGreaterThanOrEqual(f0 - 1e-12);
    }
  });
  test("QP with general inequality rows satisfies KKT sign conditions", () => {
    const { S, m } = randomProblem(11, 12, 40);
    const N = 12, Q = new Float64Array(N * N); S.forEach((row, i) => row.forEach((v, j) => { Q[i * N + j] = 2 * v; }));
    const c = Float64Array.from(m.map((v) => -v));
    const g1 = new Float64Array(N); g1[0] = 1; g1[1] = 1; g1[2] = 1; // w0+w1+w2 <= 0.2
    const x0 = new Float64Array(N).fill(0.85 / 9); x0[0] = x0[1] = x0[2] = 0.05;
    const res = solveQP({ n: N, Q, c, lb: new Float64Array(N), ub: new Float64Array(N).fill(1), Aeq: [new Float64Array(N).fill(1)], beq: [1], G: [g1], h: [0.2] }, { x0 });
    expect(res.x[0] + res.x[1] + res.x[2]).toBeLessThanOrEqual(0.2 + 1e-12);
    expect(Math.abs(res.x.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    res.x.forEach((v) => { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); });
  });
});

describe("discrete allocation", () => {
  const a = fx.allocation;
  test("greedy matches PyPortfolioOpt's greedy_portfolio", () => {
    const res = allocateGreedy(a.weights, a.prices, a.total);
    expect(res.quantities).toEqual(a.greedy);
    expect(Math.abs(res.leftover - a.greedy_leftover)).toBeLessThan(1e-6);
  });
  test("lp (HiGHS) reaches scipy milp's optimum", async () => {
    const res = await allocateLp(a.weights, a.prices, a.total);
    const objective = a.weights.reduce((s, w, i) => s + Math.abs(w * a.total - res.quantities[i] * a.prices[i]), 0) + res.leftover;
    expect(objective).toBeLessThanOrEqual(a.lp_objective * (1 + 1e-9) + 1e-6);
  });
  test("negative weights and bad prices are named", () => {
    expect(() => allocateGreedy([0.5, -0.1], [10, 10], 1000)).toThrow(/weight of asset 2 is negative/);
    expect(() => allocateGreedy([0.5, 0.5], [10, 0], 1000)).toThrow(/price of asset 2/);
  });
});

describe("fast-check: malformed optimizer inputs give weights or RebalError, never NaN", () => {
  test("random inputs", () => {
    const val = fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(NaN), fc.constant(null), fc.constant(Infinity), fc.constant(0));
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(val, { minLength: 60, maxLength: 60 }),
      fc.constantFrom("min_volatility", "max_sharpe", "efficient_return", "efficient_risk", "max_utility", "risk_parity", "hrp", "inverse_variance", "equal"),
      fc.boolean(), fc.double({ min: -0.5, max: 1.5, noNaN: true }),
      (N, pool, obj, psd, t) => {
        let S: unknown[][] = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => pool[(i * N + j) % 60]));
        if (psd) {
          const A = S.map((r) => r.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : 0.1)));
          S = A.map((r, i) => A.map((_, j) => A.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? 1e-6 : 0)));
        }
        const m = Array.from({ length: N }, (_, i) => pool[(i * 7 + 3) % 60]);
        try {
          const w = optimize(obj, m, S as number[][], { targetReturn: t, targetVolatility: Math.abs(t), maxWeight: 1 });
          w.forEach((v) => expect(Number.isFinite(v)).toBe(true));
        } catch (e) {
          if (!(e instanceof RebalError)) throw e;
        }
      }), { numRuns: 500 });
  });
});

// ---- the active-set QP at portfolio scale ------------------------------------------------
// Factor-model covariances S = B B' + diag(d) rebuilt from the fixture (cvxopt optima at 1e-13
// tolerances, test/fixtures/qp/generate.py).
type QpModel = { n: number; B: number[][]; d: number[]; mu: number[] };
const qpModels = qpfx.models as Record<string, QpModel>;
function factorCov(m: QpModel): number[][] {
  return Array.from({ length: m.n }, (_, i) => Array.from({ length: m.n }, (_, j) => m.B[i].reduce((s, b, f) => s + b * m.B[j][f], 0) + (i === j ? m.d[i] : 0)));
}
const qpCovs: Record<string, number[][]> = {};
const covOf = (name: string) => (qpCovs[name] ??= factorCov(qpModels[name]));
const matVec = (S: number[][], w: ArrayLike<number>) => S.map((row) => row.reduce((s, v, j) => s + v * w[j], 0));
const dotN = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

/**
 * KKT of "minimise f(w) s.t. sum w = 1, lb <= w <= ub" from the gradient alone: assets strictly
 * inside their bounds share one multiplier; at lb the gradient is not below it, at ub not above it.
 */
function expectBoxKkt(grad: number[], w: ArrayLike<number>, lbAll: number | number[], ubAll: number | number[], tol: number) {
  const lb = (i: number) => (typeof lbAll === "number" ? lbAll : lbAll[i]), ub = (i: number) => (typeof ubAll === "number" ? ubAll : ubAll[i]);
  const gmax = Math.max(...grad.map(Math.abs));
  const inside = grad.map((_, i) => i).filter((i) => w[i] > lb(i) + 1e-9 && w[i] < ub(i) - 1e-9);
  expect(inside.length).toBeGreaterThan(0);
  const nu = inside.reduce((s, i) => s + grad[i], 0) / inside.length;
  for (const i of inside) expect(Math.abs(grad[i] - nu) / gmax).toBeLessThan(tol);
  for (let i = 0; i < grad.length; i++) {
    if (w[i] <= lb(i) + 1e-9) expect((grad[i] - nu) / gmax).toBeGreaterThan(-tol);
    if (w[i] >= ub(i) - 1e-9) expect((grad[i] - nu) / gmax).toBeLessThan(tol);
  }
}

describe("active-set QP vs cvxopt at portfolio scale (factor models, N = 150 and 400)", () => {
  test.each(qpfx.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const S = covOf(c.model), m = qpModels[c.model].mu;
    const w = optimize(c.objective, m, S, { minWeight: c.min_weight, maxWeight: c.max_weight, riskFreeRate: c.risk_free_rate });
    expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    w.forEach((v) => { expect(v).toBeGreaterThanOrEqual(c.min_weight - 1e-15); expect(v).toBeLessThanOrEqual(c.max_weight + 1e-15); });
    const Sw = matVec(S, w), variance = dotN(w, Sw);
    const sharpe = (dotN(m, w) - c.risk_free_rate) / Math.sqrt(variance);
    if (c.objective === "min_volatility") {
      expect(rel(variance, c.variance)).toBeLessThan(1e-8);
      expectBoxKkt(Sw.map((v) => 2 * v), w, c.min_weight, c.max_weight, 1e-9);
    } else {
      expect(rel(sharpe, c.sharpe)).toBeLessThan(1e-8);
      // maximise the Sharpe ratio itself: minimise -Sharpe, gradient -(ex/sigma - (ex'w) Sw / sigma^3)
      const sig = Math.sqrt(variance), exw = dotN(m, w) - c.risk_free_rate;
      expectBoxKkt(m.map((v, i) => -((v - c.risk_free_rate) / sig - (exw * Sw[i]) / sig ** 3)), w, c.min_weight, c.max_weight, 1e-8);
    }
    w.forEach((v, i) => expect(Math.abs(v - c.weights[i])).toBeLessThan(1e-6));
  });

  const mvCases = qpfx.cases.filter((c) => c.objective === "min_volatility");
  test.each(mvCases.map((c) => [c.name, c] as const))("%s: classical one-at-a-time pricing, batched pricing and any start reach the optimum", (_name, c) => {
    const S = covOf(c.model), n = S.length;
    const Sf = new Float64Array(n * n);
    S.forEach((row, i) => row.forEach((v, j) => { Sf[i * n + j] = v; }));
    const lb = new Float64Array(n).fill(c.min_weight), ub = new Float64Array(n).fill(c.max_weight);
    const P = { n, Q: Sf, qScale: 2, c: new Float64Array(n), lb, ub, Aeq: [new Float64Array(n).fill(1)], beq: [1] };
    const equal = new Float64Array(n).fill(1 / n);                     // every asset off its bounds
    const corner = new Float64Array(n).fill(c.min_weight);             // fill assets to ub in order
    let rest = 1 - n * c.min_weight;
    for (let i = n - 1; i >= 0 && rest > 0; i--) { const d = Math.min(c.max_weight - c.min_weight, rest); corner[i] += d; rest -= d; }
    const runs = [
      solveQP(P, { x0: equal, maxBatch: 1 }),
      solveQP(P, { x0: equal }),
      solveQP(P, { x0: corner }),
      solveQP(P, { x0: corner, maxBatch: 1 }),
      solveQP(P, { x0: Float64Array.from(c.weights) }),                 // cvxopt's interior-point optimum
    ];
    for (const r of runs) {
      expect(rel(r.objective, c.variance)).toBeLessThan(1e-8);
      expect(rel(dotN(r.x, matVec(S, r.x)), c.variance)).toBeLessThan(1e-8);
    }
    // warm start from a previous solution (frontiers, bisections): nothing to do but check it
    const warm = solveQP(P, { x0: runs[1].x });
    expect(rel(warm.objective, c.variance)).toBeLessThan(1e-8);
    expect(warm.iterations).toBeLessThanOrEqual(1);
    expect(runs[2].iterations).toBeGreaterThan(1);
  });
});

describe("active-set QP: KKT on random factor models with per-asset bounds", () => {
  // independent optimality check in weight space for every objective; max-Sharpe bounds become
  // general rows in the solver (lb k <= y <= ub k), min-volatility / max-utility use the box
  test.each([1, 2, 3, 4, 5, 6, 7, 8])("seed %i", (seed) => {
    const r = rng(1000 + seed);
    const N = 30 + 15 * seed, K = 1 + (seed % 4);
    const B = Array.from({ length: N }, () => Array.from({ length: K }, () => 0.1 * (0.5 + r())));
    const d = Array.from({ length: N }, (_, i) => (seed % 3 === 0 && i % 3 === 0 ? 0 : (0.1 + 0.2 * r()) ** 2)); // every third seed singular
    const S = B.map((bi, i) => B.map((bj, j) => bi.reduce((s, v, f) => s + v * bj[f], 0) + (i === j ? d[i] : 0)));
    const m = Array.from({ length: N }, () => 0.02 + 0.15 * r());
    const lower = Array.from({ length: N }, () => (r() < 0.3 ? 0.005 * r() : 0));
    const upper = Array.from({ length: N }, () => 0.04 + 0.2 * r());
    const o = { lower, upper, riskFreeRate: 0.01, riskAversion: 2 };
    for (const obj of ["min_volatility", "max_sharpe", "max_utility"]) {
      const w = optimize(obj, m, S, o);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      w.forEach((v, i) => { expect(v).toBeGreaterThanOrEqual(lower[i] - 1e-15); expect(v).toBeLessThanOrEqual(upper[i] + 1e-15); });
      const Sw = matVec(S, w), variance = dotN(w, Sw), sig = Math.sqrt(variance), exw = dotN(m, w) - 0.01;
      const grad = obj === "min_volatility" ? Sw.map((v) => 2 * v)
        : obj === "max_utility" ? Sw.map((v, i) => 2 * v - m[i])
          : m.map((v, i) => -((v - 0.01) / sig - (exw * Sw[i]) / sig ** 3));
      expectBoxKkt(grad, w, lower, upper, 1e-8);
    }
  });
});
