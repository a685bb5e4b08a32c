/**
 * Policy evaluation: is a rebalance due now?
 *
 * trigger (product.md, "Policies"):
 * - always: every evaluation; none: buy and hold (only the first investment of an uninvested book);
 * - threshold: when any asset is outside its band (bands.ts);
 * - calendar: on or after the next scheduled date (calendar.ts);
 * - hybrid: on a scheduled date, and only if a band is breached;
 * - either: on a scheduled date, or whenever a band is breached.
 * `calendar` = null means the caller has no dates (REBAL.TRADES): the request itself is taken as
 * the scheduled date, so calendar triggers are due and hybrid reduces to the band test.
 */
import { Policy, Trigger } from "./policy";

export interface Decision {
  due: boolean;
  /** Why, in words: "band breached (2 assets)", "calendar date reached", "not due: ...". */
  reason: string;
}

/** The trigger rule itself (no words): decide() and the backtest day loop both use it. */
export function isDue(trigger: Trigger, breached: boolean, calendarDue: boolean, uninvested: boolean): boolean {
  switch (trigger) {
    case "always": return true;
    case "none": return uninvested;
    case "threshold": return breached;
    case "calendar": return calendarDue;
    case "hybrid": return calendarDue && breached;
    case "either": return calendarDue || breached;
  }
}

export function decide(policy: Policy, breachedCount: number, calendarDue: boolean | null, uninvested = false): Decision {
  const cal = calendarDue ?? true;
  const due = isDue(policy.trigger, breachedCount > 0, cal, uninvested);
  const band = breachedCount > 0;
  const bandText = band ? `band breached (${breachedCount} asset${breachedCount === 1 ? "" : "s"})` : "all assets within their bands";
  switch (policy.trigger) {
    case "always": return { due, reason: "rebalance on every evaluation (trigger=always)" };
    case "none": return { due, reason: due ? "initial investment (trigger=none: buy and hold)" : "not due: buy and hold (trigger=none)" };
    case "threshold": return { due, reason: due ? bandText : `not due: ${bandText}` };
    case "calendar": return { due, reason: due ? "calendar date reached" : "not due: next calendar date not reached" };
    case "hybrid": return { due, reason: due ? `calendar date reached and ${bandText}` : `not due: ${cal ? bandText : "next calendar date not reached"}` };
    case "either": return { due, reason: cal ? "calendar date reached" : band ? bandText : `not due: next calendar date not reached and ${bandText}` };
  }
}
