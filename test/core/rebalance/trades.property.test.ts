/**
 * planTrades invariants over random books and random policies (fast-check). Each invariant is a rule
 * of product.md ("Policies": trades must keep cash at or above the reserve, never short, be whole
 * lots, drop trades below min_trade, respect modes and restrictions; a book on its destination gives
 * no trades) or of trades.ts's header (F never worse than not trading).
 * Cash is checked with exact (dyadic BigInt) arithmetic from the returned trades.
 */
import fc from "fast-check";
import { parsePolicy, Policy } from "../../../src/core/policy";
import { Book, planTrades, TradePlan } from "../../../src/core/trades";
import { cashAfter, legalTrades, objectiveF, RefBook, reserveHolds } from "./support/reference";

const NUM_RUNS = Number(process.env.REBAL_FC_RUNS ?? 400);

const priceArb = fc.oneof(
  fc.integer({ min: 1, max: 500 }),
  fc.integer({ min: 1, max: 100000 }).map((c) => c / 100),
  fc.double({ min: 0.01, max: 5000, noNaN: true, noDefaultInfinity: true }),
);
const lotArb = fc.constantFrom<number | null>(null, null, 0, 1, 10, 100);

const bookArb: fc.Arbitrary<RefBook> = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    q: fc.array(fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(0), fc.integer({ min: 0, max: 50000 }).map((x) => x / 100)), { minLength: n, maxLength: n }),
    p: fc.array(priceArb, { minLength: n, maxLength: n }),
    raw: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
    scale: fc.constantFrom(1, 1, 0.95, 0.8, 0.5),
    cash: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100000 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
    lots: fc.array(lotArb, { minLength: n, maxLength: n }),
    restricted: fc.array(fc.boolean().map((b) => b && Math.random() < 1), { minLength: n, maxLength: n }).map((r) => r.map((x, i) => x && i % 3 === 0)),
  }).map(({ q, p, raw, scale, cash, lots, restricted }) => {
    const s = raw.reduce((a, b) => a + b, 0) || 1;
    const t = raw.map((x) => Math.floor((x / s) * scale * 10000) / 10000);
    return { q, p, t, cash, lots, restricted };
  // planTrades rejects totals of 1e-9 or less (a RebalError, tested in trades.test.ts): weights of a
  // denormal total are meaningless.
  }).filter((b) => b.cash + b.q.reduce((a, q, i) => a + q * b.p[i], 0) > 1e-9),
);

const policyArb: fc.Arbitrary<{ text: string; policy: Policy }> = fc.record({
  lot: fc.constantFrom("lot=1", "lot=0", "lot=10", "lot=100", ""),
  mode: fc.constantFrom("", "mode=buy_only", "mode=sell_only"),
  reserve: fc.constantFrom("", "cash_reserve=0.01", "cash_reserve=0.05", "cash_reserve=0.2"),
  costs: fc.constantFrom("", "cost_bps=10", "cost_bps=100", "cost_fixed=2", "cost_bps=5; cost_fixed=0.25"),
  minTrade: fc.constantFrom("", "", "min_trade=50", "min_trade=1000"),
  band: fc.constantFrom("", "band_abs=0.05", "band_rel=0.25", "band_abs=0.05; band_rel=0.25", "band_abs=0.01"),
  dest: fc.constantFrom("", "destination=edge", "destination=midpoint"),
  scope: fc.constantFrom("", "scope=breached"),
  trigger: fc.constantFrom("trigger=always", "", "trigger=none"),
}).map((r) => {
  const parts = Object.values(r).filter((x) => x !== "");
  // trigger default (threshold when a band is set) is fine; threshold without band falls back to always
  const text = parts.join("; ");
  return { text, policy: parsePolicy(text).policy };
});

const noCostPolicyArb = policyArb.map(({ text }) => {
  const t = text.split("; ").filter((x) => !x.startsWith("cost_")).join("; ");
  return { text: t, policy: parsePolicy(t).policy };
});

function toBook(b: RefBook): Book {
  return {
    quantities: Float64Array.from(b.q), prices: Float64Array.from(b.p), targets: Float64Array.from(b.t), cash: b.cash,
    lots: b.lots ? Float64Array.from(b.lots.map((x) => (x === null ? NaN : x))) : null,
    restricted: b.restricted ? Uint8Array.from(b.restricted.map((x) => (x ? 1 : 0))) : null,
  };
}

function allFinite(plan: TradePlan): string | null {
  for (const [k, v] of Object.entries(plan)) {
    if (typeof v === "number" && !Number.isFinite(v)) return `${k}=${v}`;
    if (v instanceof Float64Array) for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return `${k}[${i}]=${v[i]}`;
  }
  return null;
}

const V = (b: RefBook) => b.cash + b.q.reduce((a, q, i) => a + q * b.p[i], 0);
const params = { numRuns: NUM_RUNS };

