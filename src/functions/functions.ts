/**
 * The REBAL.* custom functions as Excel sees them: names, descriptions, parameters, help links.
 * custom-functions-metadata-plugin reads the JSDoc below to generate functions.json and appends
 * the CustomFunctions.associate calls. Each body only delegates to a module that parses the
 * arguments and calls src/core (rebalance.ts, ...), inside excelCall, which turns every problem into
 * #VALUE! with a message naming the argument and row. Descriptions here are what Excel shows while
 * typing; docs/formulas.md is the reference the help links point to.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { excelCall, excelCallAsync } from "./args";
import { runtimeWorkspace as workspace } from "./workspace"; // this runtime's one Workspace (buffers, WebAssembly memories, price cache), passed to the bodies
import { bandsFn, checkFn, driftFn, nextDateFn, tradesFn, tradeSheetFn, weightsFn } from "./rebalance";

/**
 * Weights of values: each value divided by their sum.
 * @customfunction WEIGHTS
 * @helpurl https://localhost:3000/formulas.html#weights
 * @param values Market values, a column or a row (blank cells are errors, not zeros).
 * @returns The weights, in the orientation of values.
 */
export function weights(values: any[][]): any[][] {
  return excelCall("WEIGHTS", () => weightsFn(values));
}

/**
 * Drift of each asset's weight from its target: w - t (measure=abs) or (w - t) / t (measure=rel).
 * @customfunction DRIFT
 * @helpurl https://localhost:3000/formulas.html#drift
 * @param values Market values of the holdings, a column or a row.
 * @param targets Target weights, same length as values.
 * @param [options] Optional "measure=abs|rel; cash=N" as text or a key | value range. cash adds to the total.
 * @returns Drift per asset, in the orientation of values.
 */
export function drift(values: any[][], targets: any[][], options?: any[][]): any[][] {
  return excelCall("DRIFT", () => driftFn(values, targets, options));
}

/**
 * Lower and upper weight bound of each asset under the policy's bands (band_abs, band_rel, or both: the 5/25 rule).
 * @customfunction BANDS
 * @helpurl https://localhost:3000/formulas.html#bands
 * @param targets Target weights, a column or a row.
 * @param [policy] Policy as "band_abs=0.05; band_rel=0.25" text, a key | value range or a stored policy name range.
 * @returns An n x 2 table: lower bound, upper bound.
 */
export function bands(targets: any[][], policy?: any[][]): any[][] {
  return excelCall("BANDS", () => bandsFn(targets, policy));
}

/**
 * TRUE when the policy says to rebalance now (band breached, calendar date reached, or both for hybrid).
 * @customfunction CHECK
 * @helpurl https://localhost:3000/formulas.html#check
 * @param values Market values of the holdings.
 * @param targets Target weights, same length as values.
 * @param [policy] Policy (trigger, bands, frequency...) as text or a key | value range; may add cash=N.
 * @param [asof] Date to check (Excel date), needed for calendar, hybrid and either triggers.
 * @param [last_rebalance] Date of the last rebalance (blank: never rebalanced).
 * @returns TRUE if a rebalance is due.
 */
export function check(values: any[][], targets: any[][], policy?: any[][], asof?: any, last_rebalance?: any): boolean {
  return excelCall("CHECK", () => checkFn(values, targets, policy, asof, last_rebalance));
}

/**
 * Next scheduled calendar rebalance date: the first weekday (anchor=start) or last weekday (anchor=end) of the next period.
 * @customfunction NEXTDATE
 * @helpurl https://localhost:3000/formulas.html#nextdate
 * @param last_rebalance Date of the last rebalance (blank: use asof).
 * @param frequency_or_policy daily, weekly, monthly, quarterly, semiannual or annual; or a policy with a frequency.
 * @param [asof] When last_rebalance is blank: the first scheduled date on or after this date.
 * @returns An Excel date (format the cell as a date).
 */
export function nextdate(last_rebalance: any, frequency_or_policy: any[][], asof?: any): number {
  return excelCall("NEXTDATE", () => nextDateFn(last_rebalance, frequency_or_policy, asof));
}

