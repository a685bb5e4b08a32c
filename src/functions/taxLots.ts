/**
 * The tax-lot formulas' bodies: REBAL.SELLLOTS and REBAL.HARVEST. Parsing and shaping only: the
 * lots table is read and checked by core/taxLots.ts, lots are chosen by core/lotSelection.ts,
 * candidates found by core/harvest.ts, tax keys read by core/taxPolicy.ts.
 *
 * SELLLOTS' `trades` range has a header row with `asset`, `trade` (signed quantity; only sells are
 * used) and `price`; optional `quantity` (the holding: the lots must add up to it) and `account`.
 * REBAL.TRADESHEET's own output is accepted as it is (its CASH, TOTAL and OPTIMALITY rows, which
 * have no trade, are skipped). `asof` (the trade date) is required: it decides each lot's term.
 */
import { RebalError } from "../core/errors";
import { serialDay } from "../core/calendar";
import { harvestCandidates, RecentBuy } from "../core/harvest";
import { columnLetter, normHeader, HOLDINGS_COLUMNS } from "../core/holdingsTable";
import { SellRequest, sellLots } from "../core/lotSelection";
import { checkLotsAgainstHoldings, HeldPosition, readLotsTable } from "../core/taxLots";
import { parseTaxPolicy } from "../core/taxPolicy";
import { isBlank, keyValueArg, matrixArg, numberCell, optionalScalar } from "./args";

type Out = (number | string | boolean)[][];

export const SELLLOTS_HEADER = ["asset", "lot_id", "acquired", "quantity", "proceeds", "basis", "gain", "term"];
export const HARVEST_HEADER = ["asset", "lot_id", "quantity", "loss", "term", "wash_sale"];

const TRADES_COLUMNS: Record<string, string[]> = {
  asset: HOLDINGS_COLUMNS.asset,
  trade: ["trade", "trades", "order", "signedquantity"],
  price: HOLDINGS_COLUMNS.price,
  quantity: HOLDINGS_COLUMNS.quantity,
  account: ["account", "accountid", "portfolio"],
};

/** Trade-sheet summary rows that carry no trade. */
const SUMMARY_ROWS = new Set(["CASH", "TOTAL", "OPTIMALITY"]);

function asofArg(asof: unknown): number {
  const v = optionalScalar(asof, "asof");
  if (v === null) throw new RebalError("asof is required: the trade date (e.g. TODAY()) decides which lots are long-term");
  return serialDay(v, "asof");
}

function findColumns(header: readonly unknown[], arg: string, spec: Record<string, string[]>, required: string[]): Record<string, number> {
  const cols: Record<string, number> = {};
  header.forEach((h, j) => {
    if (typeof h !== "string") return;
    const key = normHeader(h);
    for (const [col, aliases] of Object.entries(spec)) {
      if (aliases.includes(key)) {
        if (cols[col] !== undefined) throw new RebalError(`${arg}: columns ${columnLetter(cols[col])} and ${columnLetter(j)} are both "${col}"`);
        cols[col] = j;
      }
    }
  });
  for (const c of required) if (cols[c] === undefined) throw new RebalError(`${arg}: no "${c}" column in the header row (accepted names: ${spec[c].join(", ")})`);
  return cols;
}

/** The sells (and, when given, the holdings) of a trades range. */
function readTrades(trades: unknown): { sells: SellRequest[]; held: HeldPosition[] | null } {
  const cells = matrixArg(trades, "trades");
  if (cells.length < 2) throw new RebalError("trades needs a header row (asset, trade, price) and at least one row");
  const cols = findColumns(cells[0], "trades", TRADES_COLUMNS, ["asset", "trade", "price"]);
  const sells: SellRequest[] = [];
  const held: HeldPosition[] = [];
  for (let k = 1; k < cells.length; k++) {
    const row = cells[k];
    if (row.every(isBlank)) continue;
    const r = k + 1;
    const at = (c: string) => `trades row ${r}, column ${columnLetter(cols[c])} "${String(cells[0][cols[c]]).trim()}"`;
    if (isBlank(row[cols.asset])) throw new RebalError(`${at("asset")} is blank`);
    const asset = String(row[cols.asset]).trim();
    if (isBlank(row[cols.trade]) && SUMMARY_ROWS.has(asset.toUpperCase())) continue;
    const account = cols.account === undefined ? null : isBlank(row[cols.account]) ? null : String(row[cols.account]).trim();
    if (cols.account !== undefined && account === null) throw new RebalError(`${at("account")} is blank`);
    if (cols.quantity !== undefined) held.push({ asset, account, quantity: numberCell(row[cols.quantity], at("quantity")) });
    const trade = numberCell(row[cols.trade], at("trade"));
    if (trade < 0) sells.push({ asset, account, quantity: -trade, price: numberCell(row[cols.price], at("price")), where: `trades row ${r} (${asset})` });
  }
  return { sells, held: cols.quantity === undefined ? null : held };
}

