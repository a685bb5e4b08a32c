/**
 * The pane's policy status (src/taskpane/status.ts) uses the last rebalance date from the log with
 * the same calendar rules as the formulas: its next date equals REBAL.NEXTDATE(last, policy, today)
 * and its due flag equals REBAL.CHECK(values, targets, policy + cash, today, last), for every trigger
 * that uses dates, with and without a recorded date (the formula bodies in src/functions are the
 * reference; they are independent code paths through core/calendar.ts and core/check.ts).
 */
import { readHoldings } from "../../src/core/holdings";
import { DEFAULT_POLICY, Policy, policyToPairs } from "../../src/core/policy";
import { serialToISO } from "../../src/core/calendar";
import { checkFn, nextDateFn } from "../../src/functions/rebalance";
import { policyStatus, todaySerial } from "../../src/taskpane/status";
import { HOLDINGS } from "./setup";

const holdings = readHoldings(HOLDINGS, "holdings");
const CASH = 5000;
const values = HOLDINGS.slice(1).map((r) => [(r[1] as number) * (r[2] as number)]);
const targets = HOLDINGS.slice(1).map((r) => [r[3]]);

const policies: Policy[] = [
  { ...DEFAULT_POLICY, name: "Cal", trigger: "calendar", frequency: "quarterly" },
  { ...DEFAULT_POLICY, name: "CalEnd", trigger: "calendar", frequency: "monthly", anchor: "end" },
  { ...DEFAULT_POLICY, name: "Hyb", trigger: "hybrid", frequency: "quarterly", bandAbs: 0.05 },
  { ...DEFAULT_POLICY, name: "HybWide", trigger: "hybrid", frequency: "quarterly", bandAbs: 0.5 },
  { ...DEFAULT_POLICY, name: "Either", trigger: "either", frequency: "annual", bandAbs: 0.5 },
];
// serials: 46296 = 2026-10-01, 46204 = 2026-07-01, 46347 = 2026-11-21, 46388 = 2027-01-01, 46327 = 2026-11-01
const cases: [number, number | null][] = [[46347, 46296], [46347, 46204], [46388, 46296], [46347, null], [46296, 46296], [46327, 46296]];

describe("policyStatus with the rebalance log", () => {
  for (const p of policies) {
    test.each(cases)(`${p.name}: today %d, last %p -> NEXTDATE and CHECK`, (today, last) => {
      const rows = policyToPairs(p);
      const st = policyStatus(p, holdings, CASH, today, last);
      expect(st.nextDate).toBe(serialToISO(nextDateFn(last, rows, today)));
      expect(st.due).toBe(checkFn(values, targets, [...rows, ["cash", CASH]], today, last));
      expect(st.lastRebalance).toBe(last === null ? null : serialToISO(last));
    });
  }

  test("the cases exercise both outcomes", () => {
    const dues = cases.map(([today, last]) => policyStatus(policies[0], holdings, CASH, today, last).due);
    expect(dues).toContain(true);
    expect(dues).toContain(false);
  });

  test("a threshold policy ignores dates; a last date after today (another timezone) is taken as today, and said", () => {
    const th: Policy = { ...DEFAULT_POLICY, name: "T", trigger: "threshold", bandAbs: 0.05 };
    expect(policyStatus(th, holdings, CASH, 46347, null)).toMatchObject({ nextDate: null, lastRebalance: null });
    for (const p of policies) {
      const ahead = policyStatus(p, holdings, CASH, 46346, 46347); // logged 2026-11-21, today 2026-11-20
      const today = policyStatus(p, holdings, CASH, 46346, 46346);
      expect({ ...ahead, reason: today.reason }).toEqual(today);
      expect(ahead.lastRebalance).toBe("2026-11-20");
      expect(ahead.reason).toBe(`${today.reason} (the logged last rebalance 2026-11-21 is after today: taken as today)`);
      expect(ahead.nextDate).toBe(serialToISO(nextDateFn(46346, policyToPairs(p), 46346)));
    }
  });

  test("todaySerial is the local calendar day", () => {
    expect(todaySerial(new Date(2026, 10, 21, 23, 59))).toBe(46347);
    expect(todaySerial(new Date(2026, 10, 21, 0, 1))).toBe(46347);
  });
});
