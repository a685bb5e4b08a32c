/**
 * "Compare policies" in the workbook: reading a comparison's inputs and writing its results sheet.
 *
 * Reading (readComparison, one Excel.run, reads only): the price range — a typed address, table or
 * defined name (ranges.ts) with a header row, dates in its first column, one column per asset,
 * tickers in the header (core readPriceTable; only its part up to the last row and column of the used
 * range is loaded, so a whole-column name such as Prices!$A:$F reads its filled rows, not a million)
 * — and each picked policy's stored block and bound
 * holdings (inputs.ts readInputs: the same reader as the trade sheet). Each policy's holdings
 * tickers are matched to the price header by name (core matchPolicies). At least two distinct
 * policies; `initial_value` as REBAL.BACKTEST's option (positive, at most 1e15). Every problem is a
 * RebalError naming the range, cell or policy, and nothing is written.
 *
 * Writing (writeComparison, one Excel.run: reads the sheet names, then every write and one sync; a
 * data block above MAX_CELLS_PER_REQUEST cells takes more requests; on failure the new sheet is
 * deleted again): a NEW sheet "Compare YYYY-MM-DD" ("Compare YYYY-MM-DD (2)", ... when taken; never over existing cells):
 * - A1: title; stamp rows: price range address, policies, initial value, dates covered, time
 *   (ISO 8601, UTC), add-in version;
 * - text that Excel would read as a formula (starting with = + - @, e.g. a policy "+Growth") goes
 *   into cells formatted as Text ("@") before the values are written, so it stays text;
 * - the metric table: "Metric" then one column per policy; rows total_return, cagr, volatility,
 *   sharpe, sortino, max_drawdown, calmar, turnover, rebalances, costs, final_value (REBAL.BACKTEST's
 *   rows and values); percentages as 0.00%, ratios 0.00, money #,##0.00. An undefined value (NaN,
 *   e.g. Sortino without a losing day) is the text "n/a" and a "Notes" line below gives the reason;
 * - the data block: a group row ("Equity" over the value columns, "Drawdown" over the drawdown
 *   columns), a header row (Date, then the policy names twice), then one row per date: date
 *   (yyyy-mm-dd), portfolio value per policy, drawdown per policy (0.00%);
 * - two line charts (Excel.ChartType.line, series by columns, dates as category labels): the
 *   equity curves and the drawdowns, to the right of the metric table.
 * Layout is pure (layoutComparison) and tested without Excel.
 *
 * Simulations (writeSimulation, the same rules: one Excel.run, a NEW sheet "Simulate YYYY-MM-DD",
 * deleted again on failure): title and stamp (price range, policies, initial value, paths / years /
 * block / seed, time, version); the percentile table (header policy, statistic, mean, p5 ... p95; one
 * row per policy and statistic, formatted like the metric table; undefined = "n/a" with a note); the
 * fan data block (a header row: Date, then "<policy> p5" ... "<policy> p95" per policy; one row per
 * fan point, core compareSimulation.ts) and a line chart of it ("Value percentiles"), to the right of
 * the table. Layout is pure (layoutSimulation).
 *
 * Sweeps (writeSweep, the same rules; a NEW sheet "Sweep YYYY-MM-DD"): title and stamp (price range,
 * policies, statistic, keys, initial value, time, version); per policy a bold "Policy: <name>" row and
 * its grid (REBAL.SWEEP's shape: one key = a `key | statistic` header and a row per value; two keys =
 * `key \ key2` with the key2 values across), undefined cells "n/a" with a note; each grid's values get
 * a 3-colour scale (low red, median yellow, high green): the heat map. Layout is pure (layoutSweep).
 */
import { COMPARE_METRICS, CompareJob, CompareResult, ComparePolicy, matchPolicies, readPriceTable } from "../core/backtest/compare";
import { DEFAULT_BACKTEST_OPTIONS } from "../core/backtest/options";
import { serialToISO } from "../core/calendar";
import { RebalError, fmt } from "../core/errors";
import { columnLetter } from "../core/holdingsTable";
import { nameKey } from "../core/policyStore";
import { ADDIN_VERSION, errorMessage, runExcel } from "./excel";
import { readInputs } from "./inputs";
import { datedSheetName, resolveReference } from "./ranges";
import type { SimulationResult } from "../core/simulate/compareSimulation";
import { PERCENTILES, SimulateOptions } from "../core/simulate/simulate";
import type { SweepJobResult } from "../core/simulate/compareSweep";

