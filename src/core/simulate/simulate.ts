/**
 * Monte Carlo of rebalancing policies (REBAL.SIMULATE, `rebal simulate`; product.md, "Dynamic
 * policies and simulation"): every policy runs on the same resampled price paths (common random
 * numbers), and each statistic's distribution over the paths is summarised by its mean and
 * percentiles.
 *
 * - Paths: `paths` [1000] histories of `years` [10] x 252 daily rows, the stationary block bootstrap
 *   (bootstrap.ts) of the complete return rows of the price history with mean block length `block`
 *   [21]; row 0 is the last date and prices of the history, later rows are the following weekdays.
 *   Path k draws from the stream (seed, k) of random.ts, so path k is the same whatever the number of
 *   paths, chunks or worker threads; same `seed` [1], same numbers.
 * - Each path and policy: runBacktest (engine.ts, the same engine as REBAL.BACKTEST; `initial_value`
 *   invested on row 0) and its statistics as REBAL.BACKTEST reports them (summary.ts, stats.ts: on
 *   the time-weighted index): cagr, volatility, max_drawdown, turnover (annual), rebalances, costs,
 *   final_value, sharpe.
 * - Summary per policy and statistic: the mean and the 5th, 25th, 50th, 75th and 95th percentiles,
 *   linear interpolation between order statistics (numpy's default, Hyndman-Fan type 7). A statistic
 *   undefined on some path (Sharpe of a flat path) is NaN in the summary, with the count in `undefinedPaths`.
 * - Progress and cancellation: `onProgress(pathsDone, pathsTotal)` after every path (progress.ts
 *   rules: strictly increasing, the last call with pathsDone = pathsTotal); returning false throws
 *   SimulationCancelled (an isCancelled error).
 * Pure TypeScript; no module-level mutable state.
 */
import { RebalError } from "../errors";
import { readKeyValues, rejectUnknownKeys, valueAsNumber } from "../keyvalues";
import { Policy } from "../policy";
import { Workspace } from "../workspace";
import { runBacktest } from "../backtest/engine";
import { BACKTEST_OPTION_KEYS, BacktestOptions, parseBacktestOptions } from "../backtest/options";
import { BacktestCancelled } from "../backtest/progress";
import { backtestPrices } from "../backtest/scanWasm";
import { performanceStats } from "../backtest/stats";
import { bootstrapIndices, completeReturns, pathPrices, ReturnSample } from "./bootstrap";
import { Xoshiro128 } from "./random";

export const SIMULATE_STATISTICS = ["cagr", "volatility", "max_drawdown", "turnover", "rebalances", "costs", "final_value", "sharpe"] as const;
export type SimulateStatistic = (typeof SIMULATE_STATISTICS)[number];
export const PERCENTILES = [5, 25, 50, 75, 95] as const;
/** Trading days per simulated year. */
export const DAYS_PER_YEAR = 252;
export const SIMULATE_KEYS = ["paths", "block", "years", "seed", ...BACKTEST_OPTION_KEYS] as const;
/** Limits that keep one formula call finite: paths x rows x policies at most this many backtest rows. */
export const MAX_SIMULATED_ROWS = 2e8;

export interface SimulateOptions {
  paths: number;
  block: number;
  years: number;
  seed: number;
  backtest: BacktestOptions;
}

/** Thrown when the progress hook returns false. */
export class SimulationCancelled extends BacktestCancelled {
  constructor() {
    super();
    this.message = "simulation cancelled";
    this.name = "SimulationCancelled";
  }
}

