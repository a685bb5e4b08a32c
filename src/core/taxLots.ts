/**
 * A tax-lots table with a header row -> the lots of a book, checked (pure: no Office, no Node).
 *
 * Columns (product.md, "Tax lots"), found by header name as holdings columns are (case-insensitive;
 * spaces, underscores, hyphens ignored): `asset` (ticker, symbol), `acquired` (date, acquired_date,
 * purchase_date, trade_date), `quantity` (shares, qty, units), and the cost basis as `cost` (the
 * lot's total; aliases basis, cost_basis, total_cost) or `unit_cost` (per share; unit_basis,
 * cost_per_share, price_paid) — one of the two, not both; optional `account` and `lot_id` (id, lot;
 * default: the lot's row number). Other columns are ignored; fully blank rows are skipped.
 *
 * Conventions: `acquired` is an Excel serial date or exact `yyyy-mm-dd` text (calendar.ts; a time of
 * day is dropped). A lot's quantity must be positive and its basis 0 or more (a short lot is not a
 * lot); a lot acquired after `asof` is an error; lot ids are unique per asset and account. Every
 * error names the lot row as the analyst sees it (the header's own row number + k). Quantities of an
 * asset's lots must add up to its holding within QUANTITY_TOL (relative), else an error naming the
 * asset and both numbers; an asset in the lots that the holdings do not have is an error naming
 * its first lot row.
 */
import { isBlank, numberCell } from "./cells";
import { isoDateToSerial, MAX_SERIAL, MIN_SERIAL, serialDay, serialToISO } from "./calendar";
import { RebalError, fmt } from "./errors";
import { checkAmount, columnLetter, MAX_AMOUNT, normHeader } from "./holdingsTable";
import { DecimalStyle } from "./numberText";

export interface Lot {
  asset: string;
  /** Upper-cased asset: the key that matches holdings and trades (case-insensitive). */
  assetKey: string;
  /** Account text, or "" when the table has no account column. */
  account: string;
  lotId: string | number;
  /** Excel serial date (whole days). */
  acquired: number;
  quantity: number;
  /** Total cost basis of the lot. */
  cost: number;
  unitCost: number;
  /** Source row number (for messages and as the default lot id). */
  row: number;
}

export interface LotsTable {
  lots: Lot[];
  hasAccount: boolean;
  /** Names the source in messages ("lots", "lots.csv"). */
  where: string;
}

export const LOTS_COLUMNS: Record<string, string[]> = {
  asset: ["asset", "ticker", "symbol", "security", "instrument"],
  acquired: ["acquired", "date", "acquireddate", "dateacquired", "purchasedate", "tradedate", "opened"],
  quantity: ["quantity", "shares", "qty", "units"],
  cost: ["cost", "basis", "costbasis", "totalcost"],
  unit_cost: ["unitcost", "unitbasis", "costpershare", "pricepaid"],
  account: ["account", "accountid", "portfolio"],
  lot_id: ["lotid", "id", "lot"],
};

/** Relative tolerance on "the lots add up to the holding" (float sums of fractional lots). */
export const QUANTITY_TOL = 1e-9;

export const lotsAgree = (sum: number, held: number): boolean => Math.abs(sum - held) <= QUANTITY_TOL * Math.max(1, Math.abs(held));

/** True when a row looks like a lots header (asset, acquired, quantity and a cost column). */
export function isLotsHeader(row: readonly unknown[]): boolean {
  const keys = new Set(row.filter((h): h is string => typeof h === "string").map(normHeader));
  const has = (c: string) => LOTS_COLUMNS[c].some((a) => keys.has(a));
  return has("asset") && has("acquired") && has("quantity") && (has("cost") || has("unit_cost"));
}

