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
 * - Direction: an asset at or above its destination is never bought; an asset is sold only where
 *   the continuous relaxation (step 1) sells it - to reach its destination, or to fund the others
 *   when some destinations cannot be reached (a restricted overweight asset: the others absorb it)
 *   - or when the cash starts below the reserve and must be raised.
 * - "Closest to the destination": among feasible books, the one minimising the squared distance
 *   F = sum_i (x_i - d_i)^2 + (c - d_c)^2 over asset weights x and cash weight c (both on the
 *   pre-trade V), with d_c = max(1 - sum(d), cash_reserve). Not naive truncation: the lot-rounded
 *   book is searched for (single moves for every book; for books up to 12 assets also every one-asset kick followed
 *   by a descent, which covers the pair moves).
 *
 * Method (hand-written: no library solves this small mixed-integer problem as fast):
 * 1. Continuous relaxation, exactly: x_i = clip(d_i - mu, lo_i, hi_i), c = max(d_c - mu, reserve),
 *    with mu the root of the (monotone, piecewise-linear) budget equation, found by safeguarded
 *    Newton steps. Estimated costs are taken off the budget and refined twice.
 * 2. Lot rounding to the nearest feasible multiple, min_trade applied.
 * 3. Local search on whole lots (and exact 1-D moves for fractional assets): first restore the cash
 *    reserve with the cheapest moves, then apply improving moves until none is left. Each pass
 *    evaluates every asset's candidate moves in O(1) and applies the improving ones best-first.
 * 4. Guard: if not trading is feasible and at least as close, no trades (so a book already on its
 *    destination gives none, and rebalancing a result again gives none).
 * Closed form: step 3 is skipped when the rounded start is already the exact optimum - fractional
 * lots, no costs, no min_trade, mode full, every asset traded to its target (scope all, nothing
 * restricted, no weight limits, no shorts), relaxation solved at mu = 0 (to its tolerance: the cash
 * target 1 - sum(d) is not below the reserve), and the start's residuals only rounding
 * (`startIsClosedForm`). Then x = d satisfies the KKT conditions with mu = 0, so no move lowers F in
 * exact arithmetic; a search would only chase the rounding error of the cash weight (~1e-15) by moving
 * an asset about half of it. backtest/targetPlan.ts replays this case (steps 1-5 with the same
 * expressions) without allocations for the backtests; its test checks it against planTrades, so a
 * change to these steps must be made there too.
 */
import { halfWidths, BAND_TOLERANCE } from "./bands";
import { decide, Decision } from "./check";
import { RebalError, fmt } from "./errors";
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
}

