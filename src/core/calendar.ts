/**
 * Calendar rebalancing dates on Excel serial dates.
 *
 * Dates are Excel serial numbers (1900 date system: serial 1 = 1900-01-01, with Excel's phantom
 * 1900-02-29 at serial 60, so serials from 61 on map to 1899-12-30 + serial days). A time of day
 * (fraction) is ignored. Trading days are weekdays (Monday to Friday); holidays are not modelled.
 *
 * Periods: daily, weekly (Monday to Sunday), monthly, quarterly (Jan/Apr/Jul/Oct), semiannual
 * (Jan/Jul), annual. Anchor `start`: the rebalance date of a period is its first weekday (as bt's
 * RunMonthly etc. rebalance on the first trading day of a new period); anchor `end`: its last weekday.
 * The next scheduled date after a rebalance is the anchor date of the next period.
 */
import { RebalError } from "./errors";
import { Anchor, Frequency } from "./policy";

const EXCEL_EPOCH_OFFSET = 25569; // serial of 1970-01-01
const DAY_MS = 86400000;
export const MIN_SERIAL = 61; // 1900-03-01, the first serial unaffected by the 1900 leap-year bug
export const MAX_SERIAL = 2958465; // 9999-12-31

/** Validates an Excel serial date and returns its whole-day part. `what` names it in errors. */
export function serialDay(x: unknown, what: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new RebalError(`${what} must be a date (an Excel serial number), got ${JSON.stringify(x)}`);
  const d = Math.floor(x);
  if (d < MIN_SERIAL || d > MAX_SERIAL) throw new RebalError(`${what} ${x} is not a date between 1900-03-01 and 9999-12-31`);
  return d;
}

export function serialToUTC(serial: number): Date {
  return new Date((serial - EXCEL_EPOCH_OFFSET) * DAY_MS);
}

export function utcToSerial(y: number, m0: number, d: number): number {
  return Math.round(Date.UTC(y, m0, d) / DAY_MS) + EXCEL_EPOCH_OFFSET;
}

/** Exact ISO calendar dates: four-digit year, two-digit month and day, nothing else. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads an exact "yyyy-mm-dd" date as a serial. An impossible date (2026-02-31, 2026-13-45) or one
 * outside MIN_SERIAL..MAX_SERIAL is a RebalError naming `what`; nothing rolls over to another day.
 * Returns null when the text is not in the yyyy-mm-dd shape at all (the caller says what it expected).
 */
export function isoDateToSerial(text: string, what: string): number | null {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const dt = new Date(Date.UTC(2000, mo - 1, d));
  dt.setUTCFullYear(y);
  if (mo < 1 || mo > 12 || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) throw new RebalError(`${what}: ${text.trim()} is not a date (no such day)`);
  const serial = Math.round(dt.getTime() / DAY_MS) + EXCEL_EPOCH_OFFSET;
  if (serial < MIN_SERIAL || serial > MAX_SERIAL) throw new RebalError(`${what}: ${text.trim()} is not a date between 1900-03-01 and 9999-12-31`);
  return serial;
}

/** ISO text "YYYY-MM-DD" of a serial date. */
export function serialToISO(serial: number): string {
  return serialToUTC(serial).toISOString().slice(0, 10);
}

const MONTHS_PER_PERIOD: Record<string, number> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };

/** The first and last calendar day (serials) of the period containing `serial`, shifted by `k` periods. */
export function periodRange(serial: number, freq: Frequency, k = 0): [number, number] {
  if (freq === "daily") return [serial + k, serial + k];
  if (freq === "weekly") {
    const dow = (serialToUTC(serial).getUTCDay() + 6) % 7; // Monday = 0
    const start = serial - dow + 7 * k;
    return [start, start + 6];
  }
  const months = MONTHS_PER_PERIOD[freq];
  const dt = serialToUTC(serial);
  const m0 = Math.floor(dt.getUTCMonth() / months) * months + k * months;
  const y = dt.getUTCFullYear() + Math.floor(m0 / 12);
  const m = ((m0 % 12) + 12) % 12;
  return [utcToSerial(y, m, 1), utcToSerial(y, m + months, 1) - 1];
}

/** A key identifying the period containing `serial` (equal keys = same period). */
export function periodKey(serial: number, freq: Frequency): number {
  return periodRange(serial, freq)[0];
}

const isWeekday = (serial: number): boolean => {
  const dow = serialToUTC(serial).getUTCDay();
  return dow !== 0 && dow !== 6;
};

/** The scheduled rebalance date (first or last weekday) of the period containing `serial`, shifted by k periods. */
export function anchorDate(serial: number, freq: Frequency, anchor: Anchor, k = 0): number {
  const [a, b] = periodRange(serial, freq, k);
  if (anchor === "start") {
    for (let d = a; d <= b; d++) if (isWeekday(d)) return d;
  } else {
    for (let d = b; d >= a; d--) if (isWeekday(d)) return d;
  }
  // A daily period on a weekend has no weekday: the next trading day.
  let d = b + 1;
  while (!isWeekday(d)) d++;
  return d;
}

/**
 * The next scheduled rebalance date after a rebalance on `last`: the anchor date of the next
 * period (with anchor `end`, the anchor date of the current period when `last` falls before it).
 */
export function nextRebalanceDate(last: number, freq: Frequency, anchor: Anchor = "start"): number {
  if (anchor === "end") {
    const here = anchorDate(last, freq, "end");
    if (here > last) return here;
  }
  let k = 1;
  let d = anchorDate(last, freq, anchor, k);
  while (d <= last) d = anchorDate(last, freq, anchor, ++k);
  return d;
}

/** The first scheduled date on or after `asof` (used when nothing was rebalanced yet). */
export function firstScheduledOnOrAfter(asof: number, freq: Frequency, anchor: Anchor = "start"): number {
  const here = anchorDate(asof, freq, anchor);
  return here >= asof ? here : anchorDate(asof, freq, anchor, 1);
}

/** True when a calendar rebalance is due on `asof` given the last rebalance (null = never rebalanced). */
export function calendarDue(asof: number, last: number | null, freq: Frequency, anchor: Anchor = "start"): boolean {
  if (last === null) return true;
  if (asof < last) throw new RebalError(`asof (${serialToISO(asof)}) is before last_rebalance (${serialToISO(last)})`);
  return asof >= nextRebalanceDate(last, freq, anchor);
}