function findLotsColumns(header: readonly unknown[], where: string): Record<string, number> {
  const found: Record<string, number> = {};
  header.forEach((h, j) => {
    if (typeof h !== "string") return;
    const key = normHeader(h);
    for (const [col, aliases] of Object.entries(LOTS_COLUMNS)) {
      if (aliases.includes(key)) {
        if (found[col] !== undefined) throw new RebalError(`${where}: columns ${columnLetter(found[col])} and ${columnLetter(j)} are both "${col}"`);
        found[col] = j;
      }
    }
  });
  for (const col of ["asset", "acquired", "quantity"]) {
    if (found[col] === undefined) throw new RebalError(`${where}: no "${col}" column in the header row (accepted names: ${LOTS_COLUMNS[col].join(", ")})`);
  }
  if (found.cost === undefined && found.unit_cost === undefined) throw new RebalError(`${where}: no cost basis column: give "cost" (the lot's total; or basis, cost_basis) or "unit_cost" (per share)`);
  if (found.cost !== undefined && found.unit_cost !== undefined) throw new RebalError(`${where}: columns ${columnLetter(found.cost)} "cost" and ${columnLetter(found.unit_cost)} "unit_cost" are both given: keep one`);
  return found;
}

/** A date cell: an Excel serial or exact yyyy-mm-dd text. `where` is built only for a message. */
function dateCell(v: unknown, where: () => string): number {
  if (typeof v === "number" && v >= MIN_SERIAL && v < MAX_SERIAL + 1) return Math.floor(v);
  if (typeof v === "string") {
    const s = isoDateToSerial(v, where());
    if (s === null) throw new RebalError(`${where()} must be a date (an Excel date or yyyy-mm-dd), got ${JSON.stringify(v)}`);
    return s;
  }
  return serialDay(v, where());
}

/** A number cell within MAX_AMOUNT; the common case (a finite number) without building the message. */
function amountCell(v: unknown, where: () => string, style: DecimalStyle): number {
  if (typeof v === "number" && Math.abs(v) <= MAX_AMOUNT) return v;
  const w = where();
  return checkAmount(numberCell(v, w, style), w);
}

/**
 * Reads a lots table (first row = header). `firstRow` is the source row number of the header;
 * `asof` (a serial), when given, refuses lots acquired after it.
 */
export function readLotsTable(cells: readonly (readonly unknown[])[], where: string, opts: { firstRow?: number; style?: DecimalStyle; asof?: number | null } = {}): LotsTable {
  const firstRow = opts.firstRow ?? 1, style = opts.style ?? ".", asof = opts.asof ?? null;
  if (cells.length < 2) throw new RebalError(`${where} needs a header row and at least one lot`);
  const header = cells[0];
  const cols = findLotsColumns(header, where);
  const label = (r: number, col: string) => {
    const h = header[cols[col]];
    return `${where} row ${r}, column ${columnLetter(cols[col])} "${typeof h === "string" ? h.trim() : col}"`;
  };
  const lots: Lot[] = [];
  const ids = new Map<string, number>();
  for (let k = 1; k < cells.length; k++) {
    const row = cells[k];
    if (row.every(isBlank)) continue;
    const r = firstRow + k;
    const cell = (col: string) => row[cols[col]];
    if (isBlank(cell("asset"))) throw new RebalError(`${label(r, "asset")} is blank`);
    const asset = String(cell("asset")).trim();
    for (const col of ["acquired", "quantity", cols.cost !== undefined ? "cost" : "unit_cost"]) {
      if (isBlank(cell(col))) throw new RebalError(`${label(r, col)} is blank (lot of ${asset})`);
    }
    const acquired = dateCell(cell("acquired"), () => label(r, "acquired"));
    if (asof !== null && acquired > asof) throw new RebalError(`${label(r, "acquired")}: the lot of ${asset} is dated ${serialToISO(acquired)}, after asof ${serialToISO(asof)}`);
    const quantity = amountCell(cell("quantity"), () => label(r, "quantity"), style);
    if (!(quantity > 0)) throw new RebalError(`${label(r, "quantity")}: a lot's quantity must be positive, got ${fmt(quantity)} (lot of ${asset})`);
    let cost: number, unitCost: number;
    if (cols.cost !== undefined) {
      cost = amountCell(cell("cost"), () => label(r, "cost"), style);
      if (cost < 0) throw new RebalError(`${label(r, "cost")}: a cost basis must be 0 or more, got ${fmt(cost)} (lot of ${asset})`);
      unitCost = cost / quantity;
    } else {
      unitCost = amountCell(cell("unit_cost"), () => label(r, "unit_cost"), style);
      if (unitCost < 0) throw new RebalError(`${label(r, "unit_cost")}: a cost basis must be 0 or more, got ${fmt(unitCost)} (lot of ${asset})`);
      cost = unitCost * quantity;
      if (!(cost <= MAX_AMOUNT)) checkAmount(cost, label(r, "unit_cost"), `the lot's cost ${fmt(unitCost)} x ${fmt(quantity)}`);
    }
    let account = "";
    if (cols.account !== undefined) {
      if (isBlank(cell("account"))) throw new RebalError(`${label(r, "account")} is blank (lot of ${asset})`);
      account = String(cell("account")).trim();
    }
    let lotId: string | number = r;
    if (cols.lot_id !== undefined && !isBlank(cell("lot_id"))) {
      const v = cell("lot_id");
      lotId = typeof v === "number" ? v : String(v).trim();
    }
    const idKey = `${account}\u0000${asset.toUpperCase()}\u0000${String(lotId)}`;
    const prev = ids.get(idKey);
    if (prev !== undefined) throw new RebalError(`${where} row ${r}: lot id ${lotId} of ${asset} is also on row ${prev}`);
    ids.set(idKey, r);
    lots.push({ asset, assetKey: asset.toUpperCase(), account, lotId, acquired, quantity, cost, unitCost, row: r });
  }
  if (lots.length === 0) throw new RebalError(`${where} has a header row but no lots`);
  return { lots, hasAccount: cols.account !== undefined, where };
}

