/**
 * Backtests of rebalancing policies and performance statistics (see each module's header):
 * engine.ts (the day loop), stats.ts (total return, CAGR, volatility, Sharpe, Sortino, drawdown,
 * Calmar), options.ts (the formulas' option keys), summary.ts (the metric table of REBAL.BACKTEST), progress.ts
 * (runBacktest's onProgress hook; BacktestCancelled / isCancelled), scanWasm.ts (the WebAssembly
 * kernel of the quiet rows; backtestPrices allocates a price matrix it reads in place).
 */
export * from "./engine";
export * from "./options";
export * from "./progress";
export * from "./stats";
export * from "./summary";
export { backtestPrices } from "./scanWasm";
