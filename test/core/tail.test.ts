/**
 * REBAL.OPTIMIZETAIL (min / efficient CVaR and CDaR as HiGHS LPs) against cvxopt's LP
 * (test/fixtures/tail/generate.py, 400 days of 20 S&P 500 stocks), plus an LP optimality certificate
 * checked here from the LP data and HiGHS's duals (primal and dual feasibility, complementary signs,
 * zero duality gap), and random feasible perturbations that never lower the risk.
 */
import { optimizeTail, TailLp, TailResult, TailObjective } from "../../src/core/optimize/tail";
import { optimizeTailFn } from "../../src/functions/tail";
import fx from "../fixtures/tail/tail.json";

/** tail objectives to 1e-6 relative (issue 16); LP certificate tolerances */
const OBJECTIVE_RTOL = 1e-6;
const FEAS_TOL = 1e-8;
const DUALITY_RTOL = 1e-8;

const T1 = fx.prices.length, N = fx.names.length;
const panel = { T: T1, N, x: Float64Array.from(fx.prices.flat()) };
const returns: number[][] = [];
for (let t = 1; t < T1; t++) returns.push(fx.prices[t].map((p, i) => p / fx.prices[t - 1][i] - 1));
const T = returns.length;

/**
 * min over a of a + sum max(v - a, 0) / ((1 - beta) T): the minimum of this convex piecewise-linear
 * function is at one of the values (or 0 for drawdowns), evaluated for all by prefix sums.
 */
function tailMean(v: number[], beta: number, extra: number[] = []): number {
  const c = [...v, ...extra].sort((a, b) => b - a);
  const sorted = [...v].sort((a, b) => b - a);
  let best = Infinity;
  for (const a of c) {
    let sum = 0;
    for (const x of sorted) { if (x <= a) break; sum += x - a; }
    best = Math.min(best, a + sum / ((1 - beta) * T));
  }
  return best;
}
/** CVaR / CDaR of w by their definitions (no LP), as in generate.py. */
function cvarOf(w: ArrayLike<number>, beta: number): number {
  return tailMean(returns.map((r) => -r.reduce((s, x, i) => s + x * w[i], 0)), beta);
}
function cdarOf(w: ArrayLike<number>, beta: number): number {
  let cum = 0, peak = 0;
  const D = returns.map((r) => { cum += r.reduce((s, x, i) => s + x * w[i], 0); peak = Math.max(peak, cum); return peak - cum; });
  return tailMean(D, beta, [0]);
}
const riskOf = (kind: string, w: ArrayLike<number>, beta: number) => (kind === "cvar" ? cvarOf(w, beta) : cdarOf(w, beta));

