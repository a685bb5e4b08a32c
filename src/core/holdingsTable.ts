/**
 * A holdings table with a header row -> a Book for the trade engine (pure: no Office, no Node).
 *
 * Shared by every reader of holdings tables outside the formula layer (the `rebal` CLI reads CSV
 * files and .xlsx sheets with it). Columns are found by header name (case-insensitive; spaces,
 * underscores and hyphens ignored); order is free and other columns are ignored. Required: asset
 * (ticker, symbol, name, security, instrument), quantity (shares, qty, units, position, holding),
 * price (px, last, close, lastprice), target (weight, target_weight, target%, targetpct).
 * Optional: lot (lot_size, board_lot), restricted (no_trade, locked, frozen), min_weight, max_weight.
 * Fully blank rows are skipped; any other blank required cell is an error naming the row and the
 * column. Rows are numbered as the analyst sees them in the source (header = its own row number,
 * CSV line or sheet row), and columns by header name and letter (A, B, ...).
 *
 * One reader for every holdings table: the formulas (REBAL.TRADESHEET, via holdings.ts), the pane's
 * inputs and the CLI all come here. Numeric text is read in the source's decimal style
 * (numberText.ts). Amounts are bounded by MAX_AMOUNT: a quantity, a price, a position value
 * (quantity x price) or a lot's value beyond it is an error naming the cell, so the engine never
 * computes with values whose sums or products leave float64 (Infinity, NaN).
 */
import { isBlank, numberCell } from "./cells";
import { RebalError, fmt } from "./errors";
import { DecimalStyle } from "./numberText";
import { Book } from "./trades";

export const HOLDINGS_COLUMNS: Record<string, string[]> = {
  asset: ["asset", "ticker", "symbol", "name", "security", "instrument"],
  quantity: ["quantity", "shares", "qty", "units", "position", "holding"],
  price: ["price", "px", "last", "close", "lastprice"],
  target: ["target", "weight", "targetweight", "target%", "targetpct"],
  lot: ["lot", "lotsize", "boardlot"],
  restricted: ["restricted", "notrade", "locked", "frozen"],
  min_weight: ["minweight", "min", "minimum"],
  max_weight: ["maxweight", "max", "maximum"],
};

export const REQUIRED_HOLDINGS_COLUMNS = ["asset", "quantity", "price", "target"] as const;

/** Header normalisation: case-insensitive, spaces/underscores/hyphens ignored. */
export const normHeader = (s: string): string => s.toLowerCase().replace(/[\s_-]/g, "");

export const isBlankCell = isBlank;