export type Cell = string | number | boolean;

export interface ComparisonInputs {
  job: CompareJob;
  /** The price range as Excel names it ("Prices!A1:F501"). */
  priceAddress: string;
  /** How it was given ("Prices (table, Prices!A1:F501)"). */
  priceLabel: string;
  policyNames: string[];
}

/** Top-left cell of an address "Sheet!B2:F9" (0-based row and column). */
export function addressOrigin(address: string): { row: number; col: number } {
  const cells = address.slice(address.lastIndexOf("!") + 1).replace(/\$/g, "");
  const m = /^([A-Za-z]{1,3})(\d+)/.exec(cells);
  if (!m) return { row: 0, col: 0 };
  const col = m[1].toUpperCase().split("").reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return { row: Number(m[2]) - 1, col };
}

/** Checks an initial value typed in the pane (text or number); returns it or throws a RebalError. */
export function readInitialValue(text: string | number): number {
  const s = typeof text === "number" ? String(text) : text.trim().replace(/,/g, "");
  const v = s === "" ? NaN : Number(s);
  if (!Number.isFinite(v) || !(v > 0) || v > 1e15) throw new RebalError(`initial_value must be a positive amount (at most 1e15), got "${text}"`);
  return v;
}

/**
 * The part of `range` that can hold values: from its top-left cell (the header stays its first
 * row) to the worksheet's used range's last row and column (values only), loaded (address,
 * values). A whole-column reference (a defined name for "Prices!$A:$F") would otherwise load about
 * a million rows and exceed Excel's request limit; only the top-left and size are loaded first.
 */
async function usedPart(context: Excel.RequestContext, range: Excel.Range, where: string): Promise<Excel.Range> {
  const sheet = range.worksheet;
  const used = sheet.getUsedRangeOrNullObject(true);
  range.load(["rowIndex", "columnIndex", "rowCount", "columnCount"]);
  used.load(["rowIndex", "columnIndex", "rowCount", "columnCount"]);
  await context.sync();
  const rows = used.isNullObject ? 0 : Math.min(range.rowCount, used.rowIndex + used.rowCount - range.rowIndex);
  const cols = used.isNullObject ? 0 : Math.min(range.columnCount, used.columnIndex + used.columnCount - range.columnIndex);
  if (rows < 1 || cols < 1) throw new RebalError(`${where} is empty`);
  const r0 = range.rowIndex + 1, c0 = range.columnIndex;
  const part = sheet.getRange(`${columnLetter(c0)}${r0}:${columnLetter(c0 + cols - 1)}${r0 + rows - 1}`);
  part.load(["address", "values"]);
  await context.sync();
  return part;
}

/** Reads the price range and the policies' inputs (one Excel.run, no writes). */
export async function readComparison(priceRef: string, policyNames: string[], initialValue: number = DEFAULT_BACKTEST_OPTIONS.initialValue, minPolicies = 2): Promise<ComparisonInputs> {
  if (policyNames.length < minPolicies) throw new RebalError(minPolicies === 1 ? "pick a policy" : "pick at least two policies to compare");
  const keys = new Set<string>();
  for (const n of policyNames) {
    const key = nameKey(n).toLowerCase();
    if (keys.has(key)) throw new RebalError(`policy "${n}" is picked twice`);
    keys.add(key);
  }
  readInitialValue(initialValue);
  return runExcel(async (context) => {
    const ref = await resolveReference(context, priceRef, "price range", false);
    const where = `price range ${ref.range.address}`;
    const cells = await usedPart(context, ref.range, where);
    const table = readPriceTable(cells.values, where, addressOrigin(cells.address));
    const policies: ComparePolicy[] = [];
    for (const name of policyNames) {
      let inputs;
      try {
        inputs = await readInputs(context, name);
      } catch (e) {
        const msg = errorMessage(e);
        throw new RebalError(msg.includes(`"${name}"`) ? msg : `policy "${name}": ${msg}`);
      }
      policies.push({ name: inputs.policy.name, policy: inputs.policy, assets: inputs.holdings.assets, targets: inputs.holdings.book.targets });
    }
    const runs = matchPolicies(table.tickers, policies);
    return {
      job: { dates: table.dates, prices: table.prices, tickers: table.tickers, runs, options: { initialValue } },
      priceAddress: cells.address,
      priceLabel: ref.label,
      policyNames: policies.map((p) => p.name),
    };
  });
}

