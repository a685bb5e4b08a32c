/**
 * The backtest formulas' bodies: BACKTEST, EQUITY, STATS. Each parses its Excel arguments (args.ts
 * conventions: a first row of text in the dates or prices range is a header and is skipped; blank
 * price cells are missing; dates are Excel serials, oldest first; the price range is read in one pass
 * straight into the engine's price matrix, core's backtestPrices), calls src/core/backtest and shapes
 * the result. Undefined statistics (Sharpe of a flat series, Calmar without drawdown...) are a
 * #DIV/0! in their cell with the reason; no NaN or Infinity reaches a cell.
 */
import { serialDay } from "../core/calendar";
import { RebalError } from "../core/errors";
import { parsePolicy } from "../core/policy";
import { backtestPrices, backtestSummary, BacktestResult, MetricRow, parseBacktestOptions, parseStatsOptions, performanceStats, runBacktest, statsRows } from "../core/backtest";
import { isTargetsSpec, parseTargetsSpec, runWalkForward, specText, targetsHistory } from "../core/backtest/walkForward";
import { Workspace } from "../core/workspace";
import { Cell, divisionByZero, isBlank, keyValueArg, matrixArg, numberCell, numbersArg } from "./args";
import { runtimeWorkspace } from "./workspace";

type Out = (number | string | boolean | Error)[][];

/** A cell that is text and not a number: a header. */
const isHeaderText = (v: unknown): boolean => typeof v === "string" && v.trim() !== "" && !Number.isFinite(Number(v.trim().replace(/,/g, "").replace(/%$/, "")));

/** Reads a date column (or row); a first text cell is a header. Returns serials and the offset of the first data row. */
export function datesArg(value: unknown, arg: string): { dates: Float64Array; header: number; orientation: "column" | "row" } {
  const m = matrixArg(value, arg);
  let cells: unknown[];
  let orientation: "column" | "row" = "column";
  if (m[0].length === 1) cells = m.map((r) => r[0]);
  else if (m.length === 1) { cells = m[0]; orientation = "row"; }
  else throw new RebalError(`${arg} must be a single column or a single row, got ${m.length} rows x ${m[0].length} columns`);
  const header = isHeaderText(cells[0]) ? 1 : 0;
  const n = cells.length - header;
  if (n <= 0) throw new RebalError(`${arg} has no dates below its header`);
  const dates = new Float64Array(n);
  const where = (k: number) => `${arg} ${orientation === "column" ? "row" : "column"} ${k + header + 1}`;
  for (let k = 0; k < n; k++) {
    const c = cells[k + header];
    if (isBlank(c)) throw new RebalError(`${where(k)} is blank: every row needs a date`);
    dates[k] = serialDay(typeof c === "string" ? numberCell(c, where(k)) : c, where(k));
    if (k > 0 && !(dates[k] > dates[k - 1])) throw new RebalError(`${where(k)}: dates must be strictly increasing, oldest first`);
  }
  return { dates, header, orientation };
}

/**
 * Copies the cells of `row` from `from` on into `out` (at `base`) while they are positive finite
 * numbers - the common case, one tight loop - and returns the index of the first other cell (or width).
 */
function copyPrices(row: readonly unknown[], out: Float64Array, base: number, from: number, width: number): number {
  for (let j = from; j < width; j++) {
    const c = row[j];
    if (typeof c === "number" && c > 0 && c < Infinity) out[base + j] = c;
    else return j;
  }
  return width;
}

/** Any other price cell: blank -> NaN (missing); numeric text is read; anything else is an error naming it. */
function otherPrice(c: unknown, arg: string, row: number, col: number): number {
  if (isBlank(c as Cell)) return NaN;
  const where = `${arg} row ${row} column ${col}`;
  const x = typeof c === "number" ? c : numberCell(c as Cell, where);
  if (!(x > 0 && x < Infinity)) throw new RebalError(`${where} must be a positive price, got ${x}`);
  return x;
}

/**
 * Reads the price matrix straight into a row-major Float64Array (no intermediate arrays): a first row
 * with text is a header; blanks are missing (NaN); other cells must be positive numbers (numeric text
 * is read), else an error naming the row and column.
 * The matrix is the workspace's price cache (workspace.ts `prices`): the previous call's matrix is
 * reused by the next one (custom functions run one at a time and the matrix is dead once the backtest
 * has run; writing into memory already touched is about twice as fast as into fresh memory), and it
 * is kept only up to the workspace's retention cap.
 */
export function pricesArg(value: unknown, arg: string, ws: Workspace): { prices: Float64Array; rows: number; cols: number; header: number; names?: string[] } {
  const m = matrixArg(value, arg);
  const width = m[0].length;
  let header = 0;
  for (let j = 0; j < width; j++) if (isHeaderText(m[0][j])) { header = 1; break; }
  const rows = m.length - header;
  if (rows <= 0) throw new RebalError(`${arg} has no rows below its header`);
  const prices = backtestPrices(rows, width, ws.prices, ws); // where the engine's kernel reads it in place
  ws.prices = ws.retains(prices.buffer.byteLength) ? prices : null;
  for (let r = 0; r < rows; r++) {
    const row = m[r + header];
    const base = r * width;
    for (let j = copyPrices(row, prices, base, 0, width); j < width; j = copyPrices(row, prices, base, j + 1, width)) {
      prices[base + j] = otherPrice(row[j], arg, r + header + 1, j + 1);
    }
  }
  const names = header === 1 ? m[0].map((v, j) => (isBlank(v as Cell) ? `column ${j + 1}` : String(v).trim())) : undefined;
  return { prices, rows, cols: width, header, names };
}

