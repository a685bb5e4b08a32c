/**
 * planTrades: hand-worked cases (every expected trade derived on paper from product.md and the
 * objective F of trades.ts's header) and a brute-force optimality check over every feasible
 * lot-multiple trade vector of small random books.
 */
import { RebalError } from "../../../src/core/errors";
import { parsePolicy, Policy } from "../../../src/core/policy";
import { Book, planTrades } from "../../../src/core/trades";
import { bruteForce, candidateTrades, countCombos, exactReserveSlack, legalTrades, objectiveF, prng, RefBook } from "./support/reference";

const pol = (s: string): Policy => parsePolicy(s).policy;
function toBook(b: RefBook): Book {
  return {
    quantities: Float64Array.from(b.q), prices: Float64Array.from(b.p), targets: Float64Array.from(b.t), cash: b.cash,
    lots: b.lots ? Float64Array.from(b.lots.map((x) => (x === null ? NaN : x))) : null,
    restricted: b.restricted ? Uint8Array.from(b.restricted.map((x) => (x ? 1 : 0))) : null,
  };
}
const plan = (b: RefBook, s: string) => planTrades(toBook(b), pol(s));
const tradesOf = (b: RefBook, s: string) => Array.from(plan(b, s).trades).map((x) => (Object.is(x, -0) ? 0 : x));

describe("lot rounding: the closest lot-rounded book, not truncation", () => {
  test("2 assets at 300, cash 1000, targets .5/.4: buy 2 and 1 (truncation would buy 1 and 1)", () => {
    // (2,1): x=.6,.3,c=.1 -> F=.01+.01+0=.02 ; (1,1): .04+.01+.09=.14 ; (1,2): .04+.04+0=.08 ; (2,2) costs 1200 > 1000
    expect(tradesOf({ q: [0, 0], p: [300, 300], t: [0.5, 0.4], cash: 1000 }, "")).toEqual([2, 1]);
  });
  test("board lots of 100 at 10, cash 10000, targets .57/.33: 600 and 300", () => {
    // (600,300): .0009+.0009+0 ; (500,300): .0049+.0009+.04 ; (500,400): .0049+.0049+0 ; (600,400): .0009+.0049+.01
    expect(tradesOf({ q: [0, 0], p: [10, 10], t: [0.57, 0.33], cash: 10000 }, "lot=100")).toEqual([600, 300]);
  });
  test("per-asset lots override the policy lot", () => {
    // targets .57/.33, d_c=.1. Asset 0 lot 100: 600 -> x0=.6 (.0009), the other .4 split between B (.33) and cash (.1):
    // shortfall .03 shared equally -> xB=.315 (315 shares, lot 1), c=.085: F=.0009+2*.000225=.00135.
    // 500 -> .0049 + 2*.035^2 = .00735. With the policy lot (1000) asset 0 could only buy 0 or 1000.
    expect(tradesOf({ q: [0, 0], p: [10, 10], t: [0.57, 0.33], cash: 10000, lots: [100, 1] }, "lot=1000")).toEqual([600, 315]);
  });
  test("fractional (lot=0) trades hit the target exactly", () => {
    const tr = tradesOf({ q: [0, 0], p: [300, 300], t: [0.5, 0.4], cash: 1000 }, "lot=0");
    expect(tr[0]).toBeCloseTo(500 / 300, 7);
    expect(tr[1]).toBeCloseTo(400 / 300, 7);
  });
  test("a book already on its target gives no trades", () => {
    expect(tradesOf({ q: [50, 30], p: [10, 10], t: [0.5, 0.3], cash: 200 }, "")).toEqual([0, 0]);
  });
});

describe("cash reserve", () => {
  test("one asset at 100, cash 1000, target 1: 10 shares without a reserve, 9 with reserve 0.05", () => {
    expect(tradesOf({ q: [0], p: [100], t: [1], cash: 1000 }, "")).toEqual([10]);
    expect(tradesOf({ q: [0], p: [100], t: [1], cash: 1000 }, "cash_reserve=0.05")).toEqual([9]);
  });
  test("a reserve met exactly is allowed: reserve 0.1 leaves exactly 100 of 1000", () => {
    const p = plan({ q: [0], p: [100], t: [1], cash: 1000 }, "cash_reserve=0.1");
    expect(Array.from(p.trades)).toEqual([9]);
    expect(p.cashAfter).toBeCloseTo(100, 9);
  });
  test("cash below the reserve is raised by selling", () => {
    // q=10 at 100, cash 0, target 1, reserve .15 -> cash >= 150 -> sell 2 (sell 1 leaves 100 < 150)
    expect(tradesOf({ q: [10], p: [100], t: [1], cash: 0 }, "cash_reserve=0.15")).toEqual([-2]);
  });
});

