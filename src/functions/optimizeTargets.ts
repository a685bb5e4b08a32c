/**
 * The pane's "Optimize targets" computation: a prices (or returns) range and the view's choices in,
 * suggested target weights and a metric | value summary out. No maths of its own: it chains the
 * formula bodies a user would chain in cells, with their parsing and their messages —
 * - tail objectives (min_cvar, efficient_cvar, min_cdar, efficient_cdar): REBAL.OPTIMIZETAIL on the range;
 * - the others: expected returns REBAL.RETURNS(prices) (mean historical, annualised, 252), covariance
 *   REBAL.COV(prices) (sample), optionally the Black-Litterman posterior
 *   REBAL.BLACKLITTERMAN(cov, those returns as the prior, views), then REBAL.OPTIMIZE(mu, cov,
 *   objective, options, , , current) (optimizeWithSummary: weights and output=summary from one solve).
 * The range: a header row of tickers (required: targets are named), optionally a first column of
 * dates headed "Date" (skipped, as the Compare view's price ranges have one). `returns_data=TRUE` in the
 * options means the range holds returns (passed to RETURNS / COV / OPTIMIZETAIL, not to OPTIMIZE).
 * `output` is not an option here (the view always shows both).
 */
import { RebalError } from "../core/errors";
import { readKeyValues, valueAsBoolean } from "../core/keyvalues";
import { TAIL_OBJECTIVES } from "../core/optimize/tail";
import { OBJECTIVES } from "../core/optimize";
import { Workspace } from "../core/workspace";
import { keyValueArg, matrixArg } from "./args";
import { blackLittermanFn } from "./blackLitterman";
import { covFn, optimizeWithSummary, returnsFn } from "./optimization";
import { optimizeTailFn } from "./tail";

export const TARGET_OBJECTIVES = [...OBJECTIVES, ...TAIL_OBJECTIVES] as const;

export interface TargetsRequest {
  /** the prices (or returns) range's values, header row of tickers first */
  prices: unknown[][];
  objective: string;
  /** key=value text, as REBAL.OPTIMIZE / REBAL.OPTIMIZETAIL read it (plus returns_data) */
  options: string;
  /** Black-Litterman views (REBAL.BLACKLITTERMAN's views range), or null */
  views?: unknown[][] | null;
  /** the weights held now (REBAL.OPTIMIZE's 7th argument), or null */
  current?: unknown[][] | null;
}

export interface TargetsResult { names: string[]; weights: number[]; summary: (string | number | boolean)[][] }

/** Drops a first column headed "Date"; checks the header of tickers. */
function assetColumns(prices: unknown[][]): unknown[][] {
  const m = matrixArg(prices, "prices");
  const first = m[0][0];
  const rows = typeof first === "string" && first.trim().toLowerCase() === "date" ? m.map((r) => r.slice(1)) : m;
  if (rows[0].length === 0) throw new RebalError("prices has no asset columns after the Date column");
  rows[0].forEach((v, j) => {
    if (typeof v !== "string" || v.trim() === "") throw new RebalError(`prices: the first row must name every asset (column ${j + 1} is ${v === "" || v === null ? "blank" : String(v)})`);
  });
  return rows;
}

export async function optimizeTargets(req: TargetsRequest, ws: Workspace): Promise<TargetsResult> {
  const objective = req.objective.trim().toLowerCase();
  if (!(TARGET_OBJECTIVES as readonly string[]).includes(objective)) throw new RebalError(`objective must be one of ${TARGET_OBJECTIVES.join(", ")}, got "${req.objective}"`);
  const prices = assetColumns(req.prices);
  const names = prices[0].map((v) => String(v).trim());
  const kv = readKeyValues(keyValueArg(req.options), "options");
  if (kv.some((p) => p.key === "output")) throw new RebalError("options: output is not used here (the view shows the weights and the summary)");
  const rd = kv.find((p) => p.key === "returns_data");
  const returnsData = rd ? valueAsBoolean(rd) : false;
  const blank = (v: unknown[][] | null | undefined) => !v || v.every((r) => r.every((x) => x === "" || x === null || x === undefined));
  if ((TAIL_OBJECTIVES as readonly string[]).includes(objective)) {
    if (!blank(req.views) || !blank(req.current)) throw new RebalError(`${objective} uses the returns themselves: views and current weights do not apply`);
    const weights = (await optimizeTailFn(prices, objective, req.options, null, null)).map((r) => r[0] as number);
    const summary = await optimizeTailFn(prices, objective, `${req.options}; output=summary`, null, null);
    return { names, weights, summary };
  }
  const estimator = returnsData ? "returns_data=TRUE" : null;
  const optOptions = kv.filter((p) => p.key !== "returns_data").map((p) => `${p.key}=${p.value}`).join("; ");
  let mu = returnsFn(prices, null, estimator, null);
  const cov = covFn(prices, null, estimator, ws);
  if (!blank(req.views)) mu = blackLittermanFn(cov, mu, req.views, null);
  const covTable = [names, ...cov];
  const { weights, summary } = optimizeWithSummary(mu, covTable, objective, optOptions, null, null, ws, blank(req.current) ? undefined : req.current);
  return { names, weights, summary };
}