/**
 * Trades that bring the holdings back to policy: signed quantity per row (+ buy, - sell, 0 none), respecting cash, lots, minimum trade, costs and buy-only/sell-only modes.
 * @customfunction TRADES
 * @helpurl https://localhost:3000/formulas.html#trades
 * @param quantities Quantities held, a column or a row.
 * @param prices Prices, same length (positive).
 * @param targets Target weights of the total value (holdings plus cash); may sum to less than 1.
 * @param [cash] Cash available (blank: 0).
 * @param [policy] Policy as "band_abs=0.05; lot=1; mode=buy_only" text, a key | value range or a stored policy name.
 * @returns Signed trade quantities, in the orientation of quantities.
 */
export function trades(quantities: any[][], prices: any[][], targets: any[][], cash?: any, policy?: any[][]): any[][] {
  return excelCall("TRADES", () => tradesFn(quantities, prices, targets, cash, policy));
}

/**
 * A trade table from a holdings range with a header row (asset, quantity, price, target; optional lot, restricted, min_weight, max_weight).
 * @customfunction TRADESHEET
 * @helpurl https://localhost:3000/formulas.html#tradesheet
 * @param holdings Holdings range including its header row.
 * @param [cash] Cash available (blank: 0).
 * @param [policy] Policy as text, a key | value range or a stored policy name.
 * @returns A table: asset, side, trade, price, value, weight before, target, weight after, cost, reason; then CASH and TOTAL rows.
 */
export function tradesheet(holdings: any[][], cash?: any, policy?: any[][]): any[][] {
  return excelCall("TRADESHEET", () => tradeSheetFn(holdings, cash, policy));
}

// Estimators and optimizers (bodies in optimization.ts; the maths in src/core/estimators and src/core/optimize).
import { allocateFn, covFn, frontierFn, optimizeFn, performanceFn, returnsFn } from "./optimization";

/**
 * Annualised expected returns from prices (PyPortfolioOpt conventions): mean (compounded, default), arith, ema or capm.
 * @customfunction RETURNS
 * @helpurl https://localhost:3000/formulas.html#returns
 * @param prices Prices: one row per date (oldest first), one column per asset; a first row of text is a header; blank cells are missing.
 * @param [method] mean (default), arith, ema or capm.
 * @param [options] Options as text or a key | value range: frequency (252), span (500, ema), risk_free_rate (capm), compounding (TRUE), returns_data (FALSE).
 * @param [benchmark] capm only: benchmark prices, a column aligned with the prices rows (blank: the cross-sectional mean return).
 * @returns A 1 x N row of expected returns.
 */
export function returns(prices: any[][], method?: any, options?: any[][], benchmark?: any[][]): any[][] {
  return excelCall("RETURNS", () => returnsFn(prices, method, options, benchmark));
}

/**
 * Annualised covariance matrix from prices: sample (pairwise complete, default), semi, exp, ledoit_wolf, ledoit_wolf_single_factor, ledoit_wolf_constant_correlation or oas.
 * @customfunction COV
 * @helpurl https://localhost:3000/formulas.html#cov
 * @param prices Prices: one row per date (oldest first), one column per asset; a first row of text is a header; blank cells are missing.
 * @param [method] sample (default), semi, exp, ledoit_wolf, ledoit_wolf_single_factor, ledoit_wolf_constant_correlation, oas.
 * @param [options] Options as text or a key | value range: frequency (252), span (180, exp), benchmark (semi, per period), returns_data (FALSE), fix_psd (TRUE).
 * @returns An N x N covariance matrix.
 */
export function cov(prices: any[][], method?: any, options?: any[][]): any[][] {
  return excelCall("COV", () => covFn(prices, method, options, workspace));
}