export interface PlanOptions {
  /** Calendar evaluation from the caller (null = no dates: the request is the scheduled date). */
  calendarDue?: boolean | null;
  /** Names asset i in messages (default "row i+1"). */
  label?: (i: number) => string;
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
    return finishPlan(book, policy, V, w, d, h, breached, trades, reasons, decision);
  }

  // Destination, and the box of allowed trades in shares (lot multiples) and in weights.
  const k = policy.destination === "target" ? 0 : policy.destination === "edge" ? 1 : 0.5;
  const lots = new Float64Array(n);
  const loQ = new Float64Array(n);
  const hiQ = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const tradeable = new Uint8Array(n);
  const belowReserve = book.cash < policy.cashReserve * V;
  for (let i = 0; i < n; i++) {
    const bookLot = book.lots ? book.lots[i] : NaN;
    const L = Number.isNaN(bookLot) ? policy.lot : bookLot;
    lots[i] = L;
    // edge/midpoint move only breached assets (an asset inside its band is where it should be);
    // with target, scope decides
    const canTrade = !(restricted && restricted[i]) && (k === 0 && policy.scope === "all" ? true : breached[i] === 1);
    if (!canTrade) { lo[i] = hi[i] = w[i]; continue; }
    tradeable[i] = 1;
    let di = k === 0 ? t[i] : Math.min(Math.max(w[i], t[i] - k * h[i]), t[i] + k * h[i]);
    if (minW && !Number.isNaN(minW[i])) di = Math.max(di, minW[i]);
    if (maxW && !Number.isNaN(maxW[i])) di = Math.min(di, maxW[i]);
    d[i] = di;
    let a = policy.mode === "buy_only" ? 0 : policy.allowShort ? -Infinity : -q[i];
    let b = policy.mode === "sell_only" ? 0 : Infinity;
    // Never buy an asset at or above its destination.
    if (di <= w[i] + 1e-15) b = Math.min(b, 0);
    if (L > 0) {
      if (a !== -Infinity) a = Math.ceil(a / L - 1e-9) * L;
      if (b !== Infinity) b = Math.floor(b / L + 1e-9) * L;
    }
    loQ[i] = a;
    hiQ[i] = b;
    lo[i] = a === -Infinity ? -Infinity : w[i] + (a * p[i]) / V;
    hi[i] = b === Infinity ? Infinity : w[i] + (b * p[i]) / V;
  }
  let sumD = 0;
  for (let i = 0; i < n; i++) sumD += d[i];
  const reserve = policy.cashReserve;
  // The cash destination: what the targets leave, but never below the reserve.
  const dc = Math.max(1 - sumD, reserve);
  const bps = policy.costBps / 1e4;
  const fixed = policy.costFixed;

  // 1. Continuous relaxation with costs taken off the budget.
  const x = new Float64Array(n);
  let costEst = 0;
  let mu = NaN;
  for (let iter = 0; iter < 3; iter++) {
    mu = solveRelaxation(d, lo, hi, dc, reserve, 1 - costEst / V, x);
    let c2 = 0;
    for (let i = 0; i < n; i++) {
      const dv = Math.abs(x[i] - w[i]) * V;
      if (dv > 1e-10 * V) c2 += dv * bps + fixed;
    }
    if (Math.abs(c2 - costEst) <= 1e-12 * V) break;
    costEst = c2;
  }

  // Sales only where the relaxed book sells (to reach the destination, or to fund the others when
  // some destinations cannot be reached), or when cash below the reserve must be raised: a trade
  // never moves an asset away from where the closest feasible book puts it.
  for (let i = 0; i < n; i++) {
    if (tradeable[i] && !belowReserve && !(x[i] < w[i] - 1e-15)) { loQ[i] = Math.max(loQ[i], 0); lo[i] = Math.max(lo[i], w[i]); }
  }

  // 2. Round to the nearest lot multiple in the box, apply min_trade.
  const dust = 1e-10 * V;
  for (let i = 0; i < n; i++) {
    if (!tradeable[i]) continue;
    const L = lots[i];
    const raw = ((x[i] - w[i]) * V) / p[i];
    let dq = L > 0 ? Math.round(raw / L) * L : raw;
    dq = Math.min(Math.max(dq, loQ[i]), hiQ[i]);
    if (Math.abs(dq) * p[i] <= dust) dq = 0;
    if (dq !== 0 && Math.abs(dq) * p[i] < policy.minTrade) {
      const m = minimalTrade(L, p[i], policy.minTrade, Math.sign(dq), loQ[i], hiQ[i]);
      // the nearer of "no trade" and the smallest allowed trade in that direction
      dq = m !== 0 && Math.abs(m - raw) < Math.abs(raw) ? m : 0;
    }
    trades[i] = dq;
  }

  // 3. Local search on the exact objective, unless the start is the closed-form optimum (header).
  let closedForm = mu === 0 && bps === 0 && fixed === 0 && policy.minTrade === 0 && policy.mode === "full" && k === 0 && !policy.allowShort && !minW && !maxW;
  for (let i = 0; i < n && closedForm; i++) if (lots[i] !== 0 || !tradeable[i]) closedForm = false;
  if (!closedForm || !startIsClosedForm(q, p, d, trades, V, book.cash, dc, reserve)) {
    const search = new LocalSearch(q, p, w, d, dc, V, book.cash, reserve, bps, fixed, policy.minTrade, lots, loQ, hiQ, trades);
    search.run();
  }

  // 4. Fractional trades to 1e-8 shares; then the cash reserve exactly, in currency.
  for (let i = 0; i < n; i++) {
    if (lots[i] !== 0 || trades[i] === 0) continue;
    let v = Math.round(trades[i] * 1e8) / 1e8;
    if (Math.abs(v) * p[i] < policy.minTrade) v = (Math.sign(v) * Math.ceil(Math.abs(trades[i]) * 1e8)) / 1e8; // stay above min_trade
    trades[i] = Math.min(Math.max(v, loQ[i]), hiQ[i]);
  }
  enforceReserve(trades, p, lots, loQ, book.cash, reserve * V, bps, fixed, policy.minTrade);
  // 5. No trade at all if that is feasible and at least as close (exact objective and cash).
  const cash0 = book.cash / V;
  const f0 = objectiveOf(new Float64Array(n), q, p, d, dc, V, book.cash, bps, fixed);
  const f1 = objectiveOf(trades, q, p, d, dc, V, book.cash, bps, fixed);
  const cash1 = cashAfterTrades(trades, p, book.cash, bps, fixed);
  const feasible0 = cash0 >= reserve;
  const feasible1 = cash1 >= reserve * V && cash1 >= 0;
  if ((feasible0 && (!feasible1 || f0 <= f1 * (1 + 1e-15))) || (!feasible0 && !feasible1 && cash1 < book.cash)) trades.fill(0);

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
  return finishPlan(book, policy, V, w, d, h, breached, trades, reasons, decision);
}

