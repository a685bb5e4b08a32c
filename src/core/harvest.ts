/**
 * Tax-loss harvesting candidates with the wash-sale flag (pure; product.md, "Tax lots").
 *
 * A lot is a candidate when its unrealized loss L = basis - quantity x price is positive, at least
 * `harvest_min_loss` (currency) and at least `harvest_min_pct` of its basis. Candidates come back
 * largest loss first (ties: the earlier lot row), with the term a sale on `asof` would have
 * (lotSelection.ts: held more than `lt_days` days = LT).
 *
 * Wash sale (the US 30-day rule, looking back from `asof`): a candidate is flagged when the same
 * asset — in any account, as the rule applies across a taxpayer's accounts — was bought within
 * `wash_days` days before asof (0 <= asof - date <= wash_days). The buys are, by default, the
 * acquisition dates of the asset's OTHER lots (a lot's own purchase is the shares being sold, not a
 * replacement); with `recent_buys` given, those buys instead (every buy of the asset in the window
 * flags its candidates). Flagged lots are listed, never hidden.
 */
import { RebalError, fmt } from "./errors";
import { LotsTable } from "./taxLots";
import { Term, termOf } from "./lotSelection";
import { TaxOptions } from "./taxPolicy";

export interface HarvestCandidate {
  asset: string;
  account: string;
  lotId: string | number;
  acquired: number;
  quantity: number;
  basis: number;
  value: number;
  /** Unrealized loss, a positive amount. */
  loss: number;
  term: Term;
  washSale: boolean;
  row: number;
}

export interface RecentBuy {
  asset: string;
  date: number;
}

/** True when a buy dated `date` is inside the wash window before `asof`. */
export const inWashWindow = (date: number, asof: number, washDays: number): boolean => date <= asof && asof - date <= washDays;

/**
 * The harvest candidates of `table` at `prices` (upper-cased asset -> price) on `asof`.
 * An asset of the lots without a price is an error naming its lot row.
 */
export function harvestCandidates(table: LotsTable, prices: ReadonlyMap<string, number>, asof: number, tax: TaxOptions, recentBuys: readonly RecentBuy[] | null = null): HarvestCandidate[] {
  const buys = new Map<string, { date: number; row: number }[]>();
  if (recentBuys === null) {
    for (const l of table.lots) {
      const b = buys.get(l.assetKey);
      if (b) b.push({ date: l.acquired, row: l.row }); else buys.set(l.assetKey, [{ date: l.acquired, row: l.row }]);
    }
  } else {
    for (const rb of recentBuys) {
      const k = rb.asset.trim().toUpperCase();
      const b = buys.get(k);
      if (b) b.push({ date: rb.date, row: -1 }); else buys.set(k, [{ date: rb.date, row: -1 }]);
    }
  }
  const out: HarvestCandidate[] = [];
  for (const l of table.lots) {
    if (l.acquired > asof) throw new RebalError(`${table.where} row ${l.row}: the lot of ${l.asset} is acquired after asof`);
    const price = prices.get(l.assetKey);
    if (price === undefined) throw new RebalError(`${table.where} row ${l.row}: no price for ${l.asset} in prices`);
    if (!(price >= 0) || !Number.isFinite(price)) throw new RebalError(`prices: the price of ${l.asset} must be 0 or more, got ${fmt(price)}`);
    const value = l.quantity * price;
    const loss = l.cost - value;
    if (!(loss > 0) || loss < tax.harvestMinLoss || loss < tax.harvestMinPct * l.cost) continue;
    const washSale = (buys.get(l.assetKey) ?? []).some((b) => b.row !== l.row && inWashWindow(b.date, asof, tax.washDays));
    out.push({ asset: l.asset, account: l.account, lotId: l.lotId, acquired: l.acquired, quantity: l.quantity, basis: l.cost, value, loss, term: termOf(l.acquired, asof, tax.ltDays), washSale, row: l.row });
  }
  return out.sort((a, b) => b.loss - a.loss || a.row - b.row);
}
