/**
 * The rebalancing formulas' bodies: WEIGHTS, DRIFT, BANDS, CHECK, NEXTDATE, TRADES, TRADESHEET.
 * Each parses its Excel arguments (args.ts), calls the engine in src/core and shapes the result;
 * the maths lives in core (weights.ts, bands.ts, check.ts, calendar.ts, trades.ts).
 * functions.ts registers these under the REBAL namespace with their Excel descriptions.
 */
import { bandBounds, drift, breaches, halfWidths } from "../core/bands";
import { calendarDue, firstScheduledOnOrAfter, nextRebalanceDate, serialDay } from "../core/calendar";
import { decide } from "../core/check";
import { RebalError } from "../core/errors";
import { valueAsChoice, valueAsNumber } from "../core/keyvalues";
import { FREQUENCIES, Frequency, parsePolicy, Policy } from "../core/policy";
import { Book, describeOptimality, describeReason, planTrades } from "../core/trades";
import { weights } from "../core/weights";
import { readHoldings } from "../core/holdings";
import { at, divisionByZero, keyValueArg, numbersArg, optionalNumber, optionalScalar, sameLength, shapeVector } from "./args";

type Out = (number | string | boolean | Error)[][];

export function weightsFn(values: unknown): Out {
  const v = numbersArg(values, "values");
  return shapeVector(weights(v.values), v.orientation);
}

/** Weights of `values` plus an optional `cash` key, checked against `targets`. */
function valuesAndTargets(values: unknown, targets: unknown, cash: number) {
  const v = numbersArg(values, "values");
  const t = numbersArg(targets, "targets");
  sameLength(["values", "targets"], [v.values.length, t.values.length]);
  let sumT = 0;
  for (let i = 0; i < t.values.length; i++) sumT += t.values[i];
  if (sumT > 1 + 1e-9) throw new RebalError(`targets sum to ${sumT}, more than 1`);
  return { v, t, w: weights(v.values, cash) };
}

export function driftFn(values: unknown, targets: unknown, options: unknown): Out {
  const { extras } = parsePolicy(keyValueArg(options), "options", ["measure", "cash"]);
  let measure: "abs" | "rel" = "abs";
  let cash = 0;
  for (const kv of extras) {
    if (kv.key === "measure") measure = valueAsChoice(kv, ["abs", "rel"] as const);
    else cash = valueAsNumber(kv);
  }
  const { v, t, w } = valuesAndTargets(values, targets, cash);
  const d = drift(w, t.values, measure);
  const cells: (number | Error)[] = Array.from(d, (x, i) =>
    Number.isNaN(x) ? divisionByZero(`relative drift is undefined: ${at("targets", t.vec, i)} is 0`)
    : !Number.isFinite(x) ? divisionByZero(`relative drift is too large to show: ${at("targets", t.vec, i)} (${t.values[i]}) is too close to 0`)
    : x);
  return shapeVector(cells as never, v.orientation) as Out;
}

export function bandsFn(targets: unknown, policy: unknown): Out {
  const t = numbersArg(targets, "targets");
  const { policy: p } = parsePolicy(keyValueArg(policy));
  const { lower, upper } = bandBounds(t.values, p);
  return Array.from(lower, (lo, i) => [lo, upper[i]]);
}

function dateArg(value: unknown, arg: string): number | null {
  const v = optionalScalar(value, arg);
  return v === null ? null : serialDay(v, arg);
}

export function checkFn(values: unknown, targets: unknown, policy: unknown, asof: unknown, lastRebalance: unknown): boolean {
  const { policy: p, extras } = parsePolicy(keyValueArg(policy), "policy", ["cash"]);
  const cash = extras.length ? valueAsNumber(extras[0]) : 0;
  const { t, w } = valuesAndTargets(values, targets, cash);
  const h = halfWidths(t.values, p);
  const b = breaches(w, t.values, h);
  let count = 0;
  for (let i = 0; i < b.length; i++) count += b[i];
  const asofDay = dateArg(asof, "asof");
  const last = dateArg(lastRebalance, "last_rebalance");
  let cal: boolean | null = null;
  if (p.trigger === "calendar" || p.trigger === "hybrid" || p.trigger === "either") {
    if (asofDay === null) throw new RebalError(`asof is required for trigger=${p.trigger} (the date to check, e.g. TODAY())`);
    cal = calendarDue(asofDay, last, p.frequency as Frequency, p.anchor);
  }
  return decide(p, count, cal).due;
}

