/**
 * Optimizer dispatcher (REBAL.OPTIMIZE): objective name → weights, PyPortfolioOpt conventions
 * (see efficient.ts, riskParity.ts, hrp.ts). Objectives: min_volatility (default), max_sharpe,
 * efficient_return, efficient_risk, max_utility, risk_parity, hrp, inverse_variance, equal.
 * `expected_returns` may be null for objectives that do not use it. OBJECTIVE_OPTIONS says which
 * options each objective applies; interfaces (the CLI) call rejectUnusedOptions so that no option is
 * silently ignored. Infeasible bounds are errors naming the limit (problem.ts). `max_assets` /
 * `min_position` route the mean-variance objectives through cardinality.ts (exact branch and bound,
 * or genetic.ts with solver=genetic); optimizeDetailed also returns that search's report (gap).
 * `current` with `cost_bps` / `max_turnover` re-optimise from the weights now (turnover.ts).
 */
import { RebalError } from "../errors";
import { efficientReturn, efficientRisk, maxSharpe, maxUtility, minVolatility } from "./efficient";
import { equalWeights, hrp, inverseVariance } from "./hrp";
import { OptimizeOptions, prepare } from "./problem";
import { riskParityPrepared } from "./riskParity";
import { CARDINALITY_OBJECTIVES, CardinalityObjective, CardinalityParams, CardinalityResult, cardinalityBranchAndBound } from "./cardinality";
import { cardinalityGenetic } from "./genetic";
import { TURNOVER_OBJECTIVES, TurnoverObjective, optimizeFromCurrent } from "./turnover";

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
  riskBudget: "risk_budget", maxAssets: "max_assets", minPosition: "min_position", maxNodes: "max_nodes", solver: "solver", seed: "seed",
  current: "current", costBps: "cost_bps", maxTurnover: "max_turnover",
};

const BOUNDS: OptionKey[] = ["minWeight", "maxWeight", "lower", "upper"];
/** cardinality.ts: the mean-variance objectives take max_assets / min_position */
const CARD: OptionKey[] = ["maxAssets", "minPosition", "maxNodes", "solver", "seed"];
/** turnover.ts: re-optimising from current holdings */
const MOVE: OptionKey[] = ["current", "costBps", "maxTurnover"];

/**
 * The options each objective applies; rejectUnusedOptions refuses any other, so no option is
 * silently ignored: HRP, inverse variance and equal weights have no weight bounds
 * (as PyPortfolioOpt's HRPOpt), risk parity takes only risk budgets, max_sharpe is not market-neutral.
 */
