/**
 * REBAL.OPTIMIZETAIL's body: parsing and shaping only; the LPs are src/core/optimize/tail.ts
 * (PyPortfolioOpt EfficientCVaR / EfficientCDaR conventions, solved by HiGHS loaded on demand).
 * Prices are read as REBAL.COV reads them (panelArg: a first row of text is a header of names).
 * Output: N weights in a column (`output=weights`, default), or a 2-column metric | value table
 * (`output=summary`): cvar | cdar, var | dar (the optimal alpha), expected_return, beta, observations.
 */
import { RebalError } from "../core/errors";
import { valueAsBoolean, valueAsChoice, valueAsNumber } from "../core/keyvalues";
import { optimizeTail, TAIL_OBJECTIVES, TailOptions } from "../core/optimize/tail";
import { shapeVector } from "./args";
import { choice, optionalVector, options, panelArg } from "./optimization";

type Out = (number | string | boolean)[][];

const TAIL_KEYS = ["beta", "target_return", "min_weight", "max_weight", "frequency", "returns_data", "output"] as const;

export async function optimizeTailFn(prices: unknown, objective: unknown, opts: unknown, lower: unknown, upper: unknown): Promise<Out> {
  const { panel, names, bad } = panelArg(prices, "prices");
  const obj = choice(objective, "objective", TAIL_OBJECTIVES, "min_cvar");
  const o: TailOptions = { names };
  let output: "weights" | "summary" = "weights";
  for (const kv of options(opts, "options", TAIL_KEYS)) {
    switch (kv.key) {
      case "beta": o.beta = valueAsNumber(kv); break;
      case "target_return": o.targetReturn = valueAsNumber(kv); break;
      case "min_weight": o.minWeight = valueAsNumber(kv); break;
      case "max_weight": o.maxWeight = valueAsNumber(kv); break;
      case "frequency": o.frequency = valueAsNumber(kv); break;
      case "returns_data": o.returnsData = valueAsBoolean(kv); break;
      default: output = valueAsChoice(kv, ["weights", "summary"] as const);
    }
  }
  if (bad.row !== 0) throw new RebalError(`${o.returnsData ? "returns" : "prices"} row ${bad.row}, column ${bad.col} is not a number: ${String(bad.value).slice(0, 40)}`);
  o.lower = optionalVector(lower, "lower", panel.N);
  o.upper = optionalVector(upper, "upper", panel.N);
  const r = await optimizeTail(panel, obj, o);
  if (output === "weights") return shapeVector(r.weights, "column");
  const cdar = r.objective.endsWith("cdar");
  return [[cdar ? "cdar" : "cvar", r.risk], [cdar ? "dar" : "var", r.alpha], ["expected_return", r.expectedReturn], ["beta", r.beta], ["observations", r.observations]];
}
