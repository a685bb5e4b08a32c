/**
 * The closed-form backtest plan (src/core/backtest/targetPlan.ts) and the engine's fast paths:
 * - TargetPlanner.plan agrees with planTrades on random fractional, cost-free books (quantities and
 *   cash to 1e-12; it is in fact bit for bit) whenever it answers, and answers in most cases;
 * - the closed form is the optimum: the same problem through planTrades' general path (min_trade
 *   1e-300, which changes nothing but takes the local search) gives the same trades, and the book
 *   after the trades has the target weights (x_i V = t_i V) and the cash target;
 * - it declines what it does not cover (lots, costs, min_trade, modes, destinations, shorts, a
 *   binding reserve), and the engine then falls back to planTrades;
 * - the engine's fused band pre-check decides exactly like the band test on weights at the edge.
 */
import { runBacktest, TargetPlanner, targetPlanApplies } from "../../src/core/backtest";
import { parsePolicy } from "../../src/core/policy";
import { planTrades } from "../../src/core/trades";
import { randomWalk, rng } from "../support/priceWalk";


/** A random book: n assets, targets summing to 1 or less, some assets at 0, some already on target. */
function randomBook(r: () => number, n: number) {
  const q = new Float64Array(n), p = new Float64Array(n), t = new Float64Array(n);
  let st = 0;
  for (let i = 0; i < n; i++) { p[i] = 1 + r() * 500; t[i] = r() < 0.1 ? 0 : r(); st += t[i]; }
  if (st === 0) { t[0] = 1; st = 1; }
  const scale = (r() < 0.5 ? 1 : 0.5 + r() * 0.5) / st;
  const V0 = 10 ** (3 + Math.floor(r() * 6));
  for (let i = 0; i < n; i++) {
    t[i] *= scale;
    const u = r();
    q[i] = u < 0.1 ? 0 : u < 0.15 ? (t[i] * V0) / p[i] : (t[i] * V0 * (0.5 + r())) / p[i];
  }
  let cash = r() < 0.3 ? 0 : r() * 0.1 * V0;
  if (q.every((x) => x === 0)) cash = V0;
  return { q, p, t, cash };
}

const POLICIES = [
  "lot=0", "lot=0; band_abs=0.05; band_rel=0.25", "lot=0; band_rel=0.1; cash_reserve=0.01", "lot=0; cash_reserve=0.3",
  "lot=0; trigger=calendar; frequency=monthly", "lot=0; trigger=hybrid; frequency=monthly; band_abs=0.02", "lot=0; trigger=none",
];

describe("TargetPlanner vs planTrades", () => {
  test("random fractional cost-free books: same decision, trades and cash (1e-12), in most cases answered", () => {
    const r = rng(20261121);
    let answered = 0, due = 0, total = 0;
    for (let k = 0; k < 700; k++) {
      const n = k % 3 === 0 ? 1 + Math.floor(r() * 12) : 1 + Math.floor(r() * 300);
      const { q, p, t, cash } = randomBook(r, n);
      const policy = parsePolicy(POLICIES[k % POLICIES.length]).policy;
      expect(targetPlanApplies(policy)).toBe(true);
      const calendarDue = policy.trigger === "calendar" || policy.trigger === "hybrid" ? r() < 0.7 : null;
      const plan = planTrades({ quantities: q, prices: p, targets: t, cash }, policy, { calendarDue });
      const fast = new TargetPlanner(n).plan(q, p, t, cash, policy, calendarDue);
      total++;
      if (fast === null) continue;
      answered++;
      if (fast.due) due++;
      expect(fast.due).toBe(plan.decision.due);
      expect(fast.reason).toBe(plan.decision.reason);
      const V = plan.totalBefore;
      expect(fast.totalBefore).toBe(V);
      let worst = 0; // trade differences, relative to the quantity after trading (or 1 share)
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(fast.trades[i] - plan.trades[i]) / Math.max(1, Math.abs(q[i] + plan.trades[i])));
      expect(worst).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(fast.cashAfter - plan.cashAfter)).toBeLessThanOrEqual(1e-12 * V);
      expect(Math.abs(fast.buys - plan.buys)).toBeLessThanOrEqual(1e-12 * V);
      expect(Math.abs(fast.sells - plan.sells)).toBeLessThanOrEqual(1e-12 * V);
      expect(Math.abs(fast.turnover - plan.turnover)).toBeLessThanOrEqual(1e-12);
      expect(fast.totalCost).toBe(0);
    }
    // the reserve binds in some books (null by design); everything else is answered
    expect(answered).toBeGreaterThan(0.6 * total);
    expect(due).toBeGreaterThan(0.4 * total);
  });

  test("the closed form is the optimum: planTrades' general path (local search) finds the same book", () => {
    const r = rng(7);
    let compared = 0;
    for (let k = 0; k < 150; k++) {
      const n = 1 + Math.floor(r() * 200);
      const { q, p, t, cash } = randomBook(r, n);
      const policy = parsePolicy("lot=0").policy;
      const fast = new TargetPlanner(n).plan(q, p, t, cash, policy, null);
      if (fast === null || !fast.due) continue;
      compared++;
      // min_trade 1e-300 bars no trade, but planTrades then runs its search from the rounded start
      const general = planTrades({ quantities: q, prices: p, targets: t, cash }, { ...policy, minTrade: 1e-300 });
      const V = general.totalBefore;
      let worst = 0; // in shares, beyond one step of the 1e-8-share rounding
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(fast.trades[i] - general.trades[i]) - 1e-12 * Math.abs(q[i]));
      expect(worst).toBeLessThanOrEqual(1e-8);
      expect(Math.abs(fast.cashAfter - general.cashAfter)).toBeLessThanOrEqual(1e-12 * V);
      // x_i = t_i (weights on the pre-trade V) and the cash target 1 - sum(t), up to the rounding of
      // fractional trades to 1e-8 shares (and the trim of one buy that keeps the cash >= 0 after it)
      let sumT = 0, sumP = 0;
      for (let i = 0; i < n; i++) { sumT += t[i]; sumP += p[i]; }
      let excess = -Infinity;
      for (let i = 0; i < n; i++) excess = Math.max(excess, Math.abs(((q[i] + fast.trades[i]) * p[i]) / V - t[i]) - ((2e-8 * p[i] + 1e-8 * sumP) / V + 1e-14));
      expect(excess).toBeLessThanOrEqual(0);
      expect(Math.abs(fast.cashAfter / V - Math.max(0, 1 - sumT))).toBeLessThanOrEqual((2e-8 * sumP) / V + 1e-14);
    }
    expect(compared).toBeGreaterThan(100);
  });

  test("declines what it does not cover", () => {
    for (const text of ["lot=1", "lot=0; cost_bps=5", "lot=0; cost_fixed=1", "lot=0; min_trade=100", "lot=0; mode=buy_only", "lot=0; mode=sell_only",
      "lot=0; band_abs=0.05; destination=edge", "lot=0; band_abs=0.05; destination=midpoint", "lot=0; band_abs=0.05; scope=breached", "lot=0; allow_short=TRUE"]) {
      expect([text, targetPlanApplies(parsePolicy(text).policy)]).toEqual([text, false]);
    }
    // the reserve binds (targets sum to 1, reserve 5%): the relaxation is not solved at mu = 0
    const q = Float64Array.from([10, 20]), p = Float64Array.from([100, 50]), t = Float64Array.from([0.5, 0.5]);
    const policy = parsePolicy("lot=0; cash_reserve=0.05").policy;
    expect(new TargetPlanner(2).plan(q, p, t, 100, policy, null)).toBeNull();
    // a book planTrades rejects (negative quantity) is left to it
    expect(new TargetPlanner(2).plan(Float64Array.from([-1, 20]), p, t, 100, parsePolicy("lot=0").policy, null)).toBeNull();
  });
});