/**
 * Optimal portfolio weights: min_volatility (default), max_sharpe, efficient_return, efficient_risk, max_utility, risk_parity, hrp, inverse_variance or equal.
 * @customfunction OPTIMIZE
 * @helpurl https://localhost:3000/formulas.html#optimize
 * @param expected_returns Expected returns, a row or a column (may be blank for min_volatility, risk_parity, hrp, inverse_variance, equal).
 * @param cov Covariance matrix, N x N (a header row of names is allowed).
 * @param [objective] min_volatility (default), max_sharpe, efficient_return, efficient_risk, max_utility, risk_parity, hrp, inverse_variance, equal.
 * @param [options] Options as text or a key | value range: risk_free_rate, target_return, target_volatility, risk_aversion (1), min_weight (0), max_weight (1), gamma (L2), market_neutral, max_assets, min_position, solver, max_nodes, seed, cost_bps, max_turnover, output (weights | summary).
 * @param [lower] Per-asset lower bounds (override min_weight; blank cells use it).
 * @param [upper] Per-asset upper bounds (override max_weight; blank cells use it).
 * @param [current] The weights held now, same shape as expected_returns: with cost_bps and/or max_turnover the optimizer pays for and caps sum |w - current|.
 * @returns N weights, in the orientation of expected_returns (a column when blank).
 */
export function optimize(expected_returns: any[][], cov: any[][], objective?: any, options?: any[][], lower?: any[][], upper?: any[][], current?: any[][]): any[][] {
  return excelCall("OPTIMIZE", () => optimizeFn(expected_returns, cov, objective, options, lower, upper, workspace, current));
}

/**
 * Expected return, volatility and Sharpe ratio of a portfolio.
 * @customfunction PERFORMANCE
 * @helpurl https://localhost:3000/formulas.html#performance
 * @param weights Portfolio weights, a row or a column.
 * @param expected_returns Expected returns, same assets.
 * @param cov Covariance matrix, N x N.
 * @param [risk_free_rate] Annual risk-free rate (blank: 0).
 * @returns A 1 x 3 row: expected return, volatility, Sharpe ratio.
 */
export function performance(weights: any[][], expected_returns: any[][], cov: any[][], risk_free_rate?: any): any[][] {
  return excelCall("PERFORMANCE", () => performanceFn(weights, expected_returns, cov, risk_free_rate));
}

/**
 * Points on the efficient frontier, from the minimum-volatility portfolio to the maximum return.
 * @customfunction FRONTIER
 * @helpurl https://localhost:3000/formulas.html#frontier
 * @param expected_returns Expected returns, a row or a column.
 * @param cov Covariance matrix, N x N.
 * @param [points] Number of points (blank: 20).
 * @param [options] Options as text or a key | value range: risk_free_rate, min_weight, max_weight, gamma.
 * @returns One row per point: return, volatility, Sharpe, then the N weights.
 */
export function frontier(expected_returns: any[][], cov: any[][], points?: any, options?: any[][]): any[][] {
  return excelCall("FRONTIER", () => frontierFn(expected_returns, cov, points, options, workspace));
}

/**
 * Whole-lot quantities that best realise target weights with a given amount of money (PyPortfolioOpt discrete allocation).
 * @customfunction ALLOCATE
 * @helpurl https://localhost:3000/formulas.html#allocate
 * @param weights Target weights, a row or a column (long only).
 * @param prices Prices, same length.
 * @param total_value Money to invest.
 * @param [options] Options as text or a key | value range: method (greedy default, or lp: exact integer program with HiGHS), lot (1).
 * @returns Quantities per asset, in the orientation of weights.
 */
export async function allocate(weights: any[][], prices: any[][], total_value: any, options?: any[][]): Promise<any[][]> {
  return excelCallAsync("ALLOCATE", () => allocateFn(weights, prices, total_value, options));
}

// Black-Litterman (bodies in blackLitterman.ts; the model in src/core/optimize/blackLitterman.ts).
import { blackLittermanFn, impliedReturnsFn, riskAversionFn } from "./blackLitterman";

/**
 * Market-implied prior returns (Black-Litterman): risk_aversion * cov * market weights + risk_free_rate.
 * @customfunction IMPLIEDRETURNS
 * @helpurl https://localhost:3000/formulas.html#impliedreturns
 * @param cov Covariance matrix, N x N (a header row of names is allowed).
 * @param market_caps Market capitalisations, a row or a column (the market weights are caps / sum).
 * @param [risk_aversion] Risk aversion delta (blank: 1), e.g. from REBAL.RISKAVERSION.
 * @param [risk_free_rate] Risk-free rate added to every return (blank: 0).
 * @returns N implied returns, in the orientation of market_caps.
 */
