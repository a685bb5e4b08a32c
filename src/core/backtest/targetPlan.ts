/**
 * Closed-form trade plan for the commonest backtest rebalance: fractional shares (lot 0), no costs,
 * no min_trade, mode full, destination target, scope all, no shorts, no restricted assets, no
 * per-asset weight limits. It returns what planTrades (trades.ts) returns for such a book - the same
 * trades, cash, buys, sells and decision - without its allocations and its local search, reusing
 * buffers sized for the book; or null when it cannot guarantee that (the caller then calls planTrades,
 * so the result is planTrades' in every case).
 *
 * Why it is planTrades, step by step (trades.ts numbering; lots 0, bps = fixed = 0):
 * - Decision: V, w = q p / V, the half-widths (bands.halfWidth) and the breach test
 *   |w - t| > h + BAND_TOLERANCE are computed with the same expressions in the same order, then the
 *   same `decide`. A book planTrades would reject (validateBook) gives null.
 * - Box: every asset is tradeable with d = t, lo = w + (-q p) / V (= 0), hi = +inf, or w when
 *   t <= w + 1e-15 (never buy at or above the destination); d_c = max(1 - sum t, reserve).
 * - 1. Relaxation: solveRelaxation starts at mu = 0 and stops at once when |g(0)| <= 1e-14 max(1, n),
 *   g(0) = sum clip(t_i, lo_i, hi_i) + max(d_c, reserve) - 1, returning x_i = clip(t_i, lo_i, hi_i),
 *   i.e. x_i = t_i (x_i V = t_i V) up to the 1e-15 window of hi. g(0) is evaluated with the same
 *   expressions; otherwise (the reserve binds, mu != 0) null. With zero costs the cost estimate is 0
 *   and the refinement loop stops after one solve.
 * - Sales only where x < w - 1e-15 (or when cash is below the reserve), then 2. the trades
 *   ((x - w) V) / p clipped to [loQ, hiQ], dust (<= 1e-10 V) zeroed, min_trade 0: same expressions.
 * - 3. planTrades skips its local search in exactly this case (mu = 0, every asset tradeable with
 *   lot 0, no costs or min_trade, mode full, target) when its `startIsClosedForm` holds: the same
 *   test here (each |((q + dq) p) / V - t| <= 1e-14 decided by a product when the product's rounding
 *   cannot change the answer, else by the division); we return null when it does not hold.
 * - 4. Rounding to 1e-8 shares, enforceReserve (trimming the largest buy) and 5. the no-trade guard
 *   (objectiveOf, cashAfterTrades) with the same expressions and every sum in the same order; the
 *   guard's f1 is bounded with products first and computed with planTrades' divisions only when the
 *   bound does not decide. Totals as finishPlan's (costs 0).
 * All of it in two passes over the assets (plus one per reserve trim) into buffers sized for the book.
 * Pure TypeScript: no Office, DOM or Node APIs.
 */
import { BAND_TOLERANCE } from "../bands";
import { decide } from "../check";
import { Policy } from "../policy";

export interface TargetPlan {
  due: boolean;
  /** The decision's reason (check.ts), as in planTrades' plan.decision.reason. */
  reason: string;
  /** Signed trades (a buffer of the planner, overwritten by its next plan). */
  trades: Float64Array;
  totalBefore: number;
  cashAfter: number;
  totalCost: number;
  buys: number;
  sells: number;
  turnover: number;
}

/** Can this policy's plans take the closed form at all (the per-book conditions are checked in plan)? */
export function targetPlanApplies(policy: Policy): boolean {
  return policy.lot === 0 && policy.costBps === 0 && policy.costFixed === 0 && policy.minTrade === 0 && !policy.allowShort &&
    policy.destination === "target" && policy.scope === "all" && policy.mode === "full";
}