export interface ComparisonStamp {
  priceAddress: string;
  initialValue: number;
  time: string;
  version: string;
}

export interface ComparisonLayout {
  /** Stamp, metric table and notes, from A1 (rectangular, "" = blank). */
  top: Cell[][];
  topFormats: string[][];
  /** 0-based rows of `top` to make bold. */
  boldRows: number[];
  /** 0-based row of the metric table's header in `top`. */
  metricsRow: number;
  /** The data block (group row, header row, one row per date) and its formats; starts at A<dataRow + 1>. */
  data: Cell[][];
  dataFormats: string[][];
  dataRow: number;
  /** A1 ranges: the equity and drawdown columns (header row included, for series names), the dates (no header). */
  equitySource: string;
  drawdownSource: string;
  dateSource: string;
  /** Where the charts go (top-left and bottom-right cells). */
  equityPosition: [string, string];
  drawdownPosition: [string, string];
}

const PCT = "0.00%";
const RATIO = "0.00";
const MONEY = "#,##0.00";
const DATE = "yyyy-mm-dd";
const METRIC_FORMATS: Record<(typeof COMPARE_METRICS)[number], string> = {
  total_return: PCT, cagr: PCT, volatility: PCT, sharpe: RATIO, sortino: RATIO, max_drawdown: PCT, calmar: RATIO,
  turnover: PCT, rebalances: "0", costs: MONEY, final_value: MONEY,
};

/** Excel's Text format: a value written into a cell so formatted stays text. */
export const TEXT_FORMAT = "@";

/**
 * Text that Excel would read as a formula when written as a value (it starts with = + - or @,
 * e.g. a policy named "+Growth") gets the Text format, which is applied before the values.
 */
function textFormat(v: Cell, format: string): string {
  return typeof v === "string" && /^[=+\-@]/.test(v) ? TEXT_FORMAT : format;
}

/** The results sheet's cells, formats and chart ranges (pure). */
export function layoutComparison(result: CompareResult, stamp: ComparisonStamp): ComparisonLayout {
  const P = result.runs.length;
  const T = result.dates.length;
  if (P === 0 || T === 0) throw new RebalError("nothing to write: no policies or no dates");
  const width = Math.max(2, P + 1);
  const top: Cell[][] = [];
  const topFormats: string[][] = [];
  const push = (cells: Cell[], formats: string[] = []) => {
    top.push(Array.from({ length: width }, (_, j) => (j < cells.length ? cells[j] : "")));
    topFormats.push(Array.from({ length: width }, (_, j) => textFormat(top[top.length - 1][j], formats[j] || "General")));
  };
  const names = result.runs.map((r) => r.name);
  push(["Rebal policy comparison"]);
  push(["Prices", stamp.priceAddress]);
  push(["Policies", names.join("; ")]);
  push(["Initial value", stamp.initialValue], ["", MONEY]);
  push(["Dates", `${serialToISO(result.dates[0])} to ${serialToISO(result.dates[T - 1])} (${T} rows)`]);
  push(["Generated", stamp.time]);
  push(["Add-in version", stamp.version]);
  push([]);
  const metricsRow = top.length;
  push(["Metric", ...names]);
  const notes: string[] = [];
  COMPARE_METRICS.forEach((metric, i) => {
    const cells: Cell[] = [metric];
    for (const r of result.runs) {
      const row = r.metrics[i];
      if (!row || row.name !== metric) throw new RebalError(`internal error: policy "${r.name}" has no ${metric} row`);
      if (Number.isFinite(row.value)) cells.push(row.value);
      else {
        cells.push("n/a");
        notes.push(`${metric}, ${r.name}: ${row.reason ?? "undefined"}`);
      }
    }
    push(cells, ["", ...Array(P).fill(METRIC_FORMATS[metric])]);
  });
  const boldRows = [0, metricsRow];
  if (notes.length) {
    push([]);
    boldRows.push(top.length);
    push(["Notes"]);
    for (const n of notes) push([n]);
  }

  const dataRow = top.length + 1;
  const dw = 1 + 2 * P;
  const data: Cell[][] = [];
  const dataFormats: string[][] = [];
  const group: Cell[] = Array(dw).fill("");
  group[1] = "Equity";
  group[1 + P] = "Drawdown";
  data.push(group);
  dataFormats.push(Array(dw).fill("General"));
  const header: Cell[] = ["Date", ...names, ...names];
  data.push(header);
  dataFormats.push(header.map((v) => textFormat(v, "General")));
  const rowFormat = [DATE, ...Array(P).fill(MONEY), ...Array(P).fill(PCT)];
  for (let t = 0; t < T; t++) {
    const row: Cell[] = new Array(dw);
    row[0] = result.dates[t];
    for (let k = 0; k < P; k++) {
      row[1 + k] = result.runs[k].values[t];
      row[1 + P + k] = result.runs[k].drawdown[t];
    }
    data.push(row);
    dataFormats.push(rowFormat);
  }
  for (const block of [top, data]) {
    for (const row of block) for (const v of row) if (typeof v === "number" && !Number.isFinite(v)) throw new RebalError(`internal error: a non-finite number (${fmt(v)}) in the comparison`);
  }
  const headerRow = dataRow + 2; // 1-based sheet row of the data block's header
  const last = headerRow + T;
  const col = columnLetter;
  const chartCol = Math.max(width, dw) + 1;
  return {
    top, topFormats, boldRows, metricsRow, data, dataFormats, dataRow,
    equitySource: `${col(1)}${headerRow}:${col(P)}${last}`,
    drawdownSource: `${col(1 + P)}${headerRow}:${col(2 * P)}${last}`,
    dateSource: `A${headerRow + 1}:A${last}`,
    equityPosition: [`${col(chartCol)}1`, `${col(chartCol + 8)}18`],
    drawdownPosition: [`${col(chartCol)}20`, `${col(chartCol + 8)}37`],
  };
}

