/**
 * Files out: the trade table as text (aligned table), CSV (papaparse), JSON (an array of row
 * objects) or the trade-sheet .xlsx (exceljs) in the pane's layout (core/tradeSheetLayout.ts:
 * an Excel table of orders, totals with the optimality gap — the largest over the accounts, 0 =
 * every plan proven optimal — and the audit stamp: policy, time, version, SHA-256 of the inputs,
 * optimality), so a colleague can verify it. Turnover of a batch is sum(min(buys, sells)) / sum(total value) over its accounts.
 *
 * Conventions: CSV cells that start with = + - @, a tab or a carriage return are prefixed with "'"
 * (OWASP's CSV-injection rule, papaparse escapeFormulae) unless they are numbers, so a trade file
 * opened in Excel never runs a ticker as a formula. Computed numbers (values, weights, costs) are
 * written rounded to OUTPUT_DIGITS significant digits (no float noise such as -2490.6000000000004);
 * the inputs echoed (quantity, price, target) are written as read. No output carries NaN or
 * Infinity: plan.ts refuses a non-finite result before it reaches a writer (assertFinite).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Papa from "papaparse";
import ExcelJS from "exceljs";
import { Policy, policyToText } from "../core/policy";
import { packageRoot } from "./packageRoot";
import { policySummary } from "../core/reasonText";
import { describeGap } from "../core/trades";
import { FMT, OrderLine, SheetTotals, TradeSheetModel, dateToSerialUTC, layoutTradeSheet, rectA1, tableNameFor } from "../core/tradeSheetLayout";
import { tidy } from "./plan";
import type { AccountSummary, TradeRow } from "./plan";

export function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * SHA-256 of the inputs: every input file's bytes in order, then a line "cash=<--cash or blank>"
 * and a line "policy=<the resolved policy as canonical text>".
 */
export function inputsHash(files: { file: string; bytes: Buffer }[], cash: number | null, policy: Policy): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f.bytes);
  h.update(`\ncash=${cash ?? ""}\npolicy=${policyToText(policy)}\n`);
  return h.digest("hex");
}

export interface Totals { buys: number; sells: number; netCash: number; costs: number; turnover: number; cashAfter: number; accounts: number; errors: number; optimalityGap: number }

export function totalsOf(summaries: AccountSummary[]): Totals {
  let buys = 0, sells = 0, costs = 0, turnNum = 0, value = 0, cashAfter = 0, errors = 0, gap = 0;
  for (const s of summaries) {
    if (s.error) { errors++; continue; }
    buys += s.buys; sells += s.sells; costs += s.costs; cashAfter += s.cashAfter;
    turnNum += Math.min(s.buys, s.sells); value += s.totalValue;
    gap = Math.max(gap, s.optimalityGap);
  }
  return { buys: tidy(buys), sells: tidy(sells), netCash: tidy(sells - buys - costs), costs: tidy(costs), turnover: value > 0 ? tidy(turnNum / value) : 0, cashAfter: tidy(cashAfter), accounts: summaries.length, errors, optimalityGap: gap };
}

const COLUMNS: { key: keyof TradeRow; title: string }[] = [
  { key: "account", title: "account" }, { key: "asset", title: "asset" }, { key: "side", title: "side" },
  { key: "trade", title: "trade" }, { key: "price", title: "price" }, { key: "value", title: "value" },
  { key: "weight_before", title: "w before" }, { key: "target", title: "target" }, { key: "weight_after", title: "w after" },
  { key: "reason", title: "reason" },
];

