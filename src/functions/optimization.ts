/**
 * The optimization formulas' bodies: RETURNS, COV, OPTIMIZE, PERFORMANCE, FRONTIER, ALLOCATE.
 * Parsing and shaping only; the estimators and optimizers are in src/core/estimators and
 * src/core/optimize (PyPortfolioOpt conventions, see their headers).
 *
 * Tables: a first row of text (asset names) in a prices/returns matrix or a covariance matrix is a
 * header and is skipped (its names are used in messages); a first column of text labels in a
 * covariance matrix is skipped too. Option keys are checked against each function's list: an
 * unknown key is #VALUE! naming it; so is, in OPTIMIZE, a known option the objective does not use
 * (core rejectUnusedOptions: bounds with hrp, target_return with min_volatility, ...).
 * COV reads its range in one pass straight into a Float64Array panel (panelArg: header detected once
 * on the first row, numbers copied in a tight loop, no per-cell closures or intermediate arrays);
 * the formulas that run kernels take the runtime's Workspace (src/functions/workspace.ts).
 */
import { RebalError } from "../core/errors";
import { expectedReturns, Panel, panelFromRaw, riskMatrixRows } from "../core/estimators";
import { KeyValue, readKeyValues, rejectUnknownKeys, valueAsBoolean, valueAsChoice, valueAsNumber } from "../core/keyvalues";
import { allocate, efficientFrontier, optimize, optimizeDetailed, OBJECTIVES, OptimizeOptions, OptimizeReport, portfolioPerformance, rejectUnusedOptions } from "../core/optimize";
import { Workspace } from "../core/workspace";
import { isBlank, keyValueArg, matrixArg, numberCell, Orientation, optionalNumber, optionalScalar, shapeVector, vectorArg } from "./args";
import { runtimeWorkspace } from "./workspace";

type Out = (number | string | boolean)[][];

const isText = (v: unknown) => typeof v === "string" && v.trim() !== "" && !Number.isFinite(Number(v.trim().replace(/,/g, "")));

/** A numeric table with an optional header row of names (and, for matrices, a label column). */
export function tableArg(value: unknown, arg: string, labelColumn = false): { rows: unknown[][]; names?: string[] } {
  let m = matrixArg(value, arg);
  let names: string[] | undefined;
  if (m[0].some(isText)) {
    names = m[0].map((v, j) => (isBlank(v) ? `column ${j + 1}` : String(v).trim()));
    m = m.slice(1);
    if (m.length === 0) throw new RebalError(`${arg} has a header row but no data`);
  }
  if (labelColumn && m.every((r) => isText(r[0]))) {
    m = m.map((r) => r.slice(1));
    if (names) names = names.slice(1);
  }
  // numeric text becomes numbers; other text is reported by core with its row and column
  const rows = m.map((r) => r.map((v) => (typeof v === "string" && !isBlank(v) && !isText(v) ? numberCell(v, arg) : v)));
  return { rows, names };
}

/** The first cell of a panel range that is not a number or a blank (reported once the option returns_data is known). */
interface BadCell { row: number; col: number; value: unknown }

/**
 * A cell other than a number: blank ("", null, undefined) is missing (NaN); numeric text is read
 * ("1,234.5", as tableArg reads it); anything else (other text, whitespace only, TRUE/FALSE, errors) is recorded as the
 * first bad cell if none was yet, and NaN is stored. The same rules as tableArg followed by core's
 * toPanel, without their copies.
 */
function otherPanelCell(v: unknown, t: number, i: number, bad: BadCell, arg: string): number {
  if (v === null || v === undefined || v === "") return NaN;
  if (typeof v === "number") {
    if (v !== v) return NaN;
  } else if (typeof v === "string" && !isBlank(v) && !isText(v)) return numberCell(v, arg);
  if (bad.row === 0) { bad.row = t + 1; bad.col = i + 1; bad.value = v; }
  return NaN;
}

