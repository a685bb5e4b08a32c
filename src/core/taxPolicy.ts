/**
 * The tax keys of a policy (product.md, "Tax lots"): how sells take lots and how gains are taxed.
 *
 * Keys (defaults in brackets): `lot_method` = `min_tax` [default] | `hifo` | `fifo` | `lifo`;
 * `lt_days` [365: a lot held MORE than this many days on the trade date is long-term, so a lot
 * bought 365 days before the sale is short-term and one bought 366 days before is long-term];
 * `st_rate`, `lt_rate` [0, 0: rates for the estimated tax, fractions in [0, 1]]; `wash_days` [30];
 * `harvest_min_loss` [0, currency]; `harvest_min_pct` [0, a fraction of the lot's basis].
 *
 * They ride along with the trade policy's keys (`parseTaxPolicy` accepts both, so a stored policy
 * range with tax rows works), and are read only here. The planner constraints `max_gain`,
 * `avoid_st_gains` and `tax_aversion` are part of the contract that this planner does not offer
 * yet: they are refused with a message saying so, never silently ignored.
 */
import { RebalError } from "./errors";
import { KeyValue, readKeyValues, rejectUnknownKeys, valueAsChoice, valueAsNumber } from "./keyvalues";
import { Policy, policyFromPairs } from "./policy";

export const LOT_METHODS = ["min_tax", "hifo", "fifo", "lifo"] as const;
export type LotMethod = (typeof LOT_METHODS)[number];

export interface TaxOptions {
  lotMethod: LotMethod;
  /** A lot held more than this many whole days on the trade date is long-term. */
  ltDays: number;
  stRate: number;
  ltRate: number;
  /** A buy this many days or fewer before asof makes a loss sale now a wash sale. */
  washDays: number;
  harvestMinLoss: number;
  harvestMinPct: number;
}

export const TAX_KEYS = ["lot_method", "lt_days", "st_rate", "lt_rate", "wash_days", "harvest_min_loss", "harvest_min_pct"] as const;

/** Keys of the contract that the tax-aware planner will take (issue 13): refused until then. */
export const PLANNER_TAX_KEYS = ["max_gain", "avoid_st_gains", "tax_aversion"] as const;

export const DEFAULT_TAX_OPTIONS: Readonly<TaxOptions> = Object.freeze({
  lotMethod: "min_tax", ltDays: 365, stRate: 0, ltRate: 0, washDays: 30, harvestMinLoss: 0, harvestMinPct: 0,
});

function wholeDays(p: KeyValue): number {
  const x = valueAsNumber(p);
  if (!Number.isInteger(x) || x < 0) throw new RebalError(`${p.where}: ${p.key} must be a whole number of days, 0 or more, got ${x}`);
  return x;
}

function fraction(p: KeyValue): number {
  const x = valueAsNumber(p);
  if (!(x >= 0 && x <= 1)) throw new RebalError(`${p.where}: ${p.key} must be a fraction between 0 and 1 (0.2 = 20%), got ${x}`);
  return x;
}

/** Tax options from key/value pairs that hold only tax keys (others are an error naming them). */
export function taxOptionsFromPairs(pairs: KeyValue[], arg: string): TaxOptions {
  for (const p of pairs) {
    if ((PLANNER_TAX_KEYS as readonly string[]).includes(p.key)) {
      throw new RebalError(`${p.where}: ${p.key} (a constraint of the tax-aware planner) is not supported yet; remove it`);
    }
  }
  rejectUnknownKeys(pairs, TAX_KEYS, arg);
  const o: TaxOptions = { ...DEFAULT_TAX_OPTIONS };
  for (const p of pairs) {
    if (p.value === null || p.value === undefined || (typeof p.value === "string" && p.value.trim() === "")) throw new RebalError(`${p.where}: ${p.key} has no value`);
    switch (p.key) {
      case "lot_method": o.lotMethod = valueAsChoice(p, LOT_METHODS); break;
      case "lt_days": o.ltDays = wholeDays(p); break;
      case "st_rate": o.stRate = fraction(p); break;
      case "lt_rate": o.ltRate = fraction(p); break;
      case "wash_days": o.washDays = wholeDays(p); break;
      case "harvest_min_loss": {
        o.harvestMinLoss = valueAsNumber(p);
        if (o.harvestMinLoss < 0) throw new RebalError(`${p.where}: harvest_min_loss must be 0 or more, got ${o.harvestMinLoss}`);
        break;
      }
      case "harvest_min_pct": o.harvestMinPct = fraction(p); break;
    }
  }
  return o;
}

/** Tax options alone, from any key/value shape (text, 2-column or 2-row range). */
export function parseTaxOptions(input: unknown, arg: string): TaxOptions {
  return taxOptionsFromPairs(readKeyValues(input, arg), arg);
}

/** A whole policy (trade keys and tax keys): the trade policy and the tax options. */
export function parseTaxPolicy(input: unknown, arg = "policy"): { policy: Policy; tax: TaxOptions } {
  const { policy, extras } = policyFromPairs(readKeyValues(input, arg), arg, [...TAX_KEYS, ...PLANNER_TAX_KEYS]);
  return { policy, tax: taxOptionsFromPairs(extras, arg) };
}