function run(dates: unknown, prices: unknown, targets: unknown, policy: unknown, options: unknown, ws: Workspace): { result: BacktestResult; initialValue: number; options: ReturnType<typeof parseBacktestOptions> } {
  const { policy: p } = parsePolicy(keyValueArg(policy));
  const o = parseBacktestOptions(keyValueArg(options));
  const d = datesArg(dates, "dates");
  const px = pricesArg(prices, "prices", ws);
  if (px.rows !== d.dates.length) throw new RebalError(`prices has ${px.rows} rows of data but dates has ${d.dates.length}: they must match (a first row of text in either is a header)`);
  if (isTargetsSpec(targets)) {
    // walk-forward targets (core walkForward.ts): the backtest starts on the first estimation row
    const spec = parseTargetsSpec(specText(targets), "targets");
    const wf = runWalkForward(d.dates, px.prices, px.cols, spec, p, { ...o, workspace: ws }, px.names);
    return { result: wf.result, initialValue: o.initialValue, options: o };
  }
  const t = numbersArg(targets, "targets", { min: p.allowShort ? undefined : 0 });
  if (t.values.length !== px.cols) throw new RebalError(`targets has ${t.values.length} values but prices has ${px.cols} columns: they must match`);
  const result = runBacktest({ dates: d.dates, prices: px.prices, nAssets: px.cols, targets: t.values }, p, { ...o, workspace: ws });
  return { result, initialValue: o.initialValue, options: o };
}

function table(rows: MetricRow[]): Out {
  return rows.map((r) => [r.name, r.reason === null ? r.value : divisionByZero(r.reason)]);
}

/** `ws`: the workspace to run on (default the runtime's, src/functions/workspace.ts). */
export function backtestFn(dates: unknown, prices: unknown, targets: unknown, policy: unknown, options: unknown, ws: Workspace = runtimeWorkspace): Out {
  const { result, initialValue, options: o } = run(dates, prices, targets, policy, options, ws);
  return table(backtestSummary(result, initialValue, o));
}

export function equityFn(dates: unknown, prices: unknown, targets: unknown, policy: unknown, options: unknown, ws: Workspace = runtimeWorkspace): Out {
  const { result } = run(dates, prices, targets, policy, options, ws);
  const out: Out = new Array(result.dates.length);
  for (let k = 0; k < out.length; k++) out[k] = [result.dates[k], result.values[k]];
  return out;
}

/** REBAL.TARGETSHISTORY: a header row (date, one column per asset), then one row per estimation date. */
export function targetsHistoryFn(dates: unknown, prices: unknown, spec: unknown, ws: Workspace = runtimeWorkspace): Out {
  if (isBlank(spec as Cell) || (Array.isArray(spec) && spec.length === 1 && Array.isArray(spec[0]) && spec[0].length === 1 && isBlank(spec[0][0] as Cell))) {
    throw new RebalError('spec is blank: give an optimizer spec such as "optimize: objective=min_volatility; window=504; every=monthly"');
  }
  let v: unknown = spec;
  while (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v !== "string") throw new RebalError('spec must be a text such as "optimize: objective=min_volatility; window=504; every=monthly"');
  const s = parseTargetsSpec(v, "spec");
  const d = datesArg(dates, "dates");
  const px = pricesArg(prices, "prices", ws);
  if (px.rows !== d.dates.length) throw new RebalError(`prices has ${px.rows} rows of data but dates has ${d.dates.length}: they must match (a first row of text in either is a header)`);
  const h = targetsHistory(d.dates, px.prices, px.cols, s, ws, px.names);
  const n = px.cols;
  const out: Out = [["date", ...(px.names ?? Array.from({ length: n }, (_, i) => `asset ${i + 1}`))]];
  for (let j = 0; j < h.rows.length; j++) {
    const row: (number | string)[] = [Math.floor(h.dates[j])];
    for (let i = 0; i < n; i++) row.push(h.targets[j * n + i]);
    out.push(row);
  }
  return out;
}

export function statsFn(dates: unknown, values: unknown, options: unknown): Out {
  const o = parseStatsOptions(keyValueArg(options));
  const d = datesArg(dates, "dates");
  const vm = matrixArg(values, "values");
  let cells: unknown[];
  if (vm[0].length === 1) cells = vm.map((r) => r[0]);
  else if (vm.length === 1) cells = vm[0];
  else throw new RebalError(`values must be a single column or a single row, got ${vm.length} rows x ${vm[0].length} columns`);
  const header = isHeaderText(cells[0]) ? 1 : 0;
  const n = cells.length - header;
  if (n !== d.dates.length) throw new RebalError(`values has ${n} rows of data but dates has ${d.dates.length}: they must match (a first row of text in either is a header)`);
  const v = new Float64Array(n);
  const where = (k: number) => `values row ${k + header + 1}`;
  for (let k = 0; k < n; k++) {
    const c = cells[k + header];
    if (isBlank(c)) throw new RebalError(`${where(k)} is blank (blank cells are missing values, not zero)`);
    v[k] = numberCell(c, where(k));
  }
  const s = performanceStats(d.dates, v, o, where);
  return table(statsRows(s));
}
