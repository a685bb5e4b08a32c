/**
 * Which lots a sell takes, and the realized gain and estimated tax of the sale (pure).
 *
 * Lot order per `lot_method` (product.md, "Tax lots"), with gain per share g = price - unit cost:
 * - `min_tax` (default): losses first (g < 0), the largest loss per share first; then long-term lots
 *   with g >= 0, the smallest gain per share first; then short-term lots with g >= 0, smallest first;
 * - `hifo`: the highest unit cost first; `fifo`: the earliest acquired first; `lifo`: the latest first.
 * Ties: min_tax and hifo take the earlier acquired lot, then the earlier row; fifo the earlier row;
 * lifo the later row (lifo is fifo reversed).
 * A sell takes whole lots in that order and the last one in part; a part keeps the lot's unit cost
 * (basis = unit cost x quantity sold; proceeds = price x quantity sold, before trading costs).
 *
 * Term: a lot held MORE than `lt_days` days (asof - acquired, whole days) on the trade date is
 * long-term (LT), else short-term (ST): with lt_days = 365, bought 365 days before the sale is ST,
 * 366 days before is LT (the US rule "more than one year" for a non-leap year).
 *
 * Estimated tax of a sale (per asset and in total): realized gains and losses net within their term
 * (net_st, net_lt); a net loss of one term offsets a net gain of the other (US netting); then
 * tax = st_rate x max(net_st, 0) + lt_rate x max(net_lt, 0) after the offset. A net loss gives 0
 * (no credit, no carry-forward). The total's tax is that of the total nets, not the sum of assets'.
 *
 * Accounts: a sell that names an account takes only that account's lots (when the lots have
 * accounts); one without takes the asset's lots of every account, pooled in the same order.
 * A sell beyond the asset's lots (more than QUANTITY_TOL over) is an error naming both numbers.
 */
import { RebalError, fmt } from "./errors";
import { Lot, LotsTable, QUANTITY_TOL, positionKey } from "./taxLots";
import { LotMethod, TaxOptions } from "./taxPolicy";

export type Term = "ST" | "LT";

/** One sell of an asset: quantity > 0 shares at `price`; `where` names it in messages. */
export interface SellRequest {
  asset: string;
  account: string | null;
  quantity: number;
  price: number;
  where: string;
}

export interface LotSale {
  asset: string;
  account: string;
  lotId: string | number;
  acquired: number;
  quantity: number;
  proceeds: number;
  basis: number;
  gain: number;
  term: Term;
  /** The lot's source row. */
  row: number;
  /** The lot's whole quantity (a sale of less is a partial lot). */
  lotQuantity: number;
}

export interface GainSummary {
  quantity: number;
  proceeds: number;
  basis: number;
  realizedSt: number;
  realizedLt: number;
  gain: number;
  estTax: number;
}

export interface AssetSale extends GainSummary {
  asset: string;
  /** The sell's account, or "" when the sell pooled every account. */
  account: string;
}

export interface SaleResult {
  /** Lot (parts) sold, sell by sell, each in the order its lots were taken. */
  sales: LotSale[];
  /** One entry per sell request, in request order. */
  assets: AssetSale[];
  total: GainSummary;
}

/** Whole days held on the trade date and the term. */
export function termOf(acquired: number, asof: number, ltDays: number): Term {
  return asof - acquired > ltDays ? "LT" : "ST";
}

/** Estimated tax of net realized ST and LT gains (see the header's netting rule). */
export function estimatedTax(netSt: number, netLt: number, stRate: number, ltRate: number): number {
  let st = netSt, lt = netLt;
  if (st < 0 && lt > 0) { lt = Math.max(0, lt + st); st = 0; }
  else if (lt < 0 && st > 0) { st = Math.max(0, st + lt); lt = 0; }
  return stRate * Math.max(st, 0) + ltRate * Math.max(lt, 0);
}

/** The order in which `method` takes `lots` (indexes into `lots`) for a sale at `price` on `asof`. */
export function lotOrder(lots: readonly Lot[], method: LotMethod, price: number, asof: number, ltDays: number): number[] {
  const idx = lots.map((_, i) => i);
  const byDateThenRow = (i: number, j: number) => lots[i].acquired - lots[j].acquired || lots[i].row - lots[j].row;
  switch (method) {
    case "fifo": return idx.sort(byDateThenRow);
    case "lifo": return idx.sort((i, j) => byDateThenRow(j, i));
    case "hifo": return idx.sort((i, j) => lots[j].unitCost - lots[i].unitCost || byDateThenRow(i, j));
    case "min_tax": {
      const gain = lots.map((l) => price - l.unitCost);
      const rank = lots.map((l, i) => (gain[i] < 0 ? 0 : termOf(l.acquired, asof, ltDays) === "LT" ? 1 : 2));
      return idx.sort((i, j) => rank[i] - rank[j] || gain[i] - gain[j] || byDateThenRow(i, j));
    }
  }
}

