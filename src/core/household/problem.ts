/**
 * The household problem and its plan: the types shared by the reader (household/read.ts: ranges ->
 * Household), the planner (household/plan.ts: Household + Policy -> HouseholdPlan) and the shapers
 * (REBAL.HOUSEHOLD, `rebal household`, the pane). Types only; no computation.
 *
 * Conventions (product.md, "Households, accounts and asset classes"; docs/household.md):
 * - A household is several accounts rebalanced to one target. V = the household's total value =
 *   sum over accounts of (sum of q * p) + the account's cash. Every weight is of V.
 * - Each asset counts towards classes by its exposure row (look-through; a row sums to 1). An asset
 *   without an exposures row belongs wholly to its `class` (default: the asset itself).
 * - Class targets sum to at most 1; the rest is the household's cash target.
 * - Cash never moves between accounts: each account's trades are paid from its own cash, which stays
 *   at or above the reserve (policy cash_reserve, as a fraction of that account's value).
 * - `hold` accounts never trade; a restricted position never trades.
 */
import type { AccountType } from "./accountTypes";

export type { AccountType };

export interface HouseholdAccount {
  /** As written in the holdings' `account` column (or the cash range). */
  name: string;
  type: AccountType;
  /** Cash held in the account (currency); 0 when the cash range has no row for it and none is needed. */
  cash: number;
}

export interface HouseholdAsset {
  name: string;
  price: number;
  /** Lot overriding the policy's (NaN = the policy lot; 0 = fractional). */
  lot: number;
}

export interface HouseholdPosition {
  /** Index into Household.accounts. */
  account: number;
  /** Index into Household.assets. */
  asset: number;
  quantity: number;
  /** Never traded (the holdings' `restricted` column). */
  restricted: boolean;
  /** The source row that holds it, for messages ("row 7"), or -1 for a position the plan creates. */
  row: number;
}

export interface Household {
  accounts: HouseholdAccount[];
  assets: HouseholdAsset[];
  /** Class names, in the order of the targets, then any class held but not targeted (target 0). */
  classes: string[];
  /** assets.length x classes.length, row-major: the fraction of asset a in class k (rows sum to 1). */
  exposure: Float64Array;
  /** Per class, the household target weight (sum <= 1; the rest is cash). */
  targets: Float64Array;
  /** The held positions (one per account and asset). */
  positions: HouseholdPosition[];
  /**
   * Per class, account types in order of preference (the location range), or null when the class has
   * no preference. Among equally close plans the planner prefers holding each class in its preferred
   * types (docs/household.md, "Location").
   */
  location: (AccountType[] | null)[];
}

export interface HouseholdTrade {
  account: number;
  asset: number;
  /** Index into Household.positions, or -1 for an asset bought in an account that did not hold it. */
  position: number;
  /** Signed quantity (buy > 0). */
  trade: number;
  /** Signed value = trade * price. */
  value: number;
  cost: number;
  /** A short sentence saying why (or why not). */
  reason: string;
}

export interface HouseholdPlan {
  /** One row per held position (trade 0 when untouched), then the new positions the plan opens. */
  trades: HouseholdTrade[];
  totalBefore: number;
  totalAfter: number;
  /** Per class: weights of V before, the target, and after trades and costs. */
  classBefore: Float64Array;
  classTarget: Float64Array;
  classAfter: Float64Array;
  /** Per account: cash before and after, and the reserve it was kept above (currency). */
  cashBefore: Float64Array;
  cashAfter: Float64Array;
  reserve: Float64Array;
  totalCost: number;
  /** F on class weights (cash included), its proven lower bound, the gap (0 = proven) and nodes. */
  objective: number;
  lowerBound: number;
  optimalityGap: number;
  nodes: number;
}
