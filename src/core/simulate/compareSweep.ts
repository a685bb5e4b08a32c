/**
 * The pane's "Sweep" view: each picked policy of a comparison (backtest/compare.ts CompareJob: one
 * price table, each policy on its own columns and targets) backtested over a grid of one or two of
 * its keys (sweep.ts: the same statistic as REBAL.SWEEP; the policy's other keys as stored), for a
 * heat map. Axes are parsed as REBAL.SWEEP parses them (parseSweepValues: comma-separated values).
 * Progress: grid cells done over all policies; false cancels (BacktestCancelled).
 * Pure TypeScript: no Office, DOM or Node APIs (runs in the pane's Web Worker).
 */
import { RebalError } from "../errors";
import { policyToPairs } from "../policy";
import { Workspace } from "../workspace";
import type { CompareJob } from "../backtest/compare";
import { DEFAULT_BACKTEST_OPTIONS } from "../backtest/options";
import { isCancelled } from "../backtest/progress";
import { sweep, SweepAxis, SweepGrid, SweepStatistic } from "./sweep";

export interface SweepJob {
  compare: CompareJob;
  axis1: SweepAxis;
  axis2: SweepAxis | null;
  statistic: SweepStatistic;
}

export interface SweepJobResult {
  names: string[];
  grids: SweepGrid[];
  axis1: SweepAxis;
  axis2: SweepAxis | null;
  statistic: SweepStatistic;
}

export function runSweepJob(job: SweepJob, onProgress?: ((done: number, total: number) => boolean | void) | null, workspace: Workspace = new Workspace()): SweepJobResult {
  const c = job.compare;
  const T = c.dates.length;
  const N = c.tickers.length;
  if (c.prices.length !== T * N) throw new RebalError(`prices must have ${T} rows of ${N} assets`);
  const cells = job.axis1.values.length * (job.axis2 === null ? 1 : job.axis2.values.length);
  const total = cells * c.runs.length;
  const options = { ...DEFAULT_BACKTEST_OPTIONS, ...c.options };
  const grids = c.runs.map((run, k) => {
    const m = run.columns.length;
    const prices = new Float64Array(T * m);
    for (let t = 0; t < T; t++) for (let i = 0; i < m; i++) prices[t * m + i] = c.prices[t * N + run.columns[i]];
    try {
      return sweep({ dates: c.dates, prices, nAssets: m, targets: run.targets }, policyToPairs(run.policy), job.axis1, job.axis2, job.statistic, options, workspace,
        onProgress ? (done) => onProgress(k * cells + done, total) : null);
    } catch (e) {
      if (isCancelled(e) || !(e instanceof RebalError)) throw e;
      throw new RebalError(`policy "${run.name}": ${e.message}`);
    }
  });
  return { names: c.runs.map((r) => r.name), grids, axis1: job.axis1, axis2: job.axis2, statistic: job.statistic };
}
