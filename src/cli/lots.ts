/**
 * Tax lots on the command line: `rebal trades ... --lots lots.csv --asof D` (the lot-level sale list
 * of the plan's sells) and `rebal harvest lots.csv --prices prices.csv` (loss candidates).
 *
 * Lots come from a CSV or an .xlsx (the sheet named by --lots-sheet, else the first sheet with a
 * lots header), read by core/taxLots.ts in the file's decimal style (inputs.ts); tax keys from
 * --tax "lot_method=hifo; st_rate=0.37" (core/taxPolicy.ts). The lots are checked against the
 * holdings (per account when the lots have an account column and the holdings are a batch), so a
 * lot that does not add up is exit 1 naming the lot row. Outputs: JSON gets `lot_sales` and `tax`
 * fields next to `trades`; CSV a second file <out>.lots.csv (same outFile.ts rules, same CSV
 * writer with formula-like text neutralised); the table a second table; xlsx a "Lot sales" sheet.
 * Dates are written yyyy-mm-dd.
 */
import * as path from "node:path";
import ExcelJS from "exceljs";
import { RebalError } from "../core/errors";
import { serialToISO } from "../core/calendar";
import { harvestCandidates, HarvestCandidate, RecentBuy } from "../core/harvest";
import { isoDateToSerial } from "../core/calendar";
import { columnLetter, isBlankCell, normHeader, numberFromCell, checkAmount } from "../core/holdingsTable";
import { SaleResult, SellRequest, sellLots } from "../core/lotSelection";
import { checkLotsAgainstHoldings, isLotsHeader, LOTS_COLUMNS, LotsTable, readLotsTable } from "../core/taxLots";
import { TaxOptions } from "../core/taxPolicy";
import { UsageError } from "./errors";
import { Account, Cell, ReadOptions, readBytes, readCsv, readWorkbook, sheetCells, tableStyle } from "./inputs";
import { tidy, TradeRow } from "./plan";
import { toCsv } from "./output";
import { readPrices } from "./prices";

const isXlsx = (f: string) => /\.xlsx$/i.test(f);

/** The numeric columns of a lots header (for the decimal-style detection). */
function numericColumns(header: readonly Cell[]): number[] {
  const names = [...LOTS_COLUMNS.quantity, ...LOTS_COLUMNS.cost, ...LOTS_COLUMNS.unit_cost];
  return header.flatMap((h, j) => (typeof h === "string" && names.includes(normHeader(h)) ? [j] : []));
}

/** Reads a lots file (CSV or .xlsx) and refuses lots acquired after `asof`. */
export async function readLotsFile(file: string, ro: ReadOptions, asof: number, sheet: string | null): Promise<{ table: LotsTable; bytes: Buffer }> {
  const bytes = readBytes(file, ro.limits);
  let cells: Cell[][], firstRow: number, where: string;
  if (isXlsx(file)) {
    const w = await readWorkbook(file, bytes, ro.limits);
    const sheets = sheet ? [w.wb.getWorksheet(sheet)] : w.wb.worksheets;
    if (sheet && !sheets[0]) throw new RebalError(`${file}: no sheet "${sheet}" (sheets: ${w.wb.worksheets.map((s) => s.name).join(", ")})`);
    let found: { cells: Cell[][]; firstRow: number; where: string } | null = null;
    for (const ws of sheets) {
      if (!ws) continue;
      const all = sheetCells(ws);
      const h = all.findIndex((row, i) => i < 50 && isLotsHeader(row));
      if (h < 0) continue;
      let end = h + 1;
      while (end < all.length && !all[end].every(isBlankCell)) end++;
      found = { cells: all.slice(h, end), firstRow: h + 1, where: `${file} sheet "${ws.name}"` };
      break;
    }
    if (!found) throw new RebalError(`${file}: no lots found: no sheet with a header row asset, acquired, quantity, cost (or unit_cost)`);
    ({ cells, firstRow, where } = found);
  } else {
    if (sheet) throw new UsageError(`--lots-sheet applies to an .xlsx lots file only`);
    const csv = readCsv(file, bytes, ro);
    const first = Math.max(0, csv.cells.findIndex((r) => !r.every(isBlankCell)));
    cells = csv.cells.slice(first);
    firstRow = first + 1;
    where = file;
  }
  const style = tableStyle(cells, numericColumns(cells[0] ?? []), 1, where, ro.decimal, (k) => firstRow + k, columnLetter);
  return { table: readLotsTable(cells, where, { firstRow, style, asof }), bytes };
}

/** One row of the lot-level sale list as written by the CLI. */
export interface LotSaleRow {
  account?: string;
  asset: string;
  lot_id: string | number;
  acquired: string;
  quantity: number;
  proceeds: number;
  basis: number;
  gain: number;
  term: string;
}

export interface LotSalesOutput {
  rows: LotSaleRow[];
  /** Per sell (asset, and account in batches): realized gains and the estimated tax of that sale alone. */
  by_asset: { account?: string; asset: string; quantity: number; proceeds: number; basis: number; realized_st: number; realized_lt: number; gain: number; est_tax: number }[];
  tax: { quantity: number; proceeds: number; basis: number; realized_st: number; realized_lt: number; gain: number; est_tax: number };
}