/** "Compare 2026-11-21", or with " (2)", " (3)"... when taken (case-insensitive, like Excel). */
/**
 * Adds a NEW sheet "<prefix> YYYY-MM-DD" (unique among the workbook's names) in one Excel.run, lets
 * `write` fill it, activates it and syncs; if anything fails, deletes what was applied of it
 * (Office.js batches are not transactional) and reports the original error. Returns its name.
 */
function onNewSheet(prefix: string, now: Date, write: (context: Excel.RequestContext, sheet: Excel.Worksheet) => Promise<void>): Promise<{ sheetName: string }> {
  return runExcel(async (context) => {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    const sheetName = datedSheetName(prefix, now, sheets.items.map((s) => s.name));
    const sheet = sheets.add(sheetName);
    try {
      await write(context, sheet);
      sheet.activate();
      await context.sync();
    } catch (e) {
      try {
        sheet.delete();
        await context.sync();
      } catch {
        // the original error is the one to report
      }
      throw e;
    }
    return { sheetName };
  });
}

export const uniqueCompareSheetName = (date: Date, taken: string[]): string => datedSheetName("Compare", date, taken);

/**
 * Cells of the data block per request. Excel on the web refuses requests over about 5 MB; a number
 * and its format take about 30 bytes, so 50,000 cells stay near 1.5 MB.
 */
export const MAX_CELLS_PER_REQUEST = 50_000;

/**
 * Writes the results sheet (one Excel.run); returns its name. The sheet, the stamp, the metric table
 * and the data block's first rows go in the first request; a data block above `maxCellsPerRequest`
 * cells is written in further requests of at most that many, then the charts. Should a request fail,
 * the new sheet is deleted again (best effort) before the error is reported: nothing stays half-written.
 */
