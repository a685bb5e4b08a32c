/**
 * Walk-forward targets ("dynamic rebalancing"): instead of fixed targets, an optimizer spec whose
 * targets are re-estimated on a calendar from the trailing window of prices only, then a backtest
 * in which the policy trades to them (product.md, "Dynamic policies and simulation").
 *
 * Spec (text, the prefix `optimize:` marks it where a targets argument also takes weights):
 *   `optimize: objective=max_sharpe; returns=ema; cov=ledoit_wolf; window=504; every=monthly; max_weight=0.3`
 * - `objective` [min_volatility], any REBAL.OPTIMIZE objective; its options `risk_free_rate`,
 *   `target_return`, `target_volatility`, `risk_aversion`, `min_weight`, `max_weight`, `gamma`
 *   (an option the objective does not use is an error, optimize/index.ts rejectUnusedOptions).
 * - `returns` [mean] (REBAL.RETURNS methods, `returns_span` for ema) and `cov` [sample]
 *   (REBAL.COV methods, `cov_span` for exp); `frequency` [252] annualises both.
 * - `window` [504]: the estimation on row t uses the prices of rows max(0, t - window) .. t, i.e. the
 *   last `window` daily returns (conventions.md "Inputs": simple returns, no forward fill, rows where
 *   every asset is missing dropped).
 * - `min_window` [= window]: the first estimation is on row s = min_window (the first row with that
 *   many returns before it); the backtest starts there (its initial investment is on row s; the rows
 *   before are history only).
 * - `every` [monthly]: re-estimation on the first row of each new period after s (the calendar
 *   trigger's anchor `start`, bt's RunMonthly), a calendar frequency; or `once` (only on row s).
 * No look-ahead by construction: the estimate of row t reads price rows <= t only, and the engine
 * (engine.ts, `targetChanges`) uses it from row t's close on, so a later price never changes an
 * earlier decision. Assets without a price on row t or with fewer than 2 returns in its window are
 * left out of that estimation (target 0); the others are optimized as one universe.
 * Pure TypeScript: no Office, DOM or Node APIs.
 */
import { periodKey, serialToISO } from "../calendar";
import { RebalError } from "../errors";
import { riskMatrixPanel, COV_METHODS, RETURNS_METHODS } from "../estimators";
import type { Panel } from "../estimators";
import { capmReturnFromPanel, emaReturnFromPanel, meanReturnFromPanel } from "../estimators/returns";
import { KeyValue, readKeyValues, rejectUnknownKeys, valueAsChoice, valueAsNumber } from "../keyvalues";
import { optimize, OBJECTIVES, Objective, OptimizeOptions, rejectUnusedOptions } from "../optimize";
import { FREQUENCIES, Frequency, Policy } from "../policy";
import { Workspace } from "../workspace";
import { BacktestInput, BacktestResult, runBacktest, RunBacktestOptions } from "./engine";

export const SPEC_PREFIX = "optimize:";

export const SPEC_KEYS = [
  "objective", "returns", "cov", "window", "min_window", "every", "frequency", "returns_span", "cov_span",
  "risk_free_rate", "target_return", "target_volatility", "risk_aversion", "min_weight", "max_weight", "gamma",
] as const;

export interface TargetsSpec {
  objective: Objective;
  returns: string;
  cov: string;
  window: number;
  minWindow: number;
  every: Frequency | "once";
  frequency: number;
  returnsSpan: number | undefined;
  covSpan: number | undefined;
  optimize: OptimizeOptions;
}

/** Is this targets argument (a text, or a single cell holding one) a walk-forward spec? */
export function isTargetsSpec(value: unknown): value is string {
  let v = value;
  while (Array.isArray(v) && v.length === 1) v = v[0];
  return typeof v === "string" && v.trim().toLowerCase().startsWith(SPEC_PREFIX);
}

/** The spec text of a targets argument (isTargetsSpec true). */
export function specText(value: unknown): string {
  let v = value;
  while (Array.isArray(v) && v.length === 1) v = v[0];
  return String(v);
}

function positiveInt(kv: KeyValue, min: number): number {
  const x = valueAsNumber(kv);
  if (!Number.isInteger(x) || x < min) throw new RebalError(`${kv.where}: ${kv.key} must be a whole number of trading days, at least ${min}, got ${x}`);
  return x;
}