/**
 * The lot-level sale list of a plan: the sells of `rows` (accounts whose plan failed are skipped),
 * after checking the lots against `accounts`' holdings.
 */
export function lotSales(accounts: readonly Account[], rows: readonly TradeRow[], failed: ReadonlySet<string>, table: LotsTable, asof: number, tax: TaxOptions, batch: boolean): LotSalesOutput {
  const held = accounts.flatMap((a) => a.assets.map((asset, i) => ({ asset, account: batch ? a.account : null, quantity: a.book.quantities[i] })));
  checkLotsAgainstHoldings(table, held, batch ? "the holdings" : `the holdings (${accounts[0]?.source ?? ""})`);
  const sells: SellRequest[] = [];
  for (const r of rows) {
    if (!(r.trade < 0) || (r.account !== undefined && failed.has(r.account))) continue;
    sells.push({ asset: r.asset, account: batch ? r.account ?? null : null, quantity: -r.trade, price: r.price, where: `the plan's sell of ${r.asset}${batch ? ` in account ${r.account}` : ""}` });
  }
  return salesOutput(sellLots(table, sells, asof, tax), table.hasAccount);
}

function salesOutput(res: SaleResult, withAccount: boolean): LotSalesOutput {
  const rows = res.sales.map((s): LotSaleRow => ({
    ...(withAccount ? { account: s.account } : {}),
    asset: s.asset, lot_id: s.lotId, acquired: serialToISO(s.acquired), quantity: tidy(s.quantity),
    proceeds: tidy(s.proceeds), basis: tidy(s.basis), gain: tidy(s.gain), term: s.term,
  }));
  const by_asset = res.assets.map((a) => ({
    ...(a.account !== "" ? { account: a.account } : {}), asset: a.asset, quantity: tidy(a.quantity), proceeds: tidy(a.proceeds), basis: tidy(a.basis),
    realized_st: tidy(a.realizedSt), realized_lt: tidy(a.realizedLt), gain: tidy(a.gain), est_tax: tidy(a.estTax),
  }));
  const t = res.total;
  return { rows, by_asset, tax: { quantity: tidy(t.quantity), proceeds: tidy(t.proceeds), basis: tidy(t.basis), realized_st: tidy(t.realizedSt), realized_lt: tidy(t.realizedLt), gain: tidy(t.gain), est_tax: tidy(t.estTax) } };
}

const SALE_FIELDS = ["asset", "lot_id", "acquired", "quantity", "proceeds", "basis", "gain", "term"];

function saleTableRows(out: LotSalesOutput, withAccount: boolean): unknown[][] {
  const fields = withAccount ? ["account", ...SALE_FIELDS] : SALE_FIELDS;
  const body = out.rows.map((r) => fields.map((f) => (r as unknown as Record<string, unknown>)[f]));
  const pad = (name: string, gain: number, term: string) => fields.map((f) => (f === "asset" ? name : f === "gain" ? gain : f === "term" ? term : ""));
  const total = pad("TOTAL", out.tax.gain, "");
  for (const f of ["quantity", "proceeds", "basis"] as const) total[fields.indexOf(f)] = out.tax[f];
  return [fields, ...body, total, pad("TOTAL_ST", out.tax.realized_st, "ST"), pad("TOTAL_LT", out.tax.realized_lt, "LT"), pad("EST_TAX", out.tax.est_tax, "")];
}

/** The sale list as CSV (the CLI's one CSV writer), with the TOTAL, TOTAL_ST, TOTAL_LT and EST_TAX rows. */
export function lotSalesCsv(out: LotSalesOutput, withAccount: boolean): string {
  const [fields, ...data] = saleTableRows(out, withAccount);
  return toCsv(data, fields as string[]);
}

/** An aligned text table. */
export function alignedTable(rows: unknown[][]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === "number" ? String(Number(c.toPrecision(10))) : String(c ?? ""))));
  const w = text[0].map((_, j) => text.reduce((m, r) => Math.max(m, r[j].length), 0));
  return text.map((r) => r.map((c, j) => c.padEnd(w[j])).join("  ").trimEnd()).join("\n") + "\n";
}

export function lotSalesTable(out: LotSalesOutput, withAccount: boolean): string {
  return `\nlot sales\n${alignedTable(saleTableRows(out, withAccount))}`;
}

/** Adds a "Lot sales" sheet to the trade workbook. */
export function addLotSalesSheet(wb: ExcelJS.Workbook, out: LotSalesOutput, withAccount: boolean): void {
  let name = "Lot sales";
  for (let k = 2; wb.getWorksheet(name); k++) name = `Lot sales (${k})`;
  const ws = wb.addWorksheet(name);
  const rows = saleTableRows(out, withAccount);
  rows.forEach((r) => ws.addRow(r));
  ws.getRow(1).font = { bold: true };
  const fields = rows[0] as string[];
  for (const f of ["proceeds", "basis", "gain"]) ws.getColumn(fields.indexOf(f) + 1).numFmt = "#,##0.00";
  ws.columns.forEach((c, j) => { c.width = Math.max(10, ...rows.map((r) => String(r[j] ?? "").length + 2)); });
}