/**
 * For the closed-form case (module header): is the rounded start the optimum up to rounding? Every
 * |x_i - d_i| <= 1e-14 and |c - d_c| <= 1e-14 max(1, n) (x, c the weights after the trades, costs 0;
 * c as the local search computes it), and c >= reserve - 1e-13 (the search's Phase A would not run).
 */
function startIsClosedForm(q: Float64Array, p: Float64Array, d: Float64Array, trades: Float64Array, V: number, cash: number, dc: number, reserve: number): boolean {
  const n = q.length;
  let c = cash;
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(((q[i] + trades[i]) * p[i]) / V - d[i]) <= 1e-14)) return false;
    c -= trades[i] * p[i];
  }
  c /= V;
  return c >= reserve - 1e-13 && Math.abs(c - dc) <= 1e-14 * Math.max(1, n);
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
 * Makes sure the cash after trades and costs is at least `floor` in currency, whatever rounding did:
 * trims the largest buys (fractional ones by the exact shortfall, lot ones a lot at a time).
 */
function enforceReserve(trades: Float64Array, p: Float64Array, lots: Float64Array, loQ: Float64Array, cash: number, floor: number, bps: number, fixed: number, minTrade: number): void {
  for (let guard = 0; guard < 4 * trades.length + 10; guard++) {
    const deficit = floor - cashAfterTrades(trades, p, cash, bps, fixed);
    if (deficit <= 0) return;
    let best = -1;
    for (let i = 0; i < trades.length; i++) if (trades[i] > 0 && (best < 0 || trades[i] * p[i] > trades[best] * p[best])) best = i;
    if (best < 0) return; // no buy left to trim: the reserve cannot be restored by trimming
    const L = lots[best];
    if (L > 0) trades[best] -= Math.max(1, Math.ceil(deficit / (L * p[best] * (1 + bps)) - 1e-12)) * L;
    else {
      const cut = (deficit / (p[best] * (1 + bps))) * (1 + 1e-9) + 1e-8;
      trades[best] = Math.max(0, Math.floor((trades[best] - cut) * 1e8) / 1e8);
    }
    if (trades[best] < 0 || trades[best] * p[best] < minTrade) trades[best] = 0; // never a sale, never under min_trade
    if (trades[best] < loQ[best]) trades[best] = Math.max(loQ[best], 0);
  }
}