/**
 * A prices or returns table read in one pass into a T x N row-major Float64Array (NaN = missing): a
 * first row with text is a header of names (detected once); finite numbers are copied in a tight
 * loop, other cells go to otherPanelCell. `bad.row` 0 = every cell was a number or a blank.
 */
export function panelArg(value: unknown, arg: string): { panel: Panel; names?: string[]; bad: BadCell } {
  const m = matrixArg(value, arg);
  const N = m[0].length;
  let names: string[] | undefined;
  let h = 0;
  if (m[0].some(isText)) {
    names = m[0].map((v, j) => (isBlank(v) ? `column ${j + 1}` : String(v).trim()));
    h = 1;
    if (m.length === 1) throw new RebalError(`${arg} has a header row but no data`);
  }
  const T = m.length - h;
  const x = new Float64Array(T * N);
  const bad: BadCell = { row: 0, col: 0, value: null };
  for (let t = 0; t < T; t++) {
    const row = m[t + h];
    const base = t * N;
    for (let i = 0; i < N; i++) {
      const v = row[i];
      // v - v === 0: a finite number (NaN and +-Infinity give NaN)
      if (typeof v === "number" && v - v === 0) x[base + i] = v;
      else x[base + i] = otherPanelCell(v, t, i, bad, arg);
    }
  }
  return { panel: { T, N, x }, names, bad };
}

export function options(value: unknown, arg: string, known: readonly string[]): KeyValue[] {
  const pairs = readKeyValues(keyValueArg(value), arg);
  rejectUnknownKeys(pairs, known, arg);
  return pairs;
}

export function choice<T extends string>(value: unknown, arg: string, choices: readonly T[], fallback: T): T {
  const v = optionalScalar(value, arg);
  if (v === null) return fallback;
  return valueAsChoice({ key: arg, value: String(v), where: arg }, choices);
}

/** A vector of numbers with blanks allowed (null), for per-asset bounds. */
export function optionalVector(value: unknown, arg: string, n: number): (number | null)[] | null {
  if (value === null || value === undefined) return null;
  const v = vectorArg(value, arg);
  if (v.cells.length === 1 && isBlank(v.cells[0])) return null;
  if (v.cells.length !== n) throw new RebalError(`${arg} has ${v.cells.length} values but there are ${n} assets`);
  return v.cells.map((c, i) => (isBlank(c) ? null : numberCell(c, `${arg} ${v.orientation === "column" ? "row" : "column"} ${i + 1}`)));
}

/** Expected returns as a vector (blank allowed for objectives that do not use them). */
export function muArg(value: unknown, arg = "expected_returns"): { mu: number[] | null; orientation: Orientation; names?: string[] } {
  if (value === null || value === undefined) return { mu: null, orientation: "column" };
  const m = matrixArg(value, arg);
  if (m.length === 1 && m[0].length === 1 && isBlank(m[0][0])) return { mu: null, orientation: "column" };
  let cells = m;
  let names: string[] | undefined;
  if (m.length === 2 && m[0].some(isText)) { names = m[0].map(String); cells = [m[1]]; }
  const v = vectorArg(cells, arg);
  const mu = v.cells.map((c, i) => numberCell(c, `${arg} ${v.orientation === "column" ? "row" : "column"} ${i + 1}`));
  return { mu, orientation: v.orientation, names };
}

const RETURNS_KEYS = ["frequency", "span", "risk_free_rate", "compounding", "returns_data"] as const;