export function impliedreturns(cov: any[][], market_caps: any[][], risk_aversion?: any, risk_free_rate?: any): any[][] {
  return excelCall("IMPLIEDRETURNS", () => impliedReturnsFn(cov, market_caps, risk_aversion, risk_free_rate));
}

/**
 * Market-implied risk aversion: (annualised mean return - risk_free_rate) / annualised variance of the market's returns.
 * @customfunction RISKAVERSION
 * @helpurl https://localhost:3000/formulas.html#riskaversion
 * @param market_prices Market (index) prices, one column, oldest first; a first cell of text is a header.
 * @param [options] Options as text or a key | value range: frequency (252), risk_free_rate (0), returns_data (FALSE).
 * @returns The risk aversion delta.
 */
export function riskaversion(market_prices: any[][], options?: any[][]): number {
  return excelCall("RISKAVERSION", () => riskAversionFn(market_prices, options));
}

/**
 * Black-Litterman posterior returns from a prior and views (absolute or relative), PyPortfolioOpt conventions.
 * @customfunction BLACKLITTERMAN
 * @helpurl https://localhost:3000/formulas.html#blacklitterman
 * @param cov Covariance matrix, N x N (a header row of names is allowed).
 * @param prior Prior returns, a row or a column, e.g. REBAL.IMPLIEDRETURNS (blank: zero).
 * @param views K rows: N picking weights (blank = 0), then the view return Q, then an optional confidence in [0, 1].
 * @param [options] Options as text or a key | value range: tau (0.05), omega (default | idzorek), output (returns | cov | weights), risk_aversion (weights, 1).
 * @returns N posterior returns (a row when prior is blank), or the N x N posterior covariance (output=cov), or weights.
 */
export function blacklitterman(cov: any[][], prior: any[][], views: any[][], options?: any[][]): any[][] {
  return excelCall("BLACKLITTERMAN", () => blackLittermanFn(cov, prior, views, options));
}

// Tail-risk optimizers (body in tail.ts; the LPs in src/core/optimize/tail.ts, HiGHS loaded on demand).
import { optimizeTailFn } from "./tail";

/**
 * Weights that minimise tail risk as linear programs (PyPortfolioOpt EfficientCVaR / EfficientCDaR): min_cvar (default), efficient_cvar, min_cdar, efficient_cdar.
 * @customfunction OPTIMIZETAIL
 * @helpurl https://localhost:3000/formulas.html#optimizetail
 * @param prices Prices: one row per date (oldest first), one column per asset; a first row of text is a header; every asset needs a price on every date.
 * @param [objective] min_cvar (default), efficient_cvar, min_cdar, efficient_cdar.
 * @param [options] Options as text or a key | value range: beta (0.95), target_return (efficient_*), min_weight (0), max_weight (1), frequency (252), returns_data (FALSE), output (weights | summary).
 * @param [lower] Per-asset lower bounds (override min_weight; blank cells use it).
 * @param [upper] Per-asset upper bounds (override max_weight; blank cells use it).
 * @returns N weights in a column, or a metric | value table (output=summary).
 */
export async function optimizetail(prices: any[][], objective?: any, options?: any[][], lower?: any[][], upper?: any[][]): Promise<any[][]> {
  return excelCallAsync("OPTIMIZETAIL", () => optimizeTailFn(prices, objective, options, lower, upper));
}

// Backtests and performance statistics (bodies in backtest.ts; the engine in src/core/backtest).
import { backtestFn, equityFn, statsFn, targetsHistoryFn } from "./backtest";

/**
 * Backtests a rebalancing policy on a price history: return, risk, drawdown, turnover, costs and number of rebalances, as a metric | value table.
 * @customfunction BACKTEST
 * @helpurl https://localhost:3000/formulas.html#backtest
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param prices Prices: one row per date, one column per asset; a first row of text (tickers) is a header; blank cells are missing prices.
 * @param targets Target weights, one per price column (may sum to less than 1: the rest is cash), or walk-forward targets: "optimize: objective=max_sharpe; window=504; every=monthly".
 * @param [policy] Policy as "trigger=calendar; frequency=monthly" or "band_rel=0.2" text, a key | value range or a stored policy name (blank: rebalance every day).
 * @param [options] Options as text or a key | value range: initial_value (1000000), frequency (252), risk_free_rate (0), contribution, contribution_frequency (monthly).
 * @returns A 2-column table: total_return, cagr, volatility, sharpe, sortino, max_drawdown, calmar, turnover, rebalances, costs, final_value and more.
 */