/** The smallest whole-lot trade in direction `sign` worth at least `minTrade`, or 0 if outside the box. */
function minimalTrade(L: number, price: number, minTrade: number, sign: number, loQ: number, hiQ: number): number {
  let size = minTrade / price;
  if (L > 0) size = Math.ceil(size / L - 1e-9) * L;
  if (size * price < minTrade * (1 - 1e-12) && L > 0) size += L;
  const m = sign * size;
  return m < loQ || m > hiQ ? 0 : m;
}

/**
 * g(mu) of solveRelaxation: the clipped weights' sum minus the budget (out[0]) and the number of
 * coordinates strictly inside their boxes (out[1]). Module level, not a closure: the CLI runs through
 * tsx, whose keepNames wrapper makes closures created per call measurably expensive.
 */
function relaxationGap(d: Float64Array, lo: Float64Array, hi: Float64Array, dc: number, reserve: number, budget: number, mu: number, out: Float64Array): void {
  const n = d.length;
  let s = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    const v = d[i] - mu;
    if (v <= lo[i]) s += lo[i];
    else if (v >= hi[i]) s += hi[i];
    else { s += v; cnt++; }
  }
  const c = dc - mu;
  if (c > reserve) { s += c; cnt++; } else s += reserve;
  out[0] = s - budget;
  out[1] = cnt;
}

/**
 * Solves min sum (x_i - d_i)^2 + (c - dc)^2 s.t. lo <= x <= hi, c >= reserve, sum x + c = budget.
 * KKT: x_i = clip(d_i - mu, lo_i, hi_i), c = max(dc - mu, reserve), with g(mu) = sum x + c - budget
 * non-increasing in mu. When even mu -> +inf leaves g > 0 (the reserve cannot be met), x = lo.
 */
export function solveRelaxation(d: Float64Array, lo: Float64Array, hi: Float64Array, dc: number, reserve: number, budget: number, x: Float64Array): number {
  const n = d.length;
  const tol = 1e-14 * Math.max(1, n);
  let mu = 0;
  let a = -Infinity; // g(a) > 0
  let b = Infinity; // g(b) < 0
  const gc = new Float64Array(2);
  relaxationGap(d, lo, hi, dc, reserve, budget, mu, gc);
  let g = gc[0], cnt = gc[1];
  for (let iter = 0; iter < 200 && Math.abs(g) > tol; iter++) {
    if (g > 0) a = mu; else b = mu;
    let next: number;
    if (cnt > 0) next = mu + g / cnt;
    else next = g > 0 ? mu + Math.max(1, Math.abs(mu)) : mu - Math.max(1, Math.abs(mu));
    if (!(next > a && next < b)) next = Number.isFinite(a) && Number.isFinite(b) ? (a + b) / 2 : next;
    if (next === mu) break;
    if (Number.isFinite(a) && Number.isFinite(b) && b - a <= 1e-16 * Math.max(1, Math.abs(a))) break;
    if (g > 0 && next > 1e6) { mu = Infinity; break; } // the reserve cannot be met
    mu = next;
    relaxationGap(d, lo, hi, dc, reserve, budget, mu, gc);
    g = gc[0]; cnt = gc[1];
  }
  for (let i = 0; i < n; i++) {
    const v = d[i] - mu;
    x[i] = mu === Infinity ? lo[i] : v <= lo[i] ? lo[i] : v >= hi[i] ? hi[i] : v;
    if (!Number.isFinite(x[i])) x[i] = Number.isFinite(d[i]) ? Math.min(Math.max(d[i], lo[i]), hi[i]) : 0;
  }
  return mu;
}

/** Restores the min-heap of asset indices keyed by gain below position k (heap[0..size)). */
function siftDown(heap: Int32Array, gain: Float64Array, k: number, size: number): void {
  for (;;) {
    const l = 2 * k + 1;
    if (l >= size) return;
    const r = l + 1;
    const c = r < size && gain[heap[r]] < gain[heap[l]] ? r : l;
    if (!(gain[heap[c]] < gain[heap[k]])) return;
    const tmp = heap[c]; heap[c] = heap[k]; heap[k] = tmp;
    k = c;
  }
}

