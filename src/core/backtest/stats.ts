/**
 * Performance statistics of a value series (REBAL.STATS, and the statistics rows of REBAL.BACKTEST).
 *
 * Conventions (conventions.md, "Backtests and statistics"; where it is silent, ffn's calc_stats):
 * - Returns are simple period returns `v_t / v_{t-1} - 1` between consecutive rows; m = T - 1 of them.
 * - total_return: `v_last / v_first - 1`.
 * - cagr: `(v_last / v_first)^(1 / years) - 1`, years = (last date - first date) / 365.25 (ffn's
 *   year_frac). Undefined (NaN) when the dates span no time.
 * - volatility: `std(r, ddof=1) * sqrt(frequency)` (ffn's daily_vol); needs 2 returns.
 * - sharpe: `mean(x) / std(x, ddof=1) * sqrt(frequency)` on excess returns `x = r - rf_p`, with the
 *   annual risk-free rate made per-period geometrically: `rf_p = (1 + rf)^(1/frequency) - 1` (ffn's
 *   deannualize). Undefined when std(x) = 0 or fewer than 2 returns.
 * - sortino: `mean(x) / sqrt(mean(min(x, 0)^2)) * sqrt(frequency)`, the downside mean over all
 *   periods (ffn's calc_sortino_ratio). Undefined when no period has a negative excess return.
 * - max_drawdown: `min(v / running max(v)) - 1` (0 or negative); calmar: `cagr / |max_drawdown|`,
 *   undefined when there is no drawdown.
 * Undefined statistics (and any that would overflow to Infinity) are NaN here; the formula layer shows them as #DIV/0! with the reason.
 * Means and standard deviations are two-pass (as numpy/pandas), so they match to ~1e-14.
 */
import { RebalError, fmt } from "../errors";

export interface PerformanceStats {
  totalReturn: number;
  cagr: number;
  volatility: number;
  sharpe: number;
  sortino: number;
  maxDrawdown: number;
  calmar: number;
  /** Number of returns (rows - 1). */
  periods: number;
  years: number;
}

export interface StatsOptions {
  /** Periods per year (252 daily, 52 weekly, 12 monthly). */
  frequency: number;
  /** Annual risk-free rate. */
  riskFreeRate: number;
}

export const DEFAULT_STATS_OPTIONS: Readonly<StatsOptions> = Object.freeze({ frequency: 252, riskFreeRate: 0 });

/** Why a statistic is undefined, for the #DIV/0! message (null when it is defined). */
export function undefinedReason(key: keyof PerformanceStats, s: PerformanceStats): string | null {
  if (!Number.isNaN(s[key])) return null;
  switch (key) {
    case "cagr": return s.years > 0 ? "cagr is too large to show (a large gain over a very short period)" : "cagr is undefined: the first and last dates are the same day";
    case "volatility": return s.periods < 2 ? "volatility needs at least 2 returns (3 values)" : "volatility is too large to show (values too extreme)";
    case "sharpe": return s.periods < 2 ? "sharpe needs at least 2 returns (3 values)" : "sharpe is undefined: the excess returns do not vary";
    case "sortino": return s.periods < 1 ? "sortino needs at least 1 return" : "sortino is undefined: no period has a return below the risk-free rate";
    case "calmar": return Number.isNaN(s.cagr) ? "calmar is undefined because cagr is" : "calmar is undefined: there is no drawdown";
    default: return `${key} is too large to show (values too extreme)`;
  }
}

/**
 * Statistics of `values` observed on `dates` (Excel serials, increasing). Values must be positive.
 * `label(k)` names row k in errors.
 */
export function performanceStats(dates: ArrayLike<number>, values: ArrayLike<number>, options: Partial<StatsOptions> = {}, label: (k: number) => string = (k) => `row ${k + 1}`): PerformanceStats {
  const f = options.frequency ?? DEFAULT_STATS_OPTIONS.frequency;
  const rf = options.riskFreeRate ?? DEFAULT_STATS_OPTIONS.riskFreeRate;
  const T = values.length;
  if (T === 0) throw new RebalError("there are no values");
  if (dates.length !== T) throw new RebalError(`dates has ${dates.length} rows but values has ${T}: they must match`);
  if (!(f > 0) || !Number.isFinite(f)) throw new RebalError(`frequency must be a positive number of periods per year, got ${fmt(f)}`);
  if (!(rf > -1) || !Number.isFinite(rf)) throw new RebalError(`risk_free_rate must be above -1, got ${fmt(rf)}`);
  for (let k = 0; k < T; k++) {
    const v = values[k];
    if (!(v > 0) || !Number.isFinite(v)) throw new RebalError(`${label(k)}: value must be a positive number, got ${fmt(v)}`);
    if (!Number.isFinite(dates[k])) throw new RebalError(`${label(k)}: date must be a number`);
    if (k > 0 && !(dates[k] > dates[k - 1])) throw new RebalError(`${label(k)}: dates must be increasing (oldest first)`);
  }
  const first = values[0];
  const last = values[T - 1];
  const totalReturn = last / first - 1;
  const years = (dates[T - 1] - dates[0]) / 365.25;
  const cagr = years > 0 ? Math.pow(last / first, 1 / years) - 1 : NaN;

  const m = T - 1;
  const rfp = Math.pow(1 + rf, 1 / f) - 1;
  let sumR = 0;
  let sumX = 0;
  let down = 0;
  let peak = first;
  let mdd = 0;
  for (let k = 1; k < T; k++) {
    const r = values[k] / values[k - 1] - 1;
    const x = r - rfp;
    sumR += r;
    sumX += x;
    if (x < 0) down += x * x;
    const v = values[k];
    if (v > peak) peak = v;
    const dd = v / peak - 1;
    if (dd < mdd) mdd = dd;
  }
  let volatility = NaN;
  let sharpe = NaN;
  let sortino = NaN;
  if (m >= 1) {
    const meanR = sumR / m;
    const meanX = sumX / m;
    if (down > 0) sortino = (meanX / Math.sqrt(down / m)) * Math.sqrt(f);
    if (m >= 2) {
      let ssR = 0;
      let ssX = 0;
      for (let k = 1; k < T; k++) {
        const r = values[k] / values[k - 1] - 1;
        ssR += (r - meanR) * (r - meanR);
        const dx = r - rfp - meanX;
        ssX += dx * dx;
      }
      volatility = Math.sqrt(ssR / (m - 1)) * Math.sqrt(f);
      const sdX = Math.sqrt(ssX / (m - 1));
      if (sdX > 1e-15 * Math.max(1, Math.abs(meanX))) sharpe = (meanX / sdX) * Math.sqrt(f);
    }
  }
  const calmar = mdd < 0 && Number.isFinite(cagr) ? cagr / Math.abs(mdd) : NaN;
  // Overflow (e.g. cagr of a huge gain over a few days) is reported as undefined, never as Infinity.
  const fin = (x: number) => (Number.isFinite(x) ? x : NaN);
  return { totalReturn: fin(totalReturn), cagr: fin(cagr), volatility: fin(volatility), sharpe: fin(sharpe), sortino: fin(sortino), maxDrawdown: mdd, calmar: fin(calmar), periods: m, years };
}