/** Weekday dates and a random walk, T x n, every price present. */
function history(T: number, n: number, seed: number) {
  return { ...randomWalk(T, n, rng(seed), { base: 10, span: 200, vol: 0.05 }), n };
}

describe("engine fast paths", () => {
  test("fractional cost-free policies take the closed form; the same problem through planTrades' search gives the same backtest", () => {
    const { dates, prices, n } = history(400, 40, 3);
    const targets = new Float64Array(n).fill(0.97 / n);
    for (const text of ["lot=0; band_abs=0.02; band_rel=0.25", "lot=0; trigger=calendar; frequency=monthly", "lot=0; trigger=either; frequency=quarterly; band_rel=0.2"]) {
      const policy = parsePolicy(text).policy;
      const fast = runBacktest({ dates, prices, nAssets: n, targets }, policy);
      const slow = runBacktest({ dates, prices, nAssets: n, targets }, { ...policy, minTrade: 1e-300 });
      expect(fast.fastPlans).toBeGreaterThan(1);
      expect(fast.fastPlans + fast.planCalls).toBe(slow.planCalls);
      expect(slow.fastPlans).toBe(0);
      expect(fast.records.map((x) => x.row)).toEqual(slow.records.map((x) => x.row));
      for (let k = 0; k < dates.length; k++) expect(Math.abs(fast.values[k] - slow.values[k])).toBeLessThanOrEqual(1e-10 * slow.values[k]);
    }
  });

  test("band pre-check: a weight on the band edge (within the 1e-12 tolerance) is inside, beyond it is a breach", () => {
    // two assets, targets 1/2, band_abs 0.1, 1e6 invested at 100 each (5,000 shares); on day 2 asset 1
    // moves so that its weight is 0.6 + delta
    const policy = parsePolicy("lot=0; band_abs=0.1").policy;
    const rowsFor = (delta: number) => {
      const x = (0.6 + delta) / (0.4 - delta);
      const prices = Float64Array.from([100, 100, 100 * x, 100, 100 * x, 100]);
      return runBacktest({ dates: Float64Array.from([45000, 45001, 45002]), prices, nAssets: 2, targets: Float64Array.from([0.5, 0.5]) }, policy);
    };
    for (const [delta, breached] of [[0, false], [5e-13, false], [-5e-13, false], [3e-12, true], [1e-6, true]] as const) {
      const res = rowsFor(delta);
      const w = (res.quantities[0] * 100 * ((0.6 + delta) / (0.4 - delta))) / (res.quantities[0] * 100 * ((0.6 + delta) / (0.4 - delta)) + res.quantities[1] * 100 + res.cash[2]);
      expect([delta, res.records.filter((x) => x.kind === "policy").map((x) => x.row)]).toEqual([delta, breached ? [1] : []]);
      if (!breached) expect(Math.abs(w - 0.6)).toBeLessThan(2e-12);
    }
  });
});
