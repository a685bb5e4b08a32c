/**
 * Backtests on 20 years of daily prices (5,040 days) x 500 assets under a threshold policy (the 5/25
 * rule, whole shares): the core engine (runBacktest on Float64Arrays), and REBAL.BACKTEST end to end
 * (Excel-shaped any[][] with a header row: range parsing, options, engine, statistics, result table),
 * against a bare day loop an analyst would write (arrays of rows; mark, check bands, rebalance every
 * asset to target with fractional shares; no lots, costs or statistics). Speed reference only.
 * Targets (reported, not asserted): engine <= 10 ms, formula end to end <= 40 ms.
 */
import { runBacktest } from "../src/core/backtest";
import { parsePolicy } from "../src/core/policy";
import { backtestFn } from "../src/functions/backtest";
import { BenchRow, measure, rng } from "./harness";

export function makeHistory(T: number, n: number, seed = 11) {
  const r = rng(seed);
  const dates = new Float64Array(T);
  const prices = new Float64Array(T * n);
  const vol = new Float64Array(n);
  const last = new Float64Array(n);
  for (let i = 0; i < n; i++) { last[i] = 10 + r() * 190; vol[i] = 0.01 + r() * 0.02; }
  let d = 36528; // 2000-01-03, a Monday
  for (let t = 0; t < T; t++) {
    dates[t] = d;
    d += t % 5 === 4 ? 3 : 1;
    const market = (r() - 0.5) * 0.02;
    for (let i = 0; i < n; i++) {
      last[i] *= 1 + 0.0003 + market + (r() - 0.5) * 2 * vol[i];
      prices[t * n + i] = last[i];
    }
  }
  const targets = new Float64Array(n).fill(1 / n);
  return { dates, prices, targets, n };
}

/** The bare loop: mark, check |w - t| > h, rebalance everything to target (fractional, no costs). */
export function bareLoop(dates: number[], rows: number[][], targets: number[], h: number[], initial: number): number[] {
  const n = targets.length;
  const q = new Array<number>(n).fill(0);
  let cash = initial;
  const values: number[] = [];
  for (let t = 0; t < dates.length; t++) {
    const p = rows[t];
    let V = cash;
    for (let i = 0; i < n; i++) V += q[i] * p[i];
    let due = t === 0;
    for (let i = 0; i < n && !due; i++) if (Math.abs((q[i] * p[i]) / V - targets[i]) > h[i]) due = true;
    if (due) {
      let spent = 0;
      for (let i = 0; i < n; i++) { q[i] = (targets[i] * V) / p[i]; spent += q[i] * p[i]; }
      cash = V - spent;
    }
    values.push(V);
  }
  return values;
}

export function benchBacktest(T = 5040, n = 500): BenchRow[] {
  const { dates, prices, targets } = makeHistory(T, n);
  const policyText = "band_abs=0.05; band_rel=0.25; lot=1";
  const policy = parsePolicy(policyText).policy;
  const probe = runBacktest({ dates, prices, nAssets: n, targets }, policy);
  const note = `${probe.rebalances} rebalances, ${probe.planCalls} planTrades calls`;
  const fracPolicy = parsePolicy("band_abs=0.05; band_rel=0.25; lot=0").policy;
  const probeFrac = runBacktest({ dates, prices, nAssets: n, targets }, fracPolicy);
  // Excel-shaped arguments: a header row of dates and tickers, then one row per day.
  const xDates: unknown[][] = [["Date"], ...Array.from(dates, (d) => [d])];
  const xPrices: unknown[][] = [Array.from({ length: n }, (_, i) => `A${i + 1}`)];
  for (let t = 0; t < T; t++) xPrices.push(Array.from(prices.subarray(t * n, (t + 1) * n)));
  const xTargets = Array.from(targets, (x) => [x]);
  const rows: number[][] = xPrices.slice(1) as number[][];
  const h = Array.from(targets, (t) => Math.min(0.05, 0.25 * t));
  const out: BenchRow[] = [];
  out.push(measure(`core runBacktest, ${T} days x ${n} assets, 5/25 bands, lot=1`, () => runBacktest({ dates, prices, nAssets: n, targets }, policy), { minRuns: 10, note }));
  out.push(measure(`core runBacktest, ${T} days x ${n} assets, 5/25 bands, fractional`, () => runBacktest({ dates, prices, nAssets: n, targets }, fracPolicy), { minRuns: 10, note: `${probeFrac.rebalances} rebalances` }));
  out.push(measure(`REBAL.BACKTEST end to end, ${T + 1} x ${n} any[][] with header`, () => backtestFn(xDates, xPrices, xTargets, policyText, null), { minRuns: 10 }));
  out.push(measure(`bare day loop (mark, bands, rebalance to target), ${T} x ${n}`, () => bareLoop(Array.from(dates), rows, Array.from(targets), h, 1e6), { minRuns: 10 }));
  return out;
}
