/**
 * Monte Carlo (src/core/simulate): the seeded generator against an independent BigInt xoshiro128**,
 * the stationary bootstrap's statistics with fixed seeds and stated tolerances (mean return
 * converges to the historical mean; block = 1 is i.i.d.; mean block length), reproducibility, common
 * random numbers across policies, chunk independence, percentiles, progress and cancellation.
 */
import { runBacktest } from "../../src/core/backtest/engine";
import { isCancelled } from "../../src/core/backtest/progress";
import { performanceStats } from "../../src/core/backtest/stats";
import { parsePolicy } from "../../src/core/policy";
import {
  bootstrapIndices, completeReturns, parseSimulateOptions, percentile, prepareSimulation, simulate, simulatedPath, simulatePaths,
  SIMULATE_STATISTICS, summarize, Xoshiro128,
} from "../../src/core/simulate";
import fixture from "../fixtures/walkforward/walkforward.json";

const T = 600;
const n = fixture.assets.length;
const dates = Float64Array.from(fixture.dates.slice(0, T));
const prices = Float64Array.from(fixture.prices.slice(0, T).flat());
const targets = Float64Array.from([0.3, 0.2, 0.2, 0.2, 0.1]);
const POLICIES = ["trigger=calendar; frequency=quarterly; lot=0", "band_rel=0.25; lot=1; cost_bps=5"].map((p) => parsePolicy(p).policy);

describe("random.ts", () => {
  /** xoshiro128** in BigInt arithmetic, from the state the seeding gives (read through a first-output-free copy). */
  function reference(state: bigint[], count: number): number[] {
    const M = 0xffffffffn;
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
    let [a, b, c, d] = state;
    const out: number[] = [];
    for (let k = 0; k < count; k++) {
      out.push(Number((rotl((b * 5n) & M, 7n) * 9n) & M));
      const t = (b << 9n) & M;
      c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11n);
    }
    return out;
  }
  test("the recurrence is xoshiro128** (independent BigInt implementation)", () => {
    const g = new Xoshiro128(12345, 7);
    const s = g as unknown as { a: number; b: number; c: number; d: number };
    const state = [s.a, s.b, s.c, s.d].map((x) => BigInt(x >>> 0));
    const want = reference(state, 1000);
    for (let k = 0; k < 1000; k++) expect(g.nextU32()).toBe(want[k]);
  });
  test("same (seed, stream) same numbers; other streams and seeds differ", () => {
    const draw = (seed: number, stream: number) => { const g = new Xoshiro128(seed, stream); return Array.from({ length: 50 }, () => g.uniform()); };
    expect(draw(1, 0)).toEqual(draw(1, 0));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
    expect(draw(1, 0)).not.toEqual(draw(2, 0));
  });
  test("uniform() is in [0, 1) with mean 1/2 and variance 1/12 (200,000 draws, 5 standard errors)", () => {
    const g = new Xoshiro128(1, 0);
    const N = 200_000;
    let s = 0, s2 = 0;
    let outside = 0;
    for (let k = 0; k < N; k++) { const u = g.uniform(); if (!(u >= 0 && u < 1)) outside++; s += u; s2 += u * u; }
    expect(outside).toBe(0);
    const mean = s / N, v = s2 / N - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N));
  });
});