/** Checks the LP optimality certificate; returns the worst scaled violations. */
function certificate(lp: TailLp, s: TailResult["solution"]): { primal: number; dual: number; gap: number } {
  const { numCols, numRows, starts, indices, values } = lp;
  const x = s.colValue, y = s.rowDual;
  let primal = 0, dual = 0;
  const d = Float64Array.from(lp.colCost); // reduced costs c - A'y, computed here
  for (let r = 0; r < numRows; r++) {
    let ax = 0;
    for (let k = starts[r]; k < starts[r + 1]; k++) { ax += values[k] * x[indices[k]]; d[indices[k]] -= values[k] * y[r]; }
    primal = Math.max(primal, lp.rowLower[r] - ax, ax - lp.rowUpper[r]);
    // row dual signs: > 0 only at the lower bound, < 0 only at the upper
    if (y[r] > FEAS_TOL) primal = Math.max(primal, Math.abs(ax - lp.rowLower[r]));
    if (y[r] < -FEAS_TOL) primal = Math.max(primal, Math.abs(ax - lp.rowUpper[r]));
  }
  let pObj = 0, dObj = 0;
  for (let j = 0; j < numCols; j++) {
    primal = Math.max(primal, lp.colLower[j] - x[j], x[j] - lp.colUpper[j]);
    dual = Math.max(dual, Math.abs(d[j] - s.colDual[j]));
    // a positive reduced cost needs x at a finite lower bound, a negative one at a finite upper bound
    if (d[j] > FEAS_TOL) { if (!Number.isFinite(lp.colLower[j])) dual = Math.max(dual, d[j]); else primal = Math.max(primal, Math.abs(x[j] - lp.colLower[j])); }
    if (d[j] < -FEAS_TOL) { if (!Number.isFinite(lp.colUpper[j])) dual = Math.max(dual, -d[j]); else primal = Math.max(primal, Math.abs(x[j] - lp.colUpper[j])); }
    pObj += lp.colCost[j] * x[j];
    if (d[j] > 0 && Number.isFinite(lp.colLower[j])) dObj += d[j] * lp.colLower[j];
    else if (d[j] < 0 && Number.isFinite(lp.colUpper[j])) dObj += d[j] * lp.colUpper[j];
  }
  for (let r = 0; r < numRows; r++) {
    if (y[r] > 0) { if (Number.isFinite(lp.rowLower[r])) dObj += y[r] * lp.rowLower[r]; else dual = Math.max(dual, y[r]); }
    else if (y[r] < 0) { if (Number.isFinite(lp.rowUpper[r])) dObj += y[r] * lp.rowUpper[r]; else dual = Math.max(dual, -y[r]); }
  }
  return { primal, dual, gap: Math.abs(pObj - dObj) / Math.abs(pObj) };
}

const OBJ: Record<string, TailObjective> = { cvar: "min_cvar", cdar: "min_cdar" };