export function writeComparison(
  result: CompareResult, priceAddress: string, initialValue: number, now: Date = new Date(), maxCellsPerRequest = MAX_CELLS_PER_REQUEST,
): Promise<{ sheetName: string }> {
  const layout = layoutComparison(result, { priceAddress, initialValue, time: now.toISOString(), version: ADDIN_VERSION });
  const P = result.runs.length;
  return onNewSheet("Compare", now, async (context, sheet) => {
    const topW = layout.top[0].length;
    const topRange = sheet.getRange(`A1:${columnLetter(topW - 1)}${layout.top.length}`);
    topRange.numberFormat = layout.topFormats; // first: a Text cell keeps "+Growth" as text
    topRange.values = layout.top;
    for (const r of layout.boldRows) sheet.getRange(`A${r + 1}:${columnLetter(topW - 1)}${r + 1}`).format.font.bold = true;
    const dw = layout.data[0].length;
    const rows = layout.data.length;
    const step = Math.max(1, Math.floor(maxCellsPerRequest / dw));
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const part = sheet.getRange(`A${layout.dataRow + 1 + r0}:${columnLetter(dw - 1)}${layout.dataRow + r1}`);
      part.numberFormat = layout.dataFormats.slice(r0, r1);
      part.values = layout.data.slice(r0, r1);
      if (r1 < rows) await context.sync();
    }
    sheet.getRange(`A${layout.dataRow + 1}:${columnLetter(dw - 1)}${layout.dataRow + 2}`).format.font.bold = true;
    const dates = sheet.getRange(layout.dateSource);
    const charts: [string, string, [string, string]][] = [
      [layout.equitySource, "Equity curves", layout.equityPosition],
      [layout.drawdownSource, "Drawdowns", layout.drawdownPosition],
    ];
    for (const [source, title, [from, to]] of charts) {
      const chart = sheet.charts.add(Excel.ChartType.line, sheet.getRange(source), Excel.ChartSeriesBy.columns);
      chart.title.text = title;
      for (let k = 0; k < P; k++) {
        const s = chart.series.getItemAt(k);
        s.name = result.runs[k].name;
        s.setXAxisValues(dates);
      }
      chart.setPosition(from, to);
    }
    topRange.format.autofitColumns();
    sheet.getRange(`A${layout.dataRow + 1}:A${layout.dataRow + rows}`).format.autofitColumns();
  });
}

export interface SimulationStamp extends ComparisonStamp {
  options: Pick<SimulateOptions, "paths" | "years" | "block" | "seed">;
}

export interface SimulationLayout {
  top: Cell[][];
  topFormats: string[][];
  boldRows: number[];
  /** 0-based row of the percentile table's header in `top`. */
  tableRow: number;
  data: Cell[][];
  dataFormats: string[][];
  /** 0-based sheet row where the data block (its header row) starts. */
  dataRow: number;
  fanSource: string;
  dateSource: string;
  fanPosition: [string, string];
}

const STAT_FORMATS: Record<string, string> = {
  cagr: PCT, volatility: PCT, max_drawdown: PCT, turnover: PCT, rebalances: "0.0", costs: MONEY, final_value: MONEY, sharpe: RATIO,
};

/** The simulation sheet's cells, formats and chart ranges (pure). */
export function layoutSimulation(result: SimulationResult, stamp: SimulationStamp): SimulationLayout {
  const P = result.names.length;
  const R = result.fanDates.length;
  const Q = PERCENTILES.length;
  if (P === 0 || R === 0) throw new RebalError("nothing to write: no policies or no paths");
  const width = 3 + Q;
  const top: Cell[][] = [];
  const topFormats: string[][] = [];
  const push = (cells: Cell[], formats: string[] = []) => {
    top.push(Array.from({ length: width }, (_, j) => (j < cells.length ? cells[j] : "")));
    topFormats.push(Array.from({ length: width }, (_, j) => textFormat(top[top.length - 1][j], formats[j] || "General")));
  };
  const o = stamp.options;
  push(["Rebal policy simulation"]);
  push(["Prices", stamp.priceAddress]);
  push(["Policies", result.names.join("; ")]);
  push(["Initial value", stamp.initialValue], ["", MONEY]);
  push(["Paths", `${o.paths} paths of ${o.years} years, stationary bootstrap (mean block ${o.block} days), seed ${o.seed}`]);
  push(["Generated", stamp.time]);
  push(["Add-in version", stamp.version]);
  push([]);
  const tableRow = top.length;
  push(["Policy", "Statistic", "Mean", ...PERCENTILES.map((q) => `p${q}`)]);
  const notes: string[] = [];
  for (const r of result.summary) {
    const f = STAT_FORMATS[r.statistic] ?? "General";
    const name = result.names[r.policy];
    if (r.undefinedPaths > 0) {
      push([name, r.statistic, "n/a", ...PERCENTILES.map(() => "n/a")]);
      notes.push(`${r.statistic}, ${name}: undefined on ${r.undefinedPaths} of ${result.paths} paths`);
    } else push([name, r.statistic, r.mean, ...r.percentiles], ["", "", f, ...PERCENTILES.map(() => f)]);
  }
  const boldRows = [0, tableRow];
  if (notes.length) {
    push([]);
    boldRows.push(top.length);
    push(["Notes"]);
    for (const n of notes) push([n]);
  }
  const dataRow = top.length + 1;
  const dw = 1 + P * Q;
  const header: Cell[] = ["Date"];
  for (const name of result.names) for (const q of PERCENTILES) header.push(`${name} p${q}`);
  const data: Cell[][] = [header];
  const dataFormats: string[][] = [header.map((v) => textFormat(v, "General"))];
  const rowFormat = [DATE, ...Array(P * Q).fill(MONEY)];
  for (let r = 0; r < R; r++) {
    const row: Cell[] = [result.fanDates[r]];
    for (let j = 0; j < P; j++) for (let q = 0; q < Q; q++) row.push(result.fan[(j * R + r) * Q + q]);
    data.push(row);
    dataFormats.push(rowFormat);
  }
  for (const block of [top, data]) {
    for (const row of block) for (const v of row) if (typeof v === "number" && !Number.isFinite(v)) throw new RebalError(`internal error: a non-finite number (${fmt(v)}) in the simulation`);
  }
  const headerRow = dataRow + 1; // 1-based sheet row of the data block's header
  const last = headerRow + R;
  const chartCol = Math.max(width, dw) + 1;
  return {
    top, topFormats, boldRows, tableRow, data, dataFormats, dataRow,
    fanSource: `${columnLetter(1)}${headerRow}:${columnLetter(dw - 1)}${last}`,
    dateSource: `A${headerRow + 1}:A${last}`,
    fanPosition: [`${columnLetter(chartCol)}1`, `${columnLetter(chartCol + 9)}22`],
  };
}

