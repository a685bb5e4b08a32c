/**
 * Estimators (REBAL.RETURNS, REBAL.COV): expected returns and risk models with PyPortfolioOpt
 * conventions — see returns.ts, covariance.ts, panel.ts.
 */
export { expectedReturns, RETURNS_METHODS } from "./returns";
export type { ReturnsOptions, ReturnsMethod } from "./returns";
export { riskMatrix, riskMatrixPanel, riskMatrixRows, COV_METHODS, fixNonPsd, isPsd } from "./covariance";
export type { CovOptions, CovMethod } from "./covariance";
export { panelFromRaw, returnsFromPrices, toPanel } from "./panel";
export type { Cells, Panel } from "./panel";