/** Plans for books of exactly n assets, reusing its buffers. */
export class TargetPlanner {
  readonly n: number;
  private readonly loQ: Float64Array;
  private readonly trades: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.loQ = new Float64Array(n);
    this.trades = new Float64Array(n);
  }

  /**
   * planTrades({ quantities: q, prices: p, targets: t, cash }, policy, { calendarDue }) for a policy
   * with targetPlanApplies, or null when planTrades would not take its closed form (or would throw).
   * Two passes over the assets (plus one per reserve trim): each of planTrades' sums is accumulated
   * in its order, so every value is bit for bit planTrades'.
   */
  plan(q: Float64Array, p: Float64Array, t: Float64Array, cash: number, policy: Policy, calendarDue: boolean | null): TargetPlan | null {
    const n = this.n;
    const { loQ, trades } = this;
    if (q.length !== n || p.length !== n || t.length !== n || n === 0 || !Number.isFinite(cash)) return null;
    // validateBook (planTrades throws on these: leave them to it) and V, in planTrades' order.
    let V = cash;
    for (let i = 0; i < n; i++) {
      const qi = q[i], pi = p[i], ti = t[i];
      if (!(qi >= 0 && qi < Infinity) || !(pi > 0 && pi < Infinity) || !(ti >= 0 && ti < Infinity)) return null;
      V += qi * pi;
    }
    if (!(V > 1e-9)) return null;
    // bands.halfWidth(t, band_abs, band_rel) with the policy's nulls resolved once
    // (* 1 makes them plain doubles in the compiled loop; it changes no value)
    const hAbs = (policy.bandAbs === null ? Infinity : policy.bandAbs) * 1;
    const bandRel = policy.bandRel;
    const relSet = bandRel !== null;
    const rel = (relSet ? bandRel : 0) * 1;
    const tol = BAND_TOLERANCE; // a local: an imported binding may be read through a getter per use
    const reserve = policy.cashReserve;
    const belowReserve = cash < reserve * V;
    const dust = 1e-10 * V;
    let breachedCount = 0;
    let uninvested = true;
    let sumD = 0;
    let g = 0; // solveRelaxation's sum at mu = 0
    let closed = true; // startIsClosedForm's residual test on the assets
    let cStart = cash; // ... and its cash
    let f0 = 0; // objectiveOf(no trades), the assets' part
    let f1 = 0; // objectiveOf(trades), the assets' part, with products for the divisions (see below)
    let yMax = 1; // max(1, |(q + trade) p / V|), for the bound on f1's rounding
    let cash1 = cash; // cashAfterTrades(trades)
    let buys = 0;
    let sells = 0;
    let best = -1; // enforceReserve's largest buy
    let bestVal = 0; // = trades[best] * p[best]
    const invV = 1 / V;
    for (let i = 0; i < n; i++) {
      const qi = q[i], pi = p[i], ti = t[i];
      // weights, breaches, sum of destinations (d = t)
      const wi = (qi * pi) / V;
      if (qi !== 0) uninvested = false;
      const hr = relSet ? rel * Math.abs(ti) : Infinity;
      const h = hAbs < hr ? hAbs : hr; // Math.min on these finite values (a zero's sign is lost in h + tol)
      if (Math.abs(wi - ti) > (h === Infinity ? 0 : h) + tol) breachedCount++;
      sumD += ti;
      f0 += (wi - ti) ** 2; // ((q + 0) p) / V = w
      // box: sell down to 0, buy without limit unless at or above the destination. In weights
      // lo = w + (-q p) / V = w - w = 0 exactly (negation is exact), hi = w + (0 p) / V = w.
      // The two cases are written apart (buys and sells come in random order; one branch per asset),
      // each reducing planTrades' expressions where the result is the same value. Comparisons stand
      // for Math.min/max: the values are finite, and where they differ - the sign of a zero - the dust
      // rule, the sums and the engine (trades !== 0) do not tell them apart.
      let lq: number; // loQ: -q where sales are allowed, else max(-q, 0) = +0
      let dq: number; // step 2's trade
      let tr: number; // step 4's trade (1e-8 shares)
      if (ti <= wi + 1e-15) {
        // at or above the destination: hiQ = 0, hi = w; 1. x = clip(t, lo = 0, hi = w)
        const tv = ti > 0 ? ti : 0;
        const xi = tv < wi ? tv : wi;
        g += xi;
        lq = belowReserve || xi < wi - 1e-15 ? -qi : 0;
        const raw = ((xi - wi) * V) / pi;
        const r1 = raw > lq ? raw : lq;
        dq = r1 < 0 ? r1 : 0;
        if (Math.abs(dq) * pi <= dust) dq = 0;
        const rr = Math.round(dq * 1e8) / 1e8;
        const r2 = rr > lq ? rr : lq;
        tr = r2 < 0 ? r2 : 0;
        sells -= tr * pi; // tr <= 0 (a zero adds nothing)
      } else {
        // below it (t > w + 1e-15 > 0): hiQ = hi = +inf; 1. x = t (t - 0 = t, above lo = 0); no sale
        // (x > w) unless the cash is below the reserve; the raw trade ((t - w) V) / p > 0 >= loQ
        g += ti;
        lq = belowReserve ? -qi : 0;
        dq = ((ti - wi) * V) / pi;
        if (Math.abs(dq) * pi <= dust) dq = 0;
        tr = Math.round(dq * 1e8) / 1e8; // >= 0 >= loQ (Math.max(+0, -0) is +0, as Math.round gives)
        const val = tr * pi;
        buys += val;
        if (val > bestVal) { best = i; bestVal = val; } // the first largest buy
      }
      loQ[i] = lq;
      trades[i] = tr;
      // 3. startIsClosedForm on the start: |((q + dq) p) / V - t| <= 1e-14, decided with a product when
      // it is clear by more than the product's rounding (at most 1e-15 max(1, y / V); y >= 0), else
      // with the division
      const y = (qi + dq) * pi;
      const yv = y * invV;
      const ey = Math.abs(yv - ti);
      if (!(ey <= 0.9e-14 && yv <= 1)) {
        const m = 1e-15 * Math.max(1, Math.abs(yv));
        if (ey > 1e-14 - m && (ey > 1e-14 + m || !(Math.abs(y / V - ti) <= 1e-14))) closed = false;
      }
      cStart -= dq * pi;
      // cash and objective of these trades (costs 0; a zero trade subtracts +0, which changes nothing)
      cash1 -= tr * pi + Math.abs(tr) * pi * 0 + 0;
      const yt = (qi + tr) * pi * invV;
      f1 += (yt - ti) ** 2;
      if (Math.abs(yt) > yMax) yMax = Math.abs(yt);
    }
    if (sumD > 1 + 1e-9) return null;
    const decision = decide(policy, breachedCount, calendarDue, uninvested);
    if (!decision.due) {
      trades.fill(0);
      return { due: false, reason: decision.reason, trades, totalBefore: V, cashAfter: cash, totalCost: 0, buys: 0, sells: 0, turnover: 0 };
    }
    const dc = Math.max(1 - sumD, reserve);
    const c0 = dc - 0;
    if (c0 > reserve) g += c0; else g += reserve;
    if (Math.abs(g - (1 - 0 / V)) > 1e-14 * Math.max(1, n)) return null; // mu != 0
    cStart /= V;
    if (!closed || !(cStart >= reserve - 1e-13 && Math.abs(cStart - dc) <= 1e-14 * Math.max(1, n))) return null; // the search would run

    // enforceReserve (lots 0, costs 0, min_trade 0): trim the largest buy until the cash is at the floor.
    const floor = reserve * V;
    for (let guard = 0; guard < 4 * n + 10; guard++) {
      const deficit = floor - cash1;
      if (deficit <= 0 || best < 0) break;
      const cut = (deficit / (p[best] * (1 + 0))) * (1 + 1e-9) + 1e-8;
      trades[best] = Math.max(0, Math.floor((trades[best] - cut) * 1e8) / 1e8);
      if (trades[best] < 0 || trades[best] * p[best] < 0) trades[best] = 0;
      if (trades[best] < loQ[best]) trades[best] = Math.max(loQ[best], 0);
      // the sums again, in order
      cash1 = cash; f1 = 0; yMax = 1; buys = 0; sells = 0; best = -1; bestVal = 0;
      for (let i = 0; i < n; i++) {
        const tr = trades[i], pi = p[i];
        cash1 -= tr * pi + Math.abs(tr) * pi * 0 + 0;
        const val = tr * pi;
        buys += Math.max(val, 0);
        sells -= Math.min(val, 0);
        if (val > bestVal) { best = i; bestVal = val; }
        const yt = (q[i] + tr) * pi * invV;
        f1 += (yt - t[i]) ** 2;
        if (Math.abs(yt) > yMax) yMax = Math.abs(yt);
      }
    }
    // 5. No trade at all if that is feasible and at least as close.
    const cash0 = cash / V;
    f0 = f0 + (cash / V - dc) ** 2;
    const feasible0 = cash0 >= reserve;
    const feasible1 = cash1 >= reserve * V && cash1 >= 0;
    let keepTrades = !((!feasible0 && !feasible1 && cash1 < cash) || (feasible0 && !feasible1));
    if (keepTrades && feasible0) {
      // planTrades compares f0 <= f1 (1 + 1e-15), f1 = objectiveOf(trades) with divisions by V. Above,
      // each asset's term used y * (1 / V) for y / V: off by at most d = 1e-15 max(1, |y / V|), so the
      // exact term is at most 2 (approximate term) + 2 d^2, and the exact f1 at most
      // ub = 2.01 (f1 + n (1e-15 yMax)^2) + 1.01 (cash term). When f0 is clearly above that, planTrades
      // keeps the trades; otherwise its f1 is computed here exactly as objectiveOf does.
      const cashTerm = (cash1 / V - dc) ** 2;
      const ub = 2.01 * (f1 + n * (1e-15 * yMax) ** 2) + 1.01 * cashTerm;
      if (!(f0 > ub * (1 + 1e-14))) {
        let fx = 0;
        for (let i = 0; i < n; i++) fx += (((q[i] + trades[i]) * p[i]) / V - t[i]) ** 2;
        keepTrades = !(f0 <= (fx + cashTerm) * (1 + 1e-15));
      }
    }
    if (!keepTrades) {
      trades.fill(0);
      buys = 0;
      sells = 0;
    }
    return { due: true, reason: decision.reason, trades, totalBefore: V, cashAfter: cash - buys + sells - 0, totalCost: 0, buys, sells, turnover: Math.min(buys, sells) / V };
  }
}
