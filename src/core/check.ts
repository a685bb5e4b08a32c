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
import { Policy } from "./policy";

export interface Decision {
  due: boolean;
  /** Why, in words: "band breached (2 assets)", "calendar date reached", "not due: ...". */
  reason: string;
}

export function decide(policy: Policy, breachedCount: number, calendarDue: boolean | null, uninvested = false): Decision {
  const cal = calendarDue ?? true;
  const band = breachedCount > 0;
  const bandText = band ? `band breached (${breachedCount} asset${breachedCount === 1 ? "" : "s"})` : "all assets within their bands";
  switch (policy.trigger) {
    case "always": return { due: true, reason: "rebalance on every evaluation (trigger=always)" };
    case "none": return uninvested ? { due: true, reason: "initial investment (trigger=none: buy and hold)" } : { due: false, reason: "not due: buy and hold (trigger=none)" };
    case "threshold": return { due: band, reason: band ? bandText : `not due: ${bandText}` };
    case "calendar": return { due: cal, reason: cal ? "calendar date reached" : "not due: next calendar date not reached" };
    case "hybrid": return { due: cal && band, reason: cal && band ? `calendar date reached and ${bandText}` : `not due: ${cal ? bandText : "next calendar date not reached"}` };
    case "either": return { due: cal || band, reason: cal ? "calendar date reached" : band ? bandText : `not due: next calendar date not reached and ${bandText}` };
  }
}
