/**
 * Large books (256+ assets), where lotPlan.ts sums the assets whose choice cannot change near λ*
 * once per node (the band). Differential check: the same books planned with and without the band
 * must agree — two proven plans have the same F (to the optimality tolerance), and a plan the budget
 * stopped is never better than a proven one beyond it. A band that froze an asset wrongly would give
 * a bound above the optimum and "prove" a worse plan, which this catches. Books are seeded here.
 */
import { LotPlanner, OPTIMALITY_TOL } from "../../../src/core/lotPlan";
import { parsePolicy } from "../../../src/core/policy";
import { Book, planTrades } from "../../../src/core/trades";
import { objectiveF, prng, RefBook } from "./support/reference";

function largeBook(seed: number, n: number): { ref: RefBook; book: Book } {
  const r = prng(seed);
  const V = n * (2e3 + r() * 2e4);
  const raw = Array.from({ length: n }, () => -Math.log(1 - r() * 0.999));
  const sum = raw.reduce((a, b) => a + b, 0) / (0.97 + 0.03 * r());
  const t = raw.map((x) => Math.floor((x / sum) * 1e6) / 1e6);
  const p = Array.from({ length: n }, () => Math.round(5 * Math.exp(r() * Math.log(400)) * 100) / 100);
  const lots = Array.from({ length: n }, () => (r() < 0.2 ? 100 : 1));
  const q = t.map((ti, i) => Math.round((ti * V * Math.exp((r() - 0.5) * 1.4)) / p[i] / lots[i]) * lots[i]);
  const cash = Math.round(V * 0.08 * r() * 100) / 100;
  const ref: RefBook = { q, p, t, cash, lots, restricted: q.map(() => false) };
  const book: Book = { quantities: Float64Array.from(q), prices: Float64Array.from(p), targets: Float64Array.from(t), cash, lots: Float64Array.from(lots) };
  return { ref, book };
}

const POLICIES = ["lot=1", "lot=1; mode=buy_only", "lot=1; cost_bps=10; cost_fixed=5; min_trade=500", "lot=1; band_abs=0.002; destination=edge; cash_reserve=0.01"];

describe("large books: the band changes nothing", () => {
  test.each(POLICIES)("policy %s, 4 seeded books of 256-700 assets", (text) => {
    const policy = parsePolicy(text).policy;
    const withBand = new LotPlanner();
    const without = new LotPlanner();
    without.useBand = false;
    let proven = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const { ref, book } = largeBook(seed * 977 + text.length, 256 + seed * 111);
      const a = planTrades(book, policy, { planner: withBand });
      const b = planTrades(book, policy, { planner: without });
      const fa = objectiveF(ref, policy, a.trades);
      const fb = objectiveF(ref, policy, b.trades);
      const tol = Math.max(OPTIMALITY_TOL * Math.max(fa, fb), 1e-18) * 2;
      if (a.optimalityGap === 0) expect(fa).toBeLessThanOrEqual(fb + tol);
      if (b.optimalityGap === 0) expect(fb).toBeLessThanOrEqual(fa + tol);
      // the bounds each reports are below both plans' F
      expect(a.lowerBound).toBeLessThanOrEqual(Math.min(fa, fb) + tol);
      expect(b.lowerBound).toBeLessThanOrEqual(Math.min(fa, fb) + tol);
      if (a.optimalityGap === 0 && b.optimalityGap === 0) proven++;
    }
    expect(proven).toBeGreaterThan(0);
  });
});