export function returnsFn(prices: unknown, method: unknown, opts: unknown, benchmark: unknown): Out {
  const { rows, names } = tableArg(prices, "prices");
  const m = choice(method, "method", ["mean", "arith", "ema", "capm"] as const, "mean");
  const o: Parameters<typeof expectedReturns>[2] = { names };
  for (const kv of options(opts, "options", RETURNS_KEYS)) {
    if (kv.key === "frequency") o.frequency = valueAsNumber(kv);
    else if (kv.key === "span") o.span = valueAsNumber(kv);
    else if (kv.key === "risk_free_rate") o.riskFreeRate = valueAsNumber(kv);
    else if (kv.key === "compounding") o.compounding = valueAsBoolean(kv);
    else o.returnsData = valueAsBoolean(kv);
  }
  if (benchmark !== null && benchmark !== undefined && !(Array.isArray(benchmark) && benchmark.length === 1 && Array.isArray(benchmark[0]) && benchmark[0].length === 1 && isBlank(benchmark[0][0]))) {
    if (m !== "capm") throw new RebalError(`benchmark is only used by method capm (method is ${m})`);
    let b = vectorArg(benchmark, "benchmark").cells;
    if (b.length === rows.length + 1 && isText(b[0])) b = b.slice(1);
    if (b.length !== rows.length) throw new RebalError(`benchmark has ${b.length} rows but prices has ${rows.length} data rows`);
    o.benchmark = b.map((v, i) => (typeof v === "string" && !isBlank(v) ? numberCell(v, `benchmark row ${i + 1}`) : v));
  }
  return [expectedReturns(rows, m, o)];
}

const COV_KEYS = ["frequency", "span", "benchmark", "returns_data", "fix_psd"] as const;

/** `ws`: the workspace the covariance kernels run on (default the runtime's). */
export function covFn(prices: unknown, method: unknown, opts: unknown, ws: Workspace = runtimeWorkspace): Out {
  const { panel, names, bad } = panelArg(prices, "prices");
  const m = choice(method, "method", ["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"] as const, "sample");
  const o: NonNullable<Parameters<typeof riskMatrixRows>[2]> = { names, workspace: ws };
  for (const kv of options(opts, "options", COV_KEYS)) {
    if (kv.key === "frequency") o.frequency = valueAsNumber(kv);
    else if (kv.key === "span") o.span = valueAsNumber(kv);
    else if (kv.key === "benchmark") o.benchmark = valueAsNumber(kv);
    else if (kv.key === "returns_data") o.returnsData = valueAsBoolean(kv);
    else o.fixPsd = valueAsBoolean(kv);
  }
  const what = o.returnsData ? "returns" : "prices";
  if (bad.row !== 0) throw new RebalError(`${what} row ${bad.row}, column ${bad.col} is not a number: ${String(bad.value).slice(0, 40)}`);
  return riskMatrixRows(panelFromRaw(panel, !!o.returnsData, names), m, o);
}

const OPT_KEYS = ["risk_free_rate", "target_return", "target_volatility", "risk_aversion", "min_weight", "max_weight", "gamma", "market_neutral",
  "max_assets", "min_position", "max_nodes", "solver", "seed", "output", "cost_bps", "max_turnover"] as const;

function optimizeOptions(opts: unknown, known: readonly string[]): OptimizeOptions {
  const o: OptimizeOptions = {};
  for (const kv of options(opts, "options", known)) {
    switch (kv.key) {
      case "risk_free_rate": o.riskFreeRate = valueAsNumber(kv); break;
      case "target_return": o.targetReturn = valueAsNumber(kv); break;
      case "target_volatility": o.targetVolatility = valueAsNumber(kv); break;
      case "risk_aversion": o.riskAversion = valueAsNumber(kv); break;
      case "min_weight": o.minWeight = valueAsNumber(kv); break;
      case "max_weight": o.maxWeight = valueAsNumber(kv); break;
      case "gamma": o.gamma = valueAsNumber(kv); break;
      case "market_neutral": o.marketNeutral = valueAsBoolean(kv); break;
      case "max_assets": o.maxAssets = valueAsNumber(kv); break;
      case "min_position": o.minPosition = valueAsNumber(kv); break;
      case "max_nodes": o.maxNodes = valueAsNumber(kv); break;
      case "solver": o.solver = valueAsChoice(kv, ["auto", "exact", "genetic"] as const); break;
      case "seed": o.seed = valueAsNumber(kv); break;
      case "output": valueAsChoice(kv, ["weights", "summary"] as const); break; // read by optimizeFn
      case "cost_bps": o.costBps = valueAsNumber(kv); break;
      case "max_turnover": o.maxTurnover = valueAsNumber(kv); break;
    }
  }
  return o;
}