/** "Simulate 2026-11-21", or with " (2)"... when taken. */
export const uniqueSimulateSheetName = (date: Date, taken: string[]): string => datedSheetName("Simulate", date, taken);

/** Writes the simulation sheet (one Excel.run, as writeComparison); returns its name. */
export function writeSimulation(
  result: SimulationResult, priceAddress: string, initialValue: number, options: SimulationStamp["options"], now: Date = new Date(),
): Promise<{ sheetName: string }> {
  const layout = layoutSimulation(result, { priceAddress, initialValue, time: now.toISOString(), version: ADDIN_VERSION, options });
  return onNewSheet("Simulate", now, async (context, sheet) => {
    const topW = layout.top[0].length;
    const topRange = sheet.getRange(`A1:${columnLetter(topW - 1)}${layout.top.length}`);
    topRange.numberFormat = layout.topFormats;
    topRange.values = layout.top;
    for (const r of layout.boldRows) sheet.getRange(`A${r + 1}:${columnLetter(topW - 1)}${r + 1}`).format.font.bold = true;
    const dw = layout.data[0].length;
    const part = sheet.getRange(`A${layout.dataRow + 1}:${columnLetter(dw - 1)}${layout.dataRow + layout.data.length}`);
    part.numberFormat = layout.dataFormats;
    part.values = layout.data;
    sheet.getRange(`A${layout.dataRow + 1}:${columnLetter(dw - 1)}${layout.dataRow + 1}`).format.font.bold = true;
    const chart = sheet.charts.add(Excel.ChartType.line, sheet.getRange(layout.fanSource), Excel.ChartSeriesBy.columns);
    chart.title.text = "Value percentiles";
    const dates = sheet.getRange(layout.dateSource);
    for (let k = 0; k < dw - 1; k++) {
      const s = chart.series.getItemAt(k);
      s.name = String(layout.data[0][k + 1]);
      s.setXAxisValues(dates);
    }
    chart.setPosition(layout.fanPosition[0], layout.fanPosition[1]);
    topRange.format.autofitColumns();
  });
}

export type SweepStamp = ComparisonStamp;

export interface SweepLayout {
  cells: Cell[][];
  formats: string[][];
  boldRows: number[];
  /** A1 ranges of each policy's grid values (the heat maps). */
  heatRanges: string[];
}

const SWEEP_FORMATS: Record<string, string> = {
  total_return: PCT, cagr: PCT, volatility: PCT, sharpe: RATIO, sortino: RATIO, max_drawdown: PCT, calmar: RATIO, turnover: PCT,
  rebalances: "0", costs: MONEY, final_value: MONEY, trades: "0", turnover_total: RATIO,
};

