/**
 * runBacktest's progress/cancel hook (src/core/backtest/progress.ts): reports after every 256th row
 * and at the end with strictly increasing rowsDone ending at rowsTotal; returning false throws a
 * BacktestCancelled (a RebalError "backtest cancelled", recognised by isCancelled); the result with a
 * hook is the same as without one.
 */
import { BacktestCancelled, isCancelled, PROGRESS_EVERY, runBacktest } from "../../src/core/backtest";
import { RebalError } from "../../src/core/errors";
import { parsePolicy } from "../../src/core/policy";
import { randomWalk, rng } from "../support/priceWalk";

/** Weekday dates and a seeded random walk of prices, T rows x n assets. */
function history(T: number, n: number, seed = 7) {
  const { dates, prices } = randomWalk(T, n, rng(seed), { base: 20, span: 100, vol: 0.06 });
  return { dates, prices, nAssets: n, targets: new Float64Array(n).fill(0.95 / n) };
}

const policy = parsePolicy("band_abs=0.02; band_rel=0.25; lot=0").policy;

describe("onProgress", () => {
  test.each([1, 255, 256, 257, 700, 1024])("T=%i: every 256 rows and at the end, strictly increasing, last = total", (T) => {
    const input = history(T, 3);
    const calls: [number, number][] = [];
    const r = runBacktest(input, policy, { onProgress: (done, total) => { calls.push([done, total]); } });
    expect(calls.length).toBe(Math.ceil(T / PROGRESS_EVERY));
    for (let k = 0; k < calls.length; k++) {
      expect(calls[k][1]).toBe(T);
      expect(calls[k][0]).toBe(Math.min((k + 1) * PROGRESS_EVERY, T));
      if (k > 0) expect(calls[k][0]).toBeGreaterThan(calls[k - 1][0]);
    }
    expect(calls[calls.length - 1][0]).toBe(T);
    // the hook changes nothing in the result
    const plain = runBacktest(input, policy);
    expect(Array.from(r.values)).toEqual(Array.from(plain.values));
    expect(Array.from(r.quantities)).toEqual(Array.from(plain.quantities));
    expect(r.records).toEqual(plain.records);
  });

  test("returning true or nothing continues", () => {
    const input = history(600, 2);
    let k = 0;
    expect(() => runBacktest(input, policy, { onProgress: () => (k++ % 2 === 0 ? true : undefined) })).not.toThrow();
    expect(k).toBe(3);
  });

  test("returning false cancels with BacktestCancelled, and no further rows are reported", () => {
    const input = history(1000, 3);
    const seen: number[] = [];
    let err: unknown = null;
    try {
      runBacktest(input, policy, { onProgress: (done) => { seen.push(done); return done < 512; } });
    } catch (e) {
      err = e;
    }
    expect(seen).toEqual([256, 512]);
    expect(err).toBeInstanceOf(BacktestCancelled);
    expect(err).toBeInstanceOf(RebalError);
    expect((err as Error).message).toBe("backtest cancelled");
    expect(isCancelled(err)).toBe(true);
  });

  test("false on the final report also cancels", () => {
    const input = history(100, 2);
    expect(() => runBacktest(input, policy, { onProgress: (done, total) => done !== total })).toThrow(BacktestCancelled);
  });

  test("isCancelled is false for other errors", () => {
    expect(isCancelled(new RebalError("there are no dates"))).toBe(false);
    expect(isCancelled(new Error("backtest cancelled"))).toBe(false);
    expect(isCancelled(null)).toBe(false);
    let err: unknown = null;
    try { runBacktest({ ...history(10, 2), targets: new Float64Array([0.7, 0.7]) }, policy, { onProgress: () => true }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RebalError);
    expect(isCancelled(err)).toBe(false);
  });
});