/** The companion file of a CSV output: trades.csv -> trades.lots.csv. */
export function lotsCsvPath(out: string): string {
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}.lots${ext || ".csv"}`;
}

// ---------------------------------------------------------------- harvest

/** Current prices: an asset | price CSV, or a price history (date, assets...) whose last price per asset is used. */
export function readCurrentPrices(file: string, ro: ReadOptions): Map<string, number> {
  const { cells } = readCsv(file, readBytes(file, ro.limits), ro);
  const h = cells.findIndex((r) => !r.every(isBlankCell));
  const header = (cells[h] ?? []).map((c) => (typeof c === "string" ? normHeader(c) : ""));
  const a = header.findIndex((c) => ["asset", "ticker", "symbol"].includes(c));
  const p = header.findIndex((c) => ["price", "px", "last", "close"].includes(c));
  const out = new Map<string, number>();
  if (a >= 0 && p >= 0) {
    const style = tableStyle(cells, [p], h + 1, file, ro.decimal, (k) => k + 1, columnLetter);
    for (let k = h + 1; k < cells.length; k++) {
      const r = cells[k];
      if (r.every(isBlankCell)) continue;
      const at = `${file} row ${k + 1}`;
      if (isBlankCell(r[a])) throw new RebalError(`${at}, column ${columnLetter(a)}: the asset is blank`);
      const key = String(r[a]).trim().toUpperCase();
      if (out.has(key)) throw new RebalError(`${at}: ${String(r[a]).trim()} is listed twice`);
      const x = checkAmount(numberFromCell(r[p], `${at}, column ${columnLetter(p)} "price"`, style), at);
      if (!(x >= 0)) throw new RebalError(`${at}, column ${columnLetter(p)}: a price must be 0 or more, got ${x}`);
      out.set(key, x);
    }
    return out;
  }
  const hist = readPrices(file, ro); // date, assets...: the latest price of each asset
  hist.names.forEach((n, j) => {
    for (let t = hist.rows.length - 1; t >= 0; t--) if (!Number.isNaN(hist.rows[t][j])) { out.set(n.trim().toUpperCase(), hist.rows[t][j]); break; }
  });
  return out;
}

/** Recent buys for the wash-sale check: a CSV with a header asset, date (yyyy-mm-dd), quantity. */
export function readRecentBuys(file: string, ro: ReadOptions): RecentBuy[] {
  const { cells } = readCsv(file, readBytes(file, ro.limits), ro);
  const h = cells.findIndex((r) => !r.every(isBlankCell));
  const header = (cells[h] ?? []).map((c) => (typeof c === "string" ? normHeader(c) : ""));
  const a = header.findIndex((c) => ["asset", "ticker", "symbol"].includes(c));
  const d = header.findIndex((c) => ["date", "acquired", "tradedate"].includes(c));
  const q = header.findIndex((c) => ["quantity", "shares", "qty"].includes(c));
  if (a < 0 || d < 0 || q < 0) throw new RebalError(`${file}: recent buys need a header row asset, date, quantity`);
  const style = tableStyle(cells, [q], h + 1, file, ro.decimal, (k) => k + 1, columnLetter);
  const out: RecentBuy[] = [];
  for (let k = h + 1; k < cells.length; k++) {
    const r = cells[k];
    if (r.every(isBlankCell)) continue;
    const at = (j: number) => `${file} row ${k + 1}, column ${columnLetter(j)}`;
    if (isBlankCell(r[a])) throw new RebalError(`${at(a)}: the asset is blank`);
    const date = isBlankCell(r[d]) ? null : isoDateToSerial(String(r[d]), at(d));
    if (date === null) throw new RebalError(`${at(d)}: a date written yyyy-mm-dd is needed, got ${JSON.stringify(r[d])}`);
    const x = numberFromCell(r[q], at(q), style);
    if (!(x > 0)) throw new RebalError(`${at(q)}: a buy's quantity must be positive, got ${x}`);
    out.push({ asset: String(r[a]).trim(), date });
  }
  return out;
}

export interface HarvestRow { account?: string; asset: string; lot_id: string | number; acquired: string; quantity: number; basis: number; value: number; loss: number; term: string; wash_sale: boolean }

export function harvestRows(table: LotsTable, prices: Map<string, number>, asof: number, tax: TaxOptions, recent: RecentBuy[] | null = null): HarvestRow[] {
  return harvestCandidates(table, prices, asof, tax, recent).map((c: HarvestCandidate) => ({
    ...(table.hasAccount ? { account: c.account } : {}),
    asset: c.asset, lot_id: c.lotId, acquired: serialToISO(c.acquired), quantity: tidy(c.quantity), basis: tidy(c.basis),
    value: tidy(c.value), loss: tidy(c.loss), term: c.term, wash_sale: c.washSale,
  }));
}

export const HARVEST_FIELDS = ["asset", "lot_id", "quantity", "loss", "term", "wash_sale", "acquired", "basis", "value"];
