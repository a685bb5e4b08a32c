/**
 * The trade sheet's layout (product.md, "Trades sheets"): ONE description of the sheet, rendered by
 * src/workbook/tradeSheet.ts into Excel (through Office JS) and by src/cli/output.ts into .xlsx (exceljs), so
 * the pane's sheet and the command line's are the same. Pure: cells, number formats, merges, column
 * widths, the Excel table, frozen rows, print setup and the chart's ranges; no Office, no exceljs.
 *
 * Layout (rows 0-based, A1 = row 0, column 0):
 *   0  title "Rebal trade sheet: <policy>"
 *   1  one line: the decision, the number of orders, the optimality ("optimal (proven)" or the gap)
 *   2  the orders table's header (an Excel table; frozen with the rows above; printed on every page)
 *   3… one row per asset: Side (BUY / SELL / HOLD), Quantity (unsigned), Symbol, [Account], Order
 *      type (Market; blank for a hold), Price, Value (unsigned), Weight before, Target, Weight after,
 *      Drift before, Drift after (weight − target; |drift| < 0.005% written as 0, so never "-0.00%"),
 *      Est. cost, Reason (plain words, reasonText.ts)
 *   then a blank row, the totals block ("Totals": buys, sells, net cash, costs, turnover, cash before
 *   and after, cash weights, accounts for batches): labels merged over the columns left of Value,
 *   amounts in the Value column; a blank row and the audit stamp ("Audit stamp": policy, settings,
 *   generated (an Excel date-time, UTC), version, inputs, SHA-256 of the inputs, decision,
 *   optimality): labels merged over the first three columns, values merged over the rest of the
 *   table's width, so neither block widens a column of the table.
 * Column widths (in characters, Excel's unit) are computed from the longest formatted value of each
 * column (header, body, and the totals in the Value column) plus padding, so no number shows "###".
 * The chart (clustered columns, drift before and after per symbol) reads the table's own Symbol and
 * Drift columns and sits beside the table, right of it; the print area is the table and its blocks,
 * landscape, one page wide, the header row repeated.
 */
import { columnLetter } from "./holdingsTable";

export type SheetValue = string | number;

/** A rectangle of cells, 0-based and inclusive. */
export interface SheetRect { r0: number; c0: number; r1: number; c1: number }

export interface OrderLine {
  account?: string;
  asset: string;
  /** Signed trade quantity (+ buy, − sell, 0 hold). */
  trade: number;
  price: number;
  weightBefore: number;
  target: number;
  weightAfter: number;
  cost: number;
  reason: string;
}

export interface SheetTotals {
  buys: number; sells: number; netCash: number; costs: number; turnover: number;
  cashBefore: number; cashAfter: number;
  /** Cash weights (single account only). */
  cashWeights?: { before: number; target: number; after: number };
  /** Batches: number of accounts and of accounts with errors. */
  accounts?: { count: number; errors: number };
  /** The optimality gap as a number (the largest of a batch; 0 = proven optimal), for readers. */
  optimalityGap?: number;
}

export interface SheetStamp {
  policy: string;
  /** The policy's settings in words (reasonText.ts policySummary) and as text (policyToText). */
  settings: string;
  /** When the sheet was made, as an Excel serial date-time (UTC). */
  generated: number;
  version: string;
  /** What was read: holdings and cash addresses, or input files. */
  inputs: string;
  hash: string;
  decision: string;
  /** describeOptimality / describeGap (trades.ts) of the plan(s). */
  optimality: string;
}

export type CellStyle = "title" | "subtitle" | "section" | "label" | "header" | "left";

