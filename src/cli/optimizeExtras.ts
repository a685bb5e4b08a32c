/**
 * The issue-16 objectives and options of `rebal optimize`, kept out of main.ts: tail risk
 * (min_cvar, efficient_cvar, min_cdar, efficient_cdar through core/optimize/tail.ts), max_assets /
 * min_position (cardinality.ts, with the search's report in the output), and --current with
 * cost_bps / max_turnover (turnover.ts), and --views / --caps (Black-Litterman posterior returns as
 * the expected returns, blackLitterman.ts). Option names and meanings are those of the formulas
 * (docs/formulas.md); an option an objective does not use is an error, as for the other objectives.
 */
import { RebalError } from "../core/errors";
import { KeyValue, readKeyValues, valueAsChoice, valueAsNumber } from "../core/keyvalues";
import { OptimizeOptions, OptimizeReport } from "../core/optimize";
import { optimizeTail, TAIL_OBJECTIVES, TailObjective } from "../core/optimize/tail";
import { blackLitterman, impliedReturns } from "../core/optimize/blackLitterman";
import { ReadOptions, readBytes, readCsv } from "./inputs";

/** --options keys this module reads (besides main.ts's). */
export const EXTRA_OPTIMIZE_KEYS = ["max_assets", "min_position", "max_nodes", "solver", "seed", "cost_bps", "max_turnover", "beta"] as const;

export const isTailObjective = (s: string | undefined): s is TailObjective => (TAIL_OBJECTIVES as readonly string[]).includes((s ?? "").trim().toLowerCase());

/** Sets the cardinality and from-current options of `kv` on `opts`; `beta` is refused (tail objectives only). */
export function applyExtraOptions(kv: KeyValue[], opts: OptimizeOptions): void {
  for (const p of kv) {
    switch (p.key) {
      case "max_assets": opts.maxAssets = valueAsNumber(p); break;
      case "min_position": opts.minPosition = valueAsNumber(p); break;
      case "max_nodes": opts.maxNodes = valueAsNumber(p); break;
      case "seed": opts.seed = valueAsNumber(p); break;
      case "solver": opts.solver = valueAsChoice(p, ["auto", "exact", "genetic"] as const); break;
      case "cost_bps": opts.costBps = valueAsNumber(p); break;
      case "max_turnover": opts.maxTurnover = valueAsNumber(p); break;
      case "beta": throw new RebalError(`--options beta is used only by the tail objectives (${TAIL_OBJECTIVES.join(", ")})`);
      case "tau": case "omega": case "delta": break; // Black-Litterman keys: read by blackLittermanReturns (main.ts refuses them without --views)
    }
  }
}

/** --current "AAPL=0.3; MSFT=0.2": the weights held now by asset name; assets not listed are not held (0). */
export function parseCurrent(spec: string, names: readonly string[]): number[] {
  const w = new Array<number>(names.length).fill(0);
  const index = new Map(names.map((n, i) => [n.toLowerCase(), i]));
  for (const p of readKeyValues(spec, "--current")) {
    const i = index.get(p.key);
    if (i === undefined) throw new RebalError(`--current: "${p.key}" is not an asset of the prices file (assets: ${names.join(", ")})`);
    w[i] = valueAsNumber(p);
  }
  return w;
}

/** The report rows of a max_assets / min_position search (gap 0 = proven optimal). */
export function reportRows(report: OptimizeReport): { name: string; value: number | string }[] {
  if (!report) return [];
  return [
    { name: "status", value: report.gap === 0 ? "optimal (proven)" : `within ${(report.gap * 100).toPrecision(3)}% of optimal (proven)` },
    { name: "gap", value: report.gap }, { name: "nodes", value: report.nodes }, { name: "held", value: report.held }, { name: "solver", value: report.solver },
  ];
}

/** A tail objective on the prices (rows: NaN = missing): weights, then the risk, alpha and expected return. */
export async function runTailObjective(objective: TailObjective, rows: number[][], names: string[], kv: KeyValue[]): Promise<{ name: string; value: number | string }[]> {
  const o: Parameters<typeof optimizeTail>[2] = { names };
  for (const p of kv) {
    switch (p.key) {
      case "beta": o.beta = valueAsNumber(p); break;
      case "target_return": o.targetReturn = valueAsNumber(p); break;
      case "min_weight": o.minWeight = valueAsNumber(p); break;
      case "max_weight": o.maxWeight = valueAsNumber(p); break;
      case "frequency": o.frequency = valueAsNumber(p); break;
      default: throw new RebalError(`--options ${p.key} is not used by ${objective} (it takes beta, target_return, min_weight, max_weight, frequency)`);
    }
  }
  const N = names.length, T = rows.length;
  const x = new Float64Array(T * N);
  rows.forEach((r, t) => { for (let i = 0; i < N; i++) x[t * N + i] = r[i]; });
  const r = await optimizeTail({ T, N, x }, objective, o);
  const cdar = objective.endsWith("cdar");
  const out: { name: string; value: number | string }[] = names.map((n, i) => ({ name: n, value: r.weights[i] }));
  out.push({ name: cdar ? "cdar" : "cvar", value: r.risk }, { name: cdar ? "dar" : "var", value: r.alpha }, { name: "expected_return", value: r.expectedReturn });
  return out;
}

