import fc from "fast-check";
import { expectedReturns, riskMatrix, returnsFromPrices } from "../../src/core/estimators";
import { RebalError } from "../../src/core/errors";
import fx from "../fixtures/optimize/estimators.json";

type Fx = typeof fx.clean;
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function maxRel(a: number[], b: number[]): number { let m = 0; a.forEach((v, i) => { m = Math.max(m, Math.abs(v - b[i]) / Math.max(...b.map(Math.abs))); }); return m; }
function maxRelM(a: number[][], b: number[][]): number {
  let scale = 0; b.forEach((r) => r.forEach((v) => { scale = Math.max(scale, Math.abs(v)); }));
  let m = 0; a.forEach((r, i) => r.forEach((v, j) => { m = Math.max(m, Math.abs(v - b[i][j]) / scale); }));
  return m;
}

describe.each([["clean", fx.clean], ["gaps (leading blanks, holes, delisting)", fx.gaps]] as Array<[string, Fx]>)("estimators vs pandas/sklearn: %s", (_name, d) => {
  const prices = d.prices as (number | null)[][];
  test("returns from prices", () => {
    const r = returnsFromPrices(prices);
    expect(r.length).toBe(d.returns_rows);
    r[0].forEach((v, i) => { const e = d.returns_first_row[i]; if (e === null) expect(Number.isNaN(v)).toBe(true); else expect(relErr(v, e)).toBeLessThan(1e-12); });
  });
  test.each(["mean", "arith", "ema", "capm"] as const)("expected returns %s", (m) => {
    expect(maxRel(expectedReturns(prices, m), d[m])).toBeLessThan(1e-9);
  });
  test("ema span 50 arithmetic", () => {
    expect(maxRel(expectedReturns(prices, "ema", { span: 50, compounding: false }), d.ema_span_50_arith)).toBeLessThan(1e-9);
  });
  test("capm with benchmark and risk-free rate", () => {
    expect(maxRel(expectedReturns(prices, "capm", { benchmark: d.benchmark, riskFreeRate: 0.02 }), d.capm_bench_rf)).toBeLessThan(1e-9);
  });
  test.each(["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"] as const)("cov %s", (m) => {
    const got = riskMatrix(prices, m);
    expect(maxRelM(got, d[m] as number[][])).toBeLessThan(1e-9);
  });
  test("returns data path equals prices path", () => {
    const r = returnsFromPrices(prices);
    expect(maxRelM(riskMatrix(r, "sample", { returnsData: true }), d.sample as number[][])).toBeLessThan(1e-9);
  });
});

describe("estimator errors", () => {
  test("unknown methods name the method", () => {
    expect(() => riskMatrix([[1, 2], [2, 3], [3, 5]], "bogus")).toThrow(/unknown covariance method "bogus"/);
    expect(() => expectedReturns([[1, 2], [2, 3]], "nope")).toThrow(/unknown returns method "nope"/);
  });
  test("bad cells name the row and column", () => {
    expect(() => riskMatrix([[1, 2], [2, "x"], [3, 5]])).toThrow(/row 2, column 2/);
    expect(() => riskMatrix([[1, 2], [2, -3], [3, 5]])).toThrow(/not positive/);
  });
  test("an asset without returns is named", () => {
    expect(() => expectedReturns([[1, null], [2, null], [3, 4]], "mean", { names: ["A", "B"] })).toThrow(/asset B .*no returns/);
  });
  test("fast-check: random panels give finite numbers or RebalError", () => {
    const cell = fc.oneof(fc.constant(null), fc.constant(""), fc.constant(NaN), fc.double({ min: -5, max: 1e6, noNaN: true }), fc.constant(Infinity), fc.string({ maxLength: 2 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.array(cell, { minLength: 30, maxLength: 30 }),
      fc.constantFrom("mean", "arith", "ema", "capm", "sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"),
      (T, N, pool, method) => {
        const rows = Array.from({ length: T }, (_, t) => Array.from({ length: N }, (_, i) => pool[(t * N + i) % pool.length]));
        try {
          const out = ["mean", "arith", "ema", "capm"].includes(method) ? [expectedReturns(rows, method)] : riskMatrix(rows, method);
          out.forEach((r) => r.forEach((v) => expect(Number.isFinite(v)).toBe(true)));
        } catch (e) {
          expect(e).toBeInstanceOf(RebalError);
        }
      }), { numRuns: 400 });
  });
});