/** Parses a spec ("optimize: k=v; ..."; the prefix is optional here). `arg` names the argument in errors. */
export function parseTargetsSpec(text: string, arg = "targets"): TargetsSpec {
  let body = text.trim();
  if (body.toLowerCase().startsWith(SPEC_PREFIX)) body = body.slice(SPEC_PREFIX.length);
  const pairs = readKeyValues(body, arg);
  rejectUnknownKeys(pairs, SPEC_KEYS, arg);
  const s: TargetsSpec = { objective: "min_volatility", returns: "mean", cov: "sample", window: 504, minWindow: -1, every: "monthly", frequency: 252, returnsSpan: undefined, covSpan: undefined, optimize: {} };
  const o = s.optimize;
  for (const kv of pairs) {
    if (kv.value === null || kv.value === undefined || (typeof kv.value === "string" && kv.value.trim() === "")) throw new RebalError(`${kv.where}: ${kv.key} has no value`);
    switch (kv.key) {
      case "objective": s.objective = valueAsChoice(kv, OBJECTIVES); break;
      case "returns": s.returns = valueAsChoice(kv, RETURNS_METHODS); break;
      case "cov": s.cov = valueAsChoice(kv, COV_METHODS); break;
      case "window": s.window = positiveInt(kv, 2); break;
      case "min_window": s.minWindow = positiveInt(kv, 2); break;
      case "every": s.every = valueAsChoice(kv, [...FREQUENCIES, "once"] as const); break;
      case "frequency": s.frequency = valueAsNumber(kv); if (!(s.frequency > 0)) throw new RebalError(`${kv.where}: frequency must be positive, got ${s.frequency}`); break;
      case "returns_span": s.returnsSpan = valueAsNumber(kv); break;
      case "cov_span": s.covSpan = valueAsNumber(kv); break;
      case "risk_free_rate": o.riskFreeRate = valueAsNumber(kv); break;
      case "target_return": o.targetReturn = valueAsNumber(kv); break;
      case "target_volatility": o.targetVolatility = valueAsNumber(kv); break;
      case "risk_aversion": o.riskAversion = valueAsNumber(kv); break;
      case "min_weight": o.minWeight = valueAsNumber(kv); break;
      case "max_weight": o.maxWeight = valueAsNumber(kv); break;
      case "gamma": o.gamma = valueAsNumber(kv); break;
    }
  }
  if (s.minWindow < 0) s.minWindow = s.window;
  if (s.minWindow > s.window) throw new RebalError(`${arg}: min_window (${s.minWindow}) is more than window (${s.window})`);
  if (s.returnsSpan !== undefined && s.returns !== "ema") throw new RebalError(`${arg}: returns_span is used only by returns=ema (returns is ${s.returns})`);
  if (s.covSpan !== undefined && s.cov !== "exp") throw new RebalError(`${arg}: cov_span is used only by cov=exp (cov is ${s.cov})`);
  try {
    rejectUnusedOptions(s.objective, o);
  } catch (e) {
    throw new RebalError(`${arg}: ${(e as Error).message}`);
  }
  return s;
}

/** Dated targets: estimation rows (0-based rows of the price history) and their targets, k x n. */
export interface TargetsHistory {
  rows: Int32Array;
  dates: Float64Array;
  targets: Float64Array;
  nAssets: number;
}

/** Rows on which the targets are estimated: s = min_window, then the first row of each new `every` period. */
export function estimationRows(dates: Float64Array, spec: TargetsSpec, names?: readonly string[]): Int32Array {
  const T = dates.length;
  const s = spec.minWindow;
  if (s >= T) {
    throw new RebalError(`the first targets need ${s} daily returns before them (min_window), so at least ${s + 1} dates; there are ${T}${names ? "" : ""}`);
  }
  const rows: number[] = [s];
  if (spec.every !== "once") {
    const f = spec.every;
    let prev = periodKey(Math.floor(dates[s]), f);
    for (let t = s + 1; t < T; t++) {
      const k = periodKey(Math.floor(dates[t]), f);
      if (k !== prev) rows.push(t);
      prev = k;
    }
  }
  return Int32Array.from(rows);
}

/** Simple returns of every row (row 0 = NaN), no forward fill: R[t] = p_t / p_{t-1} - 1. */
function allReturns(prices: Float64Array, T: number, n: number): Float64Array {
  const R = new Float64Array(T * n).fill(NaN);
  for (let t = 1; t < T; t++) {
    for (let i = 0; i < n; i++) R[t * n + i] = prices[t * n + i] / prices[(t - 1) * n + i] - 1;
  }
  return R;
}

/** The returns panel of rows a+1..t (assets `cols`), rows where every asset is missing dropped. */
function windowPanel(R: Float64Array, n: number, a: number, t: number, cols: Int32Array): Panel {
  const m = cols.length;
  const x = new Float64Array((t - a) * m);
  let kept = 0;
  for (let r = a + 1; r <= t; r++) {
    let any = false;
    const base = kept * m;
    for (let k = 0; k < m; k++) {
      const v = R[r * n + cols[k]];
      x[base + k] = v;
      if (v === v) any = true;
    }
    if (any) kept++;
  }
  return { T: kept, N: m, x: kept * m === x.length ? x : x.slice(0, kept * m) };
}

