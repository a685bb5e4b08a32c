/**
 * The backtest engine and statistics against an independent pandas day loop
 * (test/fixtures/backtest/generate.py, 5 S&P 500 stocks, 2018-2020): equity, rebalance days,
 * turnover, costs and statistics to 1e-8 relative where no rounding is involved; with whole shares
 * (lot=1) the rebalance days and counts exactly, the values to the size of one share.
 */
import { runBacktest, backtestSummary, performanceStats } from "../../src/core/backtest";
import { parsePolicy } from "../../src/core/policy";
import { parseBacktestOptions } from "../../src/core/backtest/options";
import fixture from "../fixtures/backtest/backtest.json";

interface Case {
  name: string; policy: string; options: string; targets: number[]; missing: boolean;
  values: number[]; index: number[]; final_quantities: number[];
  records: { row: number; kind: string; turnover: number; cost: number }[];
  stats: Record<string, number>; rebalances: number; total_cost: number; total_turnover: number; net_flows: number;
}

const T = fixture.dates.length;
const n = fixture.assets.length;
const dates = Float64Array.from(fixture.dates);
const toMatrix = (m: (number | null)[][]) => {
  const a = new Float64Array(T * n);
  m.forEach((row, t) => row.forEach((x, i) => { a[t * n + i] = x === null ? NaN : x; }));
  return a;
};
const prices = toMatrix(fixture.prices);
const pricesMissing = toMatrix(fixture.prices_missing);
const cases = fixture.cases as Case[];

/** max_k |a_k - b_k| / max(1, |b_k|)-style relative error. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < b.length; k++) e = Math.max(e, Math.abs(a[k] - b[k]) / Math.max(1e-300, Math.abs(b[k])));
  return e;
}
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-12);

function run(c: Case, policyText = c.policy) {
  const policy = parsePolicy(policyText).policy;
  const options = parseBacktestOptions(c.options);
  const result = runBacktest({ dates, prices: c.missing ? pricesMissing : prices, nAssets: n, targets: Float64Array.from(c.targets) }, policy, options);
  return { result, options };
}

describe.each(cases.map((c) => [c.name, c] as const))("backtest vs pandas reference: %s", (_name, c) => {
  const { result, options } = run(c);

  test("equity to 1e-8 relative on every day", () => {
    expect(result.values.length).toBe(T);
    expect(relErr(result.values, c.values)).toBeLessThan(1e-8);
    expect(relErr(result.index, c.index)).toBeLessThan(1e-8);
  });

  test("the same trading days, kinds, turnover and costs", () => {
    expect(result.records.map((r) => r.row)).toEqual(c.records.map((r) => r.row));
    expect(result.records.map((r) => r.kind)).toEqual(c.records.map((r) => r.kind));
    expect(result.rebalances).toBe(c.rebalances);
    result.records.forEach((r, k) => {
      expect(Math.abs(r.turnover - c.records[k].turnover)).toBeLessThan(1e-9);
      // planTrades rounds fractional trades to 1e-8 shares: a rebalance's cost agrees to ~1e-12 of the value traded.
      expect(Math.abs(r.cost - c.records[k].cost)).toBeLessThanOrEqual(1e-7 * Math.max(1, c.records[k].cost));
    });
    expect(Math.abs(result.totalCost - c.total_cost)).toBeLessThanOrEqual(1e-8 * Math.max(1, c.total_cost));
    expect(Math.abs(result.totalTurnover - c.total_turnover)).toBeLessThan(1e-8);
    expect(result.netFlows).toBeCloseTo(c.net_flows, 6);
  });

  test("final quantities", () => {
    expect(relErr(result.quantities, c.final_quantities)).toBeLessThan(1e-8);
  });

  test("statistics to 1e-8 relative", () => {
    const rows = Object.fromEntries(backtestSummary(result, options.initialValue, { frequency: fixture.frequency, riskFreeRate: fixture.risk_free_rate }).map((r) => [r.name, r.value]));
    for (const [k, v] of Object.entries(c.stats)) expect([k, close(rows[k], v, 1e-8)]).toEqual([k, true]);
    expect(rows.rebalances).toBe(c.rebalances);
    expect(close(rows.final_value, c.values[T - 1], 1e-8)).toBe(true);
  });
});

describe("whole shares (lot=1): same rebalance days as fractional, values within a share", () => {
  for (const name of ["monthly_equal", "threshold_rel20", "quarterly_costs", "hybrid_5_25"]) {
    test(name, () => {
      const c = cases.find((x) => x.name === name) as Case;
      const { result } = run(c, c.policy.replace("lot=0", "lot=1"));
      expect(result.records.map((r) => r.row)).toEqual(c.records.map((r) => r.row));
      expect(result.rebalances).toBe(c.rebalances);
      for (let i = 0; i < n; i++) expect(Number.isInteger(result.quantities[i])).toBe(true);
      for (let t = 0; t < T; t++) expect(result.cash[t]).toBeGreaterThanOrEqual(0);
      // The whole-share book differs from the fractional one by less than one share per asset
      // at each rebalance; over 3 years that stays well under 0.1% of the value.
      expect(relErr(result.values, c.values)).toBeLessThan(1e-3);
    });
  }
});

describe("performanceStats on a raw price series (AAPL) vs pandas", () => {
  test("all seven statistics to 1e-8 relative", () => {
    const s = performanceStats(dates, fixture.stats_series.values, { frequency: 252, riskFreeRate: fixture.risk_free_rate });
    const ref = fixture.stats_series.stats as Record<string, number>;
    const got: Record<string, number> = { total_return: s.totalReturn, cagr: s.cagr, volatility: s.volatility, sharpe: s.sharpe, sortino: s.sortino, max_drawdown: s.maxDrawdown, calmar: s.calmar };
    for (const k of Object.keys(ref)) expect([k, close(got[k], ref[k], 1e-8)]).toEqual([k, true]);
  });
});