describe("costs", () => {
  test("cost_bps: 10 shares at 100 with 1% cost need 1010 > 1000: buy 9, cost 9", () => {
    const p = plan({ q: [0], p: [100], t: [1], cash: 1000 }, "cost_bps=100");
    expect(Array.from(p.trades)).toEqual([9]);
    expect(p.totalCost).toBeCloseTo(9, 9);
    expect(p.cashAfter).toBeCloseTo(91, 9);
  });
  test("cost_fixed per trade: buy 9, cost 5 (not per share)", () => {
    const p = plan({ q: [0], p: [100], t: [1], cash: 1000 }, "cost_fixed=5");
    expect(Array.from(p.trades)).toEqual([9]);
    expect(p.totalCost).toBeCloseTo(5, 9);
    expect(p.cashAfter).toBeCloseTo(95, 9);
  });
  test("cost_fixed is charged only for assets that trade", () => {
    const p = plan({ q: [10, 0], p: [100, 100], t: [0.5, 0], cash: 1000 }, "cost_fixed=3");
    // asset 0 is on target (.5 of 2000) -> buy more? F prefers x0=.5: no trade; asset 1 target 0 held 0: no trade.
    expect(Array.from(p.trades)).toEqual([0, 0]);
    expect(p.totalCost).toBe(0);
  });
});

describe("min_trade", () => {
  // A=B=100 shares at 10, cash 0, V=2000, w=.5/.5, targets .53/.47: the plain answer is +6/-6 (value 60)
  const b: RefBook = { q: [100, 100], p: [10, 10], t: [0.53, 0.47], cash: 0 };
  test("without min_trade: +6/-6", () => expect(tradesOf(b, "")).toEqual([6, -6]));
  test("min_trade 61: the smallest allowed trades are 7 shares -> +7/-7 (F=5e-5 vs 1.8e-3 for no trade)", () => {
    expect(tradesOf(b, "min_trade=61")).toEqual([7, -7]);
  });
  test("min_trade 100: +10/-10 (F=8e-4) beats no trade (F=1.8e-3)", () => {
    expect(tradesOf(b, "min_trade=100")).toEqual([10, -10]);
  });
  test("min_trade 200: +20/-20 gives F=.0098 > .0018: no trade", () => {
    expect(tradesOf(b, "min_trade=200")).toEqual([0, 0]);
  });
  test("fractional: the ideal 0.4 shares (worth 40): made under min_trade 30, 0.5 under 50 (F=5e-5 < 8e-4), dropped under 100 (F=1.8e-3 > 8e-4)", () => {
    const f: RefBook = { q: [10, 10], p: [100, 100], t: [0.52, 0.48], cash: 0 };
    const t50 = tradesOf(f, "lot=0; min_trade=50");
    expect(t50[0]).toBeCloseTo(0.5, 7);
    expect(t50[1]).toBeCloseTo(-0.5, 7);
    expect(tradesOf(f, "lot=0; min_trade=100")).toEqual([0, 0]);
    const tr = tradesOf(f, "lot=0; min_trade=30");
    expect(tr[0]).toBeCloseTo(0.4, 7);
    expect(tr[1]).toBeCloseTo(-0.4, 7);
  });
});

describe("modes", () => {
  test("buy_only invests cash, never sells: A=15, B=0 at 100, cash 500, targets .5/.5 -> buy 5 B", () => {
    const b: RefBook = { q: [15, 0], p: [100, 100], t: [0.5, 0.5], cash: 500 };
    expect(tradesOf(b, "")).toEqual([-5, 10]);
    expect(tradesOf(b, "mode=buy_only")).toEqual([0, 5]);
  });
  test("sell_only raises cash, never buys: A=15, B=5 at 100, cash 0, targets .5/.45 -> sell 3 A", () => {
    // F(k) ∝ (5-k)^2 + (k-1)^2 + const, minimised at k=3
    const b: RefBook = { q: [15, 5], p: [100, 100], t: [0.5, 0.45], cash: 0 };
    expect(tradesOf(b, "")).toEqual([-5, 4]);
    expect(tradesOf(b, "mode=sell_only")).toEqual([-3, 0]);
  });
  test("buy_only with no cash and nothing to sell: no trades", () => {
    expect(tradesOf({ q: [15, 5], p: [100, 100], t: [0.5, 0.5], cash: 0 }, "mode=buy_only")).toEqual([0, 0]);
  });
});