export function sellLotsFn(lots: unknown, trades: unknown, policy: unknown, asof: unknown): Out {
  const { tax } = parseTaxPolicy(keyValueArg(policy), "policy");
  const day = asofArg(asof);
  const table = readLotsTable(matrixArg(lots, "lots"), "lots", { asof: day });
  const { sells, held } = readTrades(trades);
  if (held) checkLotsAgainstHoldings(table, held, "the trades' quantity column");
  const res = sellLots(table, sells, day, tax);
  const header = table.hasAccount ? [...SELLLOTS_HEADER, "account"] : SELLLOTS_HEADER;
  const out: Out = [header];
  const acct = (a: string) => (table.hasAccount ? [a] : []);
  for (const s of res.sales) out.push([s.asset, s.lotId, s.acquired, s.quantity, s.proceeds, s.basis, s.gain, s.term, ...acct(s.account)]);
  const t = res.total;
  out.push(["TOTAL", "", "", t.quantity, t.proceeds, t.basis, t.gain, "", ...acct("")]);
  out.push(["TOTAL_ST", "", "", "", "", "", t.realizedSt, "ST", ...acct("")]);
  out.push(["TOTAL_LT", "", "", "", "", "", t.realizedLt, "LT", ...acct("")]);
  out.push(["EST_TAX", "", "", "", "", "", t.estTax, "", ...acct("")]);
  return out;
}

/** A 2-column asset | price range (a header row of text is skipped). */
function pricesArg(prices: unknown): Map<string, number> {
  const cells = matrixArg(prices, "prices");
  if (cells[0].length !== 2) throw new RebalError(`prices must be a 2-column range (asset | price), got ${cells[0].length} columns`);
  const out = new Map<string, number>();
  cells.forEach((row, k) => {
    if (row.every(isBlank)) return;
    if (k === 0 && typeof row[1] === "string" && normHeader(row[1]) === "price") return; // header
    if (isBlank(row[0])) throw new RebalError(`prices row ${k + 1}: the asset is blank`);
    const key = String(row[0]).trim().toUpperCase();
    if (out.has(key)) throw new RebalError(`prices row ${k + 1}: ${String(row[0]).trim()} is listed twice`);
    const p = numberCell(row[1], `prices row ${k + 1} (${String(row[0]).trim()})`);
    if (!(p >= 0)) throw new RebalError(`prices row ${k + 1} (${String(row[0]).trim()}): a price must be 0 or more, got ${p}`);
    out.set(key, p);
  });
  return out;
}

/** An asset | date | quantity range of recent buys (a header row of text is skipped); null when omitted. */
function recentBuysArg(value: unknown): RecentBuy[] | null {
  if (value === null || value === undefined) return null;
  const cells = matrixArg(value, "recent_buys");
  if (cells.length === 1 && cells[0].length === 1 && isBlank(cells[0][0])) return null;
  if (cells[0].length !== 3) throw new RebalError(`recent_buys must be a 3-column range (asset | date | quantity), got ${cells[0].length} columns`);
  const out: RecentBuy[] = [];
  cells.forEach((row, k) => {
    if (row.every(isBlank)) return;
    if (k === 0 && typeof row[1] === "string" && normHeader(row[1]) === "date") return; // header
    if (isBlank(row[0])) throw new RebalError(`recent_buys row ${k + 1}: the asset is blank`);
    const q = numberCell(row[2], `recent_buys row ${k + 1}, column 3 (quantity)`);
    if (!(q > 0)) throw new RebalError(`recent_buys row ${k + 1}: a buy's quantity must be positive, got ${q}`);
    out.push({ asset: String(row[0]).trim(), date: serialDay(row[1], `recent_buys row ${k + 1}, column 2 (date)`) });
  });
  return out;
}

export function harvestFn(lots: unknown, prices: unknown, policy: unknown, asof: unknown, recentBuys: unknown): Out {
  const { tax } = parseTaxPolicy(keyValueArg(policy), "policy");
  const day = asofArg(asof);
  const table = readLotsTable(matrixArg(lots, "lots"), "lots", { asof: day });
  const cands = harvestCandidates(table, pricesArg(prices), day, tax, recentBuysArg(recentBuys));
  const header = table.hasAccount ? [...HARVEST_HEADER, "account"] : HARVEST_HEADER;
  return [header, ...cands.map((c) => [c.asset, c.lotId, c.quantity, c.loss, c.term, c.washSale, ...(table.hasAccount ? [c.account] : [])])];
}
