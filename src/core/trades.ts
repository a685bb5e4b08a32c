/**
 * Trade generation: the signed trade per asset that brings a book back to its policy.
 *
 * Conventions (product.md, "Policies"):
 * - Weights are of the total value V = sum(q * p) + cash. Targets may sum to less than 1; the rest
 *   is the cash target. The book is the assets plus cash.
 * - Destination per traded asset: `target`; `edge` (the nearest band edge, so an asset inside its
 *   band stays where it is); `midpoint` (halfway between target and edge). In one formula:
 *   for a breached asset d = clip(w, t - k*h, t + k*h) with k = 0, 1 or 1/2 and h the band
 *   half-width (bands.ts); with edge/midpoint an asset inside its band is not traded (so scope
 *   `all` only matters for `target`). Then clipped to the asset's own [min_weight, max_weight] when
 *   given. Untraded assets keep w.
 * - scope `all` trades every asset once the policy is due; `breached` only the assets outside their band.
 * - mode `buy_only` never sells (invests cash), `sell_only` never buys (raises cash).
 * - Cash after trades and costs stays at or above `cash_reserve * V` (never negative); no shorts
 *   unless `allow_short`; every trade is a whole multiple of the asset's lot (0 = fractional); trades
 *   worth less than `min_trade` are not made; costs are `cost_bps` of the traded value plus
 *   `cost_fixed` per trade, paid from cash.
 * - Direction (no wrong-way trade): an asset at or above its destination is never bought; an asset
 *   is sold only where the exact fractional plan (step 1) sells it - to reach its destination, or to
 *   fund the others when some destinations cannot be reached (a restricted overweight asset: the
 *   others absorb it) - or when the cash starts below the reserve and must be raised.
 * - "Closest to the destination", exactly: among the plans allowed above, the one minimising
 *   F = sum_i (x_i - d_i)^2 + (c - d_c)^2 over asset weights x and cash weight c after trades and
 *   costs (both on the pre-trade V), with d_c = max(1 - sum(d), cash_reserve); proven with a lower
 *   bound, the plan carrying its optimality gap (product.md, "Trades are optimal, and say so";
 *   docs/trades.md). When no plan can raise the cash to the reserve, the floor is the most cash any
 *   plan raises (cashFloor).
 *
 * Method:
 * 1. The exact fractional plan: every tradeable asset fractional, proportional costs kept, no
 *    min_trade or fixed cost - a convex problem lotPlan.ts solves exactly (its dual with no gap).
 * 2. The whole-lot problem in lots (lotPlan.ts's branch and bound), started from step 1 rounded to
 *    lots, with the caller's LotPlanner (its buffers and scratch vectors: no allocation per plan but
 *    the returned arrays).
 * 3. Dust (fractional trades worth at most FRACTIONAL_DUST of V) dropped where the floor allows, and
 *    the floor enforced in currency within the solver's rounding slack.
 * 4. No trade at all when that is feasible and as close to OPTIMALITY_TOL: a book on its destination
 *    gets no trades, and so does the result of a plan wherever no trade is its optimum
 *    (docs/trades.md, "Idempotence").
 */
import { halfWidths, BAND_TOLERANCE } from "./bands";
import { decide, Decision } from "./check";
import { RebalError, fmt } from "./errors";
import { CASH_TOL, defaultWorkBudget, F_ABS_TOL, LotPlanner, OPTIMALITY_TOL } from "./lotPlan";
import { Policy } from "./policy";

export interface Book {
  quantities: Float64Array;
  prices: Float64Array;
  targets: Float64Array;
  cash: number;
  /** Per-asset lot overriding the policy's (NaN = policy lot; 0 = fractional). */
  lots?: Float64Array | null;
  /** 1 = never trade this asset. */
  restricted?: Uint8Array | null;
  /** Per-asset weight limits (NaN = none); a weight outside them is a breach. */
  minWeights?: Float64Array | null;
  maxWeights?: Float64Array | null;
}