describe("bootstrap.ts", () => {
  const sample = completeReturns(prices, T, n);
  const m = sample.rows;
  test("block = 1 is i.i.d. resampling: the same rows as a coin and an index per row", () => {
    const idx = new Int32Array(2000);
    bootstrapIndices(new Xoshiro128(3, 9), m, 1, idx);
    const g = new Xoshiro128(3, 9);
    for (let k = 0; k < idx.length; k++) { g.uniform(); expect(idx[k]).toBe(g.below(m)); }
  });
  /** Share of rows that continue the previous row's block, over `paths` paths of `L` rows. */
  function continuation(block: number, paths: number, L: number): number {
    const idx = new Int32Array(L);
    let cont = 0;
    for (let k = 0; k < paths; k++) {
      bootstrapIndices(new Xoshiro128(11, k), m, block, idx);
      for (let t = 1; t < L; t++) if (idx[t] === (idx[t - 1] + 1) % m) cont++;
    }
    return cont / (paths * (L - 1));
  }
  // P(next row follows) = (1 - 1/b) + (1/b)(1/m); the share over N rows is within 5 binomial standard errors
  for (const b of [1, 5, 21]) {
    test(`block = ${b}: rows continue a block with probability 1 - 1/b + 1/(b m) (5 standard errors)`, () => {
      const N = 200 * 999;
      const p = 1 - 1 / b + 1 / (b * m);
      expect(Math.abs(continuation(b, 200, 1000) - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N) + 1e-12);
    });
  }
  test("the mean resampled return converges to the historical mean (fixed seed; 4 block-adjusted standard errors)", () => {
    const block = 21, L = 2520, paths = 400;
    const idx = new Int32Array(L);
    const sum = new Float64Array(n);
    for (let k = 0; k < paths; k++) {
      bootstrapIndices(new Xoshiro128(1, k), m, block, idx);
      for (let t = 0; t < L; t++) for (let i = 0; i < n; i++) sum[i] += sample.r[idx[t] * n + i];
    }
    for (let i = 0; i < n; i++) {
      let mu = 0, v = 0;
      for (let t = 0; t < m; t++) mu += sample.r[t * n + i];
      mu /= m;
      for (let t = 0; t < m; t++) v += (sample.r[t * n + i] - mu) ** 2;
      v /= m - 1;
      // blocks of mean length b make about N / b independent draws of block means: se <= sd * sqrt(b / N)
      const se = Math.sqrt((v * block) / (paths * L));
      expect(Math.abs(sum[i] / (paths * L) - mu)).toBeLessThan(4 * se);
    }
  });
  test("a history with fewer than 2 complete return rows is an error", () => {
    const p = Float64Array.from([1, 1, 2, 1, 3, NaN]);
    expect(() => completeReturns(p, 3, 2)).toThrow(/1 day on which every asset has a return/);
  });
});

