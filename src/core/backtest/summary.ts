/**
 * The metric table of REBAL.BACKTEST: performance statistics of the backtest (stats.ts, on the
 * time-weighted index, so contributions are not counted as returns) followed by its trading figures.
 *
 * Rows, in order: total_return, cagr, volatility, sharpe, sortino, max_drawdown, calmar (stats.ts),
 * turnover (annual: the sum of every trading day's `min(buys, sells) / V`, divided by the years
 * covered, days / 365.25), rebalances (days the policy was due and traded; the initial investment
 * and contribution/withdrawal trades are not counted), costs (all costs paid, initial investment
 * included), final_value, then extra rows: initial_value, net_contributions, trades (number of
 * asset trades), turnover_total (the sum, not annualised), start_date, end_date, plans_proven (the
 * share of the backtest's trade plans proven optimal, 1 when there were none) and max_optimality_gap
 * (the largest gap of the others; trades.ts).
 * A value is NaN when undefined; `reason` then says why.
 */
import { BacktestResult } from "./engine";
import { PerformanceStats, performanceStats, StatsOptions, undefinedReason } from "./stats";

export interface MetricRow {
  name: string;
  value: number;
  /** Why the value is undefined (NaN), else null. */
  reason: string | null;
}

export const STATS_ROWS: readonly (readonly [string, keyof PerformanceStats])[] = [
  ["total_return", "totalReturn"], ["cagr", "cagr"], ["volatility", "volatility"], ["sharpe", "sharpe"],
  ["sortino", "sortino"], ["max_drawdown", "maxDrawdown"], ["calmar", "calmar"],
];

/** The statistics rows of a value series. */
export function statsRows(s: PerformanceStats): MetricRow[] {
  return STATS_ROWS.map(([name, key]) => ({ name, value: s[key], reason: undefinedReason(key, s) }));
}

/** The full REBAL.BACKTEST table. */
export function backtestSummary(r: BacktestResult, initialValue: number, options: StatsOptions): MetricRow[] {
  const s = performanceStats(r.dates, r.index, options);
  const T = r.dates.length;
  const rows = statsRows(s);
  const years = (r.dates[T - 1] - r.dates[0]) / 365.25;
  rows.push({ name: "turnover", value: years > 0 ? r.totalTurnover / years : NaN, reason: years > 0 ? null : "annual turnover is undefined: the first and last dates are the same day" });
  const plain = (name: string, value: number): MetricRow => ({ name, value, reason: null });
  rows.push(
    plain("rebalances", r.rebalances), plain("costs", r.totalCost), plain("final_value", r.values[T - 1]),
    plain("initial_value", initialValue), plain("net_contributions", r.netFlows), plain("trades", r.tradeCount),
    plain("turnover_total", r.totalTurnover), plain("start_date", Math.floor(r.dates[0])), plain("end_date", Math.floor(r.dates[T - 1])),
    plain("plans_proven", r.planCalls > 0 ? r.plansProven / r.planCalls : 1), plain("max_optimality_gap", r.maxOptimalityGap),
  );
  return rows;
}
