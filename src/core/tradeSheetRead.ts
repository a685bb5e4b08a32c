/**
 * Reading a trade sheet back from its cells: the orders table and the audit stamp of the layout
 * core/tradeSheetLayout.ts writes (the pane's sheet and the CLI's .xlsx), for order export and
 * verification. Pure: the caller passes the sheet's cells (row 0 = sheet row 1; numbers, text,
 * booleans, null; date-times as Excel serial numbers).
 *
 * Recognised by its shape, which the layout fixes: A1 "Rebal trade sheet: <policy>", the orders
 * table's header on row HEADER_ROW + 1 (3) starting with "Side", one row per asset below it until the
 * first blank row, then the "Totals" and "Audit stamp" blocks (labels in column A, stamp values in
 * column D). The sheet written by the CLI before the shared layout (A1 exactly "Rebal trade sheet",
 * stamp above the table, an "Asset" column) is the older format: refused with a message saying so.
 * Columns are found by their header titles (Side, Quantity, Symbol, Price required; Account and
 * Order type optional), so a reader does not depend on column positions.
 */
import { RebalError } from "./errors";
import { columnLetter } from "./holdingsTable";
import { HEADER_ROW } from "./tradeSheetLayout";

export const TRADE_SHEET_TITLE_PREFIX = "Rebal trade sheet: ";
/** A1 of the CLI's trade sheet before the shared layout. */
const OLDER_FORMAT_TITLE = "Rebal trade sheet";
const STAMP_SECTION = "Audit stamp";
/** The stamp's value column (D), tradeSheetLayout's STAMP_VALUE. */
export const STAMP_VALUE_COLUMN = 3;
export const STAMP_LABEL = { policy: "Policy", generated: "Generated (UTC)", hash: "Inputs SHA-256", version: "Rebal version" } as const;
const REQUIRED_COLUMNS = ["Side", "Quantity", "Symbol", "Price"] as const;
const SIDES = ["BUY", "SELL", "HOLD"] as const;

export type Side = (typeof SIDES)[number];

export interface SheetLine {
  /** 1-based sheet row. */
  row: number;
  side: Side;
  /** Unsigned. */
  quantity: number;
  symbol: string;
  account: string;
  /** The sheet's "Order type" cell ("Market", or blank for a hold). */
  orderType: string;
  price: number;
}

export interface ReadTradeSheet {
  sheet: string;
  policy: string;
  lines: SheetLine[];
  /** The stamp's "Inputs SHA-256" and its cell ("D30"). */
  inputsHash: string;
  inputsHashCell: string;
  /** The stamp's "Generated (UTC)" as an Excel serial (UTC), null when blank. */
  generated: number | null;
  /** 1-based sheet rows of the stamp's first and last item. */
  stampRows: { first: number; last: number };
}

const isBlank = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");
const a1 = (r: number, c: number) => `${columnLetter(c)}${r + 1}`;

/** True when the cells look like a trade sheet of the shared layout. */
export function isTradeSheet(cells: unknown[][]): boolean {
  const t = cells[0]?.[0];
  return typeof t === "string" && t.startsWith(TRADE_SHEET_TITLE_PREFIX) && cells[HEADER_ROW]?.[0] === "Side";
}