export const enum Reason {
  Hold = 0,
  NotDue = 1,
  Buy = 2,
  Sell = 3,
  BreachBuy = 4,
  BreachSell = 5,
  Restricted = 6,
  BelowMinTrade = 7,
  BlockedByMode = 8,
  BelowLot = 9,
  CashReserve = 10,
  InBand = 11,
}

export interface TradePlan {
  trades: Float64Array;
  reasons: Uint8Array;
  weightsBefore: Float64Array;
  destination: Float64Array;
  weightsAfter: Float64Array;
  halfWidths: Float64Array;
  breached: Uint8Array;
  costs: Float64Array;
  totalBefore: number;
  totalAfter: number;
  cashBefore: number;
  cashAfter: number;
  totalCost: number;
  buys: number;
  sells: number;
  /** min(buys, sells) / V (conventions.md). */
  turnover: number;
  decision: Decision;
  /** F of the plan, its proven lower bound, the gap (0 = proven optimal) and the nodes searched. */
  objective: number;
  lowerBound: number;
  optimalityGap: number;
  nodes: number;
}

export interface PlanOptions {
  /** Calendar evaluation from the caller (null = no dates: the request is the scheduled date). */
  calendarDue?: boolean | null;
  /** Names asset i in messages (default "row i+1"). */
  label?: (i: number) => string;
  /** The solver and its buffers, owned by the caller to reuse across plans (default: a new one). */
  planner?: LotPlanner | null;
  /** Search budget in per-asset evaluations (default lotPlan's defaultWorkBudget); past it the gap is reported. */
  workBudget?: number;
}

/** Validates a book; errors name the asset's row and the field. */
export function validateBook(book: Book, policy: Policy, label: (i: number) => string = (i) => `row ${i + 1}`): void {
  const { quantities: q, prices: p, targets: t } = book;
  const n = q.length;
  if (p.length !== n || t.length !== n) throw new RebalError(`quantities, prices and targets must have the same length (got ${n}, ${p.length}, ${t.length})`);
  if (n === 0) throw new RebalError("there are no assets");
  if (!Number.isFinite(book.cash)) throw new RebalError(`cash must be a number, got ${book.cash}`);
  let sumT = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(q[i])) throw new RebalError(`${label(i)}: quantity must be a number`);
    if (!Number.isFinite(p[i]) || p[i] <= 0) throw new RebalError(`${label(i)}: price must be a positive number, got ${fmt(p[i])}`);
    if (!Number.isFinite(t[i])) throw new RebalError(`${label(i)}: target must be a number`);
    if (!policy.allowShort) {
      if (t[i] < 0) throw new RebalError(`${label(i)}: target ${fmt(t[i])} is negative (set allow_short=TRUE for shorts)`);
      if (q[i] < 0) throw new RebalError(`${label(i)}: quantity ${fmt(q[i])} is a short position (set allow_short=TRUE for shorts)`);
    }
    const lot = book.lots ? book.lots[i] : NaN;
    if (!Number.isNaN(lot) && !(lot >= 0 && Number.isFinite(lot))) throw new RebalError(`${label(i)}: lot must be 0 (fractional) or a positive number, got ${fmt(lot)}`);
    const lo = book.minWeights ? book.minWeights[i] : NaN;
    const hi = book.maxWeights ? book.maxWeights[i] : NaN;
    if (!Number.isNaN(lo) && !Number.isNaN(hi) && lo > hi) throw new RebalError(`${label(i)}: min weight ${fmt(lo)} is above max weight ${fmt(hi)}`);
    sumT += t[i];
  }
  if (sumT > 1 + 1e-9) throw new RebalError(`targets sum to ${fmt(sumT)}, more than 1 (the rest of 1 is the cash target)`);
  let total = book.cash;
  for (let i = 0; i < n; i++) total += q[i] * p[i];
  if (!(total > 1e-9)) throw new RebalError(`the total value (holdings plus cash) must be positive (above 1e-9), got ${fmt(total)}`);
}