/** Black-Litterman keys of --options (with --views): tau, omega (default | idzorek), delta (the prior's risk aversion). */
export const BL_OPTIMIZE_KEYS = ["tau", "omega", "delta"] as const;

/**
 * --views <views.csv> [--caps "AAPL=2200; MSFT=1800"]: the expected returns become the Black-Litterman
 * posterior (core/optimize/blackLitterman.ts). The prior is the market-implied return
 * delta * cov * caps / sum(caps) + risk_free_rate with --caps (delta from --options, default 1), else the --returns
 * estimate. views.csv: a header row of asset names (any subset of the prices' assets, any order), then
 * `Q`, then optionally `confidence`; one row per view, blank picking weights are 0.
 */
export function blackLittermanReturns(views: ViewsTable, capsSpec: string | undefined, kv: KeyValue[], mu: number[], cov: number[][], names: string[]): number[] {
  const o: { tau?: number; omega?: "default" | "idzorek" } = {};
  let delta: number | undefined;
  for (const p of kv) {
    if (p.key === "tau") o.tau = valueAsNumber(p);
    else if (p.key === "omega") o.omega = valueAsChoice(p, ["default", "idzorek"] as const);
    else if (p.key === "delta") delta = valueAsNumber(p);
  }
  if (delta !== undefined && capsSpec === undefined) throw new RebalError("--options delta is the market prior's risk aversion: it needs --caps");
  const index = new Map(names.map((n, i) => [n.toLowerCase(), i]));
  const { header, rows, where } = views;
  const qCol = header.findIndex((h) => h.toLowerCase() === "q");
  if (qCol < 0) throw new RebalError(`${where}: no "Q" column (the header is asset names, then Q, then optionally confidence)`);
  const cCol = header.findIndex((h) => h.toLowerCase() === "confidence");
  const assetCols = header.map((h, j) => ({ h, j })).filter(({ j }) => j !== qCol && j !== cCol);
  for (const { h } of assetCols) if (!index.has(h.toLowerCase())) throw new RebalError(`${where}: column "${h}" is not an asset of the prices file`);
  const num = (v: unknown, what: string): number | null => {
    if (v === null || v === undefined || (typeof v === "string" && v.trim() === "")) return null;
    const x = typeof v === "number" ? v : Number(String(v).trim());
    if (!Number.isFinite(x)) throw new RebalError(`${what} is not a number: ${String(v).slice(0, 40)}`);
    return x;
  };
  const list = rows.map((r, k) => {
    const picks = new Array<number>(names.length).fill(0);
    for (const { h, j } of assetCols) picks[index.get(h.toLowerCase())!] = num(r[j], `${where} row ${k + 2}, column ${h}`) ?? 0;
    const q = num(r[qCol], `${where} row ${k + 2}, column Q`);
    if (q === null) throw new RebalError(`${where} row ${k + 2}: Q is blank`);
    return { picks, q, confidence: cCol >= 0 ? num(r[cCol], `${where} row ${k + 2}, column confidence`) : null };
  });
  // the market prior adds risk_free_rate, as PyPortfolioOpt's market_implied_prior_returns does
  const rfKv = kv.find((p) => p.key === "risk_free_rate");
  const prior = capsSpec === undefined ? mu : impliedReturns(cov, parseCurrent(capsSpec, names), delta ?? 1, rfKv ? valueAsNumber(rfKv) : 0);
  return Array.from(blackLitterman(cov, prior, list, { ...o, names }).returns);
}

export interface ViewsTable { header: string[]; rows: unknown[][]; where: string }

/** Reads a views CSV (see blackLittermanReturns) with the CLI's CSV reader and limits. */
export function readViews(file: string, opts: ReadOptions): ViewsTable {
  const { cells } = readCsv(file, readBytes(file, opts.limits), opts);
  const rows = cells.filter((r) => r.some((v) => !(v === null || v === undefined || (typeof v === "string" && v.trim() === ""))));
  if (rows.length < 2) throw new RebalError(`${file}: needs a header row (asset names, Q, confidence) and at least one view`);
  return { header: rows[0].map((h) => String(h ?? "").trim()), rows: rows.slice(1), where: file };
}
