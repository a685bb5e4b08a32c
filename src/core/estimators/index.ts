/**
 * Estimators (REBAL.RETURNS, REBAL.COV): expected returns and risk models with PyPortfolioOpt
 * conventions — see returns.ts, covariance.ts, panel.ts.
 */
export { expectedReturns, RETURNS_METHODS } from "./returns";
export type { ReturnsOptions, ReturnsMethod } from "./returns";
export { riskMatrix, riskMatrixPanel, COV_METHODS, fixNonPsd, isPsd } from "./covariance";
export type { CovOptions, CovMethod } from "./covariance";
export { returnsFromPrices, toPanel } from "./panel";
export type { Cells, Panel } from "./panel";