export function backtest(dates: any[][], prices: any[][], targets: any[][], policy?: any[][], options?: any[][]): any[][] {
  return excelCall("BACKTEST", () => backtestFn(dates, prices, targets, policy, options, workspace));
}

/**
 * Portfolio value of a backtested rebalancing policy on each date, for charts.
 * @customfunction EQUITY
 * @helpurl https://localhost:3000/formulas.html#equity
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param prices Prices: one row per date, one column per asset; a first row of text (tickers) is a header; blank cells are missing prices.
 * @param targets Target weights, one per price column (may sum to less than 1: the rest is cash), or walk-forward targets: "optimize: objective=max_sharpe; window=504; every=monthly".
 * @param [policy] Policy as text, a key | value range or a stored policy name (blank: rebalance every day).
 * @param [options] Options as text or a key | value range: initial_value (1000000), contribution, contribution_frequency (monthly).
 * @returns A table with one row per date: date, portfolio value after the day's trades and costs.
 */
export function equity(dates: any[][], prices: any[][], targets: any[][], policy?: any[][], options?: any[][]): any[][] {
  return excelCall("EQUITY", () => equityFn(dates, prices, targets, policy, options, workspace));
}

/**
 * Performance statistics of a value series: total_return, cagr, volatility, sharpe, sortino, max_drawdown, calmar.
 * @customfunction STATS
 * @helpurl https://localhost:3000/formulas.html#stats
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param values Values (prices or portfolio values, positive), same length as dates; a first row of text is a header.
 * @param [options] Options as text or a key | value range: frequency (252 periods per year), risk_free_rate (0, annual).
 * @returns A 2-column table: metric name, value.
 */
export function stats(dates: any[][], values: any[][], options?: any[][]): any[][] {
  return excelCall("STATS", () => statsFn(dates, values, options));
}

/**
 * Walk-forward targets: the optimizer's weights on each re-estimation date, from the trailing window of prices only.
 * @customfunction TARGETSHISTORY
 * @helpurl https://localhost:3000/formulas.html#targetshistory
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param prices Prices: one row per date, one column per asset; a first row of text (tickers) is a header; blank cells are missing prices.
 * @param spec Optimizer spec, e.g. "optimize: objective=max_sharpe; returns=ema; cov=ledoit_wolf; window=504; every=monthly; max_weight=0.3".
 * @returns A table with a header row (date, assets), then one row per re-estimation date: the date and the target weights.
 */
export function targetshistory(dates: any[][], prices: any[][], spec: any[][]): any[][] {
  return excelCall("TARGETSHISTORY", () => targetsHistoryFn(dates, prices, spec, workspace));
}

// Monte Carlo and sweeps (bodies in simulate.ts; the models in src/core/simulate).
import { simulateFn, sweepFn } from "./simulate";

/**
 * Monte Carlo of rebalancing policies: each policy on the same resampled price paths (stationary block bootstrap of the daily return rows), as a percentile table.
 * @customfunction SIMULATE
 * @helpurl https://localhost:3000/formulas.html#simulate
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param prices Prices: one row per date, one column per asset; a first row of text (tickers) is a header; blank cells are missing prices.
 * @param targets Target weights, one per price column; may sum to less than 1 (the rest is cash).
 * @param policies A column (or row) of policy texts, e.g. "trigger=calendar; frequency=quarterly"; one result block per policy.
 * @param [options] Options as text or a key | value range: paths (1000), years (10), block (21 days), seed (1), initial_value, risk_free_rate, contribution.
 * @returns A table with a header row: policy, statistic, mean, p5, p25, p50, p75, p95; one row per policy and statistic.
 */
