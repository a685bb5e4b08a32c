/**
 * `npm run bench -- simulate` (issue 17): the Monte Carlo and walk-forward figures of BENCHMARKS.md.
 * - `simulate` (src/core/simulate), 1,000 paths (100 with whole shares, reported per 1,000) x 2,520
 *   days x 10 assets x 3 policies (monthly calendar, 5/25 bands, quarterly hybrid with 5 bps), one
 *   thread, one Workspace for every backtest (its planner and period keys are shared).
 * - A walk-forward max-Sharpe backtest: 20 assets x 5,040 days, monthly re-estimation on a 504-day
 *   window (runWalkForward).
 * Seeded synthetic histories (bench/backtest.ts makeHistory). No thresholds: the targets are in
 * issue 17 and BENCHMARKS.md.
 */
import { parseTargetsSpec, runWalkForward } from "../src/core/backtest/walkForward";
import { parsePolicy } from "../src/core/policy";
import { parseSimulateOptions, simulate } from "../src/core/simulate";
import { Workspace } from "../src/core/workspace";
import { makeHistory } from "./backtest";
import { BenchRow, measure, QUICK } from "./harness";

export function benchSimulate(): BenchRow[] {
  const out: BenchRow[] = [];
  const T = 2520, n = 10;
  const { dates, prices } = makeHistory(T, n, 5);
  const targets = new Float64Array(n).fill(0.1);
  for (const lot of [0, 1]) {
    const paths = QUICK ? 20 : lot === 0 ? 1000 : 100;
    const policies = [`trigger=calendar; frequency=monthly; lot=${lot}`, `band_abs=0.05; band_rel=0.25; lot=${lot}`, `trigger=hybrid; frequency=quarterly; band_rel=0.2; lot=${lot}; cost_bps=5`].map((p) => parsePolicy(p).policy);
    const options = parseSimulateOptions(`paths=${paths}`);
    const ws = new Workspace();
    const row = measure(`simulate ${paths} paths x ${T} days x ${n} assets x 3 policies, ${lot === 0 ? "fractional" : "whole shares"}`,
      () => simulate(dates, prices, n, targets, policies, options, { workspace: ws }), { minRuns: 2, warmup: 1 });
    row.note = `${((row.medianMs * 1000) / paths / 1000).toFixed(2)} s per 1,000 paths (target ${lot === 0 ? "2" : "6"} s)`;
    out.push(row);
  }
  {
    const m = 20, days = 5040;
    const h = makeHistory(days, m, 9);
    const spec = parseTargetsSpec("optimize: objective=max_sharpe; window=504; every=monthly");
    const policy = parsePolicy("trigger=calendar; frequency=monthly; lot=0").policy;
    const ws = new Workspace();
    out.push(measure(`walk-forward max-Sharpe backtest, ${m} assets x ${days} days, 504-day window, monthly`,
      () => runWalkForward(h.dates, h.prices, m, spec, policy, { workspace: ws }), { minRuns: 3, warmup: 1, note: "target <= 1 s" }));
  }
  return out;
}