/** Local search over whole-lot moves on the exact objective (see the module header). */
class LocalSearch {
  private readonly n: number;
  private readonly e: Float64Array; // x_i - d_i on the current trades
  private c: number; // cash weight after trades and costs
  constructor(
    private readonly q: Float64Array,
    private readonly p: Float64Array,
    private readonly w: Float64Array,
    private readonly d: Float64Array,
    private readonly dc: number,
    private readonly V: number,
    cash: number,
    private readonly reserve: number,
    private readonly bps: number,
    private readonly fixed: number,
    private readonly minTrade: number,
    private readonly lots: Float64Array,
    private readonly loQ: Float64Array,
    private readonly hiQ: Float64Array,
    private readonly dq: Float64Array,
  ) {
    this.n = q.length;
    this.e = new Float64Array(this.n);
    let c = cash;
    for (let i = 0; i < this.n; i++) {
      this.e[i] = ((q[i] + dq[i]) * p[i]) / V - d[i];
      c -= dq[i] * p[i] + this.cost(i, dq[i]);
    }
    this.c = c / V;
  }

  private cost(i: number, dq: number): number {
    if (dq === 0) return 0;
    return Math.abs(dq) * this.p[i] * this.bps + this.fixed;
  }

  objective(): number {
    let f = (this.c - this.dc) ** 2;
    for (let i = 0; i < this.n; i++) f += this.e[i] * this.e[i];
    return f;
  }

  /** Is `v` an allowed trade for asset i (box, lot multiple by construction, min_trade)? */
  private allowed(i: number, v: number): boolean {
    if (v < this.loQ[i] - 1e-9 * Math.abs(this.loQ[i]) || v > this.hiQ[i] + 1e-9 * Math.abs(this.hiQ[i])) return false;
    return v === 0 || Math.abs(v) * this.p[i] >= this.minTrade * (1 - 1e-12);
  }

  // Results of delta(), kept in fields to avoid allocating in the hot loop.
  private df = 0;
  private dcash = 0;

  /** Change of objective (this.df) and of cash weight (this.dcash) if asset i's trade becomes v. */
  private delta(i: number, v: number): void {
    const old = this.dq[i];
    const a = ((v - old) * this.p[i]) / this.V;
    const dcash = -a - (this.cost(i, v) - this.cost(i, old)) / this.V;
    const e = this.e[i];
    const s = this.c - this.dc;
    this.df = (e + a) * (e + a) - e * e + (s + dcash) * (s + dcash) - s * s;
    this.dcash = dcash;
  }

  /**
   * Candidate new trades for asset i into this.cand (count returned): one lot either way (jumping
   * over the min_trade gap), or for fractional assets the exact 1-D optimum and a cash-restoring move.
   */
  private readonly cand = new Float64Array(8);
  private nCand = 0;
  /** Adds trade nv for asset i (held at v) to the candidates, snapped to lots, box and min_trade. */
  private pushCand(i: number, v: number, nv: number): void {
    const L = this.lots[i];
    const p = this.p[i];
    if (L > 0) nv = Math.round(nv / L) * L;
    if (Math.abs(nv) * p <= 1e-12 * this.V) nv = 0;
    nv = Math.min(Math.max(nv, this.loQ[i]), this.hiQ[i]);
    if (nv !== 0 && Math.abs(nv) * p < this.minTrade * (1 - 1e-12)) {
      // inside the min_trade gap: either no trade, or the smallest allowed trade that way
      const mt = minimalTrade(L, p, this.minTrade, Math.sign(nv), this.loQ[i], this.hiQ[i]);
      if (v !== 0 && this.nCand < 8) this.cand[this.nCand++] = 0;
      nv = mt;
    }
    if (nv === v || !this.allowed(i, nv) || this.nCand >= 8) return;
    for (let k = 0; k < this.nCand; k++) if (this.cand[k] === nv) return;
    this.cand[this.nCand++] = nv;
  }

