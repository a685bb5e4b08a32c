/**
 * Options of the backtest and statistics formulas, read with the same strictness as policies
 * (keyvalues.ts: text "k=v; k=v", a 2-column or a 2-row range; keys case-insensitive; an unknown
 * key or a bad value is a RebalError naming it).
 *
 * Keys and defaults:
 * - `initial_value` [1,000,000]: cash at the start, invested on the first day any asset has a price.
 * - `frequency` [252]: periods per year for the statistics; a number, or daily (252), weekly (52),
 *   monthly (12), quarterly (4), annual (1).
 * - `risk_free_rate` [0]: annual; made per-period geometrically (stats.ts).
 * - `contribution` [0]: cash added (negative: withdrawn) at the close of the first trading day of
 *   each new `contribution_frequency` period after the first day.
 * - `contribution_frequency` [monthly]: daily, weekly, monthly, quarterly, semiannual, annual.
 * REBAL.STATS accepts only `frequency` and `risk_free_rate`.
 */
import { RebalError } from "../errors";
import { KeyValue, readKeyValues, rejectUnknownKeys, valueAsChoice, valueAsNumber } from "../keyvalues";
import { FREQUENCIES, Frequency } from "../policy";
import { StatsOptions } from "./stats";

export interface BacktestOptions extends StatsOptions {
  initialValue: number;
  contribution: number;
  contributionFrequency: Frequency;
}

export const DEFAULT_BACKTEST_OPTIONS: Readonly<BacktestOptions> = Object.freeze({
  initialValue: 1_000_000,
  frequency: 252,
  riskFreeRate: 0,
  contribution: 0,
  contributionFrequency: "monthly",
});

export const BACKTEST_OPTION_KEYS = ["initial_value", "frequency", "risk_free_rate", "contribution", "contribution_frequency"] as const;
export const STATS_OPTION_KEYS = ["frequency", "risk_free_rate"] as const;

const PERIODS_PER_YEAR: Record<string, number> = { daily: 252, weekly: 52, monthly: 12, quarterly: 4, semiannual: 2, annual: 1 };

function hasValue(kv: KeyValue): boolean {
  const v = kv.value;
  if (v === null || v === undefined || (typeof v === "string" && v.trim() === "")) throw new RebalError(`${kv.where}: ${kv.key} has no value`);
  return true;
}

function readFrequency(kv: KeyValue): number {
  if (typeof kv.value === "string" && Object.prototype.hasOwnProperty.call(PERIODS_PER_YEAR, kv.value.trim().toLowerCase())) return PERIODS_PER_YEAR[kv.value.trim().toLowerCase()];
  let f: number;
  try {
    f = valueAsNumber(kv);
  } catch {
    throw new RebalError(`${kv.where}: frequency must be a number of periods per year (252 daily, 52 weekly, 12 monthly) or one of ${Object.keys(PERIODS_PER_YEAR).join(", ")}, got ${JSON.stringify(kv.value)}`);
  }
  if (!(f > 0)) throw new RebalError(`${kv.where}: frequency must be greater than 0, got ${f}`);
  return f;
}

function readRiskFree(kv: KeyValue): number {
  const r = valueAsNumber(kv);
  if (!(r > -1) || r > 10) throw new RebalError(`${kv.where}: risk_free_rate must be an annual rate above -1 (0.02 = 2%), got ${r}`);
  return r;
}

/** Reads REBAL.BACKTEST / REBAL.EQUITY options. */
export function parseBacktestOptions(input: unknown, arg = "options"): BacktestOptions {
  const pairs = readKeyValues(input, arg);
  rejectUnknownKeys(pairs, BACKTEST_OPTION_KEYS, arg);
  const o: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS };
  for (const kv of pairs) {
    hasValue(kv);
    switch (kv.key) {
      case "initial_value": {
        const v = valueAsNumber(kv);
        if (!(v > 0) || v > 1e15) throw new RebalError(`${kv.where}: initial_value must be a positive amount (at most 1e15), got ${v}`);
        o.initialValue = v;
        break;
      }
      case "frequency": o.frequency = readFrequency(kv); break;
      case "risk_free_rate": o.riskFreeRate = readRiskFree(kv); break;
      case "contribution": {
        const v = valueAsNumber(kv);
        if (Math.abs(v) > 1e15) throw new RebalError(`${kv.where}: contribution is too large, got ${v}`);
        o.contribution = v;
        break;
      }
      case "contribution_frequency": o.contributionFrequency = valueAsChoice(kv, FREQUENCIES); break;
    }
  }
  return o;
}

/** Reads REBAL.STATS options. */
export function parseStatsOptions(input: unknown, arg = "options"): StatsOptions {
  const pairs = readKeyValues(input, arg);
  rejectUnknownKeys(pairs, STATS_OPTION_KEYS, arg);
  const o: StatsOptions = { frequency: 252, riskFreeRate: 0 };
  for (const kv of pairs) {
    hasValue(kv);
    if (kv.key === "frequency") o.frequency = readFrequency(kv);
    else o.riskFreeRate = readRiskFree(kv);
  }
  return o;
}