export function covArg(value: unknown): { cov: unknown[][]; names?: string[] } {
  const { rows, names } = tableArg(value, "cov", true);
  if (rows.length !== rows[0].length) throw new RebalError(`cov must be square, got ${rows.length} rows x ${rows[0].length} columns`);
  return { cov: rows, names };
}

/** OPTIMIZE's arguments parsed and checked (the same for the formula and the pane's Optimize targets view). */
function optimizeArgs(expected: unknown, cov: unknown, objective: unknown, opts: unknown, lower: unknown, upper: unknown, ws: Workspace, current?: unknown) {
  const { mu, orientation, names: muNames } = muArg(expected);
  const c = covArg(cov);
  const n = c.cov.length;
  if (mu && mu.length !== n) throw new RebalError(`expected_returns has ${mu.length} values but cov is ${n} x ${n}`);
  const obj = choice(objective, "objective", OBJECTIVES, "min_volatility");
  const o = optimizeOptions(opts, OPT_KEYS);
  o.names = c.names ?? muNames;
  o.lower = optionalVector(lower, "lower", n);
  o.upper = optionalVector(upper, "upper", n);
  const cur = optionalVector(current, "current", n);
  if (cur) {
    const blank = cur.findIndex((v) => v === null);
    if (blank >= 0) throw new RebalError(`current value ${blank + 1} is blank (blank cells are missing values; enter 0 for an asset not held)`);
    o.current = cur as number[];
  }
  o.workspace = ws;
  const output = readKeyValues(keyValueArg(opts), "options").find((kv) => kv.key === "output");
  const summary = !!output && valueAsChoice(output, ["weights", "summary"] as const) === "summary";
  // an option the objective would ignore is an error naming it (as the CLI and walk-forward);
  // output=summary reads risk_free_rate for its Sharpe row whatever the objective
  rejectUnusedOptions(obj, { ...o, riskFreeRate: obj === "max_sharpe" || !summary ? o.riskFreeRate : undefined });
  return { mu, orientation, cov: c.cov, obj, o, summary };
}

/** `current` (7th argument): the weights now, same length as the assets; blank cells are errors (missing, not 0). */
export function optimizeFn(expected: unknown, cov: unknown, objective: unknown, opts: unknown, lower: unknown, upper: unknown, ws: Workspace = runtimeWorkspace, current?: unknown): Out {
  const a = optimizeArgs(expected, cov, objective, opts, lower, upper, ws, current);
  if (!a.summary) return shapeVector(optimize(a.obj, a.mu, a.cov, a.o), a.orientation);
  const { weights, report } = optimizeDetailed(a.obj, a.mu, a.cov, a.o);
  return optimizeSummary(weights, report, a.mu, a.cov, a.o);
}

/**
 * OPTIMIZE's weights and its output=summary table from one solve (the pane's Optimize targets view
 * shows both; `output` in `opts` is ignored). Same arguments and errors as optimizeFn.
 */
export function optimizeWithSummary(expected: unknown, cov: unknown, objective: unknown, opts: unknown, lower: unknown, upper: unknown, ws: Workspace, current?: unknown): { weights: number[]; summary: Out } {
  const a = optimizeArgs(expected, cov, objective, opts, lower, upper, ws, current);
  const { weights, report } = optimizeDetailed(a.obj, a.mu, a.cov, a.o);
  return { weights, summary: optimizeSummary(weights, report, a.mu, a.cov, a.o) };
}

/**
 * output=summary: a metric | value table — status ("optimal (proven)", or the search's proven gap when
 * the max_nodes budget stopped a max_assets / min_position search), gap, nodes, held, solver, then
 * expected_return (when given), volatility and sharpe (risk_free_rate, when the volatility is not 0).
 */