const num = (x: number, d = 2) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const qty = (x: number) => (Number.isInteger(x) ? x.toLocaleString("en-US") : x.toLocaleString("en-US", { maximumFractionDigits: 8 }));
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatTable(rows: TradeRow[], summaries: AccountSummary[], policyLabel: string): string {
  const withAccount = rows.some((r) => r.account !== undefined) || summaries.length > 1;
  const cols = COLUMNS.filter((c) => c.key !== "account" || withAccount);
  const cell = (r: TradeRow, k: keyof TradeRow): string => {
    const v = r[k];
    if (k === "trade") return qty(v as number);
    if (k === "price" || k === "value") return num(v as number);
    if (k === "weight_before" || k === "target" || k === "weight_after") return pct(v as number);
    return String(v ?? "");
  };
  const body = rows.map((r) => cols.map((c) => cell(r, c.key)));
  const widths = cols.map((c) => c.title.length);
  for (const b of body) for (let j = 0; j < b.length; j++) if (b[j].length > widths[j]) widths[j] = b[j].length;
  const left = new Set(["account", "asset", "side", "reason"]);
  const line = (cells: string[]) => cells.map((s, j) => (j === cells.length - 1 ? s : left.has(cols[j].key) ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join("  ").trimEnd();
  const out = [line(cols.map((c) => c.title)), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  const t = totalsOf(summaries);
  out.push("", `policy: ${policyLabel}`);
  if (summaries.length === 1 && !summaries[0].error) out.push(`decision: ${summaries[0].due ? "rebalance" : "no rebalance"} (${summaries[0].decision})`);
  out.push(`buys ${num(t.buys)}  sells ${num(t.sells)}  net cash ${num(t.netCash)}  costs ${num(t.costs)}  turnover ${pct(t.turnover)}  cash after ${num(t.cashAfter)}  optimality gap ${t.optimalityGap === 0 ? "0 (proven optimal)" : pct(t.optimalityGap)}`);
  if (summaries.length > 1) out.push(`accounts ${t.accounts}${t.errors ? ` (${t.errors} with errors)` : ""}`);
  return out.join("\n") + "\n";
}

/** The one CSV writer: objects (header = their keys) or rows of cells; formula-like text neutralised. */
export function toCsv(data: Record<string, unknown>[] | unknown[][], fields?: string[]): string {
  const cfg = { newline: "\n", escapeFormulae: true } as const;
  const text = fields ? Papa.unparse({ fields, data: data as unknown[][] }, cfg) : Papa.unparse(data as Record<string, unknown>[], cfg);
  return text + "\n";
}

export function formatCsv(rows: TradeRow[]): string {
  return toCsv(rows as unknown as Record<string, unknown>[]);
}

export function formatJson(rows: TradeRow[]): string {
  return JSON.stringify(rows, null, 1) + "\n";
}

export interface Stamp { policyLabel: string; policy: Policy; time: string; version: string; sha256: string; inputs: string[] }


/**
 * Adds the trade sheet to `wb` (a new sheet; the name gets a suffix if taken): the one layout of
 * core/tradeSheetLayout.ts (the pane's sheet), rendered with exceljs — values and number formats,
 * merges, bold title/labels, computed column widths, the orders as an Excel table, frozen header,
 * print setup (landscape, one page wide, header row repeated). exceljs writes no charts, so the
 * .xlsx has no drift chart (the table's Drift columns hold its data).
 */
export function addTradeSheet(wb: ExcelJS.Workbook, rows: TradeRow[], summaries: AccountSummary[], stamp: Stamp, name = "Trades"): ExcelJS.Worksheet {
  let sheetName = name;
  for (let k = 2; wb.getWorksheet(sheetName); k++) sheetName = `${name} (${k})`;
  const ws = wb.addWorksheet(sheetName);
  const withAccount = summaries.length > 1;
  const t = totalsOf(summaries);
  const ok = summaries.filter((s) => !s.error);
  const single = summaries.length === 1 && ok.length === 1 ? ok[0] : null;
  const lines: OrderLine[] = rows.map((r) => ({
    ...(withAccount ? { account: r.account ?? "" } : {}), asset: r.asset, trade: r.trade, price: r.price,
    weightBefore: r.weight_before, target: r.target, weightAfter: r.weight_after, cost: r.cost, reason: r.reason,
  }));
  const decision = single ? `${single.due ? "Rebalance" : "No rebalance"}: ${single.decision}` : `${ok.filter((s) => s.due).length} of ${summaries.length} accounts rebalance`;
  const cashBefore = ok.reduce((a, s) => a + s.cashBefore, 0);
  const totals: SheetTotals = {
    buys: t.buys, sells: t.sells, netCash: t.netCash, costs: t.costs, turnover: t.turnover, cashBefore: tidy(cashBefore), cashAfter: t.cashAfter,
    optimalityGap: t.optimalityGap, ...(withAccount ? { accounts: { count: t.accounts, errors: t.errors } } : {}),
  };
  const time = Date.parse(stamp.time);
  const model = layoutTradeSheet(lines, totals, {
    policy: stamp.policyLabel, settings: `${policySummary(stamp.policy)} (${policyToText(stamp.policy)})`, generated: dateToSerialUTC(new Date(Number.isFinite(time) ? time : Date.now())),
    version: stamp.version, inputs: stamp.inputs.join(", "), hash: stamp.sha256, decision, optimality: describeGap(t.optimalityGap),
  }, tableNameFor(sheetName));
  renderXlsx(ws, model);
  return ws;
}

/** Writes a trade-sheet layout into an empty exceljs sheet. */
export function renderXlsx(ws: ExcelJS.Worksheet, m: TradeSheetModel): void {
  const { rect } = m.table;
  // the table first (exceljs writes its header and body cells), then every other cell
  ws.addTable({
    name: m.table.name, ref: `A${rect.r0 + 1}`, headerRow: true, totalsRow: false,
    style: { theme: "TableStyleMedium2", showRowStripes: true },
    columns: m.table.header.map((h) => ({ name: h, filterButton: true })),
    rows: m.values.slice(rect.r0 + 1, rect.r1 + 1).map((r) => r.slice(rect.c0, rect.c1 + 1).map((v) => (v === "" ? null : v))),
  });
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.values[r][c];
      const cell = ws.getCell(r + 1, c + 1);
      const inTable = r >= rect.r0 && r <= rect.r1 && c >= rect.c0 && c <= rect.c1;
      if (!inTable && v !== "") cell.value = v;
      if (m.formats[r][c] !== FMT.general) cell.numFmt = m.formats[r][c];
    }
  }
  for (const g of m.merges) ws.mergeCells(g.r0 + 1, g.c0 + 1, g.r1 + 1, g.c1 + 1);
  for (const { rect: s, style } of m.styles) {
    const cell = ws.getCell(s.r0 + 1, s.c0 + 1);
    if (style === "title") cell.font = { bold: true, size: 14 };
    else if (style === "section" || style === "label") cell.font = { bold: true };
    else if (style === "subtitle") cell.font = { italic: true };
    else if (style === "left") cell.alignment = { horizontal: "left" };
  }
  m.widths.forEach((w, j) => { ws.getColumn(j + 1).width = w; });
  ws.views = [{ state: "frozen", ySplit: m.freezeRows, xSplit: 0 }];
  ws.pageSetup = {
    ...ws.pageSetup, orientation: m.print.orientation, fitToPage: true, fitToWidth: m.print.fitToPagesWide, fitToHeight: 0,
    printArea: rectA1(m.print.area), printTitlesRow: `${m.print.titleRows.r0 + 1}:${m.print.titleRows.r1 + 1}`,
  };
}
