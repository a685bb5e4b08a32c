/**
 * Properties of the backtest engine and of REBAL.BACKTEST / EQUITY / STATS (fast-check):
 * - no NaN or Infinity ever comes out (values, cash, index, every defined metric);
 * - cash is never negative;
 * - trigger=none equals buy and hold computed independently;
 * - malformed Excel inputs only ever produce CustomFunctions.Error (#VALUE!), never another throw.
 */
import fc from "fast-check";
import { runBacktest, backtestSummary, performanceStats } from "../../src/core/backtest";
import { RebalError } from "../../src/core/errors";
import { parsePolicy } from "../../src/core/policy";
import * as Functions from "../../src/functions/functions";
// Excel may pass any value in any argument and these tests do too; the TypeScript signatures only
// shape the generated metadata, so the functions are called through a loosely typed view.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;
const { backtest, equity, stats } = F;

class StubError extends Error {
  constructor(public code: string, message?: string) {
    super(message);
  }
}
(globalThis as unknown as { CustomFunctions: unknown }).CustomFunctions = {
  Error: StubError,
  ErrorCode: { invalidValue: "#VALUE!", divisionByZero: "#DIV/0!", notAvailable: "#N/A" },
};

const POLICIES = [
  "trigger=none; lot=0", "trigger=always", "trigger=calendar; frequency=monthly; lot=0", "trigger=calendar; frequency=weekly; anchor=end",
  "band_rel=0.2", "band_abs=0.05; band_rel=0.25; lot=10; cost_bps=25; min_trade=100", "trigger=hybrid; frequency=quarterly; band_abs=0.02; cost_fixed=5",
  "trigger=either; frequency=monthly; band_abs=0.03; destination=edge; scope=breached", "band_rel=0.1; mode=buy_only; lot=0", "band_abs=0.02; mode=sell_only",
  "band_abs=0.02; cash_reserve=0.05; destination=midpoint; lot=0",
];

/** A small random history: weekdays from 2020-01-06, prices a random walk with some blanks. */
const historyArb = fc.record({
  T: fc.integer({ min: 1, max: 60 }),
  n: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 1, max: 1e9 }),
  blankRate: fc.constantFrom(0, 0, 0.05, 0.3),
  startGap: fc.integer({ min: 0, max: 20 }),
});

function makeHistory(h: { T: number; n: number; seed: number; blankRate: number; startGap: number }) {
  let s = h.seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const dates = new Float64Array(h.T);
  const prices = new Float64Array(h.T * h.n);
  let d = 43836; // 2020-01-06
  const lastP = Array.from({ length: h.n }, () => 1 + rnd() * 300);
  for (let t = 0; t < h.T; t++) {
    dates[t] = d;
    d += rnd() < 0.2 ? 3 + Math.floor(rnd() * 30) : 1;
    for (let i = 0; i < h.n; i++) {
      lastP[i] *= 1 + (rnd() - 0.5) * 0.2;
      const blank = (i === h.n - 1 && t < h.startGap) || rnd() < h.blankRate;
      prices[t * h.n + i] = blank ? NaN : lastP[i];
    }
  }
  const raw = Array.from({ length: h.n }, () => rnd());
  const sum = raw.reduce((a, b) => a + b, 0) / (0.7 + 0.3 * rnd());
  const targets = Float64Array.from(raw, (x) => x / sum);
  return { dates, prices, targets };
}