/** Reads REBAL.SIMULATE options: paths, block, years, seed and the backtest options. */
export function parseSimulateOptions(input: unknown, arg = "options"): SimulateOptions {
  const pairs = readKeyValues(input, arg);
  rejectUnknownKeys(pairs, SIMULATE_KEYS, arg);
  // the backtest keys, at their own positions (the others blanked, so messages keep the item number)
  const isBacktestKey = (k: string) => (BACKTEST_OPTION_KEYS as readonly string[]).includes(k);
  const rest = pairs.map((p) => (isBacktestKey(p.key) ? [p.key, p.value] : [null, null]));
  const o: SimulateOptions = { paths: 1000, block: 21, years: 10, seed: 1, backtest: parseBacktestOptions(rest.length > 0 ? rest : "", arg) };
  for (const kv of pairs) {
    const int = (min: number, max: number) => {
      const x = valueAsNumber(kv);
      if (!Number.isInteger(x) || x < min || x > max) throw new RebalError(`${kv.where}: ${kv.key} must be a whole number from ${min} to ${max}, got ${x}`);
      return x;
    };
    switch (kv.key) {
      case "paths": o.paths = int(1, 1_000_000); break;
      case "seed": o.seed = int(0, 4294967295); break;
      case "block": {
        const x = valueAsNumber(kv);
        if (!(x >= 1 && x <= 1e6)) throw new RebalError(`${kv.where}: block must be a mean block length of at least 1 day, got ${x}`);
        o.block = x;
        break;
      }
      case "years": {
        const x = valueAsNumber(kv);
        if (!(x > 0 && x <= 100)) throw new RebalError(`${kv.where}: years must be more than 0 and at most 100, got ${x}`);
        o.years = x;
        break;
      }
    }
  }
  return o;
}

export interface SimulationSetup {
  sample: ReturnSample;
  n: number;
  /** Start prices (the last of the history). */
  p0: Float64Array;
  /** Dates of every path: L + 1 weekdays from the last date of the history. */
  dates: Float64Array;
  /** Rows per path after row 0. */
  L: number;
  /** Targets of each policy (the same array for all when one was given). */
  targets: Float64Array[];
  policies: Policy[];
  options: SimulateOptions;
}

/** Weekday serials: `start`, then the next `L` weekdays (Excel serial 1 = a Sunday; serial mod 7: 0 Sat, 1 Sun). */
function weekdays(start: number, L: number): Float64Array {
  const d = new Float64Array(L + 1);
  d[0] = start;
  let x = start;
  for (let k = 1; k <= L; k++) {
    do x++; while (x % 7 === 0 || x % 7 === 1);
    d[k] = x;
  }
  return d;
}

/**
 * Checks the inputs and prepares the sample (dates: serials of the history; prices row-major T x n,
 * NaN = missing; every asset needs a price on the last row, where the paths start). `targets`: one
 * vector for every policy, or one per policy (the pane's comparisons: 0 for assets a policy does not hold).
 */
export function prepareSimulation(dates: Float64Array, prices: Float64Array, n: number, targets: Float64Array | readonly Float64Array[], policies: Policy[], options: SimulateOptions): SimulationSetup {
  const T = dates.length;
  if (T < 3) throw new RebalError(`the price history has ${T} rows: a bootstrap needs at least 3`);
  if (prices.length !== T * n) throw new RebalError(`prices must have ${T} rows of ${n} assets`);
  if (policies.length === 0) throw new RebalError("policies is empty: give at least one policy");
  const each = targets instanceof Float64Array ? policies.map(() => targets) : Array.from(targets);
  if (each.length !== policies.length) throw new RebalError(`there are ${each.length} target vectors for ${policies.length} policies`);
  for (const t of each) if (t.length !== n) throw new RebalError(`targets has ${t.length} values but prices has ${n} columns: they must match`);
  const p0 = prices.slice((T - 1) * n, T * n);
  for (let i = 0; i < n; i++) if (!(p0[i] > 0)) throw new RebalError(`asset ${i + 1} has no price on the last date: the paths start from the last prices`);
  const L = Math.max(1, Math.round(options.years * DAYS_PER_YEAR));
  if (options.paths * (L + 1) * policies.length > MAX_SIMULATED_ROWS) {
    throw new RebalError(`paths x days x policies = ${options.paths} x ${L + 1} x ${policies.length} is more than ${MAX_SIMULATED_ROWS.toExponential(0)} backtest rows: use fewer paths or years`);
  }
  const sample = completeReturns(prices, T, n);
  return { sample, n, p0, dates: weekdays(Math.floor(dates[T - 1]), L), L, targets: each, policies, options };
}

export interface SimulateRunOptions {
  workspace?: Workspace;
  /** Called after every path with (paths done, paths of this call); return false to cancel. */
  onProgress?: ((done: number, total: number) => boolean | void) | null;
  /** Called with each path's value series per policy (valid during the call only), e.g. for fan charts. */
  onValues?: ((path: number, policy: number, values: Float64Array) => void) | null;
}