export function simulate(dates: any[][], prices: any[][], targets: any[][], policies: any[][], options?: any[][]): any[][] {
  return excelCall("SIMULATE", () => simulateFn(dates, prices, targets, policies, options, workspace));
}

/**
 * A backtest statistic over a grid of one or two policy keys (e.g. band_abs x frequency), with row and column headers.
 * @customfunction SWEEP
 * @helpurl https://localhost:3000/formulas.html#sweep
 * @param dates Dates (Excel dates), a column, oldest first; a first row of text is a header.
 * @param prices Prices: one row per date, one column per asset; a first row of text (tickers) is a header; blank cells are missing prices.
 * @param targets Target weights, one per price column (may sum to less than 1: the rest is cash), or walk-forward targets "optimize: ...".
 * @param base_policy The policy whose other keys every grid cell uses (text or a key | value range; blank: defaults).
 * @param key The policy key to sweep down the rows, e.g. "band_abs".
 * @param values Its values: a row or column of cells, or a text "0.02, 0.05, 0.1".
 * @param [key2] A second policy key, swept across the columns, e.g. "frequency".
 * @param [values2] Its values.
 * @param [statistic] The REBAL.BACKTEST statistic to show (sharpe): cagr, volatility, max_drawdown, turnover, costs, final_value...
 * @param [options] Backtest options as text or a key | value range: initial_value, risk_free_rate, contribution.
 * @returns One key: a header row (key, statistic) and a row per value; two keys: a grid with the key2 values across and the key values down.
 */
export function sweep(dates: any[][], prices: any[][], targets: any[][], base_policy: any[][], key: any, values: any[][], key2?: any, values2?: any[][], statistic?: any, options?: any[][]): any[][] {
  return excelCall("SWEEP", () => sweepFn(dates, prices, targets, base_policy, key, values, key2, values2, statistic, options, workspace));
}

import { harvestFn, sellLotsFn } from "./taxLots";

/**
 * The lots a set of sells takes (lot_method: min_tax, hifo, fifo, lifo) with realized gain and term per lot, then TOTAL, TOTAL_ST, TOTAL_LT and EST_TAX rows.
 * @customfunction SELLLOTS
 * @helpurl https://localhost:3000/formulas.html#selllots
 * @param lots Lots with a header row: asset, acquired (date), quantity, cost or unit_cost; optional account, lot_id.
 * @param trades Trades with a header row: asset, trade (signed; only sells are used), price; optional quantity (the holding, checked against the lots) and account. REBAL.TRADESHEET's output works as it is.
 * @param [policy] Tax keys (and any policy keys): lot_method, lt_days, st_rate, lt_rate, as text or a key | value range.
 * @param [asof] The trade date (Excel date, e.g. TODAY()): a lot held more than lt_days days on it is long-term. Required.
 * @returns A table with a header row: asset, lot_id, acquired, quantity, proceeds, basis, gain, term; one row per lot (part) sold; then the totals.
 */
export function selllots(lots: any[][], trades: any[][], policy?: any[][], asof?: any): any[][] {
  return excelCall("SELLLOTS", () => sellLotsFn(lots, trades, policy, asof));
}

/**
 * Tax-loss harvesting candidates: lots with an unrealized loss, largest first, with the term and a wash-sale flag (a buy of the asset within wash_days before asof).
 * @customfunction HARVEST
 * @helpurl https://localhost:3000/formulas.html#harvest
 * @param lots Lots with a header row: asset, acquired (date), quantity, cost or unit_cost; optional account, lot_id.
 * @param prices A 2-column asset | price range (a header row is skipped).
 * @param [policy] Tax keys as text or a key | value range: harvest_min_loss, harvest_min_pct, wash_days, lt_days.
 * @param [asof] The date of the sale (Excel date, e.g. TODAY()). Required.
 * @param [recent_buys] An asset | date | quantity range of buys for the wash-sale check (default: the acquisition dates of the asset's other lots).
 * @returns A table with a header row: asset, lot_id, quantity, loss, term, wash_sale.
 */
export function harvest(lots: any[][], prices: any[][], policy?: any[][], asof?: any, recent_buys?: any[][]): any[][] {
  return excelCall("HARVEST", () => harvestFn(lots, prices, policy, asof, recent_buys));
}