describe("scope and destination", () => {
  // A=40, B=35, C=25 at 10 (V=1000, w=.40/.35/.25), targets .30/.33/.37, band_abs .05: A and C breached, B inside
  const b: RefBook = { q: [40, 35, 25], p: [10, 10, 10], t: [0.3, 0.33, 0.37], cash: 0 };
  test("scope all: every asset goes to target (-10, -2, +12)", () => {
    expect(tradesOf(b, "band_abs=0.05; scope=all")).toEqual([-10, -2, 12]);
  });
  test("scope breached: B stays; A and C share the shortfall (-11, 0, +11)", () => {
    // d = (.30, .35(kept), .37), d_c = -.02, c >= 0: min (xA-.3)^2+(xC-.37)^2+(c+.02)^2 on xA+xC+c=.65 -> (.29, .36, 0)
    expect(tradesOf(b, "band_abs=0.05; scope=breached")).toEqual([-11, 0, 11]);
  });
  test("threshold trigger with nothing breached: no trades", () => {
    expect(tradesOf(b, "band_abs=0.2")).toEqual([0, 0, 0]);
  });
  // A=80, B=120 at 5 (w=.4/.6), targets .5/.5, band_abs .05
  const e: RefBook = { q: [80, 120], p: [5, 5], t: [0.5, 0.5], cash: 0 };
  test("destination target: +20/-20", () => expect(tradesOf(e, "band_abs=0.05; destination=target")).toEqual([20, -20]));
  test("destination edge: to .45/.55 -> +10/-10", () => expect(tradesOf(e, "band_abs=0.05; destination=edge")).toEqual([10, -10]));
  test("destination midpoint: to .475/.525 -> +15/-15", () => expect(tradesOf(e, "band_abs=0.05; destination=midpoint")).toEqual([15, -15]));
  test("destination edge with a 5/25 band: target .2 -> half-width min(.05, .05)=.05; target .1 -> .025", () => {
    // A=60, B=30, C=10 at 10, V=1000 (w=.6/.3/.1) targets .7/.2/.1: A below by .1 (edge .65), B above by .1 (edge .25), C on target
    expect(tradesOf({ q: [60, 30, 10], p: [10, 10, 10], t: [0.7, 0.2, 0.1], cash: 0 }, "band_abs=0.05; band_rel=0.25; destination=edge")).toEqual([5, -5, 0]);
  });
});

describe("restricted assets and shorts", () => {
  test("a restricted asset never trades; the others absorb it (F-optimal split)", () => {
    // A restricted at .5 (target .3): d_A=.5, d_B=.4, d_C=.3, d_c=-.2 -> x_B=.3, x_C=.2: B +10, C -10
    const b: RefBook = { q: [50, 20, 30], p: [10, 10, 10], t: [0.3, 0.4, 0.3], cash: 0, restricted: [true, false, false] };
    expect(tradesOf(b, "")).toEqual([0, 10, -10]);
  });
  test("a short position is rejected unless allow_short", () => {
    const b = toBook({ q: [-5, 10], p: [10, 10], t: [0.5, 0.5], cash: 100 });
    expect(() => planTrades(b, pol(""))).toThrow(RebalError);
    expect(() => planTrades(b, pol(""))).toThrow(/row 1.*short/);
    expect(() => planTrades(b, pol("allow_short=TRUE"))).not.toThrow();
  });
  test("a negative target is rejected unless allow_short", () => {
    const b = toBook({ q: [5, 10], p: [10, 10], t: [-0.1, 0.5], cash: 100 });
    expect(() => planTrades(b, pol(""))).toThrow(/row 1.*negative/);
  });
  test("never sells below zero: target 0 sells the whole position exactly", () => {
    expect(tradesOf({ q: [7, 3], p: [10, 10], t: [0, 0.3], cash: 0 }, "")).toEqual([-7, 0]);
  });
  test("a position that is not a lot multiple: sells only whole lots (150 held, lot 100 -> at most -100)", () => {
    expect(tradesOf({ q: [150], p: [1], t: [0], cash: 0 }, "lot=100")).toEqual([-100]);
  });
});

describe("validation", () => {
  test.each([
    [{ q: [1, 2], p: [10, 10], t: [0.6, 0.5], cash: 0 }, /sum/],
    [{ q: [1, 2], p: [10, -1], t: [0.5, 0.5], cash: 0 }, /row 2.*price/],
    [{ q: [1, 2], p: [10, 0], t: [0.5, 0.5], cash: 0 }, /row 2.*price/],
    [{ q: [1, NaN], p: [10, 10], t: [0.5, 0.5], cash: 0 }, /row 2.*quantity/],
    [{ q: [0, 0], p: [10, 10], t: [0.5, 0.5], cash: 0 }, /total/],
    [{ q: [1, 1], p: [10, 10], t: [0.5, 0.5], cash: NaN }, /cash/],
  ] as [RefBook, RegExp][])("bad book %#", (b, re) => {
    expect(() => planTrades(toBook(b), pol(""))).toThrow(RebalError);
    expect(() => planTrades(toBook(b), pol(""))).toThrow(re);
  });
  test("mismatched lengths", () => {
    const b = toBook({ q: [1, 2], p: [10, 10], t: [0.5, 0.5], cash: 0 });
    b.prices = Float64Array.from([10]);
    expect(() => planTrades(b, pol(""))).toThrow(/length/);
  });
});

