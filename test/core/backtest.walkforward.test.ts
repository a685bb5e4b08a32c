/**
 * Walk-forward targets (src/core/backtest/walkForward.ts and the engine's targetChanges):
 * - against an independent pandas walk-forward loop with exactly solved long-only optimizers
 *   (test/fixtures/walkforward/generate.py, 5 S&P 500 stocks 2016-2019): estimation rows exactly,
 *   targets and equity to 1e-8;
 * - window = the whole history and one estimation = a fixed-target backtest with those targets, exactly;
 * - no look-ahead by construction: perturbing every price after a date leaves every estimation,
 *   record and value up to that date unchanged (bit for bit);
 * - spec and schedule errors name the key, the date or the row.
 */
import fc from "fast-check";
import { runBacktest, RebalanceRecord } from "../../src/core/backtest";
import { estimationRows, parseTargetsSpec, runWalkForward, targetsHistory } from "../../src/core/backtest/walkForward";
import { parsePolicy } from "../../src/core/policy";
import { periodKey } from "../../src/core/calendar";
import { RebalError } from "../../src/core/errors";
import fixture from "../fixtures/walkforward/walkforward.json";
import { randomWalk, rng } from "../support/priceWalk";

/** The fixture's optimizers are exact (support enumeration); ours is an active-set QP: both agree to this. */
const FIXTURE_TOL = 1e-8;

const T = fixture.dates.length;
const n = fixture.assets.length;
const dates = Float64Array.from(fixture.dates);
const prices = new Float64Array(T * n);
fixture.prices.forEach((r, t) => r.forEach((x, i) => { prices[t * n + i] = x; }));

describe("against the pandas walk-forward loop", () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const spec = parseTargetsSpec(c.spec);
      const wf = runWalkForward(dates, prices, n, spec, parsePolicy(c.policy).policy, { initialValue: fixture.initial_value });
      expect(Array.from(wf.history.rows)).toEqual(c.rows);
      expect(wf.start).toBe(c.rows[0]);
      c.targets.forEach((w, j) => w.forEach((x, i) => expect(Math.abs(wf.history.targets[j * n + i] - x)).toBeLessThan(FIXTURE_TOL)));
      expect(wf.result.values.length).toBe(c.values.length);
      let worst = 0;
      c.values.forEach((v, k) => { worst = Math.max(worst, Math.abs(wf.result.values[k] - v) / v); });
      expect(worst).toBeLessThan(FIXTURE_TOL);
      expect(Array.from(wf.result.dates)).toEqual(fixture.dates.slice(c.rows[0]));
    });
  }
});

describe("one estimation on the whole history = fixed targets", () => {
  const policies = ["trigger=calendar; frequency=monthly", "band_abs=0.03; lot=1; cost_bps=5", "trigger=either; frequency=quarterly; band_rel=0.2; lot=0"];
  for (const pol of policies) {
    test(pol, () => {
      const spec = parseTargetsSpec(`optimize: objective=min_volatility; window=${T}; min_window=300; every=once`);
      const policy = parsePolicy(pol).policy;
      const wf = runWalkForward(dates, prices, n, spec, policy);
      expect(wf.history.rows.length).toBe(1);
      const s = wf.start;
      expect(s).toBe(300);
      const fixed = runBacktest({ dates: dates.slice(s), prices: prices.slice(s * n), nAssets: n, targets: wf.history.targets.slice(0, n) }, policy);
      expect(wf.result.values).toEqual(fixed.values);
      expect(wf.result.cash).toEqual(fixed.cash);
      expect(wf.result.quantities).toEqual(fixed.quantities);
      expect(wf.result.records).toEqual(fixed.records);
      expect(wf.result.totalCost).toBe(fixed.totalCost);
    });
  }
  test("the targets are the optimizer's on rows 0..s", () => {
    const spec = parseTargetsSpec(`optimize: objective=min_volatility; window=${T}; min_window=300; every=once`);
    const whole = targetsHistory(dates.slice(0, 301), prices.slice(0, 301 * n), n, spec);
    const wf = targetsHistory(dates, prices, n, spec);
    expect(wf.targets).toEqual(whole.targets);
  });
});

describe("no look-ahead", () => {
  const walk = randomWalk(420, 4, rng(7), { base: 20, span: 80, vol: 0.04, market: 0.02 });
  const N = 4;
  const specs = [
    "optimize: objective=max_utility; risk_aversion=5; returns=ema; returns_span=40; window=60; every=monthly",
    "optimize: objective=min_volatility; cov=ledoit_wolf; window=80; min_window=40; every=weekly",
    "optimize: objective=hrp; cov=exp; cov_span=30; window=50; every=monthly",
  ];
  const policies = ["band_rel=0.15; lot=1; cost_bps=3", "trigger=calendar; frequency=monthly; lot=0", "trigger=hybrid; frequency=weekly; band_abs=0.02"];
  const recordsUpTo = (rs: RebalanceRecord[], row: number) => rs.filter((r) => r.row <= row);
  test("perturbing every price after a row changes nothing up to that row", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 418 }), fc.integer({ min: 1, max: 1e6 }),
      (si, pi, cut, seed) => {
        const spec = parseTargetsSpec(specs[si]);
        const policy = parsePolicy(policies[pi]).policy;
        const base = runWalkForward(walk.dates, walk.prices, N, spec, policy);
        const r = rng(seed);
        const moved = walk.prices.slice();
        for (let k = (cut + 1) * N; k < moved.length; k++) moved[k] *= 0.5 + r() * 1.5;
        const other = runWalkForward(walk.dates, moved, N, spec, policy);
        const s = base.start;
        // estimations on rows <= cut
        const k = base.history.rows.findIndex((row) => row > cut);
        const upto = k < 0 ? base.history.rows.length : k;
        expect(Array.from(other.history.rows.subarray(0, upto))).toEqual(Array.from(base.history.rows.subarray(0, upto)));
        expect(other.history.targets.subarray(0, upto * N)).toEqual(base.history.targets.subarray(0, upto * N));
        if (cut < s) return;
        const m = cut - s + 1;
        expect(other.result.values.subarray(0, m)).toEqual(base.result.values.subarray(0, m));
        expect(other.result.cash.subarray(0, m)).toEqual(base.result.cash.subarray(0, m));
        expect(recordsUpTo(other.result.records, cut - s)).toEqual(recordsUpTo(base.result.records, cut - s));
      }), { numRuns: 15 });
  });
});

