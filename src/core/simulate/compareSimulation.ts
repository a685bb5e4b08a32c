/**
 * The pane's "Simulate" view: the policies of a comparison (backtest/compare.ts CompareJob: one price
 * table, each policy on its own columns with its own targets) run over the same bootstrap paths
 * (simulate.ts: common random numbers, seeded), with the percentile table and a fan chart.
 *
 * - The paths resample the return rows of the columns some policy holds (the union of the runs'
 *   columns, in table order): each policy gets target 0 on the union's other columns, so it never
 *   buys them and its backtest is the one on its own columns.
 * - Fan: portfolio value percentiles (p5, p25, p50, p75, p95, simulate.ts's percentile) per policy on
 *   every FAN_EVERY-th row of the paths (row 0 included) and on the last row; the last row's
 *   percentiles are those of the final_value statistic.
 * - Progress and cancellation as simulate.ts (per path; false cancels with SimulationCancelled).
 * Pure TypeScript: no Office, DOM or Node APIs (runs in the pane's Web Worker).
 */
import { RebalError } from "../errors";
import { Workspace } from "../workspace";
import type { CompareJob } from "../backtest/compare";
import { PERCENTILES, percentile, prepareSimulation, SimulateOptions, simulatePaths, summarize, SummaryRow } from "./simulate";

/** Rows between two fan points (about a month of trading days). */
export const FAN_EVERY = 21;

export interface SimulationJob {
  compare: CompareJob;
  options: SimulateOptions;
}

export interface SimulationResult {
  names: string[];
  summary: SummaryRow[];
  /** Dates of the fan points. */
  fanDates: Float64Array;
  /** Policy-major: fan[(j * points + r) * 5 + q] = percentile PERCENTILES[q] of policy j's value at point r. */
  fan: Float64Array;
  paths: number;
}

export function runSimulation(job: SimulationJob, onProgress?: ((done: number, total: number) => boolean | void) | null, workspace: Workspace = new Workspace()): SimulationResult {
  const c = job.compare;
  const T = c.dates.length;
  const N = c.tickers.length;
  if (c.prices.length !== T * N) throw new RebalError(`prices must have ${T} rows of ${N} assets`);
  if (c.runs.length === 0) throw new RebalError("no policies to simulate");
  const used = new Uint8Array(N);
  for (const r of c.runs) for (const j of r.columns) used[j] = 1;
  const cols: number[] = [];
  for (let j = 0; j < N; j++) if (used[j]) cols.push(j);
  const m = cols.length;
  const at = new Int32Array(N).fill(-1);
  cols.forEach((j, k) => { at[j] = k; });
  const prices = new Float64Array(T * m);
  for (let t = 0; t < T; t++) for (let k = 0; k < m; k++) prices[t * m + k] = c.prices[t * N + cols[k]];
  const targets = c.runs.map((r) => {
    const x = new Float64Array(m);
    r.columns.forEach((j, i) => { x[at[j]] = r.targets[i]; });
    return x;
  });
  const options: SimulateOptions = { ...job.options, backtest: { ...job.options.backtest, ...c.options } };
  let setup;
  try {
    setup = prepareSimulation(c.dates, prices, m, targets, c.runs.map((r) => r.policy), options);
  } catch (e) {
    if (e instanceof RebalError) throw new RebalError(e.message.replace(/asset (\d+)/, (_, k: string) => `asset ${c.tickers[cols[Number(k) - 1]]}`));
    throw e;
  }
  const L = setup.L;
  const points: number[] = [];
  for (let r = 0; r <= L; r += FAN_EVERY) points.push(r);
  if (points[points.length - 1] !== L) points.push(L);
  const P = c.runs.length, R = points.length, paths = options.paths;
  const samples = new Float64Array(P * R * paths); // policy, point, path
  const stats = simulatePaths(setup, 0, paths, {
    workspace,
    onProgress,
    onValues: (k, j, values) => { for (let r = 0; r < R; r++) samples[(j * R + r) * paths + k] = values[points[r]]; },
  });
  const fan = new Float64Array(P * R * PERCENTILES.length);
  for (let j = 0; j < P; j++) {
    for (let r = 0; r < R; r++) {
      const x = samples.subarray((j * R + r) * paths, (j * R + r + 1) * paths).sort();
      PERCENTILES.forEach((q, i) => { fan[(j * R + r) * PERCENTILES.length + i] = percentile(x, q); });
    }
  }
  const fanDates = Float64Array.from(points, (r) => setup.dates[r]);
  return { names: c.runs.map((r) => r.name), summary: summarize(stats, paths, P), fanDates, fan, paths };
}