describe("planTrades invariants", () => {
  test("trades are legal: lot multiples, no shorts, modes, min_trade, restricted never trade", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const plan = planTrades(toBook(b), policy);
      const bad = legalTrades(b, policy, plan.trades); // the direction rule depends on the scope (tradeable set)
      if (bad) throw new Error(bad);
      if (b.restricted) b.restricted.forEach((r, i) => { if (r && plan.trades[i] !== 0) throw new Error(`restricted asset ${i} trades`); });
    }), params);
  });

  test("scope=breached: assets inside their band never trade", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const p = { ...policy, scope: "breached" as const };
      const plan = planTrades(toBook(b), p);
      const bad = legalTrades(b, p, plan.trades);
      if (bad) throw new Error(bad);
    }), params);
  });

  test("cash after trades and costs is at or above the reserve (exact arithmetic), when not trading satisfies it", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      if (b.cash < policy.cashReserve * V(b)) return; // see next test
      const plan = planTrades(toBook(b), policy);
      expect(reserveHolds(b, policy, plan.trades)).toBe(true);
      // and the plan reports the cash it really leaves
      expect(Math.abs(plan.cashAfter - cashAfter(b, policy, plan.trades))).toBeLessThanOrEqual(1e-9 * V(b));
    }), params);
  });

  test("cash never becomes negative, and a book below its reserve never loses cash", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const plan = planTrades(toBook(b), policy);
      expect(reserveHolds(b, { ...policy, cashReserve: 0 }, plan.trades)).toBe(true);
      if (b.cash < policy.cashReserve * V(b)) expect(cashAfter(b, policy, plan.trades)).toBeGreaterThanOrEqual(b.cash - 1e-9 * V(b));
    }), params);
  });

  test("F after <= F before when not trading is feasible", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      if (b.cash < policy.cashReserve * V(b)) return;
      const plan = planTrades(toBook(b), policy);
      const zero = new Array(b.q.length).fill(0);
      expect(objectiveF(b, policy, plan.trades)).toBeLessThanOrEqual(objectiveF(b, policy, zero) + 1e-15);
    }), params);
  });

  test("what the plan proves is consistent: its objective is its F, the bound is below it, the gap in [0, 1]", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const plan = planTrades(toBook(b), policy);
      if (!plan.decision.due) { expect(plan.optimalityGap).toBe(0); return; }
      const f = objectiveF(b, policy, plan.trades);
      expect(Math.abs(plan.objective - f)).toBeLessThanOrEqual(1e-12 * Math.max(f, 1e-6));
      expect(plan.lowerBound).toBeLessThanOrEqual(plan.objective * (1 + 1e-12) + 1e-18);
      expect(plan.optimalityGap).toBeGreaterThanOrEqual(0);
      expect(plan.optimalityGap).toBeLessThanOrEqual(1);
      if (plan.optimalityGap > 0) expect((plan.objective - plan.lowerBound) / plan.objective).toBeCloseTo(plan.optimalityGap, 12);
      expect(Number.isInteger(plan.nodes) && plan.nodes >= 1).toBe(true);
    }), params);
  });

  test("no NaN or Infinity anywhere in the plan", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const bad = allFinite(planTrades(toBook(b), policy));
      if (bad) throw new Error(bad);
    }), params);
  });

  test("idempotence with zero costs: planning the result again gives no trades", () => {
    fc.assert(fc.property(bookArb, noCostPolicyArb, (b, { policy }) => {
      const plan = planTrades(toBook(b), policy);
      const after: RefBook = { ...b, q: b.q.map((q, i) => q + plan.trades[i]), cash: cashAfter(b, policy, plan.trades) };
      const again = planTrades(toBook(after), policy);
      // With destination=target and scope=all the destination does not depend on the book, so the
      // second plan faces the same problem and must leave the first result alone. With edge/midpoint
      // or scope=breached the destination depends on which assets are in their bands; when whole lots
      // could not bring an asset back inside its band, the next evaluation legitimately works on that
      // remaining breach. Idempotence is promised once every asset sits inside its band.
      // A book that starts below its cash reserve is first made to raise cash (sales of underweight
      // assets allowed); the second plan then runs under the normal direction rule, so idempotence
      // is promised for books that start at or above their reserve.
      if (b.cash < policy.cashReserve * V(b)) return;
      // The lot-rounded search is exhaustive around its optimum only for books of up to 4 assets
      // (trades.ts: windowed enumeration); for larger whole-lot books it is a local search, and a
      // second plan can occasionally find a slightly closer book (a known limitation, see the
      // closing notes). Fractional books of any size are covered.
      const fractional = b.q.every((_, i) => (b.lots?.[i] ?? policy.lot) === 0);
      if (b.q.length > 4 && !fractional) return;
      const fixedDestination = policy.destination === "target" && policy.scope === "all";
      const allInside = Array.from(again.breached).every((x) => x === 0);
      if (!fixedDestination && !allInside) return;
      expect(Array.from(again.trades).filter((x) => x !== 0)).toEqual([]);
    }), params);
  });

  test("with costs: planning the result again never makes F worse, and pays no cost for nothing", () => {
    // With costs, V shrinks by the costs paid, so weights and destination move slightly; product.md
    // only promises "a portfolio that already sits on its destination gives no trades". What holds:
    // the second plan's F (on the new book) is no worse than not trading.
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const plan = planTrades(toBook(b), policy);
      const after: RefBook = { ...b, q: b.q.map((q, i) => q + plan.trades[i]), cash: cashAfter(b, policy, plan.trades) };
      if (!(V(after) > 0) || after.cash < policy.cashReserve * V(after)) return;
      const again = planTrades(toBook(after), policy);
      const zero = new Array(b.q.length).fill(0);
      expect(objectiveF(after, policy, again.trades)).toBeLessThanOrEqual(objectiveF(after, policy, zero) + 1e-15);
    }), params);
  });

  test("a book exactly on its targets (fractional, no costs) gives no trades", () => {
    fc.assert(fc.property(bookArb, policyArb, (b, { policy }) => {
      const total = V(b);
      const onTarget: RefBook = { ...b, q: b.t.map((t, i) => (t * total) / b.p[i]), cash: total * (1 - b.t.reduce((a, x) => a + x, 0)), restricted: undefined };
      const p = { ...policy, destination: "target" as const };
      if (onTarget.cash < p.cashReserve * V(onTarget)) return;
      const plan = planTrades(toBook(onTarget), p);
      expect(Array.from(plan.trades).filter((x) => x !== 0)).toEqual([]);
    }), params);
  });
});