const emptySummary = (): GainSummary => ({ quantity: 0, proceeds: 0, basis: 0, realizedSt: 0, realizedLt: 0, gain: 0, estTax: 0 });

function add(s: GainSummary, sale: LotSale): void {
  s.quantity += sale.quantity; s.proceeds += sale.proceeds; s.basis += sale.basis; s.gain += sale.gain;
  if (sale.term === "ST") s.realizedSt += sale.gain; else s.realizedLt += sale.gain;
}

/**
 * The lots each sell takes (in `tax.lotMethod`'s order), the realized gains per lot, per sell and in
 * total, and the estimated tax. Lots are never sold twice: sells of the same asset draw on what the
 * earlier ones left. Every sold asset needs lots (else an error naming the sell).
 */
export function sellLots(table: LotsTable, sells: readonly SellRequest[], asof: number, tax: TaxOptions): SaleResult {
  const left = new Float64Array(table.lots.length);
  const byAsset = new Map<string, number[]>();
  const byAccount = new Map<string, number[]>();
  table.lots.forEach((l, i) => {
    left[i] = l.quantity;
    if (l.acquired > asof) throw new RebalError(`${table.where} row ${l.row}: the lot of ${l.asset} is acquired after asof`);
    const a = byAsset.get(l.assetKey); if (a) a.push(i); else byAsset.set(l.assetKey, [i]);
    const k = positionKey(l.assetKey, l.account, true);
    const b = byAccount.get(k); if (b) b.push(i); else byAccount.set(k, [i]);
  });
  const sales: LotSale[] = [];
  const assets: AssetSale[] = [];
  const total = emptySummary();
  for (const s of sells) {
    if (!(s.quantity > 0)) throw new RebalError(`${s.where}: a sell quantity must be positive, got ${fmt(s.quantity)}`);
    if (!(s.price >= 0)) throw new RebalError(`${s.where}: the price must be 0 or more, got ${fmt(s.price)}`);
    const key = s.asset.trim().toUpperCase();
    const useAccount = table.hasAccount && s.account !== null;
    const pool = useAccount ? byAccount.get(positionKey(key, s.account!, true)) : byAsset.get(key);
    const what = useAccount ? `${s.asset} in account ${s.account}` : s.asset;
    if (!pool) throw new RebalError(`${s.where}: ${what} is sold but ${table.where} has no lots of it`);
    const lots = pool.map((i) => table.lots[i]);
    let available = 0;
    for (const i of pool) available += left[i];
    const tol = QUANTITY_TOL * Math.max(1, s.quantity);
    if (s.quantity > available + tol) throw new RebalError(`${s.where}: sells ${fmt(s.quantity)} of ${what} but its lots in ${table.where} hold ${fmt(available)}${available < lots.reduce((m, l) => m + l.quantity, 0) ? " after the earlier sells" : ""}`);
    const summary = emptySummary();
    let need = s.quantity;
    for (const o of lotOrder(lots, tax.lotMethod, s.price, asof, tax.ltDays)) {
      if (need <= tol) break;
      const i = pool[o], lot = table.lots[i];
      if (left[i] <= 0) continue;
      const q = need >= left[i] - tol ? left[i] : need; // the rest of the lot, or a part
      left[i] -= q;
      need -= q;
      if (q === lot.quantity) left[i] = 0;
      const basis = q === lot.quantity ? lot.cost : lot.unitCost * q;
      const proceeds = s.price * q;
      const sale: LotSale = {
        asset: lot.asset, account: lot.account, lotId: lot.lotId, acquired: lot.acquired, quantity: q,
        proceeds, basis, gain: proceeds - basis, term: termOf(lot.acquired, asof, tax.ltDays), row: lot.row, lotQuantity: lot.quantity,
      };
      sales.push(sale);
      add(summary, sale);
      add(total, sale);
    }
    summary.estTax = estimatedTax(summary.realizedSt, summary.realizedLt, tax.stRate, tax.ltRate);
    assets.push({ asset: s.asset, account: useAccount ? s.account! : "", ...summary });
  }
  total.estTax = estimatedTax(total.realizedSt, total.realizedLt, tax.stRate, tax.ltRate);
  return { sales, assets, total };
}