/** Reads a trade sheet; a sheet that is not one, an older one, or a malformed cell is a RebalError naming it. */
export function readTradeSheet(cells: unknown[][], sheet: string): ReadTradeSheet {
  const where = (r: number, c: number) => `sheet "${sheet}" ${a1(r, c)}`;
  const title = cells[0]?.[0];
  if (title === OLDER_FORMAT_TITLE) {
    throw new RebalError(`sheet "${sheet}" is a trade sheet in the older format (the CLI's layout before the shared trade-sheet layout: no orders table, stamp above the trades); regenerate it with this version of rebal`);
  }
  if (!isTradeSheet(cells)) {
    throw new RebalError(`sheet "${sheet}" is not a Rebal trade sheet (A1 should read "${TRADE_SHEET_TITLE_PREFIX}<policy>" and A${HEADER_ROW + 1} "Side")`);
  }
  const header = (cells[HEADER_ROW] ?? []).map((v) => (typeof v === "string" ? v.trim() : ""));
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new RebalError(`sheet "${sheet}": the orders table (row ${HEADER_ROW + 1}) has no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""}`);
  const col = (t: string) => header.indexOf(t);
  const [cSide, cQty, cSym, cPrice, cAcc, cType] = [col("Side"), col("Quantity"), col("Symbol"), col("Price"), col("Account"), col("Order type")];
  const lines: SheetLine[] = [];
  let r = HEADER_ROW + 1;
  for (; r < cells.length; r++) {
    const row = cells[r] ?? [];
    if (row.every(isBlank)) break;
    const sideText = row[cSide];
    if (typeof sideText !== "string" || !(SIDES as readonly string[]).includes(sideText.trim().toUpperCase())) {
      throw new RebalError(`${where(r, cSide)}: Side must be BUY, SELL or HOLD, got ${JSON.stringify(sideText ?? "")}`);
    }
    const side = sideText.trim().toUpperCase() as Side;
    const quantity = row[cQty];
    if (typeof quantity !== "number" || !Number.isFinite(quantity) || quantity < 0) throw new RebalError(`${where(r, cQty)}: Quantity must be a number of at least 0, got ${JSON.stringify(quantity ?? "")}`);
    if (side === "HOLD" && quantity !== 0) throw new RebalError(`${where(r, cQty)}: a HOLD row has quantity ${quantity} (should be 0)`);
    const symbol = row[cSym];
    if (typeof symbol !== "string" && typeof symbol !== "number") throw new RebalError(`${where(r, cSym)}: Symbol is blank`);
    if (String(symbol).trim() === "") throw new RebalError(`${where(r, cSym)}: Symbol is blank`);
    const price = row[cPrice];
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) throw new RebalError(`${where(r, cPrice)}: Price must be a positive number, got ${JSON.stringify(price ?? "")}`);
    const account = cAcc >= 0 && !isBlank(row[cAcc]) ? String(row[cAcc]).trim() : "";
    const orderType = cType >= 0 && !isBlank(row[cType]) ? String(row[cType]).trim() : "";
    lines.push({ row: r + 1, side, quantity, symbol: String(symbol).trim(), account, orderType, price });
  }
  let stamp = -1;
  for (; r < cells.length; r++) if (cells[r]?.[0] === STAMP_SECTION) { stamp = r; break; }
  if (stamp < 0) throw new RebalError(`sheet "${sheet}": no "${STAMP_SECTION}" block below the orders table`);
  const items = new Map<string, number>();
  let last = stamp;
  for (let k = stamp + 1; k < cells.length && !isBlank(cells[k]?.[0]); k++) { items.set(String(cells[k][0]), k); last = k; }
  const value = (label: string): { v: unknown; r: number } => {
    const k = items.get(label);
    if (k === undefined) throw new RebalError(`sheet "${sheet}": the audit stamp (from row ${stamp + 1}) has no "${label}" row`);
    return { v: cells[k]?.[STAMP_VALUE_COLUMN], r: k };
  };
  const h = value(STAMP_LABEL.hash);
  if (typeof h.v !== "string" || !/^[0-9a-f]{64}$/.test(h.v.trim())) throw new RebalError(`${where(h.r, STAMP_VALUE_COLUMN)}: the inputs' SHA-256 must be 64 hex digits, got ${JSON.stringify(h.v ?? "")}`);
  const g = value(STAMP_LABEL.generated);
  if (!isBlank(g.v) && (typeof g.v !== "number" || !Number.isFinite(g.v))) throw new RebalError(`${where(g.r, STAMP_VALUE_COLUMN)}: Generated must be a date-time, got ${JSON.stringify(g.v)}`);
  const p = value(STAMP_LABEL.policy);
  return {
    sheet, policy: isBlank(p.v) ? "" : String(p.v), lines, inputsHash: h.v.trim(), inputsHashCell: a1(h.r, STAMP_VALUE_COLUMN),
    generated: typeof g.v === "number" ? g.v : null, stampRows: { first: stamp + 2, last: last + 1 },
  };
}