  private candidates(i: number): number {
    this.nCand = 0;
    const L = this.lots[i];
    const v = this.dq[i];
    const p = this.p[i];
    // the exact 1-D minimiser of (e + a)^2 + (s - a)^2 ignoring costs: a = (s - e) / 2 (in weight)
    const s = this.c - this.dc;
    const jump = (((s - this.e[i]) / 2) * this.V) / p;
    // a buy is limited by the cash above the reserve (costs included)
    const room = this.c > this.reserve ? (((this.c - this.reserve) * this.V) / (p * (1 + this.bps)) - (v === 0 ? this.fixed / p : 0)) : 0;
    if (L > 0) {
      this.pushCand(i, v, v + L);
      this.pushCand(i, v, v - L);
      // multi-lot jumps only in small books: in large ones the rounded start is within a lot of the
      // optimum for almost every asset, and many assets jumping at once for the same cash overshoot
      const kLots = this.n <= JUMP_MAX ? Math.round(jump / L) : 0;
      if (kLots > 1 || kLots < -1) { this.pushCand(i, v, v + kLots * L); this.pushCand(i, v, v + (kLots - Math.sign(kLots)) * L); }
      const kRoom = Math.floor(room / L + 1e-12);
      if (jump > 0 && kRoom >= 1 && kRoom < kLots) this.pushCand(i, v, v + kRoom * L); // (kLots is 0 in large books)
    } else {
      this.pushCand(i, v, v + jump);
      if (jump > 0 && room > 0 && room < jump) this.pushCand(i, v, v + room * (1 - 1e-12));
    }
    if (this.c < this.reserve) {
      // cover the whole cash shortfall with this asset alone, if it can
      const need = ((this.reserve - this.c) * this.V) / (p * (1 - this.bps)) + (v === 0 ? this.fixed / p : 0);
      this.pushCand(i, v, v - (L > 0 ? Math.ceil(need / L - 1e-12) * L : need * (1 + 1e-12)));
      if (v > 0) this.pushCand(i, v, 0);
    }
    return this.nCand;
  }

  private apply(i: number, v: number): void {
    this.delta(i, v);
    this.e[i] += ((v - this.dq[i]) * this.p[i]) / this.V;
    this.c += this.dcash;
    this.dq[i] = v;
  }

  /** Could a move of asset i improve F at all? |e_i - s| must exceed the size of its smallest step. */
  private mayImprove(i: number): boolean {
    if (i === this.frozen) return false;
    if (this.lots[i] === 0) return true;
    const step = (this.lots[i] * this.p[i]) / this.V;
    return Math.abs(this.e[i] - (this.c - this.dc)) > step * (1 - 1e-9) || this.minTrade > 0;
  }

  run(): void {
    this.descend(this.n <= KICK_SEARCH_MAX);
    if (this.n <= ENUMERATE_MAX) this.enumerateSmall();
  }

  /**
   * Tiny books (up to 4 assets): around the local optimum, every combination of up to K lots either
   * way for all assets but one, the remaining asset set to its best candidate (its exact 1-D optimum,
   * the most the cash allows, or what covers the reserve). Catches the multi-asset moves the descent
   * and kicks miss, at a cost of a few thousand evaluations.
   */
  private enumerateSmall(): void {
    const n = this.n;
    const base = Float64Array.from(this.dq);
    const K = n === 1 ? 0 : n === 2 ? 60 : n === 3 ? 12 : 5;
    const feasibleStart = this.c >= this.reserve - 1e-13;
    const startC = this.c;
    let bestF = this.objective() - Math.max(1e-30, 1e-12 * this.objective());
    let best: Float64Array | null = null;
    const offs = new Int32Array(n);
    const reset = (): void => { for (let i = 0; i < n; i++) if (this.dq[i] !== base[i]) this.apply(i, base[i]); };
    for (let free = 0; free < n; free++) {
      const others = [...Array(n).keys()].filter((i) => i !== free);
      offs.fill(-K);
      for (;;) {
        reset();
        let valid = true;
        for (const i of others) {
          const L = this.lots[i];
          const step = L > 0 ? L : 0;
          if (step === 0 && offs[i] !== 0) { valid = false; break; }
          const v = base[i] + offs[i] * step;
          if (v !== this.dq[i]) {
            if (!this.allowed(i, v)) { valid = false; break; }
            this.apply(i, v);
          }
        }
        if (valid) {
          const m = this.candidates(free);
          const cf = Array.from(this.cand.subarray(0, m));
          cf.push(this.dq[free]);
          for (const v of cf) {
            this.delta(free, v);
            const cash = this.c + this.dcash;
            if (feasibleStart ? cash < this.reserve - 1e-13 : cash < startC) continue;
            const f = this.objective() + this.df;
            if (f < bestF) {
              bestF = f;
              best = Float64Array.from(this.dq);
              best[free] = v;
            }
          }
        }
        let k = 0;
        while (k < others.length && ++offs[others[k]] > K) { offs[others[k]] = -K; k++; }
        if (k === others.length) break;
      }
    }
    reset();
    if (best) for (let i = 0; i < n; i++) if (best[i] !== this.dq[i]) this.apply(i, best[i]);
  }