export const OBJECTIVE_OPTIONS: Record<Objective, readonly OptionKey[]> = {
  min_volatility: [...BOUNDS, "gamma", "marketNeutral", ...CARD, ...MOVE],
  max_sharpe: ["riskFreeRate", ...BOUNDS, "gamma", ...CARD],
  efficient_return: ["targetReturn", ...BOUNDS, "gamma", "marketNeutral", ...CARD, ...MOVE],
  efficient_risk: ["targetVolatility", ...BOUNDS, "gamma", "marketNeutral", ...CARD],
  max_utility: ["riskAversion", ...BOUNDS, "gamma", "marketNeutral", ...CARD, ...MOVE],
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

/** What optimizeDetailed reports besides the weights (the cardinality search; null for convex objectives). */
export type OptimizeReport = Omit<CardinalityResult, "weights"> | null;

const cardinalityRequested = (o: OptimizeOptions): boolean => CARD.some((k) => given(o[k]));
const moveRequested = (o: OptimizeOptions): boolean => MOVE.some((k) => given(o[k]));

/** current + cost_bps / max_turnover (turnover.ts). */
function optimizeFromCurrentOf(key: string, objective: string | null | undefined, mu: ReadonlyArray<unknown> | null | undefined, cov: Cov, o: OptimizeOptions): number[] {
  if (!(TURNOVER_OBJECTIVES as readonly string[]).includes(key)) {
    if ((OBJECTIVES as readonly string[]).includes(key)) rejectUnusedOptions(key as Objective, o);
    throw new RebalError(`unknown objective "${objective}": use one of ${OBJECTIVES.join(", ")}`);
  }
  if (!given(o.current)) throw new RebalError(`${MOVE.filter((k) => given(o[k])).map((k) => OPTION_NAMES[k]).join(", ")} need current (the weights now)`);
  if (o.costBps === undefined && o.maxTurnover === undefined) throw new RebalError("current needs cost_bps and/or max_turnover (without them the current weights change nothing)");
  if (key === "efficient_return" && (o.targetReturn === undefined || o.targetReturn === null)) throw new RebalError("efficient_return needs target_return");
  const p = prepare(mu, cov, o, key !== "min_volatility", key);
  const cur = o.current as ReadonlyArray<number>;
  const r = optimizeFromCurrent(p, { objective: key as TurnoverObjective, current: cur, costBps: o.costBps, maxTurnover: o.maxTurnover, riskAversion: o.riskAversion, targetReturn: o.targetReturn });
  for (const v of r.weights) if (!Number.isFinite(v)) throw new RebalError("optimizer produced a non-finite weight");
  return Array.from(r.weights);
}

/**
 * The weights and, for max_assets / min_position (cardinality.ts), the search's report: score, proven
 * bound and gap, relaxations solved, assets held, solver.
 */
export function optimizeDetailed(objective: string | null | undefined, mu: ReadonlyArray<unknown> | null | undefined, cov: Cov, o: OptimizeOptions = {}): { weights: number[]; report: OptimizeReport } {
  const key = (objective ?? "min_volatility").toString().trim().toLowerCase() || "min_volatility";
  if (moveRequested(o) && !cardinalityRequested(o)) return { weights: optimizeFromCurrentOf(key, objective, mu, cov, o), report: null };
  if (!cardinalityRequested(o)) return { weights: optimize(key, mu, cov, o), report: null };
  if (!(CARDINALITY_OBJECTIVES as readonly string[]).includes(key)) {
    if ((OBJECTIVES as readonly string[]).includes(key)) rejectUnusedOptions(key as Objective, o);
    throw new RebalError(`unknown objective "${objective}": use one of ${OBJECTIVES.join(", ")}`);
  }
  if (o.maxAssets === undefined && o.minPosition === undefined) throw new RebalError(`${CARD.filter((k) => given(o[k])).map((k) => OPTION_NAMES[k]).join(", ")} apply only with max_assets or min_position`);
  const ob = key as CardinalityObjective;
  const muNeeded = ob !== "min_volatility";
  const p = prepare(mu, cov, o, muNeeded, ob);
  if (ob === "efficient_return" && (o.targetReturn === undefined || o.targetReturn === null)) throw new RebalError("efficient_return needs target_return");
  if (ob === "efficient_risk" && (o.targetVolatility === undefined || o.targetVolatility === null)) throw new RebalError("efficient_risk needs target_volatility");
  let fromCurrent: CardinalityParams["fromCurrent"];
  if (moveRequested(o)) { // max_assets / min_position from current holdings: each node solves the turnover problem
    if (!(TURNOVER_OBJECTIVES as readonly string[]).includes(ob)) rejectUnusedOptions(ob, o);
    if (!given(o.current)) throw new RebalError(`${MOVE.filter((k) => given(o[k])).map((k) => OPTION_NAMES[k]).join(", ")} need current (the weights now)`);
    if (o.costBps === undefined && o.maxTurnover === undefined) throw new RebalError("current needs cost_bps and/or max_turnover (without them the current weights change nothing)");
    if ((o.current as ReadonlyArray<number>).length !== p.n) throw new RebalError(`current has ${(o.current as ReadonlyArray<number>).length} values but cov has ${p.n} assets`);
    fromCurrent = { current: o.current as ReadonlyArray<number>, costBps: o.costBps, maxTurnover: o.maxTurnover };
  }
  const params: CardinalityParams = { objective: ob, maxAssets: o.maxAssets, minPosition: o.minPosition, maxNodes: o.maxNodes, riskFreeRate: o.riskFreeRate, targetReturn: o.targetReturn, targetVolatility: o.targetVolatility, riskAversion: o.riskAversion, fromCurrent };
  const solver = o.solver ?? "auto";
  if (solver !== "auto" && solver !== "exact" && solver !== "genetic") throw new RebalError(`solver must be auto, exact or genetic, got ${String(solver)}`);
  if (o.seed !== undefined && solver === "exact") throw new RebalError("seed applies only with solver=genetic or auto (exact is deterministic)");
  let r: CardinalityResult;
  if (solver === "genetic") r = cardinalityGenetic(p, params, o.seed ?? 1);
  else if (solver === "exact") r = cardinalityBranchAndBound(p, params);
  else {
    // auto: the genetic answer is the exact search's first incumbent; the bound and gap are the exact search's
    let g: CardinalityResult | null = null;
    try { g = cardinalityGenetic(p, { ...params, maxNodes: undefined }, o.seed ?? 1); } catch (err) { if (!(err instanceof RebalError)) throw err; }
    const e = cardinalityBranchAndBound(p, params, g ? { weights: g.weights, score: g.score } : undefined);
    r = g ? { ...e, nodes: e.nodes + g.nodes, solver: e.score < g.score ? "exact" : "exact+genetic" } : e;
  }
  const { weights, ...report } = r;
  return { weights: Array.from(weights), report };
}

export function optimize(objective: string | null | undefined, mu: ReadonlyArray<unknown> | null | undefined, cov: Cov, o: OptimizeOptions = {}): number[] {
  const key = (objective ?? "min_volatility").toString().trim().toLowerCase() || "min_volatility";
  if (cardinalityRequested(o) || moveRequested(o)) return optimizeDetailed(key, mu, cov, o).weights;
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