function optimizeSummary(weights: number[], report: OptimizeReport, mu: number[] | null, cov: unknown[][], o: OptimizeOptions): Out {
  const held = weights.filter((w) => w !== 0).length;
  const gap = report ? report.gap : 0;
  const rows: Out = [
    ["status", gap === 0 ? "optimal (proven)" : `stopped at max_nodes: within ${(gap * 100).toPrecision(3)}% of optimal (proven)`],
    ["gap", gap], ["nodes", report ? report.nodes : 1], ["held", held], ["solver", report ? report.solver : "convex"],
  ];
  const vol = Math.sqrt(Math.max(weights.reduce((s, wi, i) => s + wi * (cov[i] as number[]).reduce((t, x, j) => t + x * weights[j], 0), 0), 0));
  if (mu) rows.push(["expected_return", weights.reduce((s, wi, i) => s + wi * mu[i], 0)]);
  rows.push(["volatility", vol]);
  if (mu && vol > 0) rows.push(["sharpe", (weights.reduce((s, wi, i) => s + wi * mu[i], 0) - (o.riskFreeRate ?? 0)) / vol]);
  return rows;
}

export function performanceFn(weights: unknown, expected: unknown, cov: unknown, riskFreeRate: unknown): Out {
  const w = vectorArg(weights, "weights");
  const wv = w.cells.map((x, i) => numberCell(x, `weights ${w.orientation === "column" ? "row" : "column"} ${i + 1}`));
  const { mu } = muArg(expected);
  if (!mu) throw new RebalError("expected_returns is blank");
  const c = covArg(cov);
  if (wv.length !== mu.length || wv.length !== c.cov.length) throw new RebalError(`weights (${wv.length}), expected_returns (${mu.length}) and cov (${c.cov.length} x ${c.cov.length}) must have the same number of assets`);
  const p = portfolioPerformance(wv, mu, c.cov, optionalNumber(riskFreeRate, "risk_free_rate", 0));
  return [[p.expectedReturn, p.volatility, p.sharpe]];
}

export function frontierFn(expected: unknown, cov: unknown, points: unknown, opts: unknown, ws: Workspace = runtimeWorkspace): Out {
  const { mu } = muArg(expected);
  if (!mu) throw new RebalError("expected_returns is blank: the frontier needs them");
  const c = covArg(cov);
  if (mu.length !== c.cov.length) throw new RebalError(`expected_returns has ${mu.length} values but cov is ${c.cov.length} x ${c.cov.length}`);
  const k = optionalNumber(points, "points", 20);
  if (!Number.isInteger(k) || k < 2 || k > 1000) throw new RebalError(`points must be a whole number from 2 to 1000, got ${k}`);
  const o = optimizeOptions(opts, ["risk_free_rate", "min_weight", "max_weight", "gamma"]);
  o.names = c.names;
  o.workspace = ws;
  return efficientFrontier(mu, c.cov, k, o).map((p) => [p.expectedReturn, p.volatility, p.sharpe, ...p.weights]);
}

export async function allocateFn(weights: unknown, prices: unknown, totalValue: unknown, opts: unknown): Promise<Out> {
  const w = vectorArg(weights, "weights");
  const at = (arg: string, i: number) => `${arg} ${w.orientation === "column" ? "row" : "column"} ${i + 1}`;
  const wv = w.cells.map((x, i) => numberCell(x, at("weights", i)));
  const p = vectorArg(prices, "prices");
  if (p.cells.length !== wv.length) throw new RebalError(`prices has ${p.cells.length} values but weights has ${wv.length}`);
  const pv = p.cells.map((x, i) => numberCell(x, at("prices", i)));
  const total = optionalNumber(totalValue, "total_value", NaN);
  if (Number.isNaN(total)) throw new RebalError("total_value is blank");
  let method: "greedy" | "lp" = "greedy";
  let lot: number | undefined;
  for (const kv of options(opts, "options", ["method", "lot"])) {
    if (kv.key === "method") method = valueAsChoice(kv, ["greedy", "lp"] as const);
    else lot = valueAsNumber(kv);
  }
  const r = await allocate(wv, pv, total, { method, lot });
  return shapeVector(r.quantities, w.orientation);
}