  /** Phase A (restore the reserve) then Phase B (improving moves); with kicks, also multi-asset moves. */
  private descend(kicks: boolean): void {
    const n = this.n;
    const maxIter = 4 * n + 100;
    // Phase A: restore the cash reserve with the moves that cost the least objective per unit of cash.
    // Each move raises the cash strictly, so this ends; the cap only guards against pathological input.
    const capA = this.frozen >= 0 ? 2 * n + 10 : 100 * n + 10000; // short repairs after a kick
    for (let iter = 0; this.c < this.reserve - 1e-13 && iter < capA; iter++) {
      let best = -1;
      let bestV = 0;
      let bestScore = Infinity;
      let bestGain = 0;
      for (let i = 0; i < n; i++) {
        if (i === this.frozen) continue;
        const m = this.candidates(i);
        for (let k = 0; k < m; k++) {
          const v = this.cand[k];
          this.delta(i, v);
          if (this.dcash <= 0) continue;
          const score = this.df / Math.min(this.dcash, this.reserve - this.c);
          // ties go to the move that covers more of the shortfall
          if (score < bestScore - 1e-12 * Math.abs(bestScore) || (score <= bestScore + 1e-12 * Math.abs(bestScore) && this.dcash > bestGain)) { bestScore = score; best = i; bestV = v; bestGain = this.dcash; }
        }
      }
      if (best < 0) break; // nothing can raise cash (buy_only, restricted): leave it
      this.apply(best, bestV);
    }
    const feasible = this.c >= this.reserve - 1e-13;
    // Phase B: improving moves that keep the reserve. Each pass evaluates every asset once, then
    // applies its improving moves best-first from a binary heap, re-evaluating each against the
    // current cash; a pass stops after 64 consecutive moves that no longer improve, and the search
    // ends only when a full pass finds no improving move.
    const gain = new Float64Array(n);
    const newV = new Float64Array(n);
    const heap = new Int32Array(n);
    for (let pass = 0; pass < maxIter; pass++) {
      let size = 0;
      for (let i = 0; i < n; i++) {
        if (!this.mayImprove(i)) continue;
        const m = this.candidates(i);
        let bestDf = 0;
        let bv = NaN;
        for (let k = 0; k < m; k++) {
          this.delta(i, this.cand[k]);
          if (this.ok(feasible) && this.df < bestDf) { bestDf = this.df; bv = this.cand[k]; }
        }
        if (!Number.isNaN(bv)) { gain[i] = bestDf; newV[i] = bv; heap[size++] = i; }
      }
      if (size === 0) {
        if (!kicks || !this.kick(feasible)) break;
        continue;
      }
      for (let k = (size >> 1) - 1; k >= 0; k--) siftDown(heap, gain, k, size);
      let applied = 0;
      let misses = 0;
      while (size > 0 && misses < 64) {
        const i = heap[0];
        heap[0] = heap[--size];
        siftDown(heap, gain, 0, size);
        this.delta(i, newV[i]); // re-evaluate: earlier moves in this pass changed the cash
        let v = newV[i];
        if (!this.ok(feasible)) {
          // the stored move went stale: take this asset's best move at the current cash, if any
          const m = this.candidates(i);
          let bestDf = 0;
          v = NaN;
          for (let k = 0; k < m; k++) {
            this.delta(i, this.cand[k]);
            if (this.ok(feasible) && this.df < bestDf) { bestDf = this.df; v = this.cand[k]; }
          }
          if (Number.isNaN(v)) { misses++; continue; }
        }
        this.apply(i, v);
        applied++;
        misses = 0;
      }
      if (applied === 0) {
        if (!kicks || !this.kick(feasible)) break;
      }
    }
  }