/** Computes the trades the policy prescribes for `book` now. */
export function planTrades(book: Book, policy: Policy, options: PlanOptions = {}): TradePlan {
  validateBook(book, policy, options.label);
  const { quantities: q, prices: p, targets: t } = book;
  const n = q.length;
  let V = book.cash;
  for (let i = 0; i < n; i++) V += q[i] * p[i];
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = (q[i] * p[i]) / V;
  const h = halfWidths(t, policy);
  const minW = book.minWeights ?? null;
  const maxW = book.maxWeights ?? null;
  const breached = new Uint8Array(n);
  let breachedCount = 0;
  let uninvested = true;
  for (let i = 0; i < n; i++) {
    if (q[i] !== 0) uninvested = false;
    let b = Math.abs(w[i] - t[i]) > h[i] + BAND_TOLERANCE;
    if (minW && w[i] < minW[i] - BAND_TOLERANCE) b = true;
    if (maxW && w[i] > maxW[i] + BAND_TOLERANCE) b = true;
    if (b) { breached[i] = 1; breachedCount++; }
  }
  const decision = decide(policy, breachedCount, options.calendarDue ?? null, uninvested);

  const trades = new Float64Array(n);
  const reasons = new Uint8Array(n);
  const d = Float64Array.from(w);
  const restricted = book.restricted ?? null;
  if (!decision.due) {
    for (let i = 0; i < n; i++) reasons[i] = breached[i] ? Reason.NotDue : Reason.InBand;
    return finishPlan(book, policy, V, w, d, h, breached, trades, reasons, decision, NOT_PLANNED);
  }

  // Destination, and the box of allowed trades in shares (lot multiples) and in weights.
  const k = policy.destination === "target" ? 0 : policy.destination === "edge" ? 1 : 0.5;
  const planner = options.planner ?? new LotPlanner();
  // scratch vectors from the planner (no allocation per plan when the caller reuses it)
  const lots = planner.scratch(0, n);
  const loQ = planner.scratch(1, n);
  const hiQ = planner.scratch(2, n);
  const tradeable = planner.scratch(3, n); // 1 = traded
  const rawLo = planner.scratch(4, n); // the box before lot rounding (the fractional plan's)
  const rawHi = planner.scratch(5, n);
  const belowReserve = book.cash < policy.cashReserve * V;
  for (let i = 0; i < n; i++) {
    const bookLot = book.lots ? book.lots[i] : NaN;
    const L = Number.isNaN(bookLot) ? policy.lot : bookLot;
    lots[i] = L;
    // edge/midpoint move only breached assets (an asset inside its band is where it should be);
    // with target, scope decides
    const canTrade = !(restricted && restricted[i]) && (k === 0 && policy.scope === "all" ? true : breached[i] === 1);
    if (!canTrade) continue;
    tradeable[i] = 1;
    let di = k === 0 ? t[i] : Math.min(Math.max(w[i], t[i] - k * h[i]), t[i] + k * h[i]);
    if (minW && !Number.isNaN(minW[i])) di = Math.max(di, minW[i]);
    if (maxW && !Number.isNaN(maxW[i])) di = Math.min(di, maxW[i]);
    d[i] = di;
    let a = policy.mode === "buy_only" ? 0 : policy.allowShort ? -Infinity : -q[i];
    let b = policy.mode === "sell_only" ? 0 : Infinity;
    // Never buy an asset at or above its destination.
    if (di <= w[i] + 1e-15) b = Math.min(b, 0);
    rawLo[i] = a;
    rawHi[i] = b;
    if (L > 0) {
      if (a !== -Infinity) a = Math.ceil(a / L - 1e-9) * L;
      if (b !== Infinity) b = Math.floor(b / L + 1e-9) * L;
    }
    loQ[i] = a;
    hiQ[i] = b;
  }
  let sumD = 0;
  for (let i = 0; i < n; i++) sumD += d[i];
  const reserve = policy.cashReserve;
  // The cash destination: what the targets leave, but never below the reserve.
  const dc = Math.max(1 - sumD, reserve);
  const bps = policy.costBps / 1e4;
  const fixed = policy.costFixed;
  const idx = planner.scratch(6, n); // positions of the traded assets
  let m = 0;
  for (let i = 0; i < n; i++) if (tradeable[i]) idx[m++] = i;
  const c0 = book.cash / V;

  // 1. The exact fractional plan (same policy, fractional lots, no min_trade, no fixed cost).
  planner.reset(m, bps, 0, c0, dc, reserve);
  for (let j = 0; j < m; j++) {
    const i = idx[j];
    planner.e0[j] = w[i] - d[i];
    planner.delta[j] = p[i] / V;
    planner.lo[j] = rawLo[i];
    planner.hi[j] = rawHi[i];
  }
  planner.setFloor(cashFloor(planner, c0, reserve));
  planner.slopeHint = 0;
  const lambdaRelaxed = planner.solveConvex(0);
  const relaxedSlope = planner.slopeAtStar;
  const x = planner.scratch(7, n);
  x.set(w);
  for (let j = 0; j < m; j++) x[idx[j]] = w[idx[j]] + (planner.best[j] * p[idx[j]]) / V;

  // Sales only where the exact fractional plan sells (to reach the destination, or to fund the
  // others when some destinations cannot be reached), or when cash below the reserve must be raised.
  for (let i = 0; i < n; i++) {
    if (tradeable[i] && !belowReserve && !(x[i] < w[i] - DIRECTION_TOL)) loQ[i] = Math.max(loQ[i], 0);
  }

  // Every traded asset fractional and no gap at zero (no min_trade, no fixed cost): the whole-lot
  // problem is the fractional plan itself, whose exact optimum step 1 found: it is the plan, with
  // the dual bound that solve proved.
  const relaxedBound = planner.convexBound;
  let continuous = fixed === 0 && policy.minTrade === 0 && Number.isFinite(lambdaRelaxed);
  for (let j = 0; j < m && continuous; j++) if (lots[idx[j]] !== 0) continuous = false;
  let floor = planner.r;
  let resultBound: number;
  let resultNodes = 1;
  if (continuous) {
    for (let j = 0; j < m; j++) { const i = idx[j]; trades[i] = Math.min(Math.max(planner.best[j], loQ[i]), hiQ[i]); }
    resultBound = relaxedBound;
  } else {
    // 2. The whole-lot problem (lotPlan.ts), started from the relaxation rounded to lots.
    planner.reset(m, bps, fixed / V, c0, dc, reserve);
    const start = planner.scratch(8, m);
    const units = planner.scratch(9, m);
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      const L = lots[i];
      const u = L > 0 ? L : 1;
      units[j] = u;
      planner.isInt[j] = L > 0 ? 1 : 0;
      planner.e0[j] = w[i] - d[i];
      planner.delta[j] = (u * p[i]) / V;
      planner.lo[j] = L > 0 && Number.isFinite(loQ[i]) ? Math.round(loQ[i] / L) : loQ[i];
      planner.hi[j] = L > 0 && Number.isFinite(hiQ[i]) ? Math.round(hiQ[i] / L) : hiQ[i];
      let mp: number;
      if (L > 0) mp = policy.minTrade > 0 ? Math.max(1, Math.ceil((policy.minTrade * (1 - 1e-12)) / (L * p[i]) - 1e-9)) : 1;
      else mp = policy.minTrade > 0 || fixed > 0 ? Math.max(policy.minTrade / p[i], FRACTIONAL_MIN_SHARES) : 0;
      planner.mp[j] = mp;
      planner.mn[j] = mp;
      const raw = ((x[i] - w[i]) * V) / p[i];
      let k = L > 0 ? Math.round(raw / L) : raw;
      k = Math.min(Math.max(k, planner.lo[j]), planner.hi[j]);
      if (k !== 0 && (k > 0 ? k < mp : -k < mp)) k = 0;
      start[j] = k;
    }
    floor = cashFloor(planner, c0, reserve);
    planner.setFloor(floor);
    planner.slopeHint = relaxedSlope > 0 ? relaxedSlope : 0.5 * (1 + m);
    const r = planner.solve(start, Number.isFinite(lambdaRelaxed) ? lambdaRelaxed : 0, options.workBudget ?? defaultWorkBudget(m));
    for (let j = 0; j < m; j++) trades[idx[j]] = planner.best[j] * units[j];
    resultBound = r.bound;
    resultNodes = r.nodes;
  }

  // 3. Fractional dust (a trade worth at most FRACTIONAL_DUST of V, left by the continuous solve) is
  // no trade when dropping it keeps the cash floor; then the cash floor exactly, in currency.
  for (let i = 0; i < n; i++) {
    if (lots[i] !== 0 || trades[i] === 0 || Math.abs(trades[i]) * p[i] > FRACTIONAL_DUST * V) continue;
    const v = trades[i];
    trades[i] = 0;
    if (cashAfterTrades(trades, p, book.cash, bps, fixed) < floor * V - CASH_TOL * V) trades[i] = v;
  }
  enforceReserve(trades, p, lots, loQ, book.cash, Math.min(floor, reserve) * V, CASH_TOL * V, bps, fixed, policy.minTrade);
  // 4. No trade at all if that is feasible and as close to OPTIMALITY_TOL (exact objective and cash):
  // so a book on its destination, or the result of a plan, gets no trades.
  const f0 = objectiveOf(planner.scratch(10, n), q, p, d, dc, V, book.cash, bps, fixed);
  let f1 = objectiveOf(trades, q, p, d, dc, V, book.cash, bps, fixed);
  const feasible0 = c0 >= floor - CASH_TOL;
  if (feasible0 && f0 <= f1 + Math.max(OPTIMALITY_TOL * f0, 1e-18)) { trades.fill(0); f1 = f0; }
  const bound = Math.min(resultBound, f1);
  const proven = f1 - bound <= Math.max(OPTIMALITY_TOL * f1, F_ABS_TOL);
  const optimality: Optimality = { objective: f1, lowerBound: bound, optimalityGap: proven ? 0 : (f1 - bound) / f1, nodes: resultNodes };

  const dust = 1e-10 * V; // a trade worth less than this is no trade (reasons)
  for (let i = 0; i < n; i++) {
    const wanted = Math.abs(x[i] - w[i]) * V > dust || Math.abs(d[i] - w[i]) * V > dust;
    if (trades[i] > 0) reasons[i] = breached[i] ? Reason.BreachBuy : d[i] >= w[i] ? Reason.Buy : Reason.CashReserve;
    else if (trades[i] < 0) reasons[i] = breached[i] ? Reason.BreachSell : d[i] <= w[i] ? Reason.Sell : Reason.CashReserve;
    else if (restricted && restricted[i]) reasons[i] = Reason.Restricted;
    else if (!tradeable[i]) reasons[i] = Reason.InBand;
    else if (!wanted) reasons[i] = Reason.Hold;
    else if ((policy.mode === "buy_only" && d[i] < w[i]) || (policy.mode === "sell_only" && d[i] > w[i])) reasons[i] = Reason.BlockedByMode;
    else if (policy.minTrade > 0 && Math.abs(x[i] - w[i]) * V < policy.minTrade * 1.5) reasons[i] = Reason.BelowMinTrade;
    else if (lots[i] > 0) reasons[i] = Reason.BelowLot;
    else reasons[i] = Reason.Hold;
  }
  return finishPlan(book, policy, V, w, d, h, breached, trades, reasons, decision, optimality);
}

