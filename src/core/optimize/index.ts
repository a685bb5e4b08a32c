/**
 * Optimizer dispatcher (REBAL.OPTIMIZE): objective name → weights, PyPortfolioOpt conventions
 * (see efficient.ts, riskParity.ts, hrp.ts). Objectives: min_volatility (default), max_sharpe,
 * efficient_return, efficient_risk, max_utility, risk_parity, hrp, inverse_variance, equal.
 * `expected_returns` may be null for objectives that do not use it.
 */
import { RebalError } from "../errors";
import { efficientReturn, efficientRisk, maxSharpe, maxUtility, minVolatility } from "./efficient";
import { equalWeights, hrp, inverseVariance } from "./hrp";
import { OptimizeOptions, prepare } from "./problem";
import { riskParityPrepared } from "./riskParity";

export const OBJECTIVES = [
  "min_volatility", "max_sharpe", "efficient_return", "efficient_risk", "max_utility", "risk_parity", "hrp", "inverse_variance", "equal",
] as const;

export type { OptimizeOptions } from "./problem";
export { portfolioPerformance, efficientFrontier } from "./efficient";
export { allocate, allocateGreedy, allocateLp } from "./allocate";

type Cov = ReadonlyArray<ReadonlyArray<unknown>>;

export function optimize(objective: string | null | undefined, mu: ReadonlyArray<unknown> | null | undefined, cov: Cov, o: OptimizeOptions = {}): number[] {
  const key = (objective ?? "min_volatility").toString().trim().toLowerCase() || "min_volatility";
  switch (key) {
    case "min_volatility": return minVolatility(cov, o);
    case "max_sharpe": return maxSharpe(mu, cov, o);
    case "efficient_return": return efficientReturn(mu, cov, o);
    case "efficient_risk": return efficientRisk(mu, cov, o);
    case "max_utility": return maxUtility(mu, cov, o);
    case "risk_parity": {
      const p = prepare(null, cov, o, false, "risk_parity");
      return Array.from(riskParityPrepared(p.S, p.n, o.riskBudget, o.names));
    }
    case "hrp": return hrp(cov, o.names);
    case "inverse_variance": return inverseVariance(cov, o.names);
    case "equal": {
      if (!Array.isArray(cov) || cov.length === 0) throw new RebalError("cov is empty");
      return equalWeights(cov.length);
    }
    default: throw new RebalError(`unknown objective "${objective}": use one of ${OBJECTIVES.join(", ")}`);
  }
}
