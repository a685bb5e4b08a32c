/**
 * Calendar rebalancing on Excel serial dates. Every expected date is computed here with plain JS
 * Date arithmetic (an independent reference), plus a few hand-checked examples.
 */
import { anchorDate, calendarDue, firstScheduledOnOrAfter, nextRebalanceDate, periodRange, serialDay, serialToISO, utcToSerial } from "../../../src/core/calendar";
import { RebalError } from "../../../src/core/errors";
import { Anchor, Frequency, FREQUENCIES } from "../../../src/core/policy";

// Independent reference: Excel serial s (s >= 61) is 1899-12-30 + s days.
const BASE = Date.UTC(1899, 11, 30);
const DAY = 86400000;
const toDate = (s: number) => new Date(BASE + s * DAY);
const toSerial = (y: number, m1: number, d: number) => Math.round((Date.UTC(y, m1 - 1, d) - BASE) / DAY);
const iso = (s: number) => toDate(s).toISOString().slice(0, 10);
const weekday = (s: number) => { const g = toDate(s).getUTCDay(); return g >= 1 && g <= 5; };

/** Period of s as [first day, last day], computed from the calendar fields. */
function refPeriod(s: number, f: Frequency): [number, number] {
  const dt = toDate(s);
  if (f === "daily") return [s, s];
  if (f === "weekly") { const back = (dt.getUTCDay() + 6) % 7; return [s - back, s - back + 6]; }
  const len = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 }[f];
  const m0 = dt.getUTCMonth() - (dt.getUTCMonth() % len);
  const first = Math.round((Date.UTC(dt.getUTCFullYear(), m0, 1) - BASE) / DAY);
  const next = Math.round((Date.UTC(dt.getUTCFullYear(), m0 + len, 1) - BASE) / DAY);
  return [first, next - 1];
}
/** The rebalance day of the period of s: first/last weekday in it (daily on a weekend: the next weekday). */
function refAnchor(s: number, f: Frequency, a: Anchor): number {
  const [lo, hi] = refPeriod(s, f);
  const days: number[] = [];
  for (let d = lo; d <= hi; d++) if (weekday(d)) days.push(d);
  if (days.length === 0) { let d = hi + 1; while (!weekday(d)) d++; return d; }
  return a === "start" ? days[0] : days[days.length - 1];
}
/** Next scheduled date after a rebalance on `last`: start -> first weekday of the next period;
 *  end -> last weekday of the current period if still ahead, else of the next period. */
function refNext(last: number, f: Frequency, a: Anchor): number {
  if (a === "end") { const here = refAnchor(last, f, "end"); if (here > last) return here; }
  const [, hi] = refPeriod(last, f);
  let d = refAnchor(hi + 1, f, a);
  if (d <= last) d = refAnchor(refPeriod(hi + 1, f)[1] + 1, f, a);
  return d;
}