/** The prices of path k (row-major (L + 1) x n) into out (a fresh array when omitted). */
export function simulatedPath(setup: SimulationSetup, k: number, out?: Float64Array, idx?: Int32Array): Float64Array {
  const { L, n, sample, options } = setup;
  const prices = out ?? new Float64Array((L + 1) * n);
  const ix = idx ?? new Int32Array(L);
  bootstrapIndices(new Xoshiro128(options.seed, k), sample.rows, options.block, ix);
  pathPrices(sample, ix, setup.p0, prices);
  return prices;
}

/**
 * The statistics of paths from..to-1 for every policy: a Float64Array of (to - from) x policies x
 * SIMULATE_STATISTICS.length, path-major. An error on a path names the path and the policy.
 */
export function simulatePaths(setup: SimulationSetup, from: number, to: number, run: SimulateRunOptions = {}): Float64Array {
  const ws = run.workspace ?? new Workspace();
  const { L, n, policies, dates } = setup;
  const P = policies.length, S = SIMULATE_STATISTICS.length;
  const out = new Float64Array((to - from) * P * S);
  const idx = new Int32Array(L);
  const years = (dates[L] - dates[0]) / 365.25;
  const bo = setup.options.backtest;
  const runOpts = { ...bo, workspace: ws };
  let prices: Float64Array | null = null;
  for (let k = from; k < to; k++) {
    prices = backtestPrices(L + 1, n, prices, ws);
    simulatedPath(setup, k, prices, idx);
    for (let j = 0; j < P; j++) {
      let r;
      try {
        r = runBacktest({ dates, prices, nAssets: n, targets: setup.targets[j] }, policies[j], runOpts);
      } catch (e) {
        if (e instanceof RebalError) throw new RebalError(`path ${k + 1}, policy ${j + 1}: ${e.message}`);
        throw e;
      }
      const s = performanceStats(dates, r.index, bo);
      const o = ((k - from) * P + j) * S;
      out[o] = s.cagr;
      out[o + 1] = s.volatility;
      out[o + 2] = s.maxDrawdown;
      out[o + 3] = years > 0 ? r.totalTurnover / years : NaN;
      out[o + 4] = r.rebalances;
      out[o + 5] = r.totalCost;
      out[o + 6] = r.values[L];
      out[o + 7] = s.sharpe;
      if (run.onValues) run.onValues(k, j, r.values);
    }
    if (run.onProgress && run.onProgress(k - from + 1, to - from) === false) throw new SimulationCancelled();
  }
  return out;
}

/** Percentile q (0..100) of sorted values, linear between order statistics (numpy default). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const N = sorted.length;
  if (N === 0) return NaN;
  const h = ((N - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, N - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface SummaryRow {
  policy: number;
  statistic: SimulateStatistic;
  mean: number;
  /** p5, p25, p50, p75, p95. */
  percentiles: number[];
  /** Paths on which the statistic is undefined (then mean and percentiles are NaN). */
  undefinedPaths: number;
}

/** Mean and percentiles per policy and statistic of simulatePaths' output for `paths` paths. */
export function summarize(stats: Float64Array, paths: number, nPolicies: number): SummaryRow[] {
  const S = SIMULATE_STATISTICS.length;
  const rows: SummaryRow[] = [];
  const x = new Float64Array(paths);
  for (let j = 0; j < nPolicies; j++) {
    for (let s = 0; s < S; s++) {
      let bad = 0, sum = 0;
      for (let k = 0; k < paths; k++) {
        const v = stats[(k * nPolicies + j) * S + s];
        x[k] = v;
        if (v === v) sum += v; else bad++;
      }
      const statistic = SIMULATE_STATISTICS[s];
      if (bad > 0) { rows.push({ policy: j, statistic, mean: NaN, percentiles: PERCENTILES.map(() => NaN), undefinedPaths: bad }); continue; }
      x.sort();
      rows.push({ policy: j, statistic, mean: sum / paths, percentiles: PERCENTILES.map((q) => percentile(x, q)), undefinedPaths: 0 });
    }
  }
  return rows;
}

/** prepareSimulation, simulatePaths over every path, summarize. */
export function simulate(dates: Float64Array, prices: Float64Array, n: number, targets: Float64Array | readonly Float64Array[], policies: Policy[], options: SimulateOptions, run: SimulateRunOptions = {}): { setup: SimulationSetup; stats: Float64Array; summary: SummaryRow[] } {
  const setup = prepareSimulation(dates, prices, n, targets, policies, options);
  const stats = simulatePaths(setup, 0, options.paths, run);
  return { setup, stats, summary: summarize(stats, options.paths, policies.length) };
}