/** The objective F of trades (module header), on the pre-trade total V. */
function objectiveOf(trades: Float64Array, q: Float64Array, p: Float64Array, d: Float64Array, dc: number, V: number, cash: number, bps: number, fixed: number): number {
  let f = 0;
  for (let i = 0; i < q.length; i++) f += (((q[i] + trades[i]) * p[i]) / V - d[i]) ** 2;
  return f + (cashAfterTrades(trades, p, cash, bps, fixed) / V - dc) ** 2;
}

/** Cash after trades and costs, in currency. */
function cashAfterTrades(trades: Float64Array, p: Float64Array, cash: number, bps: number, fixed: number): number {
  let c = cash;
  for (let i = 0; i < trades.length; i++) if (trades[i] !== 0) c -= trades[i] * p[i] + Math.abs(trades[i]) * p[i] * bps + fixed;
  return c;
}

/**
 * Makes sure the cash after trades and costs is at least `floor` in currency, up to `slack` (the
 * rounding the solver's weights carry, CASH_TOL of V), whatever rounding did: trims fractional buys
 * by the exact shortfall first, then the largest whole-lot buys a lot at a time.
 */
function enforceReserve(trades: Float64Array, p: Float64Array, lots: Float64Array, loQ: Float64Array, cash: number, floor: number, slack: number, bps: number, fixed: number, minTrade: number): void {
  for (let guard = 0; guard < 4 * trades.length + 10; guard++) {
    const deficit = floor - cashAfterTrades(trades, p, cash, bps, fixed);
    if (deficit <= slack) return;
    let best = -1;
    for (let i = 0; i < trades.length; i++) {
      if (!(trades[i] > 0)) continue;
      if (best < 0 || (lots[i] === 0 && lots[best] !== 0) || ((lots[i] === 0) === (lots[best] === 0) && trades[i] * p[i] > trades[best] * p[best])) best = i;
    }
    if (best < 0) return; // no buy left to trim: the reserve cannot be restored by trimming
    const L = lots[best];
    if (L > 0) trades[best] -= Math.max(1, Math.ceil(deficit / (L * p[best] * (1 + bps)) - 1e-12)) * L;
    else trades[best] = Math.max(0, trades[best] - (deficit / (p[best] * (1 + bps))) * (1 + 1e-12));
    if (trades[best] < 0 || (trades[best] > 0 && trades[best] * p[best] < minTrade)) trades[best] = 0; // never a sale, never under min_trade
    if (trades[best] < loQ[best]) trades[best] = Math.max(loQ[best], 0);
  }
}

