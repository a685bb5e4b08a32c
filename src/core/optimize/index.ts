/**
 * Optimizer dispatcher (REBAL.OPTIMIZE): objective name → weights, PyPortfolioOpt conventions
 * (see efficient.ts, riskParity.ts, hrp.ts). Objectives: min_volatility (default), max_sharpe,
 * efficient_return, efficient_risk, max_utility, risk_parity, hrp, inverse_variance, equal.
 * `expected_returns` may be null for objectives that do not use it. OBJECTIVE_OPTIONS says which
 * options each objective applies; interfaces (the CLI) call rejectUnusedOptions so that no option is
 * silently ignored. Infeasible bounds are errors naming the limit (problem.ts).
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
export type Objective = (typeof OBJECTIVES)[number];
type OptionKey = Exclude<keyof OptimizeOptions, "names" | "workspace">;

/** The option names users write (formulas, CLI --options) for each OptimizeOptions field. */
export const OPTION_NAMES: Record<OptionKey, string> = {
  riskFreeRate: "risk_free_rate", targetReturn: "target_return", targetVolatility: "target_volatility", riskAversion: "risk_aversion",
  minWeight: "min_weight", maxWeight: "max_weight", lower: "lower", upper: "upper", gamma: "gamma", marketNeutral: "market_neutral",
  riskBudget: "risk_budget",
};

const BOUNDS: OptionKey[] = ["minWeight", "maxWeight", "lower", "upper"];

/**
 * The options each objective applies; rejectUnusedOptions refuses any other, so no option is
 * silently ignored: HRP, inverse variance and equal weights have no weight bounds
 * (as PyPortfolioOpt's HRPOpt), risk parity takes only risk budgets, max_sharpe is not market-neutral.
 */
export const OBJECTIVE_OPTIONS: Record<Objective, readonly OptionKey[]> = {
  min_volatility: [...BOUNDS, "gamma", "marketNeutral"],
  max_sharpe: ["riskFreeRate", ...BOUNDS, "gamma"],
  efficient_return: ["targetReturn", ...BOUNDS, "gamma", "marketNeutral"],
  efficient_risk: ["targetVolatility", ...BOUNDS, "gamma", "marketNeutral"],
  max_utility: ["riskAversion", ...BOUNDS, "gamma", "marketNeutral"],
  risk_parity: ["riskBudget"],
  hrp: [],
  inverse_variance: [],
  equal: [],
};

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.every((x) => x === null || x === undefined));

/** The options of `o` that `objective` does not apply (as users write them), in OPTION_NAMES order. */
export function unusedOptions(objective: Objective, o: OptimizeOptions): string[] {
  const used = new Set<string>(OBJECTIVE_OPTIONS[objective]);
  return (Object.keys(OPTION_NAMES) as OptionKey[]).filter((k) => given(o[k]) && !used.has(k)).map((k) => OPTION_NAMES[k]);
}

/** Throws RebalError naming every option `objective` would ignore, and the objectives that take them. */
export function rejectUnusedOptions(objective: Objective, o: OptimizeOptions): void {
  const unused = unusedOptions(objective, o);
  if (unused.length === 0) return;
  const takers = OBJECTIVES.filter((ob) => unused.every((name) => OBJECTIVE_OPTIONS[ob].some((k) => OPTION_NAMES[k] === name)));
  const accepted = OBJECTIVE_OPTIONS[objective].map((k) => OPTION_NAMES[k]);
  throw new RebalError(
    `objective ${objective} does not use ${unused.join(", ")} (it takes ${accepted.length ? accepted.join(", ") : "no options"})` +
    (takers.length ? `; objectives that do: ${takers.join(", ")}` : ""),
  );
}

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