/** A holding the lots are checked against: `account` null when the holdings have no accounts. */
export interface HeldPosition {
  asset: string;
  account: string | null;
  quantity: number;
}

/** The grouping key of a lot or position: by account only when both sides have accounts. */
export const positionKey = (assetKey: string, account: string, byAccount: boolean): string => (byAccount ? `${account}\u0000${assetKey}` : assetKey);

const describe = (asset: string, account: string, byAccount: boolean) => (byAccount ? `${asset} in account ${account}` : asset);

/**
 * Checks the lots against the holdings: every lot's asset (and account, when both have accounts) is
 * held, and for every asset that has lots the lots' quantities add up to the holding.
 */
export function checkLotsAgainstHoldings(table: LotsTable, held: readonly HeldPosition[], holdingsWhere: string): void {
  const byAccount = table.hasAccount && held.length > 0 && held.every((h) => h.account !== null);
  const holding = new Map<string, number>();
  for (const h of held) {
    const k = positionKey(h.asset.trim().toUpperCase(), h.account ?? "", byAccount);
    holding.set(k, (holding.get(k) ?? 0) + h.quantity);
  }
  const sums = new Map<string, { sum: number; lot: Lot; count: number }>();
  for (const lot of table.lots) {
    const k = positionKey(lot.assetKey, lot.account, byAccount);
    if (!holding.has(k)) throw new RebalError(`${table.where} row ${lot.row}: ${describe(lot.asset, lot.account, byAccount)} is not in ${holdingsWhere}`);
    const s = sums.get(k);
    if (s) { s.sum += lot.quantity; s.count++; } else sums.set(k, { sum: lot.quantity, lot, count: 1 });
  }
  for (const [k, s] of sums) {
    const q = holding.get(k)!;
    if (!lotsAgree(s.sum, q)) {
      throw new RebalError(`${table.where}: the ${s.count} lot${s.count === 1 ? "" : "s"} of ${describe(s.lot.asset, s.lot.account, byAccount)} (from row ${s.lot.row}) add up to ${fmt(s.sum)} but ${holdingsWhere} hold${holdingsWhere.endsWith("s") ? "" : "s"} ${fmt(q)}`);
    }
  }
}
