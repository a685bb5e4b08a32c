/**
 * Comparing policies on one price history (the task pane's "Compare policies" view): the price
 * table, the matching of each policy's assets to its columns, and the runs.
 *
 * - Price table (readPriceTable): a header row, then one row per date. Column 1 holds the dates
 *   (Excel serials, strictly increasing, oldest first; its header cell is free, e.g. "Date"); every
 *   other column is one asset, its ticker in the header (non-blank, unique ignoring case and
 *   surrounding spaces). Prices: blank = missing (NaN; leading blanks = not yet listed, as the engine
 *   reads them), otherwise a positive number (numeric text is read as by cells.ts). Fully blank rows
 *   are skipped (e.g. the empty tail of a selected block). At least two dates and one asset.
 *   Problems are RebalErrors naming the sheet cell (A1 style, from the range's top-left `origin`).
 * - Matching (matchPolicies): a policy's assets (its holdings' tickers, in holdings order) are found
 *   in the header by name (case-insensitive, trimmed); the backtest runs on those columns only, with
 *   the holdings' targets (the rest of 1 is the cash target, as in REBAL.BACKTEST). A policy whose
 *   assets are missing from the header is an error naming them all.
 * - Runs (runComparison): each policy is runBacktest on its columns with the same options, then the
 *   REBAL.BACKTEST metric rows (summary.ts) total_return ... final_value, the values (equity curve)
 *   and the drawdown series `I_t / max(I_0..I_t) - 1` of the time-weighted index I (equal to the
 *   values without contributions), whose minimum is the max_drawdown row exactly. Results are the
 *   same numbers as REBAL.BACKTEST / REBAL.EQUITY on the same cells.
 * - Progress: `onProgress(rowsDone, rowsTotal)` counts rows over all policies (rowsTotal = dates x
 *   policies), from runBacktest's hook (progress.ts: every 256 rows); returning false cancels (a
 *   BacktestCancelled propagates). A failing policy's RebalError is re-thrown with its name.
 * Pure TypeScript: no Office, DOM or Node APIs (runs in the pane's Web Worker and in Node).
 */
import { isBlank, numberCell } from "../cells";
import { serialDay, serialToISO } from "../calendar";
import { RebalError } from "../errors";
import { columnLetter } from "../holdingsTable";
import { Policy } from "../policy";
import { Workspace } from "../workspace";
import { runBacktest } from "./engine";
import { BacktestOptions, DEFAULT_BACKTEST_OPTIONS } from "./options";
import { isCancelled } from "./progress";
import { MetricRow, backtestSummary } from "./summary";

/** The rows of the comparison's metric table (REBAL.BACKTEST's first rows, in its order). */
export const COMPARE_METRICS = [
  "total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "turnover", "rebalances", "costs", "final_value",
] as const;

export interface PriceTable {
  /** Asset names from the header, as written (trimmed). */
  tickers: string[];
  /** Excel serials, strictly increasing. */
  dates: Float64Array;
  /** Row-major dates x tickers; NaN = missing. */
  prices: Float64Array;
}

/** Reads a price table; `where` names it ("price range Prices!A1:F501"), `origin` is its top-left cell (0-based). */
export function readPriceTable(cells: unknown[][], where: string, origin: { row: number; col: number } = { row: 0, col: 0 }): PriceTable {
  if (!Array.isArray(cells) || cells.length === 0 || !Array.isArray(cells[0]) || cells[0].length === 0) throw new RebalError(`${where} is empty`);
  const width = cells[0].length;
  const cell = (r: number, c: number) => `${columnLetter(origin.col + c)}${origin.row + r + 1}`;
  if (cells.every((row) => row.every(isBlank))) throw new RebalError(`${where} is empty`);
  if (width < 2) throw new RebalError(`${where} has one column: it needs the dates in its first column, then one column of prices per asset`);
  const header = cells[0];
  const tickers: string[] = [];
  const seen = new Map<string, number>();
  for (let c = 1; c < width; c++) {
    const h = header[c];
    if (isBlank(h)) throw new RebalError(`${where}: the header cell ${cell(0, c)} is blank; the first row must name every asset (tickers)`);
    if (typeof h === "number") throw new RebalError(`${where}: the header cell ${cell(0, c)} is a number (${h}); the first row must hold the tickers`);
    const name = String(h).trim();
    const key = name.toLowerCase();
    const prev = seen.get(key);
    if (prev !== undefined) throw new RebalError(`${where}: the ticker "${name}" appears twice in the header (${cell(0, prev)} and ${cell(0, c)})`);
    seen.set(key, c);
    tickers.push(name);
  }
  const n = width - 1;
  const rows: number[] = [];
  for (let r = 1; r < cells.length; r++) {
    if (cells[r].length !== width) throw new RebalError(`${where}: row ${origin.row + r + 1} does not have ${width} cells`);
    if (!cells[r].every(isBlank)) rows.push(r);
  }
  if (rows.length < 2) throw new RebalError(`${where} needs a header row and at least two rows of prices, got ${rows.length}`);
  const T = rows.length;
  const dates = new Float64Array(T);
  const prices = new Float64Array(T * n);
  for (let k = 0; k < T; k++) {
    const r = rows[k];
    const row = cells[r];
    const d = row[0];
    if (isBlank(d)) throw new RebalError(`${where}: the date in ${cell(r, 0)} is blank`);
    const serial = typeof d === "string" ? numberCell(d, `${where}: ${cell(r, 0)}`) : d;
    dates[k] = serialDay(serial, `${where}: the date in ${cell(r, 0)}`);
    if (k > 0 && !(dates[k] > dates[k - 1])) {
      throw new RebalError(`${where}: the date in ${cell(r, 0)} (${serialToISO(dates[k])}) is not after the one above (${serialToISO(dates[k - 1])}); dates must be strictly increasing, oldest first`);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j + 1];
      if (isBlank(v)) { prices[k * n + j] = NaN; continue; }
      const x = numberCell(v, `${where}: ${cell(r, j + 1)} (${tickers[j]})`);
      if (!(x > 0) || !Number.isFinite(x)) throw new RebalError(`${where}: ${cell(r, j + 1)} (${tickers[j]}) must be a positive price, got ${x}`);
      prices[k * n + j] = x;
    }
  }
  return { tickers, dates, prices };
}

