/**
 * The Monte Carlo and sweep formulas' bodies: SIMULATE and SWEEP. Parsing and shaping only (args.ts
 * and backtest.ts conventions: a first row of text in dates or prices is a header; blank prices are
 * missing); the simulation is src/core/simulate (simulate.ts: stationary block bootstrap, common
 * random numbers, percentiles; sweep.ts: one backtest per grid cell). A statistic undefined on some
 * path or grid cell is #DIV/0! in its cell with the reason; no NaN or Infinity reaches a cell.
 */
import { RebalError } from "../core/errors";
import { parsePolicy, Policy } from "../core/policy";
import { parseSimulateOptions, PERCENTILES, simulate } from "../core/simulate/simulate";
import { parseSweepValues, sweep, SWEEP_STATISTICS } from "../core/simulate/sweep";
import { parseBacktestOptions } from "../core/backtest/options";
import type { BacktestInput } from "../core/backtest/engine";
import { isTargetsSpec, parseTargetsSpec, specText, targetsHistory, walkForwardInput } from "../core/backtest/walkForward";
import { readKeyValues, valueAsBoolean } from "../core/keyvalues";
import { Workspace } from "../core/workspace";
import { Cell, divisionByZero, isBlank, keyValueArg, numbersArg, optionalScalar, vectorArg } from "./args";
import { datesArg, pricesArg } from "./backtest";
import { runtimeWorkspace } from "./workspace";

type Out = (number | string | boolean | Error)[][];

/** A column or row of policy texts (each "k=v; ..."); blank cells are skipped. */
function policiesArg(value: unknown): { policies: Policy[]; labels: string[] } {
  const v = vectorArg(value, "policies");
  const policies: Policy[] = [];
  const labels: string[] = [];
  v.cells.forEach((c, k) => {
    if (isBlank(c as Cell)) return;
    const where = `policies ${v.orientation === "column" ? "row" : "column"} ${k + 1}`;
    if (typeof c !== "string") throw new RebalError(`${where} must be a policy text such as "band_rel=0.2", got ${String(c)}`);
    const p = parsePolicy(c, where).policy;
    policies.push(p);
    labels.push(p.name !== "" ? p.name : c.trim());
  });
  if (policies.length === 0) throw new RebalError('policies is blank: give one policy text per cell, e.g. "trigger=calendar; frequency=quarterly"');
  return { policies, labels };
}

function history(dates: unknown, prices: unknown, ws: Workspace) {
  const d = datesArg(dates, "dates");
  const px = pricesArg(prices, "prices", ws);
  if (px.rows !== d.dates.length) throw new RebalError(`prices has ${px.rows} rows of data but dates has ${d.dates.length}: they must match (a first row of text in either is a header)`);
  return { dates: d.dates, prices: px.prices, n: px.cols, names: px.names };
}

function targetsArg(targets: unknown, n: number, allowShort: boolean): Float64Array {
  const t = numbersArg(targets, "targets", { min: allowShort ? undefined : 0 });
  if (t.values.length !== n) throw new RebalError(`targets has ${t.values.length} values but prices has ${n} columns: they must match`);
  return t.values;
}

/** REBAL.SIMULATE: header row, then one row per policy and statistic: policy, statistic, mean, p5 ... p95. */
export function simulateFn(dates: unknown, prices: unknown, targets: unknown, policies: unknown, options: unknown, ws: Workspace = runtimeWorkspace): Out {
  const o = parseSimulateOptions(keyValueArg(options));
  const { policies: ps, labels } = policiesArg(policies);
  if (isTargetsSpec(targets)) throw new RebalError("targets: REBAL.SIMULATE takes fixed target weights (walk-forward targets are for REBAL.BACKTEST, REBAL.EQUITY and REBAL.SWEEP)");
  const h = history(dates, prices, ws);
  const t = targetsArg(targets, h.n, ps.some((p) => p.allowShort));
  const { summary } = simulate(h.dates, h.prices, h.n, t, ps, o, { workspace: ws });
  const out: Out = [["policy", "statistic", "mean", ...PERCENTILES.map((q) => `p${q}`)]];
  for (const r of summary) {
    const cell = (x: number) => (r.undefinedPaths > 0 ? divisionByZero(`${r.statistic} is undefined on ${r.undefinedPaths} of ${o.paths} paths`) : x);
    out.push([labels[r.policy], r.statistic, cell(r.mean), ...r.percentiles.map(cell)]);
  }
  return out;
}

/**
 * REBAL.SWEEP: with one key a 2-column table (header row `key | statistic`, then one row per value);
 * with two, a grid: the top-left cell `key \ key2`, the key2 values across, the key values down.
 */
export function sweepFn(dates: unknown, prices: unknown, targets: unknown, basePolicy: unknown, key: unknown, values: unknown, key2: unknown, values2: unknown, statistic: unknown, options: unknown, ws: Workspace = runtimeWorkspace): Out {
  const k1 = optionalScalar(key, "key");
  if (k1 === null) throw new RebalError("key is blank: name a policy key to sweep, e.g. band_abs");
  const k2raw = optionalScalar(key2, "key2");
  const v1 = parseSweepValues(String(k1), values, "values");
  const v2 = k2raw === null ? null : parseSweepValues(String(k2raw), values2, "values2");
  if (k2raw === null && !isBlank(optionalScalar(values2, "values2") as Cell)) throw new RebalError("values2 is given but key2 is blank");
  const stRaw = optionalScalar(statistic, "statistic");
  const stat = stRaw === null ? "sharpe" : String(stRaw).trim().toLowerCase();
  if (!(SWEEP_STATISTICS as readonly string[]).includes(stat)) throw new RebalError(`statistic must be one of ${SWEEP_STATISTICS.join(", ")}, got "${String(stRaw)}"`);
  const bo = parseBacktestOptions(keyValueArg(options));
  const h = history(dates, prices, ws);
  const base = keyValueArg(basePolicy);
  // the base alone need not be a complete policy (a swept key may complete it): read allow_short only
  const shortKv = readKeyValues(base, "base_policy").find((p) => p.key === "allow_short");
  const allowShort = shortKv !== undefined && valueAsBoolean(shortKv);
  let input: BacktestInput;
  if (isTargetsSpec(targets)) {
    // walk-forward targets: estimated once, then every grid cell trades to them
    const spec = parseTargetsSpec(specText(targets), "targets");
    input = walkForwardInput(h.dates, h.prices, h.n, targetsHistory(h.dates, h.prices, h.n, spec, ws, h.names));
  } else input = { dates: h.dates, prices: h.prices, nAssets: h.n, targets: targetsArg(targets, h.n, allowShort) };
  const g = sweep(input, base, v1, v2, stat as (typeof SWEEP_STATISTICS)[number], bo, ws);
  const cell = (x: number, reason: string | null) => (reason === null ? x : divisionByZero(reason));
  if (v2 === null) {
    const out: Out = [[v1.key, stat]];
    v1.values.forEach((v, a) => out.push([v, cell(g.values[a], g.reasons[a])]));
    return out;
  }
  const out: Out = [[`${v1.key} \\ ${v2.key}`, ...v2.values]];
  v1.values.forEach((v, a) => out.push([v, ...v2.values.map((_, b) => cell(g.values[a * v2.values.length + b], g.reasons[a * v2.values.length + b]))]));
  return out;
}