/**
 * The cash floor of the plan (weight of V): the reserve, or - when the cash starts below the reserve
 * and no plan can raise that much - the most cash any plan raises (so the plan raises it).
 */
function cashFloor(planner: LotPlanner, c0: number, reserve: number): number {
  if (c0 >= reserve) return reserve;
  const most = planner.maxCash();
  return most >= reserve ? reserve : most - CASH_TOL / 2;
}

/** An asset's fractional plan sells it when its weight falls by more than this. */
const DIRECTION_TOL = 1e-15;
/** A fractional trade worth at most this share of V is dust (rounding of the continuous solve). */
const FRACTIONAL_DUST = 1e-14;
/** The smallest fractional trade when a min_trade or a fixed cost makes small trades a gap (shares). */
const FRACTIONAL_MIN_SHARES = 1e-8;

/** What the search proved about a plan. */
export interface Optimality {
  /** F of the plan (module header). */
  objective: number;
  /** A proven lower bound on F over every allowed plan. */
  lowerBound: number;
  /** (objective - lowerBound) / objective; 0 when proven optimal (to OPTIMALITY_TOL). */
  optimalityGap: number;
  /** Branch-and-bound nodes explored. */
  nodes: number;
}

/** A plan that was not due: no search, nothing to prove. */
const NOT_PLANNED: Optimality = { objective: 0, lowerBound: 0, optimalityGap: 0, nodes: 0 };

