/**
 * The live status of a policy, computed with src/core from its bound inputs: maximum absolute
 * drift (weight - target, of the total value), the assets outside their bands, the next calendar
 * date (first scheduled date on or after today, for policies with a frequency; no last-rebalance
 * date is stored) and whether a rebalance is due now. Calendar triggers count as due on a
 * scheduled date only (today is the anchor date of its period); the trade sheet itself, like
 * REBAL.TRADES, treats the request as the scheduled date.
 */
import { firstScheduledOnOrAfter, serialToISO, utcToSerial } from "../core/calendar";
import { Policy } from "../core/policy";
import { planTrades } from "../core/trades";
import type { Holdings } from "../workbook/inputs";

export interface PolicyStatus {
  maxDrift: number;
  breached: string[];
  nextDate: string | null;
  due: boolean;
  reason: string;
}

export function todaySerial(now: Date = new Date()): number {
  return utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
}

export function policyStatus(policy: Policy, holdings: Holdings, cash: number, today: number): PolicyStatus {
  const next = policy.frequency ? firstScheduledOnOrAfter(today, policy.frequency, policy.anchor) : null;
  const plan = planTrades({ ...holdings.book, cash }, policy, {
    calendarDue: next === null ? null : next === today,
    label: (i) => `holdings row ${holdings.rows[i]} (${holdings.assets[i]})`,
  });
  let maxDrift = 0;
  const breached: string[] = [];
  for (let i = 0; i < holdings.assets.length; i++) {
    maxDrift = Math.max(maxDrift, Math.abs(plan.weightsBefore[i] - holdings.book.targets[i]));
    if (plan.breached[i]) breached.push(holdings.assets[i]);
  }
  return { maxDrift, breached, nextDate: next === null ? null : serialToISO(next), due: plan.decision.due, reason: plan.decision.reason };
}