/** A policy to compare: its name, parsed policy and its holdings' assets and targets. */
export interface ComparePolicy {
  name: string;
  policy: Policy;
  assets: string[];
  targets: ArrayLike<number>;
}

/** One backtest of a comparison: price columns (0-based, into the table's tickers) and their targets. */
export interface CompareRun {
  name: string;
  policy: Policy;
  columns: Int32Array;
  targets: Float64Array;
}

export interface CompareJob {
  dates: Float64Array;
  /** Row-major dates x tickers, NaN = missing. */
  prices: Float64Array;
  tickers: string[];
  runs: CompareRun[];
  options: Partial<BacktestOptions>;
}

/** Maps each policy's assets to the table's columns; an error names every missing asset of the first policy lacking some. */
export function matchPolicies(tickers: readonly string[], policies: readonly ComparePolicy[]): CompareRun[] {
  const index = new Map(tickers.map((t, j) => [t.trim().toLowerCase(), j]));
  return policies.map((p) => {
    const missing: string[] = [];
    const columns = new Int32Array(p.assets.length);
    p.assets.forEach((a, i) => {
      const j = index.get(String(a).trim().toLowerCase());
      if (j === undefined) missing.push(String(a));
      else columns[i] = j;
    });
    if (missing.length) {
      throw new RebalError(`policy "${p.name}": ${missing.length === 1 ? "asset" : "assets"} ${missing.map((m) => `"${m}"`).join(", ")} ${missing.length === 1 ? "is" : "are"} not in the price range's header (it has ${tickers.length > 12 ? `${tickers.slice(0, 12).join(", ")}, … ${tickers.length} in all` : tickers.join(", ")})`);
    }
    const seen = new Set<number>();
    p.assets.forEach((a, i) => {
      if (seen.has(columns[i])) throw new RebalError(`policy "${p.name}": the asset "${a}" is listed twice in its holdings`);
      seen.add(columns[i]);
    });
    return { name: p.name, policy: p.policy, columns, targets: Float64Array.from(p.targets) };
  });
}

export interface CompareRunResult {
  name: string;
  /** COMPARE_METRICS rows, in that order (value NaN with a reason when undefined). */
  metrics: MetricRow[];
  /** Portfolio value per date. */
  values: Float64Array;
  /** Drawdown of the time-weighted index per date (0 or negative). */
  drawdown: Float64Array;
}

export interface CompareResult {
  dates: Float64Array;
  runs: CompareRunResult[];
}

/** `x_t / max(x_0..x_t) - 1`. */
export function drawdownSeries(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  let peak = -Infinity;
  for (let t = 0; t < x.length; t++) {
    if (x[t] > peak) peak = x[t];
    out[t] = x[t] / peak - 1;
  }
  return out;
}

/**
 * Runs every policy of the job (see the header for progress and errors). `workspace`: the caller's
 * (the compare worker owns one), shared by the policies' backtests; default a temporary one.
 */
export function runComparison(job: CompareJob, onProgress?: ((rowsDone: number, rowsTotal: number) => boolean | void) | null, workspace: Workspace = new Workspace()): CompareResult {
  const T = job.dates.length;
  const N = job.tickers.length;
  if (job.prices.length !== T * N) throw new RebalError(`prices must have ${T} rows of ${N} assets`);
  const total = T * job.runs.length;
  const options: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...job.options };
  const runs = job.runs.map((run, k): CompareRunResult => {
    const m = run.columns.length;
    const prices = new Float64Array(T * m);
    for (let t = 0; t < T; t++) for (let i = 0; i < m; i++) prices[t * m + i] = job.prices[t * N + run.columns[i]];
    const hook = onProgress ? (done: number) => onProgress(k * T + done, total) : null;
    try {
      const r = runBacktest({ dates: job.dates, prices, nAssets: m, targets: run.targets }, run.policy, { ...options, onProgress: hook, workspace });
      const rows = backtestSummary(r, options.initialValue, options);
      const metrics = COMPARE_METRICS.map((name) => {
        const row = rows.find((x) => x.name === name);
        if (!row) throw new RebalError(`internal error: no ${name} row in the backtest summary`);
        return row;
      });
      return { name: run.name, metrics, values: r.values, drawdown: drawdownSeries(r.index) };
    } catch (e) {
      if (isCancelled(e) || !(e instanceof RebalError)) throw e;
      throw new RebalError(`policy "${run.name}": ${e.message}`);
    }
  });
  return { dates: job.dates, runs };
}