describe("backtest engine properties", () => {
  test("values, cash and metrics are finite; cash is never negative", () => {
    fc.assert(
      fc.property(historyArb, fc.constantFrom(...POLICIES), fc.constantFrom(0, 5000, -2000, -500000), fc.constantFrom(1e6, 1e4, 123.45), (h, pol, contribution, initialValue) => {
        const { dates, prices, targets } = makeHistory(h);
        const policy = parsePolicy(pol).policy;
        let r;
        try {
          r = runBacktest({ dates, prices, nAssets: h.n, targets }, policy, { contribution, initialValue, contributionFrequency: "weekly" });
        } catch (e) {
          expect(e).toBeInstanceOf(RebalError); // only a withdrawal larger than the portfolio may fail
          expect(contribution).toBeLessThan(0);
          return;
        }
        for (let t = 0; t < h.T; t++) {
          expect(Number.isFinite(r.values[t]) && Number.isFinite(r.index[t]) && Number.isFinite(r.cash[t])).toBe(true);
          expect(r.values[t]).toBeGreaterThan(0);
          expect(r.cash[t]).toBeGreaterThanOrEqual(0);
        }
        for (const row of backtestSummary(r, initialValue, { frequency: 252, riskFreeRate: 0.01 })) {
          if (row.reason === null) expect([row.name, Number.isFinite(row.value)]).toEqual([row.name, true]);
          else expect(Number.isNaN(row.value)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("trigger=none is buy and hold: q_i = t_i V0 / p_i at the start, the rest in cash", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const { dates, prices, targets } = makeHistory({ ...h, blankRate: 0, startGap: 0 });
        const V0 = 1e6;
        const r = runBacktest({ dates, prices, nAssets: h.n, targets }, parsePolicy("trigger=none; lot=0").policy, { initialValue: V0 });
        const q = Array.from(targets, (t, i) => (t * V0) / prices[i]);
        const cash = V0 * (1 - targets.reduce((a, b) => a + b, 0));
        for (let t = 0; t < h.T; t++) {
          let v = cash;
          for (let i = 0; i < h.n; i++) v += q[i] * prices[t * h.n + i];
          expect(Math.abs(r.values[t] - v)).toBeLessThanOrEqual(1e-9 * v);
        }
        expect(r.rebalances).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test("statistics of a series are finite or NaN with a reason, never Infinity", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), (vals) => {
        const dates = vals.map((_, k) => 40000 + k);
        const s = performanceStats(dates, vals, { frequency: 252, riskFreeRate: 0.03 });
        for (const v of Object.values(s)) expect(v === Infinity || v === -Infinity).toBe(false);
      }),
    );
  });
});

/** Any Excel-ish cell: numbers (including bad ones), text, booleans, blanks, errors. */
const cellArb = fc.oneof(
  fc.double({ noNaN: false }), fc.integer({ min: -5, max: 50000 }), fc.constantFrom("", " ", null, undefined, "abc", "5%", "1,234", "Date", "AAPL", true, false, NaN, Infinity, 0, -1),
);
const rangeArb = fc.oneof(
  fc.array(fc.array(cellArb, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 6 }),
  cellArb,
  fc.constant([] as unknown[]),
);
const optionArb = fc.oneof(
  fc.constantFrom(null, undefined, "", "initial_value=1000", "frequency=weekly", "risk_free_rate=abc", "bogus=1", "contribution=-1e9", "contribution_frequency=hourly", [["initial_value", -5]], [[1, 2, 3]]),
  rangeArb,
);
const policyArb = fc.oneof(fc.constantFrom(...POLICIES, "trigger=bogus", "lot=-1", "", null), rangeArb);

function onlyExcelErrors(f: () => unknown): void {
  let out: unknown;
  try {
    out = f();
  } catch (e) {
    expect(e).toBeInstanceOf(StubError);
    expect((e as StubError).code).toBe("#VALUE!");
    expect((e as StubError).message).not.toMatch(/internal error/);
    return;
  }
  expect(Array.isArray(out)).toBe(true);
  for (const row of out as unknown[][]) for (const c of row) if (typeof c === "number") expect(Number.isFinite(c)).toBe(true);
}

describe("REBAL.BACKTEST / EQUITY / STATS on malformed input: only #VALUE! errors", () => {
  test("random ranges", () => {
    fc.assert(
      fc.property(rangeArb, rangeArb, rangeArb, policyArb, optionArb, (d, p, t, pol, opt) => {
        onlyExcelErrors(() => backtest(d as never, p as never, t as never, pol, opt));
        onlyExcelErrors(() => equity(d as never, p as never, t as never, pol, opt));
        onlyExcelErrors(() => stats(d as never, p as never, opt));
      }),
      { numRuns: 1500 },
    );
  });

  test("well-shaped ranges with random bad cells", () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.tuple(fc.nat(), fc.nat(), cellArb), { maxLength: 3 }), policyArb, (h, edits, pol) => {
        const { dates, prices, targets } = makeHistory(h);
        const xd: unknown[][] = [["Date"], ...Array.from(dates, (x) => [x])];
        const xp: unknown[][] = [Array.from({ length: h.n }, (_, i) => `A${i}`)];
        for (let t = 0; t < h.T; t++) xp.push(Array.from(prices.subarray(t * h.n, (t + 1) * h.n), (x) => (Number.isNaN(x) ? "" : x)));
        const xt = Array.from(targets, (x) => [x]);
        for (const [r, c, v] of edits) xp[r % xp.length][c % h.n] = v;
        onlyExcelErrors(() => backtest(xd as never, xp as never, xt as never, pol, null));
        onlyExcelErrors(() => equity(xd as never, xp as never, xt as never, pol, "initial_value=5000"));
      }),
      { numRuns: 400 },
    );
  });
});

describe("REBAL formulas: shapes and messages", () => {
  const dates = [["Date"], [43836], [43837], [43838], [43839]];
  const prices = [["A", "B"], [10, 20], [11, 19], [12, 21], [11.5, 22]];
  test("BACKTEST gives metric | value rows with the contract's names", () => {
    const out = backtest(dates, prices, [[0.5], [0.5]], "trigger=calendar; frequency=daily; lot=0", "initial_value=1000") as unknown[][];
    const names = out.map((r) => r[0]);
    expect(names).toEqual(expect.arrayContaining(["total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "turnover", "rebalances", "costs", "final_value"]));
    expect(out.every((r) => r.length === 2)).toBe(true);
  });
  test("EQUITY gives T x 2 date | value", () => {
    const out = equity(dates, prices, [[0.5], [0.5]], "trigger=none; lot=0", "initial_value=1000") as unknown[][];
    expect(out.length).toBe(4);
    expect(out[0]).toEqual([43836, 1000]);
    expect(out[3][1]).toBeCloseTo(50 * 11.5 + 25 * 22, 9); // 500 / 10 and 500 / 20 shares
  });
  test("STATS: a series without a drawdown gives #DIV/0! for calmar, with the reason", () => {
    const out = stats([[43836], [43837], [43838]], [[100], [101], [102]], "risk_free_rate=0") as unknown[][];
    const calmar = out.find((r) => r[0] === "calmar") as unknown[];
    expect(calmar[1]).toBeInstanceOf(StubError);
    expect((calmar[1] as StubError).code).toBe("#DIV/0!");
  });
  test("unknown option keys are named", () => {
    expect(() => backtest(dates, prices, [[0.5], [0.5]], "", "initial_valeu=5")).toThrow(/initial_valeu/);
    expect(() => stats(dates, [["v"], [1], [2], [3], [4]], "initial_value=5")).toThrow(/unknown options key "initial_value"/);
  });
});