describe("simulate.ts", () => {
  const opts = parseSimulateOptions("paths=12; years=2; block=10; seed=7");
  test("reproducible: the same seed gives the same numbers, another seed others", () => {
    const a = simulate(dates, prices, n, targets, POLICIES, opts);
    const b = simulate(dates, prices, n, targets, POLICIES, opts);
    expect(a.stats).toEqual(b.stats);
    expect(a.summary).toEqual(b.summary);
    const c = simulate(dates, prices, n, targets, POLICIES, parseSimulateOptions("paths=12; years=2; block=10; seed=8"));
    expect(c.stats).not.toEqual(a.stats);
  });
  test("common random numbers: each policy's numbers are those of its own backtest on the same path", () => {
    const both = simulate(dates, prices, n, targets, POLICIES, opts);
    const alone = simulate(dates, prices, n, targets, [POLICIES[1]], opts);
    const S = SIMULATE_STATISTICS.length;
    for (let k = 0; k < 12; k++) expect(both.stats.subarray((k * 2 + 1) * S, (k * 2 + 2) * S)).toEqual(alone.stats.subarray(k * S, (k + 1) * S));
    const setup = both.setup;
    const path = simulatedPath(setup, 5);
    const r = runBacktest({ dates: setup.dates, prices: path, nAssets: n, targets }, POLICIES[0]);
    const s = performanceStats(setup.dates, r.index);
    const o = (5 * 2 + 0) * S;
    expect(both.stats[o]).toBe(s.cagr);
    expect(both.stats[o + 2]).toBe(s.maxDrawdown);
    expect(both.stats[o + 6]).toBe(r.values[r.values.length - 1]);
    expect(both.stats[o + 4]).toBe(r.rebalances);
  });
  test("paths do not depend on the chunking (worker threads)", () => {
    const setup = prepareSimulation(dates, prices, n, targets, POLICIES, opts);
    const whole = simulatePaths(setup, 0, 12);
    const parts = [simulatePaths(setup, 0, 5), simulatePaths(setup, 5, 12)];
    expect(Float64Array.from([...parts[0], ...parts[1]])).toEqual(whole);
  });
  test("paths: row 0 is the last date and prices, then weekdays", () => {
    const setup = prepareSimulation(dates, prices, n, targets, POLICIES, opts);
    expect(setup.dates[0]).toBe(dates[T - 1]);
    expect(setup.dates.length).toBe(505);
    for (let k = 1; k < setup.dates.length; k++) {
      expect(setup.dates[k]).toBeGreaterThan(setup.dates[k - 1]);
      expect([0, 1]).not.toContain(setup.dates[k] % 7);
    }
    expect(Array.from(simulatedPath(setup, 0).subarray(0, n))).toEqual(Array.from(prices.subarray((T - 1) * n)));
  });
  test("summary: the mean and numpy-style percentiles of each policy's statistic", () => {
    expect(percentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([7], 95)).toBe(7);
    const a = simulate(dates, prices, n, targets, POLICIES, opts);
    const S = SIMULATE_STATISTICS.length;
    for (const row of a.summary) {
      const s = SIMULATE_STATISTICS.indexOf(row.statistic);
      const xs = Array.from({ length: 12 }, (_, k) => a.stats[(k * 2 + row.policy) * S + s]).sort((x, y) => x - y);
      expect(row.mean).toBeCloseTo(xs.reduce((u, v) => u + v, 0) / 12, 10);
      const h = 11 * 0.95, lo = Math.floor(h);
      expect(row.percentiles[4]).toBeCloseTo(xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo]), 10);
      expect(row.percentiles[0]).toBeLessThanOrEqual(row.percentiles[4]);
    }
    expect(summarize(Float64Array.from([NaN, ...new Array(SIMULATE_STATISTICS.length - 1).fill(1)]), 1, 1)[0].undefinedPaths).toBe(1);
  });
  test("progress after every path; false cancels", () => {
    const setup = prepareSimulation(dates, prices, n, targets, POLICIES, opts);
    const seen: number[] = [];
    simulatePaths(setup, 0, 12, { onProgress: (d, t) => { seen.push(d); expect(t).toBe(12); } });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
    let err: unknown;
    try { simulatePaths(setup, 0, 12, { onProgress: (d) => d < 3 }); } catch (e) { err = e; }
    expect(isCancelled(err)).toBe(true);
    expect((err as Error).message).toBe("simulation cancelled");
  });
  const bad: [string, RegExp][] = [
    ["paths=0", /paths must be a whole number from 1/],
    ["paths=2.5", /paths must be a whole number/],
    ["block=0.5", /block must be a mean block length of at least 1/],
    ["years=0", /years must be more than 0/],
    ["seed=-1", /seed must be a whole number from 0/],
    ["sed=3", /unknown options key "sed"/],
    ["paths=10; initial_value=-5", /initial_value must be a positive amount/],
  ];
  for (const [text, re] of bad) test(`options error: ${text}`, () => expect(() => parseSimulateOptions(text)).toThrow(re));
  test("input errors", () => {
    expect(() => prepareSimulation(dates, prices, n, targets.slice(0, 3), POLICIES, opts)).toThrow(/targets has 3 values but prices has 5/);
    expect(() => prepareSimulation(dates, prices, n, targets, [], opts)).toThrow(/policies is empty/);
    const p = prices.slice();
    p[(T - 1) * n + 2] = NaN;
    expect(() => prepareSimulation(dates, p, n, targets, POLICIES, opts)).toThrow(/asset 3 has no price on the last date/);
  });
});
