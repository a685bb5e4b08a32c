/**
 * The pane's Simulate job (src/core/simulate/compareSimulation.ts): each policy of a comparison on
 * the same bootstrap paths over the union of the policies' columns; a policy holding fewer columns
 * gets the backtest of its own columns (same paths projected); the fan's last point is the
 * final_value distribution; progress per path and cancel.
 */
import { readFileSync } from "fs";
import path from "path";
import { matchPolicies } from "../../src/core/backtest/compare";
import { isCancelled } from "../../src/core/backtest/progress";
import { parsePolicy } from "../../src/core/policy";
import { runSimulation, FAN_EVERY } from "../../src/core/simulate/compareSimulation";
import { parseSimulateOptions, PERCENTILES, simulate, SIMULATE_STATISTICS } from "../../src/core/simulate/simulate";

interface Fixture { tickers: string[]; dates: number[]; prices: number[][]; policies: { name: string; policy: string; assets: string[]; targets: number[] }[] }
const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const N = FX.tickers.length;
const dates = Float64Array.from(FX.dates);
const prices = Float64Array.from(FX.prices.flat());
/** planTrades with extra zero-target assets may differ from the plan without them in the last bits. */
const PROJECTION_TOL = 1e-9;

function job(paths: number) {
  const runs = matchPolicies(FX.tickers, FX.policies.map((p) => ({ name: p.name, policy: parsePolicy(p.policy).policy, assets: p.assets, targets: p.targets })));
  return { compare: { dates, prices, tickers: FX.tickers, runs, options: { initialValue: 250000 } }, options: parseSimulateOptions(`paths=${paths}; years=2; seed=5`) };
}

describe("runSimulation", () => {
  test("each policy is its own simulation on the same paths, projected on its columns", () => {
    const j = job(16);
    const res = runSimulation(j);
    const used = [...new Set(j.compare.runs.flatMap((r) => Array.from(r.columns)))].sort((a, b) => a - b);
    j.compare.runs.forEach((run, k) => {
      // the same paths restricted to this policy's columns: select them in the union's order
      const own = used.filter((c) => Array.from(run.columns).includes(c));
      const px = Float64Array.from(FX.prices.flatMap((row) => used.map((c) => row[c])));
      const t = new Float64Array(used.length);
      Array.from(run.columns).forEach((c, i) => { t[used.indexOf(c)] = run.targets[i]; });
      const alone = simulate(dates, px, used.length, t, [run.policy], { ...j.options, backtest: { ...j.options.backtest, initialValue: 250000 } });
      expect(own.length).toBe(run.columns.length);
      alone.summary.forEach((row, s) => {
        const got = res.summary[k * SIMULATE_STATISTICS.length + s];
        expect(got.statistic).toBe(row.statistic);
        expect(Math.abs(got.mean - row.mean)).toBeLessThanOrEqual(PROJECTION_TOL * Math.max(1, Math.abs(row.mean)));
      });
    });
    expect(res.names).toEqual(FX.policies.map((p) => p.name));
  });
  test("fan: every 21st row and the last; the last point is the final_value distribution; row 0 is the initial value", () => {
    const res = runSimulation(job(16));
    const L = 504;
    const R = Math.floor(L / FAN_EVERY) + 1 + (L % FAN_EVERY === 0 ? 0 : 1);
    expect(res.fanDates.length).toBe(R);
    const Q = PERCENTILES.length;
    res.names.forEach((_, k) => {
      const fv = res.summary.find((r) => r.policy === k && r.statistic === "final_value")!;
      expect(Array.from(res.fan.subarray((k * R + R - 1) * Q, (k * R + R) * Q))).toEqual(fv.percentiles);
      for (let q = 0; q < Q; q++) expect(res.fan[(k * R) * Q + q]).toBeCloseTo(250000, 6);
      for (let r = 0; r < R; r++) for (let q = 1; q < Q; q++) expect(res.fan[(k * R + r) * Q + q]).toBeGreaterThanOrEqual(res.fan[(k * R + r) * Q + q - 1]);
    });
  });
  test("progress per path; false cancels", () => {
    const seen: number[] = [];
    runSimulation(job(6), (d, t) => { seen.push(d); expect(t).toBe(6); });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    let err: unknown;
    try { runSimulation(job(6), (d) => d < 2); } catch (e) { err = e; }
    expect(isCancelled(err)).toBe(true);
  });
  test("a missing last price names the ticker", () => {
    const j = job(4);
    const p = prices.slice();
    p[(dates.length - 1) * N + j.compare.runs[0].columns[0]] = NaN;
    expect(() => runSimulation({ ...j, compare: { ...j.compare, prices: p } })).toThrow(new RegExp(`asset ${FX.policies[0].assets[0]} has no price on the last date`));
  });
});