describe("tail-risk LPs vs cvxopt (20 stocks, 400 days)", () => {
  test.each(fx.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const objective = c.target_return !== null ? (c.kind === "cvar" ? "efficient_cvar" : "efficient_cdar") : OBJ[c.kind];
    const r = await optimizeTail(panel, objective, { beta: c.beta, lower: c.lower, upper: c.upper, targetReturn: c.target_return ?? undefined, names: fx.names });
    expect(Math.abs(r.risk - c.objective) / c.objective).toBeLessThan(OBJECTIVE_RTOL);
    // the LP value is the risk of the weights by its definition
    expect(Math.abs(riskOf(c.kind, r.weights, c.beta) - r.risk) / r.risk).toBeLessThan(1e-9);
    expect(Math.abs(r.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    r.weights.forEach((w, i) => { expect(w).toBeGreaterThanOrEqual(c.lower[i] - 1e-9); expect(w).toBeLessThanOrEqual(c.upper[i] + 1e-9); });
    if (c.target_return !== null) expect(r.expectedReturn).toBeGreaterThanOrEqual(c.target_return - 1e-9);
    const cert = certificate(r.lp, r.solution);
    expect(cert.primal).toBeLessThan(FEAS_TOL);
    expect(cert.dual).toBeLessThan(FEAS_TOL);
    expect(cert.gap).toBeLessThan(DUALITY_RTOL);
  });

  test("no feasible perturbation lowers the risk (random pairwise moves within the bounds)", async () => {
    for (const kind of ["cvar", "cdar"] as const) {
      const r = await optimizeTail(panel, OBJ[kind], { maxWeight: 0.3 });
      let s = 11;
      const rnd = () => { s = (s * 48271) % 2147483647; return s / 2147483647; };
      for (let k = 0; k < 40; k++) {
        const i = Math.floor(rnd() * N), j = Math.floor(rnd() * N);
        if (i === j) continue;
        const w = Array.from(r.weights);
        const room = Math.min(0.3 - w[i], w[j]);
        if (room <= 0) continue;
        const e = room * rnd();
        w[i] += e; w[j] -= e;
        expect(riskOf(kind, w, 0.95)).toBeGreaterThanOrEqual(r.risk - 1e-12);
      }
    }
  });

  test("mean historical returns match numpy's compounded means", async () => {
    const r = await optimizeTail(panel, "efficient_cvar", { targetReturn: 0.1 });
    // the target row of the LP carries mu
    const lp = r.lp, row = lp.numRows - 1;
    const mu = Array.from(lp.values.subarray(lp.starts[row], lp.starts[row + 1]));
    mu.forEach((m, i) => expect(Math.abs(m - fx.mu[i])).toBeLessThan(1e-12));
  });
});

describe("infeasible and bad requests name the limit", () => {
  test("target above the maximum attainable return", async () => {
    const top = Math.max(...fx.mu);
    await expect(optimizeTail(panel, "efficient_cvar", { targetReturn: top + 0.01 })).rejects.toThrow(new RegExp(`above the maximum attainable return ${Number(top.toPrecision(8))}`));
    await expect(optimizeTail(panel, "efficient_cdar", { targetReturn: 0.5, maxWeight: 0.1 })).rejects.toThrow(/above the maximum attainable return/);
  });
  test("bad beta, missing target, unused target, unknown objective, infeasible bounds, missing prices", async () => {
    await expect(optimizeTail(panel, "min_cvar", { beta: 1 })).rejects.toThrow(/beta must be a number strictly between 0 and 1/);
    await expect(optimizeTail(panel, "efficient_cdar", {})).rejects.toThrow(/efficient_cdar needs target_return/);
    await expect(optimizeTail(panel, "min_cdar", { targetReturn: 0.1 })).rejects.toThrow(/does not use target_return/);
    await expect(optimizeTail(panel, "min_var", {})).rejects.toThrow(/unknown objective "min_var"/);
    await expect(optimizeTail(panel, "min_cvar", { maxWeight: 0.01 })).rejects.toThrow(/max_weight 0.01 x 20 assets/);
    const gap = Float64Array.from(panel.x); gap[5 * N + 3] = NaN;
    await expect(optimizeTail({ ...panel, x: gap }, "min_cvar", { names: fx.names })).rejects.toThrow(/returns row 5, asset BBY \(column 4\) is missing/);
  });
});

describe("formula REBAL.OPTIMIZETAIL", () => {
  const range = [fx.names as unknown[], ...fx.prices];
  test("weights in a column, summary table, per-asset bounds", async () => {
    const c = fx.cases.find((x) => x.name === "min_cvar beta 0.9 max 0.15")!;
    const w = await optimizeTailFn(range, "min_cvar", "beta=0.9; max_weight=0.15", null, null);
    expect(w).toHaveLength(N);
    expect(Math.abs(cvarOf(w.map((r) => r[0] as number), 0.9) - c.objective) / c.objective).toBeLessThan(OBJECTIVE_RTOL);
    const s = await optimizeTailFn(range, "min_cdar", [["output", "summary"]], null, null);
    expect(s.map((r) => r[0])).toEqual(["cdar", "dar", "expected_return", "beta", "observations"]);
    expect(Math.abs((s[0][1] as number) - fx.cases.find((x) => x.name === "min_cdar")!.objective) / (s[0][1] as number)).toBeLessThan(OBJECTIVE_RTOL);
    expect(s[4][1]).toBe(T);
    const up = await optimizeTailFn(range, null, null, null, [fx.names.map((_, i) => (i === 0 ? 0 : null))]);
    expect(up[0][0]).toBe(0);
  });
  test("bad input is #VALUE!-ready RebalError naming the key or cell", async () => {
    await expect(optimizeTailFn(range, "min_cvar", "bta=0.9", null, null)).rejects.toThrow(/unknown options key "bta"/);
    await expect(optimizeTailFn(range, "max_cvar", null, null, null)).rejects.toThrow(/objective must be one of min_cvar/);
    const bad = range.map((r) => [...r]); bad[3][2] = "x";
    await expect(optimizeTailFn(bad, null, null, null, null)).rejects.toThrow(/prices row 3, column 3 is not a number/);
    await expect(optimizeTailFn(range, null, "output=all", null, null)).rejects.toThrow(/output must be one of weights, summary/);
    await expect(optimizeTailFn(range, null, null, [[1, 2]], null)).rejects.toThrow(/lower has 2 values but there are 20 assets/);
  });
});