export interface TradeSheetModel {
  rows: number;
  cols: number;
  /** Dense grid (rows x cols); "" = blank. */
  values: SheetValue[][];
  formats: string[][];
  styles: { rect: SheetRect; style: CellStyle }[];
  merges: SheetRect[];
  /** Column widths in characters. */
  widths: number[];
  table: { name: string; rect: SheetRect; header: string[] };
  /** Rows frozen at the top (title, summary line and the table header). */
  freezeRows: number;
  print: { area: SheetRect; titleRows: { r0: number; r1: number }; orientation: "landscape"; fitToPagesWide: 1 };
  chart: { title: string; categories: SheetRect; values: SheetRect; anchor: SheetRect };
  /** Where things are, for readers and tests. */
  at: { header: number; firstLine: number; totals: number; stamp: number; hash: { r: number; c: number }; generated: { r: number; c: number } };
}

export const FMT = {
  qty: "#,##0", qtyFraction: "#,##0.########", money: "#,##0.00", pct: "0.00%", drift: "+0.00%;-0.00%;0.00%",
  dateTime: "yyyy-mm-dd hh:mm:ss", count: "0", gap: "0.0000%", text: "@", general: "General",
} as const;

/** Rows of the layout above the header. */
export const HEADER_ROW = 2;

/** Drift below this magnitude is written as 0 (it would show as "-0.00%" / "+0.00%"). */
export const DRIFT_DISPLAY_ZERO = 0.00005;

const colLetter = columnLetter;

/** "A1" or "A1:C3" of a rectangle. */
export function rectA1(r: SheetRect): string {
  const a = `${colLetter(r.c0)}${r.r0 + 1}`;
  const b = `${colLetter(r.c1)}${r.r1 + 1}`;
  return a === b ? a : `${a}:${b}`;
}

/** The text Excel shows for a value in one of FMT's formats (en-US), to size columns. */
export function displayText(v: SheetValue, format: string): string {
  if (typeof v === "string") return v;
  const fixed = (x: number, d: number, maxD = d) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: maxD });
  switch (format) {
    case FMT.qty: return fixed(v, 0);
    case FMT.qtyFraction: return fixed(v, 0, 8);
    case FMT.money: return fixed(v, 2);
    case FMT.pct: return `${(v * 100).toFixed(2)}%`;
    case FMT.gap: return `${(v * 100).toFixed(4)}%`;
    case FMT.drift: return `${v > 0 ? "+" : v < 0 ? "-" : ""}${Math.abs(v * 100).toFixed(2)}%`;
    case FMT.dateTime: return "yyyy-mm-dd hh:mm:ss";
    default: return String(v);
  }
}

/** A valid Excel table name from a sheet name: "Trades 2026-11-21 (2)" -> "Orders_2026_11_21_2". */
export function tableNameFor(sheetName: string): string {
  const tail = sheetName.replace(/^Trades\b/i, "").replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return `Orders${tail ? `_${tail}` : ""}`.slice(0, 250);
}

const displayZero = (x: number) => (Math.abs(x) < DRIFT_DISPLAY_ZERO ? 0 : x);