/** The sweep sheet's cells, formats and heat-map ranges (pure). */
export function layoutSweep(result: SweepJobResult, stamp: SweepStamp): SweepLayout {
  const a1 = result.axis1, a2 = result.axis2;
  const n1 = a1.values.length, n2 = a2 === null ? 1 : a2.values.length;
  const width = Math.max(2, 1 + n2);
  const cells: Cell[][] = [];
  const formats: string[][] = [];
  const push = (row: Cell[], f: string[] = []) => {
    cells.push(Array.from({ length: width }, (_, j) => (j < row.length ? row[j] : "")));
    formats.push(Array.from({ length: width }, (_, j) => textFormat(cells[cells.length - 1][j], f[j] || "General")));
  };
  push(["Rebal policy sweep"]);
  push(["Prices", stamp.priceAddress]);
  push(["Policies", result.names.join("; ")]);
  push(["Statistic", result.statistic]);
  push(["Keys", a2 === null ? a1.key : `${a1.key} x ${a2.key}`]);
  push(["Initial value", stamp.initialValue], ["", MONEY]);
  push(["Generated", stamp.time]);
  push(["Add-in version", stamp.version]);
  const boldRows = [0];
  const heatRanges: string[] = [];
  const notes: string[] = [];
  const f = SWEEP_FORMATS[result.statistic] ?? "General";
  result.grids.forEach((g, k) => {
    push([]);
    boldRows.push(cells.length);
    push([`Policy: ${result.names[k]}`]);
    boldRows.push(cells.length);
    push(a2 === null ? [a1.key, result.statistic] : [`${a1.key} \\ ${a2.key}`, ...a2.values]);
    const first = cells.length + 1; // 1-based sheet row of the grid's first value row
    for (let i = 0; i < n1; i++) {
      const row: Cell[] = [a1.values[i]];
      for (let j = 0; j < n2; j++) {
        const x = g.values[i * n2 + j];
        const reason = g.reasons[i * n2 + j];
        if (reason === null && Number.isFinite(x)) row.push(x);
        else { row.push("n/a"); notes.push(`${result.names[k]}: ${reason ?? "undefined"}`); }
      }
      push(row, ["", ...Array(n2).fill(f)]);
    }
    heatRanges.push(`B${first}:${columnLetter(n2)}${first + n1 - 1}`);
  });
  if (notes.length) {
    push([]);
    boldRows.push(cells.length);
    push(["Notes"]);
    for (const n of notes) push([n]);
  }
  for (const row of cells) for (const v of row) if (typeof v === "number" && !Number.isFinite(v)) throw new RebalError(`internal error: a non-finite number (${fmt(v)}) in the sweep`);
  return { cells, formats, boldRows, heatRanges };
}

/** "Sweep 2026-11-21", or with " (2)"... when taken. */
export const uniqueSweepSheetName = (date: Date, taken: string[]): string => datedSheetName("Sweep", date, taken);

/** Writes the sweep sheet (one Excel.run, as writeComparison); returns its name. */
export function writeSweep(result: SweepJobResult, priceAddress: string, initialValue: number, now: Date = new Date()): Promise<{ sheetName: string }> {
  const layout = layoutSweep(result, { priceAddress, initialValue, time: now.toISOString(), version: ADDIN_VERSION });
  return onNewSheet("Sweep", now, async (context, sheet) => {
    const w = layout.cells[0].length;
    const all = sheet.getRange(`A1:${columnLetter(w - 1)}${layout.cells.length}`);
    all.numberFormat = layout.formats;
    all.values = layout.cells;
    for (const r of layout.boldRows) sheet.getRange(`A${r + 1}:${columnLetter(w - 1)}${r + 1}`).format.font.bold = true;
    for (const address of layout.heatRanges) {
      const cf = sheet.getRange(address).conditionalFormats.add(Excel.ConditionalFormatType.colorScale);
      cf.colorScale.criteria = {
        minimum: { type: Excel.ConditionalFormatColorCriterionType.lowestValue, color: "#F8696B" },
        midpoint: { formula: "50", type: Excel.ConditionalFormatColorCriterionType.percentile, color: "#FFEB84" },
        maximum: { type: Excel.ConditionalFormatColorCriterionType.highestValue, color: "#63BE7B" },
      };
    }
    all.format.autofitColumns();
  });
}