// ---------------------------------------------------------------------------------------------
// Brute force: every feasible lot-multiple trade vector of small random books.
// ---------------------------------------------------------------------------------------------

const MAX_COMBOS = 150000;

function randomCase(seed: number): { book: RefBook; policy: Policy; text: string } | null {
  const r = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const n = 2 + Math.floor(r() * 3);
  const q: number[] = [], p: number[] = [], lots: (number | null)[] = [], restricted: boolean[] = [];
  const policyLot = pick([1, 1, 5, 10, 100]);
  for (let i = 0; i < n; i++) {
    const L = pick([null, null, 1, 10, 100]);
    const lot = L ?? policyLot;
    lots.push(L);
    p.push(pick([1, 2.5, 7, 10, 13.37, 25, 40, 99.99, 0.35]));
    // a few lots, sometimes an odd lot on top
    q.push(lot * Math.floor(r() * 6) + (r() < 0.2 ? Math.floor(r() * lot) : 0));
    restricted.push(r() < 0.1);
  }
  let cash = Math.round(r() * 3 * (p[0] * policyLot) * 100) / 100;
  if (r() < 0.3) cash = 0;
  // targets: random, summing to 1 or a bit less, 2 decimals
  const raw = Array.from({ length: n }, () => r() + 0.05);
  const s = raw.reduce((a, b) => a + b, 0) / (r() < 0.5 ? 1 : 0.9);
  const t = raw.map((x) => Math.floor((x / s) * 100) / 100);
  const parts = [
    `lot=${policyLot}`,
    pick(["", "", "mode=buy_only", "mode=sell_only"]),
    pick(["", "cash_reserve=0.02", "cash_reserve=0.05"]),
    pick(["", "cost_bps=10", "cost_bps=50", "cost_fixed=1", "cost_bps=25; cost_fixed=0.5"]),
    pick(["", "", "min_trade=20", "min_trade=75"]),
    pick(["", "band_abs=0.05", "band_abs=0.03; band_rel=0.25", "band_rel=0.2"]),
    pick(["", "destination=edge", "destination=midpoint"]),
    pick(["", "scope=breached"]),
    "trigger=always",
  ].filter((x) => x !== "");
  const text = parts.join("; ");
  const policy = pol(text);
  const book: RefBook = { q, p, t, cash, lots, restricted };
  if (q.every((x) => x === 0) && cash === 0) return null;
  if (countCombos(candidateTrades(book, policy)) > MAX_COMBOS) return null;
  return { book, policy, text };
}

describe("brute force: planTrades is optimal among all feasible lot-rounded books", () => {
  const SEEDS = 600;
  const BLOCK = 100;
  for (let start = 1; start <= SEEDS; start += BLOCK) {
    test(`seeds ${start}..${start + BLOCK - 1}`, () => {
      const failures: string[] = [];
      let checked = 0;
      for (let seed = start; seed < start + BLOCK; seed++) {
        const c = randomCase(seed);
        if (!c) continue;
        const { book, policy, text } = c;
        const planned = planTrades(toBook(book), policy);
        const dq = Array.from(planned.trades);
        const best = bruteForce(book, policy);
        checked++;
        const desc = () => `seed ${seed}: ${JSON.stringify(book)} policy "${text}" -> engine ${JSON.stringify(dq)}`;
        const illegal = legalTrades(book, policy, dq);
        if (illegal) { failures.push(`${desc()}: illegal (${illegal})`); continue; }
        if (best.f === Infinity) {
          // nothing satisfies the reserve; the engine must not pretend otherwise by making it worse
          continue;
        }
        if (exactReserveSlack(book, policy, dq) < 0) { failures.push(`${desc()}: cash below reserve`); continue; }
        const f = objectiveF(book, policy, dq);
        if (Math.abs(f - best.f) > 1e-12) failures.push(`${desc()}: F=${f} but brute force finds F=${best.f} with ${JSON.stringify(best.dq)}`);
      }
      expect(checked).toBeGreaterThan(BLOCK / 3);
      expect(failures).toEqual([]);
    });
  }
});