export function layoutTradeSheet(lines: readonly OrderLine[], totals: SheetTotals, stamp: SheetStamp, tableName: string): TradeSheetModel {
  const withAccount = lines.some((l) => l.account !== undefined && l.account !== "");
  type Col = { title: string; min: number; max?: number };
  const spec: Col[] = [
    { title: "Side", min: 6 }, { title: "Quantity", min: 10 }, { title: "Symbol", min: 8 },
    ...(withAccount ? [{ title: "Account", min: 10, max: 30 }] : []),
    { title: "Order type", min: 11 }, { title: "Price", min: 10 }, { title: "Value", min: 12 },
    { title: "Weight before", min: 9 }, { title: "Target", min: 8 }, { title: "Weight after", min: 9 },
    { title: "Drift before", min: 9 }, { title: "Drift after", min: 9 }, { title: "Est. cost", min: 9 }, { title: "Reason", min: 20, max: 70 },
  ];
  const col = (title: string) => spec.findIndex((c) => c.title === title);
  const cols = spec.length;
  const last = cols - 1;
  const VALUE = col("Value");
  const values: SheetValue[][] = [];
  const formats: string[][] = [];
  const row = () => {
    values.push(Array<SheetValue>(cols).fill(""));
    formats.push(Array<string>(cols).fill(FMT.general));
    return values.length - 1;
  };
  const put = (r: number, c: number, v: SheetValue, f: string = FMT.general) => {
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`internal error: a non-finite number for the trade sheet (row ${r + 1}, column ${colLetter(c)})`);
    values[r][c] = v;
    formats[r][c] = f;
  };
  const styles: TradeSheetModel["styles"] = [];
  const merges: SheetRect[] = [];

  const orders = lines.filter((l) => l.trade !== 0).length;
  const title = row();
  put(title, 0, `Rebal trade sheet: ${stamp.policy}`);
  styles.push({ rect: { r0: title, c0: 0, r1: title, c1: 0 }, style: "title" });
  const sub = row();
  put(sub, 0, `${stamp.decision}. ${orders} order${orders === 1 ? "" : "s"}; ${stamp.optimality}.`);
  styles.push({ rect: { r0: sub, c0: 0, r1: sub, c1: 0 }, style: "subtitle" });

  const header = row();
  spec.forEach((c, j) => put(header, j, c.title));
  styles.push({ rect: { r0: header, c0: 0, r1: header, c1: last }, style: "header" });
  const firstLine = header + 1;
  for (const l of lines) {
    const r = row();
    const side = l.trade > 0 ? "BUY" : l.trade < 0 ? "SELL" : "HOLD";
    const q = Math.abs(l.trade);
    put(r, col("Side"), side);
    put(r, col("Quantity"), q, Number.isInteger(q) ? FMT.qty : FMT.qtyFraction);
    put(r, col("Symbol"), l.asset, FMT.text);
    if (withAccount) put(r, col("Account"), l.account ?? "", FMT.text);
    put(r, col("Order type"), l.trade === 0 ? "" : "Market");
    put(r, col("Price"), l.price, FMT.money);
    put(r, VALUE, Math.abs(l.trade * l.price), FMT.money);
    put(r, col("Weight before"), l.weightBefore, FMT.pct);
    put(r, col("Target"), l.target, FMT.pct);
    put(r, col("Weight after"), l.weightAfter, FMT.pct);
    put(r, col("Drift before"), displayZero(l.weightBefore - l.target), FMT.drift);
    put(r, col("Drift after"), displayZero(l.weightAfter - l.target), FMT.drift);
    put(r, col("Est. cost"), l.cost, FMT.money);
    put(r, col("Reason"), l.reason);
  }
  const lastLine = values.length - 1;
  const table = { name: tableName, rect: { r0: header, c0: 0, r1: Math.max(lastLine, header + 1), c1: last }, header: spec.map((c) => c.title) };
  if (lines.length === 0) row(); // an Excel table needs a data row

  const block = (name: string, items: [string, SheetValue, string][], labelTo: number, valueFrom: number, valueTo: number) => {
    row();
    const r0 = row();
    put(r0, 0, name);
    styles.push({ rect: { r0, c0: 0, r1: r0, c1: 0 }, style: "section" });
    for (const [label, v, f] of items) {
      const r = row();
      put(r, 0, label);
      put(r, valueFrom, v, f);
      styles.push({ rect: { r0: r, c0: 0, r1: r, c1: 0 }, style: "label" });
      if (labelTo > 0) merges.push({ r0: r, c0: 0, r1: r, c1: labelTo });
      if (valueTo > valueFrom) {
        merges.push({ r0: r, c0: valueFrom, r1: r, c1: valueTo });
        styles.push({ rect: { r0: r, c0: valueFrom, r1: r, c1: valueFrom }, style: "left" }); // a date-time too
      }
    }
    return r0;
  };
  const t: [string, SheetValue, string][] = [
    ["Buys", totals.buys, FMT.money], ["Sells", totals.sells, FMT.money],
    ["Net cash (sells − buys − costs)", totals.netCash, FMT.money], ["Estimated costs", totals.costs, FMT.money],
    ["Turnover (smaller of buys and sells ÷ value)", totals.turnover, FMT.pct],
    ["Cash before", totals.cashBefore, FMT.money], ["Cash after", totals.cashAfter, FMT.money],
  ];
  if (totals.cashWeights) {
    t.push(["Cash weight before", totals.cashWeights.before, FMT.pct], ["Cash target", totals.cashWeights.target, FMT.pct], ["Cash weight after", totals.cashWeights.after, FMT.pct]);
  }
  if (totals.optimalityGap !== undefined) t.push([totals.accounts ? "Optimality gap (largest; 0 = proven optimal)" : "Optimality gap (0 = proven optimal)", totals.optimalityGap, FMT.gap]);
  if (totals.accounts) t.push(["Accounts", totals.accounts.count, FMT.count], ["Accounts with errors", totals.accounts.errors, FMT.count]);
  const totalsRow = block("Totals", t, VALUE - 1, VALUE, VALUE);
  const stampItems: [string, SheetValue, string][] = [
    ["Policy", stamp.policy, FMT.text], ["Settings", stamp.settings, FMT.text], ["Generated (UTC)", stamp.generated, FMT.dateTime],
    ["Rebal version", stamp.version, FMT.text], ["Inputs", stamp.inputs, FMT.text], ["Inputs SHA-256", stamp.hash, FMT.text],
    ["Decision", stamp.decision, FMT.text], ["Optimality", stamp.optimality, FMT.text],
  ];
  const STAMP_VALUE = 3;
  const stampRow = block("Audit stamp", stampItems, STAMP_VALUE - 1, STAMP_VALUE, last);

  // widths: the longest shown text of each column (merged cells excluded) + padding
  const merged = (r: number, c: number) => merges.some((m) => r >= m.r0 && r <= m.r1 && c >= m.c0 && c <= m.c1 && !(m.c0 === m.c1));
  const widths = spec.map((c, j) => {
    let w = c.min;
    for (let r = header; r < values.length; r++) {
      if (r > lastLine && j !== VALUE) continue; // the blocks below size only the Value column
      if (merged(r, j)) continue;
      const v = values[r][j];
      if (v === "") continue;
      w = Math.max(w, displayText(v, formats[r][j]).length + 2);
    }
    return Math.min(w, c.max ?? Infinity);
  });
  const rows = values.length;
  const hashRow = stampRow + stampItems.findIndex((s) => s[0] === "Inputs SHA-256") + 1;
  const generatedRow = stampRow + stampItems.findIndex((s) => s[0] === "Generated (UTC)") + 1;
  const bodyTo = Math.max(lastLine, header + 1);
  return {
    rows, cols, values, formats, styles, merges, widths, table,
    freezeRows: header + 1,
    print: { area: { r0: 0, c0: 0, r1: rows - 1, c1: last }, titleRows: { r0: header, r1: header }, orientation: "landscape", fitToPagesWide: 1 },
    chart: {
      title: `Drift before and after: ${stamp.policy}`,
      categories: { r0: firstLine, c0: col("Symbol"), r1: bodyTo, c1: col("Symbol") },
      values: { r0: header, c0: col("Drift before"), r1: bodyTo, c1: col("Drift after") },
      anchor: { r0: header, c0: cols + 1, r1: header + Math.max(16, Math.min(lines.length + 2, 30)), c1: cols + 8 },
    },
    at: { header, firstLine, totals: totalsRow, stamp: stampRow, hash: { r: hashRow, c: STAMP_VALUE }, generated: { r: generatedRow, c: STAMP_VALUE } },
  };
}

/** Excel serial date-time (UTC) of a JavaScript time. */
export function dateToSerialUTC(d: Date): number {
  return d.getTime() / 86_400_000 + 25569;
}