/** Targets estimated on row t from rows max(0, t - window) .. t only (written into out[0..n)). */
function estimateAt(R: Float64Array, prices: Float64Array, n: number, t: number, spec: TargetsSpec, ws: Workspace, names: readonly string[] | undefined, out: Float64Array): void {
  const a = Math.max(0, t - spec.window);
  const eligible: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = prices[t * n + i];
    if (!(p === p)) continue;
    let c = 0;
    for (let r = a + 1; r <= t && c < 2; r++) if (R[r * n + i] === R[r * n + i]) c++;
    if (c >= 2) eligible.push(i);
  }
  if (eligible.length === 0) throw new RebalError("no asset has a price and at least 2 returns in the window");
  const cols = Int32Array.from(eligible);
  const subNames = names ? eligible.map((i) => names[i]) : eligible.map((i) => `asset ${i + 1}`);
  const p = windowPanel(R, n, a, t, cols);
  const needsMu = spec.objective === "max_sharpe" || spec.objective === "efficient_return" || spec.objective === "efficient_risk" || spec.objective === "max_utility";
  let mu: number[] | null = null;
  if (needsMu) {
    if (spec.returns === "mean" || spec.returns === "arith") mu = meanReturnFromPanel(p, spec.frequency, spec.returns === "mean", subNames);
    else if (spec.returns === "ema") mu = emaReturnFromPanel(p, spec.frequency, spec.returnsSpan ?? 500, true, subNames);
    else mu = capmReturnFromPanel(p, null, spec.frequency, spec.optimize.riskFreeRate ?? 0, true, subNames);
    for (let k = 0; k < mu.length; k++) if (!Number.isFinite(mu[k])) throw new RebalError(`the expected return of ${subNames[k]} is not finite`);
  }
  const S = riskMatrixPanel(p, spec.cov, { frequency: spec.frequency, span: spec.covSpan, names: subNames, workspace: ws });
  const m = cols.length;
  const cov: number[][] = new Array(m);
  for (let i = 0; i < m; i++) cov[i] = Array.from(S.subarray(i * m, i * m + m));
  const w = optimize(spec.objective, mu, cov, { ...spec.optimize, names: subNames, workspace: ws });
  out.fill(0);
  for (let k = 0; k < m; k++) out[cols[k]] = w[k] === 0 ? 0 : w[k]; // no -0
}

/**
 * The dated targets of `spec` over a price history (row-major T x n, NaN = missing): one row per
 * estimation row (estimationRows). An estimation that fails is an error naming its date.
 */
export function targetsHistory(dates: Float64Array, prices: Float64Array, n: number, spec: TargetsSpec, ws: Workspace = new Workspace(), names?: readonly string[]): TargetsHistory {
  const T = dates.length;
  if (prices.length !== T * n) throw new RebalError(`prices must have ${T} rows of ${n} assets`);
  const rows = estimationRows(dates, spec, names);
  const R = allReturns(prices, T, n);
  const k = rows.length;
  const targets = new Float64Array(k * n);
  const out = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const t = rows[j];
    try {
      estimateAt(R, prices, n, t, spec, ws, names, out);
    } catch (e) {
      if (e instanceof RebalError) throw new RebalError(`targets on ${serialToISO(Math.floor(dates[t]))}: ${e.message}`);
      throw e;
    }
    targets.set(out, j * n);
  }
  const d = new Float64Array(k);
  for (let j = 0; j < k; j++) d[j] = dates[rows[j]];
  return { rows, dates: d, targets, nAssets: n };
}

export interface WalkForwardResult {
  /** The backtest over rows start..T-1 of the history. */
  result: BacktestResult;
  /** First row of the backtest (the first estimation). */
  start: number;
  history: TargetsHistory;
}

/**
 * A walk-forward backtest: targetsHistory, then runBacktest over rows start..T-1 with the first
 * targets as its targets and the later ones as its targetChanges (engine.ts).
 */
export function runWalkForward(dates: Float64Array, prices: Float64Array, n: number, spec: TargetsSpec, policy: Policy, opts: RunBacktestOptions = {}, names?: readonly string[]): WalkForwardResult {
  const ws = opts.workspace ?? new Workspace();
  const history = targetsHistory(dates, prices, n, spec, ws, names);
  const result = runBacktest(walkForwardInput(dates, prices, n, history), policy, { ...opts, workspace: ws });
  return { result, start: history.rows[0], history };
}

/**
 * The engine input of a walk-forward backtest: rows start..T-1 (start = the first estimation row),
 * the first targets as `targets`, the later ones as `targetChanges` (rows relative to start).
 * One history serves any number of policies (REBAL.SWEEP).
 */
export function walkForwardInput(dates: Float64Array, prices: Float64Array, n: number, history: TargetsHistory): BacktestInput {
  const s = history.rows[0];
  const k = history.rows.length;
  const rows = new Int32Array(k - 1);
  for (let j = 1; j < k; j++) rows[j - 1] = history.rows[j] - s;
  return {
    dates: dates.subarray(s), prices: prices.subarray(s * n), nAssets: n,
    targets: history.targets.slice(0, n),
    targetChanges: k > 1 ? { rows, targets: history.targets.subarray(n) } : null,
  };
}