/** Column letter of a 0-based column index (0 -> A, 26 -> AA). */
export function columnLetter(j: number): string {
  let s = "";
  for (let k = j + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

/** Reads a number from a cell (cells.ts): the one reader of numeric cells. */
export const numberFromCell = numberCell;

/**
 * The largest amount (quantity, price, quantity x price, cash, book total) the engine accepts: 2^53,
 * beyond which a float64 no longer holds every whole currency unit and sums of squares approach
 * overflow. Larger values are input errors, not numbers to compute with.
 */
export const MAX_AMOUNT = 2 ** 53;

/** Throws unless |x| <= MAX_AMOUNT; `what` names the cell or the total ("row 3, column C "price""). */
export function checkAmount(x: number, what: string, detail = ""): number {
  if (!(Math.abs(x) <= MAX_AMOUNT)) {
    throw new RebalError(`${what}: ${detail || fmt(x)} is beyond the largest amount Rebal computes with (${fmt(MAX_AMOUNT)}, 2^53)`);
  }
  return x;
}

/** Finds the holdings columns in a header row; `extra` adds columns of the caller's (e.g. account). */
export function findHoldingsColumns(header: readonly unknown[], where: string, extra: Record<string, string[]> = {}): Record<string, number> {
  const all = { ...HOLDINGS_COLUMNS, ...extra };
  const found: Record<string, number> = {};
  header.forEach((h, j) => {
    if (typeof h !== "string") return;
    const key = normHeader(h);
    for (const [col, aliases] of Object.entries(all)) {
      if (aliases.includes(key)) {
        if (found[col] !== undefined) throw new RebalError(`${where}: columns ${columnLetter(found[col])} and ${columnLetter(j)} are both "${col}"`);
        found[col] = j;
      }
    }
  });
  for (const col of REQUIRED_HOLDINGS_COLUMNS) {
    if (found[col] === undefined) throw new RebalError(`${where}: no "${col}" column in the header row (accepted names: ${HOLDINGS_COLUMNS[col].join(", ")})`);
  }
  return found;
}

/** True when a row looks like a holdings header (has every required column). */
export function isHoldingsHeader(row: readonly unknown[]): boolean {
  const keys = new Set(row.filter((h): h is string => typeof h === "string").map(normHeader));
  return REQUIRED_HOLDINGS_COLUMNS.every((c) => HOLDINGS_COLUMNS[c].some((a) => keys.has(a)));
}

/** A TRUE/FALSE cell (also yes/no, y/n, x, 1/0); blank is FALSE. */
export function flagCell(v: unknown, where: string): number {
  if (isBlankCell(v) || v === false || v === 0) return 0;
  if (v === true || v === 1) return 1;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (["true", "yes", "y", "x", "1"].includes(s)) return 1;
    if (["false", "no", "n", "0"].includes(s)) return 0;
  }
  throw new RebalError(`${where} must be TRUE/FALSE (or yes/no), got ${JSON.stringify(v)}`);
}

export interface HoldingsTable {
  assets: string[];
  /** Source row number of each asset (as the analyst sees it). */
  rows: number[];
  book: Omit<Book, "cash">;
}

/** "<where> row 12, column C "Qty"": names a cell in messages (built only when a message is needed). */
function cellLabel(where: string, r: number, header: readonly unknown[], cols: Record<string, number>, col: string): string {
  const h = header[cols[col]];
  return `${where} row ${r}, column ${columnLetter(cols[col])} "${typeof h === "string" ? h.trim() : col}"`;
}

/**
 * The common case of numberFromCell without building a message: a finite number, or plain decimal
 * text (digits, an optional "-" and "." fraction) in a "." style source. NaN means "take the full
 * reader" (zeros, blanks, "1,000", "5%", decimal commas, errors).
 */
const PLAIN_DECIMAL = /^\s*-?\d+(?:\.\d+)?\s*$/;
function quickNumber(v: unknown, style: DecimalStyle): number {
  if (typeof v === "number") return Number.isFinite(v) ? v : NaN;
  if (typeof v === "string" && style === "." && PLAIN_DECIMAL.test(v)) {
    const x = Number(v);
    if (x !== 0 && Number.isFinite(x)) return x;
  }
  return NaN;
}

function requiredNumber(row: readonly unknown[], r: number, header: readonly unknown[], cols: Record<string, number>, col: string, where: string, style: DecimalStyle): number {
  const v = row[cols[col]];
  const x = quickNumber(v, style);
  return x === x ? x : numberFromCell(v, cellLabel(where, r, header, cols, col), style);
}

/** An optional numeric column: NaN when the column is absent or the cell blank. */
function optionalNumber(row: readonly unknown[], r: number, header: readonly unknown[], cols: Record<string, number>, col: string, where: string, style: DecimalStyle): number {
  const j = cols[col];
  if (j === undefined || isBlankCell(row[j])) return NaN;
  return requiredNumber(row, r, header, cols, col, where, style);
}

/** Quantity, price, lot and their values within MAX_AMOUNT (checked with one comparison per row when fine). */
function checkAmounts(q: number, p: number, lot: number, r: number, header: readonly unknown[], cols: Record<string, number>, where: string): void {
  const lotValue = lot === lot ? Math.abs(lot * p) : 0;
  if (Math.abs(q) <= MAX_AMOUNT && Math.abs(p) <= MAX_AMOUNT && Math.abs(q * p) <= MAX_AMOUNT && lotValue <= MAX_AMOUNT) return;
  checkAmount(q, cellLabel(where, r, header, cols, "quantity"));
  checkAmount(p, cellLabel(where, r, header, cols, "price"));
  checkAmount(q * p, cellLabel(where, r, header, cols, "price"), `the position value ${fmt(q)} x ${fmt(p)}`);
  checkAmount(lot * p, cellLabel(where, r, header, cols, "lot"), `the value of a lot ${fmt(lot)} x ${fmt(p)}`);
}

/**
 * Reads data rows against already-found columns. `rowNumbers[k]` is the source row of `data[k]`
 * (used in messages); `where` names the source (a file, a sheet); `style` is its decimal style
 * (numberText.ts). No closures or message strings per row: the CLI reads 10^5+ rows through here.
 */
export function readHoldingsRows(data: readonly (readonly unknown[])[], rowNumbers: readonly number[], header: readonly unknown[], cols: Record<string, number>, where: string, style: DecimalStyle = "."): HoldingsTable {
  const m = data.length;
  const assets: string[] = [];
  const rows: number[] = [];
  const q = new Float64Array(m), p = new Float64Array(m), t = new Float64Array(m), lot = new Float64Array(m), lo = new Float64Array(m), hi = new Float64Array(m);
  const restricted = new Uint8Array(m);
  const seen = new Map<string, number>();
  let n = 0;
  for (let k = 0; k < m; k++) {
    const row = data[k];
    if (row.every(isBlankCell)) continue;
    const r = rowNumbers[k];
    const name = row[cols.asset];
    if (isBlankCell(name)) throw new RebalError(`${cellLabel(where, r, header, cols, "asset")} is blank`);
    const asset = String(name).trim();
    const key = asset.toUpperCase();
    const prev = seen.get(key);
    if (prev !== undefined) throw new RebalError(`${cellLabel(where, r, header, cols, "asset")}: ${asset} is listed twice (also on row ${prev})`);
    seen.set(key, r);
    assets.push(asset);
    rows.push(r);
    q[n] = requiredNumber(row, r, header, cols, "quantity", where, style);
    p[n] = requiredNumber(row, r, header, cols, "price", where, style);
    t[n] = requiredNumber(row, r, header, cols, "target", where, style);
    lot[n] = optionalNumber(row, r, header, cols, "lot", where, style);
    lo[n] = optionalNumber(row, r, header, cols, "min_weight", where, style);
    hi[n] = optionalNumber(row, r, header, cols, "max_weight", where, style);
    checkAmounts(q[n], p[n], lot[n], r, header, cols, where);
    restricted[n] = cols.restricted === undefined ? 0 : flagCell(row[cols.restricted], cellLabel(where, r, header, cols, "restricted"));
    n++;
  }
  if (n === 0) throw new RebalError(`${where} has a header row but no holdings`);
  return {
    assets, rows,
    book: {
      quantities: q.slice(0, n), prices: p.slice(0, n), targets: t.slice(0, n),
      lots: lot.slice(0, n), restricted: restricted.slice(0, n),
      minWeights: lo.slice(0, n), maxWeights: hi.slice(0, n),
    },
  };
}

/** Reads a whole table (first row = header). `firstRow` is the source row number of the header. */
export function readHoldingsTable(cells: readonly (readonly unknown[])[], where: string, firstRow = 1, style: DecimalStyle = "."): HoldingsTable {
  if (cells.length < 2) throw new RebalError(`${where} needs a header row and at least one holding`);
  const cols = findHoldingsColumns(cells[0], where);
  const data = cells.slice(1);
  return readHoldingsRows(data, data.map((_, k) => firstRow + 1 + k), cells[0], cols, where, style);
}