describe("serial dates", () => {
  test("45292 is 2024-01-01, and the reference agrees", () => {
    expect(serialToISO(45292)).toBe("2024-01-01");
    expect(toSerial(2024, 1, 1)).toBe(45292);
    expect(utcToSerial(2024, 0, 1)).toBe(45292);
  });

  test("round trip over many dates matches JS Date", () => {
    for (let s = 61; s < 2958465; s += 997) {
      expect(serialToISO(s)).toBe(iso(s));
      const d = toDate(s);
      expect(utcToSerial(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toBe(s);
    }
    expect(serialToISO(61)).toBe("1900-03-01");
    expect(serialToISO(2958465)).toBe("9999-12-31");
  });

  test("serialDay drops the time of day and rejects non-dates naming the argument", () => {
    expect(serialDay(45292.75, "asof")).toBe(45292);
    for (const bad of [NaN, Infinity, "45292", null, true, 60, 0, -5, 2958466]) {
      expect(() => serialDay(bad, "asof")).toThrow(RebalError);
      try { serialDay(bad, "asof"); } catch (e) { expect((e as Error).message).toMatch(/asof/); }
    }
  });
});

describe("periods", () => {
  const samples: number[] = [];
  for (let s = toSerial(2019, 12, 20); s <= toSerial(2025, 3, 10); s += 3) samples.push(s);

  test.each(FREQUENCIES.map((f) => [f]))("%s periods match the reference", (f) => {
    for (const s of samples) {
      expect(periodRange(s, f as Frequency)).toEqual(refPeriod(s, f as Frequency));
    }
  });

  test("hand examples", () => {
    expect(periodRange(toSerial(2024, 5, 15), "quarterly").map(iso)).toEqual(["2024-04-01", "2024-06-30"]);
    expect(periodRange(toSerial(2024, 8, 15), "semiannual").map(iso)).toEqual(["2024-07-01", "2024-12-31"]);
    expect(periodRange(toSerial(2024, 2, 10), "monthly").map(iso)).toEqual(["2024-02-01", "2024-02-29"]);
    expect(periodRange(toSerial(2024, 1, 3), "weekly").map(iso)).toEqual(["2024-01-01", "2024-01-07"]); // Wed -> Mon..Sun
  });
});

describe("next rebalance dates", () => {
  test("hand examples from the brief", () => {
    // quarterly, anchor start, after 2024-01-02 -> 2024-04-01 (a Monday)
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 2), "quarterly", "start"))).toBe("2024-04-01");
    // monthly after 2024-05-15: 2024-06-01 is a Saturday -> Monday 2024-06-03
    expect(toDate(toSerial(2024, 6, 1)).getUTCDay()).toBe(6);
    expect(iso(nextRebalanceDate(toSerial(2024, 5, 15), "monthly", "start"))).toBe("2024-06-03");
    // anchor end: monthly after 2024-05-15 -> last weekday of May 2024 (Friday 31st)
    expect(iso(nextRebalanceDate(toSerial(2024, 5, 15), "monthly", "end"))).toBe("2024-05-31");
    // anchor end: after 2024-05-31 -> last weekday of June 2024: the 30th is a Sunday -> Friday 28th
    expect(iso(nextRebalanceDate(toSerial(2024, 5, 31), "monthly", "end"))).toBe("2024-06-28");
    // annual start after 2024-03-01 -> 2025-01-01 (Wednesday)
    expect(iso(nextRebalanceDate(toSerial(2024, 3, 1), "annual", "start"))).toBe("2025-01-01");
    // semiannual start after 2024-01-05 -> 2024-07-01 (Monday)
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 5), "semiannual", "start"))).toBe("2024-07-01");
    // weekly start after Wednesday 2024-01-03 -> Monday 2024-01-08; end -> Friday 2024-01-05
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 3), "weekly", "start"))).toBe("2024-01-08");
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 3), "weekly", "end"))).toBe("2024-01-05");
    // daily after Friday 2024-01-05 -> Monday 2024-01-08
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 5), "daily", "start"))).toBe("2024-01-08");
    expect(iso(nextRebalanceDate(toSerial(2024, 1, 5), "daily", "end"))).toBe("2024-01-08");
  });

  const lasts: number[] = [];
  for (let s = toSerial(2021, 12, 1); s <= toSerial(2025, 2, 1); s += 1) lasts.push(s);
  const cases: [Frequency, Anchor][] = [];
  for (const f of FREQUENCIES) for (const a of ["start", "end"] as Anchor[]) cases.push([f, a]);

  test.each(cases)("%s / %s: every day of 2022-2024 against the reference", (f, a) => {
    for (const last of lasts) {
      const got = nextRebalanceDate(last, f, a);
      const want = refNext(last, f, a);
      if (got !== want) throw new Error(`${f}/${a} after ${iso(last)}: got ${iso(got)}, want ${iso(want)}`);
      expect(got).toBeGreaterThan(last);
      expect(weekday(got)).toBe(true);
    }
  });

  test.each(cases)("%s / %s: anchor dates are first/last weekdays of their period", (f, a) => {
    for (const s of lasts) expect(anchorDate(s, f, a)).toBe(refAnchor(s, f, a));
  });

  test("first scheduled on or after asof", () => {
    // monthly start: asof 2024-06-01 (Sat) -> 2024-06-03; asof 2024-06-04 -> 2024-07-01
    expect(iso(firstScheduledOnOrAfter(toSerial(2024, 6, 1), "monthly", "start"))).toBe("2024-06-03");
    expect(iso(firstScheduledOnOrAfter(toSerial(2024, 6, 3), "monthly", "start"))).toBe("2024-06-03");
    expect(iso(firstScheduledOnOrAfter(toSerial(2024, 6, 4), "monthly", "start"))).toBe("2024-07-01");
    for (const f of FREQUENCIES) for (const a of ["start", "end"] as Anchor[]) for (const s of lasts) {
      const got = firstScheduledOnOrAfter(s, f, a);
      expect(got).toBeGreaterThanOrEqual(s);
      expect(weekday(got)).toBe(true);
      // the earliest anchor date on or after s: this period's, or else the next period's
      const here = refAnchor(s, f, a);
      const want = here >= s ? here : refAnchor(refPeriod(s, f)[1] + 1, f, a);
      if (got !== want) throw new Error(`${f}/${a} on or after ${iso(s)}: got ${iso(got)}, want ${iso(want)}`);
    }
  });
});

describe("calendarDue", () => {
  const last = toSerial(2024, 1, 2);
  test("never rebalanced: due", () => {
    expect(calendarDue(toSerial(2024, 1, 10), null, "monthly")).toBe(true);
  });
  test("due exactly from the next date on", () => {
    const next = toSerial(2024, 2, 1); // Thursday
    expect(calendarDue(next - 1, last, "monthly", "start")).toBe(false);
    expect(calendarDue(next, last, "monthly", "start")).toBe(true);
    expect(calendarDue(next + 20, last, "monthly", "start")).toBe(true);
    expect(calendarDue(last, last, "monthly", "start")).toBe(false);
  });
  test("quarterly after 2024-01-02: not due on 2024-03-29, due on 2024-04-01", () => {
    expect(calendarDue(toSerial(2024, 3, 29), last, "quarterly")).toBe(false);
    expect(calendarDue(toSerial(2024, 4, 1), last, "quarterly")).toBe(true);
  });
  test("asof before last is an error", () => {
    expect(() => calendarDue(last - 1, last, "monthly")).toThrow(RebalError);
  });
});
