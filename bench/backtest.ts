/**
 * Backtests on 20 years of daily prices (5,040 days) x 500 assets under a threshold policy (the 5/25
 * rule; fractional shares, and whole shares): the core engine (runBacktest on Float64Arrays; fractional
 * cost-free rebalances take the closed-form plan of src/core/backtest/targetPlan.ts, whole shares go
 * through planTrades; quiet rows are scanned by a WebAssembly kernel, from a plain Float64Array copied
 * in by windows or in place from backtestPrices' matrix, or by the JavaScript loop), and REBAL.BACKTEST
 * end to end (Excel-shaped any[][] with a header row: range parsing, options, engine, statistics,
 * result table),
 * against a bare day loop an analyst would write (arrays of rows; mark, check bands, rebalance every
 * asset to target with fractional shares; no lots, costs or statistics). Speed reference only.
 * Targets (reported, not asserted): engine <= 10 ms, formula end to end <= 40 ms.
 */
import { backtestPrices, runBacktest } from "../src/core/backtest";
import { parsePolicy } from "../src/core/policy";
import { Workspace } from "../src/core/workspace";
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
  const input = { dates, prices, nAssets: n, targets };
  const fracText = "band_abs=0.05; band_rel=0.25; lot=0";
  const frac = parsePolicy(fracText).policy;
  const whole = parsePolicy("band_abs=0.05; band_rel=0.25; lot=1").policy;
  const never = parsePolicy("band_abs=0.9; lot=0").policy;
  // the same prices in the matrix REBAL.BACKTEST parses into (backtestPrices: the kernel reads it in place)
  const ws = new Workspace(); // the caller's (src/core/workspace.ts): scan memory and the in-place matrix
  const own = backtestPrices(T, n, null, ws);
  own.set(prices);
  const inputOwn = { dates, prices: own, nAssets: n, targets };
  const pf = runBacktest(input, frac);
  const pw = runBacktest(input, whole, { initialValue: 1e8 });
  // Excel-shaped arguments: a header row of dates and tickers, then one row per day.
  const xDates: unknown[][] = [["Date"], ...Array.from(dates, (d) => [d])];
  const xPrices: unknown[][] = [Array.from({ length: n }, (_, i) => `A${i + 1}`)];
  for (let t = 0; t < T; t++) xPrices.push(Array.from(prices.subarray(t * n, (t + 1) * n)));
  const xTargets = Array.from(targets, (x) => [x]);
  const rows: number[][] = xPrices.slice(1) as number[][];
  const h = Array.from(targets, (t) => Math.min(0.05, 0.25 * t));
  const plain = Array.from(dates);
  const ht = Array.from(targets);
  const out: BenchRow[] = [];
  const o = { minRuns: 10 };
  out.push(measure(`core runBacktest, ${T} days x ${n} assets, 5/25 bands, fractional`, () => runBacktest(input, frac, { workspace: ws }), { ...o, note: `${pf.rebalances} rebalances: ${pf.planCalls} planTrades calls` }));
  out.push(measure(`core runBacktest, same, prices in backtestPrices' matrix (read in place)`, () => runBacktest(inputOwn, frac, { workspace: ws }), { ...o, note: "as REBAL.BACKTEST passes them" }));
  out.push(measure(`core runBacktest, same, JavaScript quiet-row loop (scan=js)`, () => runBacktest(input, frac, { scan: "js" }), { ...o, note: "where WebAssembly SIMD is missing" }));
  out.push(measure(`core runBacktest, same, whole shares (lot=1), initial_value 1e8`, () => runBacktest(input, whole, { initialValue: 1e8, workspace: ws }), { ...o, note: `${pw.rebalances} rebalances: ${pw.planCalls} planTrades calls` }));
  out.push(measure(`core runBacktest, day loop only (mark + band check, never breached)`, () => runBacktest(input, never, { workspace: ws }), { ...o, note: "the floor without planTrades" }));
  out.push(measure(`REBAL.BACKTEST end to end, ${T + 1} x ${n} any[][] with header, 5/25 fractional`, () => backtestFn(xDates, xPrices, xTargets, fracText, null), o));
  out.push(measure(`bare day loop (mark, bands, rebalance to target), ${T} x ${n}`, () => bareLoop(plain, rows, ht, h, 1e6), { ...o, note: "no lots/costs/records/statistics" }));
  return out;
}
