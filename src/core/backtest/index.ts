/**
 * Backtests of rebalancing policies and performance statistics (see each module's header):
 * engine.ts (the day loop), stats.ts (total return, CAGR, volatility, Sharpe, Sortino, drawdown,
 * Calmar), options.ts (the formulas' option keys), summary.ts (the metric table of REBAL.BACKTEST).
 */
export * from "./engine";
export * from "./options";
export * from "./stats";
export * from "./summary";
