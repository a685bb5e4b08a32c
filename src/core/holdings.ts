/**
 * A holdings range with a header row -> a Book for the trade engine.
 *
 * Columns are found by header name (holdingsTable.ts: case-insensitive, spaces/underscores ignored); order is free and
 * other columns (sector, notes...) are ignored. Required: asset (ticker, symbol, name, security),
 * quantity (shares, qty, units, position), price (px, last, close), target (weight, target_weight).
 * Optional: lot (lot_size, board_lot), restricted (no_trade, locked), min_weight, max_weight.
 * Fully blank rows are skipped (a table with spare rows); any other blank required cell is an
 * error naming the row (the sheet row within the range, header = row 1) and the column.
 */
import { RebalError } from "./errors";
import { Book } from "./trades";
import { isBlank, matrixArg, numberCell } from "./cells";
import { findHoldingsColumns, flagCell } from "./holdingsTable";

export interface Holdings {
  assets: string[];
  /** Row of each asset within the range (header = 1), for messages. */
  rows: number[];
  book: Omit<Book, "cash">;
}

export function readHoldings(value: unknown, arg: string): Holdings {
  const m = matrixArg(value, arg);
  if (m.length < 2) throw new RebalError(`${arg} needs a header row and at least one holding`);
  const cols = findHoldingsColumns(m[0], arg);
  const assets: string[] = [];
  const rows: number[] = [];
  const q: number[] = [], p: number[] = [], t: number[] = [], lot: number[] = [], lo: number[] = [], hi: number[] = [];
  const restricted: number[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < m.length; r++) {
    const row = m[r];
    if (row.every(isBlank)) continue;
    const where = (col: string) => `${arg} row ${r + 1}, column "${col}"`;
    const name = row[cols.asset];
    if (isBlank(name)) throw new RebalError(`${where("asset")} is blank`);
    const asset = String(name).trim();
    if (seen.has(asset.toUpperCase())) throw new RebalError(`${where("asset")}: ${asset} is listed twice`);
    seen.add(asset.toUpperCase());
    assets.push(asset);
    rows.push(r + 1);
    q.push(numberCell(row[cols.quantity], where("quantity")));
    p.push(numberCell(row[cols.price], where("price")));
    t.push(numberCell(row[cols.target], where("target")));
    lot.push(cols.lot === undefined || isBlank(row[cols.lot]) ? NaN : numberCell(row[cols.lot], where("lot")));
    restricted.push(cols.restricted === undefined ? 0 : flagCell(row[cols.restricted], where("restricted")));
    lo.push(cols.min_weight === undefined || isBlank(row[cols.min_weight]) ? NaN : numberCell(row[cols.min_weight], where("min_weight")));
    hi.push(cols.max_weight === undefined || isBlank(row[cols.max_weight]) ? NaN : numberCell(row[cols.max_weight], where("max_weight")));
  }
  if (assets.length === 0) throw new RebalError(`${arg} has a header row but no holdings`);
  return {
    assets, rows,
    book: {
      quantities: Float64Array.from(q), prices: Float64Array.from(p), targets: Float64Array.from(t),
      lots: Float64Array.from(lot), restricted: Uint8Array.from(restricted),
      minWeights: Float64Array.from(lo), maxWeights: Float64Array.from(hi),
    },
  };
}