export function nextDateFn(lastRebalance: unknown, frequencyOrPolicy: unknown, asof: unknown): number {
  let freq: Frequency;
  let anchor: Policy["anchor"] = "start";
  const fp = keyValueArg(frequencyOrPolicy);
  if (typeof fp === "string" && !/[=:;]/.test(fp)) {
    if (fp.trim() === "") throw new RebalError(`frequency_or_policy is required: one of ${FREQUENCIES.join(", ")}, or a policy`);
    freq = valueAsChoice({ key: "frequency", value: fp, where: "frequency_or_policy" }, FREQUENCIES);
  } else {
    const { policy } = parsePolicy(fp, "frequency_or_policy");
    if (!policy.frequency) throw new RebalError("frequency_or_policy: the policy has no frequency");
    freq = policy.frequency;
    anchor = policy.anchor;
  }
  const last = dateArg(lastRebalance, "last_rebalance");
  const asofDay = dateArg(asof, "asof");
  if (last !== null) return nextRebalanceDate(last, freq, anchor);
  if (asofDay !== null) return firstScheduledOnOrAfter(asofDay, freq, anchor);
  throw new RebalError("last_rebalance is blank: give the last rebalance date, or asof to get the first scheduled date from then");
}

export function tradesFn(quantities: unknown, prices: unknown, targets: unknown, cash: unknown, policy: unknown): Out {
  const { policy: p } = parsePolicy(keyValueArg(policy));
  const q = numbersArg(quantities, "quantities", { min: p.allowShort ? undefined : 0 });
  const pr = numbersArg(prices, "prices", { positive: true });
  const t = numbersArg(targets, "targets", { min: p.allowShort ? undefined : 0 });
  sameLength(["quantities", "prices", "targets"], [q.values.length, pr.values.length, t.values.length]);
  const book: Book = { quantities: q.values, prices: pr.values, targets: t.values, cash: optionalNumber(cash, "cash", 0) };
  const plan = planTrades(book, p, { label: (i) => `${q.orientation === "column" ? "row" : "column"} ${i + 1}` });
  return shapeVector(plan.trades, q.orientation);
}

export const TRADESHEET_HEADER = ["asset", "side", "trade", "price", "value", "weight_before", "target", "weight_after", "cost", "reason"];

export function tradeSheetFn(holdings: unknown, cash: unknown, policy: unknown): Out {
  const { policy: p } = parsePolicy(keyValueArg(policy));
  const h = readHoldings(holdings, "holdings");
  const book: Book = { ...h.book, cash: optionalNumber(cash, "cash", 0) };
  const plan = planTrades(book, p, { label: (i) => `holdings row ${h.rows[i]} (${h.assets[i]})` });
  const out: Out = [TRADESHEET_HEADER];
  for (let i = 0; i < h.assets.length; i++) {
    const trade = plan.trades[i];
    out.push([
      h.assets[i], trade > 0 ? "BUY" : trade < 0 ? "SELL" : "HOLD", trade, book.prices[i], trade * book.prices[i],
      plan.weightsBefore[i], book.targets[i], plan.weightsAfter[i], plan.costs[i], describeReason(plan, i, p),
    ]);
  }
  const cashTarget = 1 - book.targets.reduce((a, b) => a + b, 0);
  out.push(["CASH", "", "", "", plan.cashAfter - plan.cashBefore, plan.cashBefore / plan.totalBefore, cashTarget, plan.cashAfter / plan.totalAfter, "", plan.decision.reason]);
  out.push(["TOTAL", "", "", "", plan.buys - plan.sells, 1, "", 1, plan.totalCost, `buys ${round2(plan.buys)}, sells ${round2(plan.sells)}, turnover ${(plan.turnover * 100).toFixed(2)}%`]);
  // the optimality gap (0 = proven optimal) in the cost column, in words in the reason column
  out.push(["OPTIMALITY", "", "", "", "", "", "", "", plan.optimalityGap, describeOptimality(plan)]);
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
