/**
 * The REBAL.* custom functions as Excel sees them: names, descriptions, parameters, help links.
 * custom-functions-metadata-plugin reads the JSDoc below to generate functions.json and appends
 * the CustomFunctions.associate calls. Each body only delegates to a module that parses the
 * arguments and calls src/core (rebalance.ts, ...), inside excelCall, which turns every problem into
 * #VALUE! with a message naming the argument and row. Descriptions here are what Excel shows while
 * typing; docs/formulas.md is the reference the help links point to.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { excelCall } from "./args";
import { bandsFn, checkFn, driftFn, nextDateFn, tradesFn, tradeSheetFn, weightsFn } from "./rebalance";

/**
 * Weights of values: each value divided by their sum.
 * @customfunction WEIGHTS
 * @helpurl https://rebal.example.com/docs/formulas.html#weights
 * @param values Market values, a column or a row (blank cells are errors, not zeros).
 * @returns The weights, in the orientation of values.
 */
export function weights(values: any[][]): any[][] {
  return excelCall("WEIGHTS", () => weightsFn(values));
}

/**
 * Drift of each asset's weight from its target: w - t (measure=abs) or (w - t) / t (measure=rel).
 * @customfunction DRIFT
 * @helpurl https://rebal.example.com/docs/formulas.html#drift
 * @param values Market values of the holdings, a column or a row.
 * @param targets Target weights, same length as values.
 * @param [options] Optional "measure=abs|rel; cash=N" as text or a key | value range. cash adds to the total.
 * @returns Drift per asset, in the orientation of values.
 */
export function drift(values: any[][], targets: any[][], options?: any): any[][] {
  return excelCall("DRIFT", () => driftFn(values, targets, options));
}

/**
 * Lower and upper weight bound of each asset under the policy's bands (band_abs, band_rel, or both: the 5/25 rule).
 * @customfunction BANDS
 * @helpurl https://rebal.example.com/docs/formulas.html#bands
 * @param targets Target weights, a column or a row.
 * @param [policy] Policy as "band_abs=0.05; band_rel=0.25" text, a key | value range or a stored policy name range.
 * @returns An n x 2 table: lower bound, upper bound.
 */
export function bands(targets: any[][], policy?: any): any[][] {
  return excelCall("BANDS", () => bandsFn(targets, policy));
}

/**
 * TRUE when the policy says to rebalance now (band breached, calendar date reached, or both for hybrid).
 * @customfunction CHECK
 * @helpurl https://rebal.example.com/docs/formulas.html#check
 * @param values Market values of the holdings.
 * @param targets Target weights, same length as values.
 * @param [policy] Policy (trigger, bands, frequency...) as text or a key | value range; may add cash=N.
 * @param [asof] Date to check (Excel date), needed for calendar, hybrid and either triggers.
 * @param [last_rebalance] Date of the last rebalance (blank: never rebalanced).
 * @returns TRUE if a rebalance is due.
 */
export function check(values: any[][], targets: any[][], policy?: any, asof?: any, last_rebalance?: any): boolean {
  return excelCall("CHECK", () => checkFn(values, targets, policy, asof, last_rebalance));
}

/**
 * Next scheduled calendar rebalance date: the first weekday (anchor=start) or last weekday (anchor=end) of the next period.
 * @customfunction NEXTDATE
 * @helpurl https://rebal.example.com/docs/formulas.html#nextdate
 * @param last_rebalance Date of the last rebalance (blank: use asof).
 * @param frequency_or_policy daily, weekly, monthly, quarterly, semiannual or annual; or a policy with a frequency.
 * @param [asof] When last_rebalance is blank: the first scheduled date on or after this date.
 * @returns An Excel date (format the cell as a date).
 */
export function nextdate(last_rebalance: any, frequency_or_policy: any, asof?: any): number {
  return excelCall("NEXTDATE", () => nextDateFn(last_rebalance, frequency_or_policy, asof));
}

/**
 * Trades that bring the holdings back to policy: signed quantity per row (+ buy, - sell, 0 none), respecting cash, lots, minimum trade, costs and buy-only/sell-only modes.
 * @customfunction TRADES
 * @helpurl https://rebal.example.com/docs/formulas.html#trades
 * @param quantities Quantities held, a column or a row.
 * @param prices Prices, same length (positive).
 * @param targets Target weights of the total value (holdings plus cash); may sum to less than 1.
 * @param [cash] Cash available (blank: 0).
 * @param [policy] Policy as "band_abs=0.05; lot=1; mode=buy_only" text, a key | value range or a stored policy name.
 * @returns Signed trade quantities, in the orientation of quantities.
 */
export function trades(quantities: any[][], prices: any[][], targets: any[][], cash?: any, policy?: any): any[][] {
  return excelCall("TRADES", () => tradesFn(quantities, prices, targets, cash, policy));
}

/**
 * A trade table from a holdings range with a header row (asset, quantity, price, target; optional lot, restricted, min_weight, max_weight).
 * @customfunction TRADESHEET
 * @helpurl https://rebal.example.com/docs/formulas.html#tradesheet
 * @param holdings Holdings range including its header row.
 * @param [cash] Cash available (blank: 0).
 * @param [policy] Policy as text, a key | value range or a stored policy name.
 * @returns A table: asset, side, trade, price, value, weight before, target, weight after, cost, reason; then CASH and TOTAL rows.
 */
export function tradesheet(holdings: any[][], cash?: any, policy?: any): any[][] {
  return excelCall("TRADESHEET", () => tradeSheetFn(holdings, cash, policy));
}