function finishPlan(book: Book, policy: Policy, V: number, w: Float64Array, d: Float64Array, h: Float64Array, breached: Uint8Array, trades: Float64Array, reasons: Uint8Array, decision: Decision, opt: Optimality): TradePlan {
  const { quantities: q, prices: p } = book;
  const n = q.length;
  const costs = new Float64Array(n);
  let buys = 0;
  let sells = 0;
  let totalCost = 0;
  const bps = policy.costBps / 1e4;
  for (let i = 0; i < n; i++) {
    if (trades[i] === 0) continue;
    const v = trades[i] * p[i];
    if (v > 0) buys += v; else sells -= v;
    costs[i] = Math.abs(v) * bps + policy.costFixed;
    totalCost += costs[i];
  }
  let cashAfter = book.cash - buys + sells - totalCost;
  if (cashAfter < 0 && cashAfter >= -CASH_TOL * V && book.cash >= 0) cashAfter = 0; // rounding of the solver's weights, not a debt
  const totalAfter = V - totalCost;
  const weightsAfter = new Float64Array(n);
  for (let i = 0; i < n; i++) weightsAfter[i] = ((q[i] + trades[i]) * p[i]) / totalAfter;
  return {
    trades, reasons, weightsBefore: w, destination: d, weightsAfter, halfWidths: h, breached, costs,
    totalBefore: V, totalAfter, cashBefore: book.cash, cashAfter, totalCost, buys, sells,
    turnover: Math.min(buys, sells) / V, decision,
    objective: opt.objective, lowerBound: opt.lowerBound, optimalityGap: opt.optimalityGap, nodes: opt.nodes,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/**
 * What the search proved, in words, for trade sheets, the CLI and REBAL.TRADESHEET: "optimal
 * (proven)", or how far from proven the plan may be when the search budget stopped it first.
 */
export function describeOptimality(plan: TradePlan): string {
  if (!plan.decision.due) return "no plan: not due";
  return describeGap(plan.optimalityGap);
}

/** The optimality statement of a gap alone (e.g. a batch's largest): "optimal (proven)" at 0, else how far from optimal it may be at most. */
export function describeGap(gap: number): string {
  if (gap === 0) return "optimal (proven)";
  const digits = gap >= 0.01 ? 2 : gap >= 0.0001 ? 3 : 4;
  return `within ${(gap * 100).toFixed(digits)}% of optimal (search budget reached)`;
}

/** A sentence saying why asset i trades (or not), for trade sheets and the CLI. */
export function describeReason(plan: TradePlan, i: number, policy: Policy): string {
  const w = plan.weightsBefore[i];
  const d = plan.destination[i];
  const h = plan.halfWidths[i];
  const band = h > 0 ? ` (band ±${pct(h)})` : "";
  switch (plan.reasons[i] as Reason) {
    case Reason.BreachBuy: return `below band: weight ${pct(w)}${band}; buy to ${policy.destination} ${pct(d)}`;
    case Reason.BreachSell: return `above band: weight ${pct(w)}${band}; sell to ${policy.destination} ${pct(d)}`;
    case Reason.Buy: return `underweight: ${pct(w)} -> ${pct(d)} (${plan.decision.reason})`;
    case Reason.Sell: return `overweight: ${pct(w)} -> ${pct(d)} (${plan.decision.reason})`;
    case Reason.CashReserve: return `trade to fund the cash reserve / budget`;
    case Reason.Restricted: return "restricted: not traded";
    case Reason.BelowMinTrade: return `trade below min_trade ${policy.minTrade}: not made`;
    case Reason.BlockedByMode: return `${policy.mode}: ${d < w ? "sell" : "buy"} not allowed`;
    case Reason.BelowLot: return "trade smaller than one lot";
    case Reason.NotDue: return `outside band, but ${plan.decision.reason}`;
    case Reason.InBand: return plan.decision.due ? "within band" : plan.decision.reason;
    default: return "at destination";
  }
}