  /** A move (the last delta) is allowed and improves F by more than rounding noise relative to its size (ties keep the book). */
  private ok(feasible: boolean): boolean {
    return (feasible ? this.c + this.dcash >= this.reserve - 1e-13 : this.dcash >= 0) && this.df < -1e-9 * this.dcash * this.dcash - 1e-30;
  }

  /**
   * Small books: multi-asset moves that single moves cannot reach (a sale funding a buy, trades
   * crossing min_trade together, a lot freed to buy elsewhere). Each candidate move of each asset is
   * applied as a "kick", followed by a full single-move descent; the best end state is kept if it
   * beats the current book. This covers every pair move and the chains that follow from one.
   */
  private frozen = -1;
  private kicksLeft = MAX_KICKS;
  private kick(feasible: boolean): boolean {
    if (this.kicksLeft-- <= 0) return false;
    const n = this.n;
    const f0 = this.objective();
    const saveDq = Float64Array.from(this.dq);
    const saveE = Float64Array.from(this.e);
    const saveC = this.c;
    let bestF = f0 - Math.max(1e-30, 1e-12 * f0);
    let bestDq: Float64Array | null = null;
    const cj = new Float64Array(8);
    for (let j = 0; j < n; j++) {
      const mj = this.candidates(j);
      cj.set(this.cand.subarray(0, mj));
      for (let b = 0; b < mj; b++) {
        this.apply(j, cj[b]);
        this.frozen = j; // the kicked asset stays put while the others adjust
        this.descend(false);
        this.frozen = -1;
        const f = this.objective();
        if ((feasible ? this.c >= this.reserve - 1e-13 : this.c >= saveC) && f < bestF) { bestF = f; bestDq = Float64Array.from(this.dq); }
        this.dq.set(saveDq); this.e.set(saveE); this.c = saveC;
      }
    }
    if (!bestDq) return false;
    for (let i = 0; i < n; i++) if (bestDq[i] !== this.dq[i]) this.apply(i, bestDq[i]);
    return true;
  }
}

/** Books up to this many assets also get the multi-asset (kick) search, at most MAX_KICKS times. */
const KICK_SEARCH_MAX = 12;
const MAX_KICKS = 8;
/** Books up to this many assets also get the windowed enumeration. */
const ENUMERATE_MAX = 4;
/** Books up to this many assets also try multi-lot jumps to an asset's 1-D optimum. */
const JUMP_MAX = 64;

function finishPlan(book: Book, policy: Policy, V: number, w: Float64Array, d: Float64Array, h: Float64Array, breached: Uint8Array, trades: Float64Array, reasons: Uint8Array, decision: Decision): TradePlan {
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
  const cashAfter = book.cash - buys + sells - totalCost;
  const totalAfter = V - totalCost;
  const weightsAfter = new Float64Array(n);
  for (let i = 0; i < n; i++) weightsAfter[i] = ((q[i] + trades[i]) * p[i]) / totalAfter;
  return {
    trades, reasons, weightsBefore: w, destination: d, weightsAfter, halfWidths: h, breached, costs,
    totalBefore: V, totalAfter, cashBefore: book.cash, cashAfter, totalCost, buys, sells,
    turnover: Math.min(buys, sells) / V, decision,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
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
