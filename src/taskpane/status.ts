/**
 * The live status of a policy, computed with src/core from its bound inputs: maximum absolute
 * drift (weight - target, of the total value), the assets outside their bands, the next calendar
 * date and whether a rebalance is due now. Calendar dates use the policy's last rebalance date from
 * the workbook's rebalance log (docs/policy-format.md: the day the last trade sheet was generated)
 * with the same calendar functions as REBAL.NEXTDATE and REBAL.CHECK: with a last date, the next
 * date is nextRebalanceDate(last) and the calendar is due once today reaches it; with none (never
 * rebalanced, or a workbook from before the log), the next date is the first scheduled date on or
 * after today and the calendar is due (CHECK's blank last_rebalance). The trade sheet itself, like
 * REBAL.TRADES, treats the request as the scheduled date. A last date after today (a co-author in a
 * timezone already on the next day) is taken as today, and the reason says so.
 * The per-asset drift view (core driftView.ts: weight, target, band, absolute and relative drift,
 * inside / breached, sorted by how far out) comes with it; a policy without bands breaches nothing.
 */
import { DriftRow, driftRows } from "../core/driftView";
import { calendarDue, firstScheduledOnOrAfter, nextRebalanceDate, serialToISO, utcToSerial } from "../core/calendar";
import { Policy } from "../core/policy";
import { planTrades } from "../core/trades";
import type { Holdings } from "../workbook/inputs";

export interface PolicyStatus {
  maxDrift: number;
  /** The asset with the largest absolute drift. */
  maxDriftAsset: string;
  /** Every asset, furthest out first. */
  drift: DriftRow[];
  breached: string[];
  /** Next scheduled calendar date (ISO), null for policies without a frequency. */
  nextDate: string | null;
  /** Last rebalance date from the log (ISO), null when none is recorded. */
  lastRebalance: string | null;
  due: boolean;
  reason: string;
}

export function todaySerial(now: Date = new Date()): number {
  return utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
}

export function policyStatus(policy: Policy, holdings: Holdings, cash: number, today: number, lastRebalance: number | null = null): PolicyStatus {
  let note = "";
  if (lastRebalance !== null && lastRebalance > today) {
    note = ` (the logged last rebalance ${serialToISO(lastRebalance)} is after today: taken as today)`;
    lastRebalance = today;
  }
  const f = policy.frequency;
  const next = f === null ? null : lastRebalance !== null ? nextRebalanceDate(lastRebalance, f, policy.anchor) : firstScheduledOnOrAfter(today, f, policy.anchor);
  const plan = planTrades({ ...holdings.book, cash }, policy, {
    calendarDue: f === null ? null : calendarDue(today, lastRebalance, f, policy.anchor),
    label: (i) => `holdings row ${holdings.rows[i]} (${holdings.assets[i]})`,
  });
  let maxDrift = 0;
  let maxDriftAsset = "";
  for (let i = 0; i < holdings.assets.length; i++) {
    const d = Math.abs(plan.weightsBefore[i] - holdings.book.targets[i]);
    if (d > maxDrift) { maxDrift = d; maxDriftAsset = holdings.assets[i]; }
  }
  const drift = driftRows(holdings.assets, plan.weightsBefore, holdings.book.targets, policy);
  const breached = drift.filter((r) => r.status === "breached").map((r) => r.asset);
  return {
    maxDrift, maxDriftAsset, drift, breached, nextDate: next === null ? null : serialToISO(next),
    lastRebalance: lastRebalance === null ? null : serialToISO(lastRebalance), due: plan.decision.due, reason: plan.decision.reason + note,
  };
}