describe("targets changes in the engine", () => {
  const policy = parsePolicy("trigger=calendar; frequency=monthly; lot=0").policy;
  const d = dates.slice(0, 100), p = prices.slice(0, 100 * n);
  test("a change is traded to on the next calendar row, not before", () => {
    const t0 = Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]);
    const t1 = Float64Array.from([0.5, 0, 0, 0, 0.5]);
    const monthStarts = Array.from(d).map((_, k) => k).filter((k) => k > 0 && periodKey(d[k], "monthly") !== periodKey(d[k - 1], "monthly"));
    const change = monthStarts[0] + 3; // mid-month: nothing trades until the next month's first row
    const r = runBacktest({ dates: d, prices: p, nAssets: n, targets: t0, targetChanges: { rows: Int32Array.from([change]), targets: t1 } }, policy, { scan: "js" });
    // scan "js": the change row takes the full treatment, which sums a row as the JavaScript quiet loop does
    const fixed = runBacktest({ dates: d, prices: p, nAssets: n, targets: t0 }, policy, { scan: "js" });
    const next = monthStarts[1];
    expect(r.values.subarray(0, next)).toEqual(fixed.values.subarray(0, next));
    expect(r.records.filter((x) => x.row > monthStarts[0] && x.row < next)).toEqual([]);
    const after = r.records.find((x) => x.row === next);
    expect(after?.kind).toBe("policy");
    // holdings after that row's trades are at the new targets; kept until the next month start
    const w = runBacktest({ dates: d.slice(0, next + 1), prices: p.slice(0, (next + 1) * n), nAssets: n, targets: t0, targetChanges: { rows: Int32Array.from([change]), targets: t1 } }, policy);
    for (let i = 0; i < n; i++) expect(Math.abs((w.quantities[i] * p[next * n + i]) / w.values[next] - t1[i])).toBeLessThan(1e-12);
  });
  test("bad changes are errors naming the change and the date", () => {
    const t0 = Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]);
    const bad = Float64Array.from([0.5, -0.1, 0, 0, 0.5]);
    expect(() => runBacktest({ dates: d, prices: p, nAssets: n, targets: t0, targetChanges: { rows: Int32Array.from([10]), targets: bad } }, policy))
      .toThrow(/target 2 \(from \d{4}-\d\d-\d\d\) is negative/);
    expect(() => runBacktest({ dates: d, prices: p, nAssets: n, targets: t0, targetChanges: { rows: Int32Array.from([10, 10]), targets: new Float64Array(10).fill(0.1) } }, policy))
      .toThrow(/target change 2 is on row 11/);
    expect(() => runBacktest({ dates: d, prices: p, nAssets: n, targets: t0, targetChanges: { rows: Int32Array.from([5]), targets: new Float64Array(5).fill(0.3) } }, policy))
      .toThrow(/sum to 1.5/);
  });
});

describe("spec errors", () => {
  const cases: [string, RegExp][] = [
    ["optimize: objective=max_sharpe; windo=5", /unknown targets key "windo"/],
    ["optimize: objective=max_sharp", /objective must be one of/],
    ["optimize: objective=hrp; max_weight=0.3", /hrp does not use max_weight/],
    ["optimize: window=50; min_window=60", /min_window \(60\) is more than window \(50\)/],
    ["optimize: window=1.5", /window must be a whole number/],
    ["optimize: every=fortnightly", /every must be one of/],
    ["optimize: returns_span=10", /returns_span is used only by returns=ema/],
    ["optimize: cov=sample; cov_span=10", /cov_span is used only by cov=exp/],
  ];
  for (const [text, re] of cases) test(text, () => expect(() => parseTargetsSpec(text)).toThrow(re));
  test("too little history names the rows needed", () => {
    expect(() => estimationRows(dates.slice(0, 100), parseTargetsSpec("optimize: window=504"))).toThrow(/504 daily returns .* at least 505 dates; there are 100/);
  });
  test("an estimation that fails names its date", () => {
    const spec = parseTargetsSpec("optimize: objective=efficient_return; target_return=5; window=60");
    let err: unknown;
    try { targetsHistory(dates, prices, n, spec); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RebalError);
    expect((err as Error).message).toMatch(/^targets on 2016-\d\d-\d\d: /);
  });
});
