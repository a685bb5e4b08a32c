/**
 * The pane's Sweep job (src/core/simulate/compareSweep.ts): each picked policy's grid is REBAL.SWEEP's
 * (sweep.ts) on its own columns with its stored keys as the base; progress counts grid cells over
 * all policies; false cancels; errors name the policy.
 */
import { readFileSync } from "fs";
import path from "path";
import { matchPolicies } from "../../src/core/backtest/compare";
import { isCancelled } from "../../src/core/backtest/progress";
import { runBacktest } from "../../src/core/backtest/engine";
import { backtestSummary } from "../../src/core/backtest/summary";
import { parsePolicy } from "../../src/core/policy";
import { runSweepJob } from "../../src/core/simulate/compareSweep";
import { parseSweepValues } from "../../src/core/simulate/sweep";

interface Fixture { tickers: string[]; dates: number[]; prices: number[][]; policies: { name: string; policy: string; assets: string[]; targets: number[] }[] }
const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const runs = matchPolicies(FX.tickers, FX.policies.map((p) => ({ name: p.name, policy: parsePolicy(p.policy).policy, assets: p.assets, targets: p.targets })));
const compare = { dates: Float64Array.from(FX.dates), prices: Float64Array.from(FX.prices.flat()), tickers: FX.tickers, runs, options: { initialValue: 100000 } };

test("each policy's grid cell is the backtest of its stored policy with the swept keys", () => {
  const axis1 = parseSweepValues("band_abs", "0.01, 0.05", "values");
  const axis2 = parseSweepValues("cost_bps", "0, 20", "values2");
  const seen: number[] = [];
  const r = runSweepJob({ compare, axis1, axis2, statistic: "cagr" }, (d, t) => { seen.push(d); expect(t).toBe(4 * runs.length); });
  expect(seen).toEqual(Array.from({ length: 4 * runs.length }, (_, k) => k + 1));
  runs.forEach((run, k) => {
    const cols = Array.from(run.columns);
    const prices = Float64Array.from(FX.prices.flatMap((row) => cols.map((j) => row[j])));
    const p = { ...run.policy, bandAbs: 0.05, costBps: 20 };
    const b = runBacktest({ dates: compare.dates, prices, nAssets: cols.length, targets: run.targets }, p, { initialValue: 100000 });
    const want = backtestSummary(b, 100000, { frequency: 252, riskFreeRate: 0 }).find((x) => x.name === "cagr")!.value;
    expect(r.grids[k].values[3]).toBe(want);
  });
  expect(r.names).toEqual(FX.policies.map((p) => p.name));
});

test("cancel, and errors naming the policy", () => {
  const axis1 = parseSweepValues("band_abs", "0.01, 0.05, 0.1", "values");
  let err: unknown;
  try { runSweepJob({ compare, axis1, axis2: null, statistic: "sharpe" }, (d) => d < 2); } catch (e) { err = e; }
  expect(isCancelled(err)).toBe(true);
  const bad = parseSweepValues("trigger", "calendar", "values");
  const noFreq = { ...compare, runs: compare.runs.map((r) => ({ ...r, policy: { ...r.policy, frequency: null } })) };
  expect(() => runSweepJob({ compare: noFreq, axis1: bad, axis2: null, statistic: "sharpe" })).toThrow(new RegExp(`^policy "${FX.policies[0].name}": .*trigger=calendar needs a frequency`));
});
