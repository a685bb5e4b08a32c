/**
 * Sweeps (REBAL.SWEEP): one backtest statistic over a grid of values of one or two policy keys, the
 * other keys from a base policy (e.g. band_abs x frequency). Each grid cell is an ordinary backtest
 * (engine.ts, the same as REBAL.BACKTEST on the same history, targets and options) and its
 * statistic is the REBAL.BACKTEST row of that name (summary.ts), undefined values with their reason.
 * A swept key replaces the base policy's value of that key; each value is checked as the policy
 * parser checks it (policy.ts), and a bad one is an error naming the value's position.
 * Progress: the optional `onProgress(cellsDone, cells)` after every grid cell; false cancels
 * (BacktestCancelled, progress.ts).
 * Pure TypeScript; no module-level mutable state.
 */
import { RebalError } from "../errors";
import { KeyValue, readKeyValues } from "../keyvalues";
import { policyFromPairs, POLICY_KEYS } from "../policy";
import { Workspace } from "../workspace";
import { BacktestInput, runBacktest } from "../backtest/engine";
import { BacktestOptions } from "../backtest/options";
import { BacktestCancelled } from "../backtest/progress";
import { backtestSummary } from "../backtest/summary";

export const SWEEP_STATISTICS = [
  "total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "turnover", "rebalances", "costs", "final_value", "trades", "turnover_total",
] as const;
export type SweepStatistic = (typeof SWEEP_STATISTICS)[number];
/** At most this many values per key (a grid of at most MAX_SWEEP_VALUES^2 backtests). */
export const MAX_SWEEP_VALUES = 100;

export interface SweepAxis {
  key: string;
  /** The values as given (numbers or text), for the headers. */
  values: (number | string | boolean)[];
  /** Where each value was given, for messages. */
  where: string[];
}

const blank = (v: unknown): boolean => v === null || v === undefined || (typeof v === "string" && v.trim() === "");

/**
 * A key and its values: a row or column range of cells (blank cells skipped), or one text cell of
 * comma-separated values ("0.02, 0.05, 0.1"). The key must be a policy key other than name.
 */
export function parseSweepValues(key: string, values: unknown, arg: string): SweepAxis {
  const k = key.trim().toLowerCase();
  const keyArg = arg === "values" ? "key" : "key2";
  if (k === "name" || !(POLICY_KEYS as readonly string[]).includes(k)) throw new RebalError(`${keyArg}: "${key}" is not a policy key (sweepable keys: ${POLICY_KEYS.filter((x) => x !== "name").join(", ")})`);
  let cells: { v: unknown; where: string }[] = [];
  let m: unknown = values;
  if (!Array.isArray(m)) m = [[m]];
  const rows = m as unknown[][];
  if (rows.length === 1 && rows[0].length === 1 && typeof rows[0][0] === "string" && rows[0][0].includes(",")) {
    cells = rows[0][0].split(",").map((s, j) => ({ v: s.trim(), where: `${arg} item ${j + 1}` }));
  } else if (rows.length === 1) {
    cells = rows[0].map((v, j) => ({ v, where: `${arg} column ${j + 1}` }));
  } else {
    if (!rows.every((r) => Array.isArray(r) && r.length === 1)) throw new RebalError(`${arg} must be a single row or column of values`);
    cells = rows.map((r, j) => ({ v: r[0], where: `${arg} row ${j + 1}` }));
  }
  cells = cells.filter((c) => !blank(c.v));
  if (cells.length === 0) throw new RebalError(`${arg} is blank: give the values of ${k} to sweep`);
  if (cells.length > MAX_SWEEP_VALUES) throw new RebalError(`${arg} has ${cells.length} values: at most ${MAX_SWEEP_VALUES}`);
  const out = cells.map((c) => (typeof c.v === "number" || typeof c.v === "boolean" ? c.v : String(c.v).trim()));
  const seen = new Set<string>();
  out.forEach((v, j) => {
    const s = String(v).toLowerCase();
    if (seen.has(s)) throw new RebalError(`${cells[j].where}: ${k}=${String(v)} is given twice`);
    seen.add(s);
  });
  return { key: k, values: out, where: cells.map((c) => c.where) };
}

export interface SweepGrid {
  /** Row-major |values| x |values2| (or |values| x 1). NaN where undefined. */
  values: Float64Array;
  reasons: (string | null)[];
}

/**
 * Runs the grid on one engine input (fixed targets, or walkForward.ts's walkForwardInput: the targets
 * history is estimated once for every cell). `base`: the base policy in any accepted shape
 * (keyvalues.ts). An error in one backtest names the grid cell (key=value).
 */
export function sweep(input: BacktestInput, base: unknown, a1: SweepAxis, a2: SweepAxis | null,
  statistic: SweepStatistic, options: BacktestOptions, ws: Workspace = new Workspace(), onProgress?: ((cellsDone: number, cells: number) => boolean | void) | null): SweepGrid {
  if (a2 !== null && a2.key === a1.key) throw new RebalError(`key2 is the same key as key (${a1.key})`);
  const pairs = readKeyValues(base, "base_policy").filter((p) => p.key !== a1.key && (a2 === null || p.key !== a2.key));
  const n1 = a1.values.length, n2 = a2 === null ? 1 : a2.values.length;
  const values = new Float64Array(n1 * n2);
  const reasons: (string | null)[] = new Array(n1 * n2).fill(null);
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      const extra: KeyValue[] = [{ key: a1.key, value: a1.values[i], where: a1.where[i] }];
      if (a2 !== null) extra.push({ key: a2.key, value: a2.values[j], where: a2.where[j] });
      const policy = policyFromPairs([...pairs, ...extra], "base_policy").policy;
      const label = a2 === null ? `${a1.key}=${String(a1.values[i])}` : `${a1.key}=${String(a1.values[i])}, ${a2.key}=${String(a2.values[j])}`;
      let row;
      try {
        const r = runBacktest(input, policy, { ...options, workspace: ws });
        row = backtestSummary(r, options.initialValue, options).find((x) => x.name === statistic);
      } catch (e) {
        if (e instanceof RebalError) throw new RebalError(`${label}: ${e.message}`);
        throw e;
      }
      if (row === undefined) throw new RebalError(`statistic ${statistic} is not a backtest statistic`);
      values[i * n2 + j] = row.value;
      if (onProgress && onProgress(i * n2 + j + 1, n1 * n2) === false) throw new BacktestCancelled();
      reasons[i * n2 + j] = row.reason === null && !Number.isFinite(row.value) ? `${statistic} is undefined for ${label}` : row.reason === null ? null : `${label}: ${row.reason}`;
    }
  }
  return { values, reasons };
}
