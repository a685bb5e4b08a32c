/**
 * Workspaces (src/core/workspace.ts): two workspaces never share a buffer or a WebAssembly memory
 * (QP scratch, Gram kernel, quiet-row scan, in-place price matrices, the REBAL.BACKTEST price cache);
 * a buffer above the workspace's retention cap is used and then released (not kept); and the
 * results are the same bits whichever workspace (or none: a temporary one) a call runs on.
 */
import { backtestPrices, runBacktest } from "../../src/core/backtest";
import { riskMatrixPanel } from "../../src/core/estimators";
import { Panel } from "../../src/core/estimators/panel";
import { solveQP, QPProblem } from "../../src/core/optimize/qp";
import { parsePolicy } from "../../src/core/policy";
import { RETAIN_BYTES, Workspace } from "../../src/core/workspace";
import { backtestFn } from "../../src/functions/backtest";
import { randomWalk, rng } from "../support/priceWalk";

/** A seeded returns panel, T x N. */
function returns(T: number, N: number, seed: number): Panel {
  const r = rng(seed);
  const x = new Float64Array(T * N);
  for (let k = 0; k < x.length; k++) x[k] = 0.02 * (r() - 0.5);
  return { T, N, x };
}

/** A long-only min-variance QP on the panel's sample covariance (budget 1, bounds [0, 1]). */
function minVarQP(p: Panel): { P: QPProblem; x0: Float64Array } {
  const n = p.N;
  const Q = riskMatrixPanel(p, "sample", { fixPsd: false });
  return {
    P: { n, Q, qScale: 2, c: new Float64Array(n), lb: new Float64Array(n), ub: new Float64Array(n).fill(1), Aeq: [new Float64Array(n).fill(1)], beq: [1] },
    x0: new Float64Array(n).fill(1 / n),
  };
}

function history(T: number, n: number, seed: number) {
  const r = rng(seed);
  const { dates, prices } = randomWalk(T, n, r, { base: 10, span: 200, vol: 0.03, market: 0.01 });
  return { dates, prices, nAssets: n, targets: new Float64Array(n).fill(0.98 / n) };
}

const bits = (a: ArrayLike<number>): number[] => Array.from(a);

describe("Workspace", () => {
  test("the default retention cap is 64 MiB; retains() is bytes <= cap; a negative cap is refused", () => {
    expect(RETAIN_BYTES).toBe(64 * 1024 * 1024);
    const ws = new Workspace();
    expect(ws.retainBytes).toBe(RETAIN_BYTES);
    expect(ws.retains(RETAIN_BYTES)).toBe(true);
    expect(ws.retains(RETAIN_BYTES + 1)).toBe(false);
    expect(ws.retainedBytes()).toBe(0);
    expect(() => new Workspace({ retainBytes: -1 })).toThrow(RangeError);
  });

  test("two workspaces do not share buffers or memories, and give the same bits as a temporary one", () => {
    const a = new Workspace(), b = new Workspace();
    // QP scratch
    const { P, x0 } = minVarQP(returns(300, 40, 1));
    const xa = solveQP(P, { x0, workspace: a }).x, xb = solveQP(P, { x0, workspace: b }).x;
    expect(bits(xa)).toEqual(bits(solveQP(P, { x0 }).x));
    expect(bits(xb)).toEqual(bits(xa));
    for (const k of ["f64", "i32", "i8", "L", "Z"] as const) {
      expect(a.qp[k].length).toBeGreaterThan(0);
      expect(a.qp[k].buffer).not.toBe(b.qp[k].buffer);
    }
    // the scratch is reused by the next solve on the same workspace (same arrays, same answer)
    const f64 = a.qp.f64;
    expect(bits(solveQP(P, { x0, workspace: a }).x)).toEqual(bits(xa));
    expect(a.qp.f64).toBe(f64);
    // Gram kernel
    const p = returns(200, 25, 2);
    const ca = riskMatrixPanel(p, "ledoit_wolf", { workspace: a }), cb = riskMatrixPanel(p, "ledoit_wolf", { workspace: b });
    expect(bits(ca)).toEqual(bits(riskMatrixPanel(p, "ledoit_wolf")));
    expect(bits(cb)).toEqual(bits(ca));
    expect(a.gram && b.gram).toBeTruthy();
    expect(a.gram!.memory).not.toBe(b.gram!.memory);
    // quiet-row scan and in-place matrices
    const h = history(400, 30, 3);
    const policy = parsePolicy("band_abs=0.03; band_rel=0.25; lot=0").policy;
    const own = backtestPrices(400, 30, null, a);
    own.set(h.prices);
    const ra = runBacktest({ ...h, prices: own }, policy, { workspace: a });
    const rb = runBacktest(h, policy, { workspace: b });
    expect(bits(ra.values)).toEqual(bits(rb.values));
    expect(bits(runBacktest({ ...h, prices: own }, policy, { workspace: b }).values)).toEqual(bits(ra.values)); // copied in on b: same values
    expect(a.scanInPlace.has(own.buffer as ArrayBuffer)).toBe(true);
    expect(b.scanInPlace.has(own.buffer as ArrayBuffer)).toBe(false);
    expect(b.scanShared).toBeTruthy();
    expect(a.scanShared === undefined || a.scanShared!.memory !== b.scanShared!.memory).toBe(true);
    // the REBAL.BACKTEST price cache
    const xDates = [["Date"], ...Array.from(h.dates, (d) => [d])];
    const xPrices: unknown[][] = [Array.from({ length: 30 }, (_, i) => `A${i + 1}`)];
    for (let t = 0; t < 400; t++) xPrices.push(Array.from(h.prices.subarray(t * 30, (t + 1) * 30)));
    const xTargets = Array.from(h.targets, (x) => [x]);
    const text = "band_abs=0.03; band_rel=0.25; lot=0";
    const ta = backtestFn(xDates, xPrices, xTargets, text, null, a), tb = backtestFn(xDates, xPrices, xTargets, text, null, b);
    expect(tb).toEqual(ta);
    expect(a.prices && b.prices).toBeTruthy();
    expect(a.prices!.buffer).not.toBe(b.prices!.buffer);
    const cached = a.prices!.buffer;
    expect(backtestFn(xDates, xPrices, xTargets, text, null, a)).toEqual(ta);
    expect(a.prices!.buffer).toBe(cached); // reused by the next call
  });

  test("a buffer above the cap is used, then released; results are unchanged", () => {
    const tiny = new Workspace({ retainBytes: 4096 }), ref = new Workspace();
    // QP at n = 120: the doubles (7n x 8 B = 6.7 KB) and the factor (64 rows packed, 16.6 KB) are above
    // 4 KiB, the indices (2n x 4 B) and Z (one row, n x 8 B) below
    const { P, x0 } = minVarQP(returns(300, 120, 4));
    expect(bits(solveQP(P, { x0, workspace: tiny }).x)).toEqual(bits(solveQP(P, { x0, workspace: ref }).x));
    expect(tiny.qp.f64.length).toBe(0);
    expect(tiny.qp.L.length).toBe(0);
    expect(tiny.qp.Z.length).toBe(120);
    expect(tiny.qp.i32.length).toBe(240);
    expect(ref.qp.f64.length).toBeGreaterThan(0);
    // Gram: the 64 KiB first memory is already above the cap
    const p = returns(200, 25, 5);
    expect(bits(riskMatrixPanel(p, "oas", { workspace: tiny }))).toEqual(bits(riskMatrixPanel(p, "oas", { workspace: ref })));
    expect(tiny.gram).toBeUndefined();
    expect(ref.gram).toBeTruthy();
    // scan memory and the price cache
    const h = history(300, 20, 6);
    const text = "band_abs=0.03; lot=0";
    const xDates = [["Date"], ...Array.from(h.dates, (d) => [d])];
    const xPrices: unknown[][] = [Array.from({ length: 20 }, (_, i) => `A${i + 1}`)];
    for (let t = 0; t < 300; t++) xPrices.push(Array.from(h.prices.subarray(t * 20, (t + 1) * 20)));
    const xTargets = Array.from(h.targets, (x) => [x]);
    expect(backtestFn(xDates, xPrices, xTargets, text, null, tiny)).toEqual(backtestFn(xDates, xPrices, xTargets, text, null, ref));
    expect(tiny.prices).toBeNull(); // 300 x 20 doubles: 48 KB > 4 KiB
    expect(ref.prices).not.toBeNull();
    const policy = parsePolicy(text).policy;
    expect(bits(runBacktest(h, policy, { workspace: tiny }).values)).toEqual(bits(runBacktest(h, policy, { workspace: ref }).values));
    expect(tiny.scanShared).toBeUndefined();
    expect(ref.scanShared).toBeTruthy();
    expect(tiny.retainedBytes()).toBe(tiny.qp.Z.byteLength + tiny.qp.i32.byteLength + tiny.qp.i8.byteLength); // only what fits
    ref.clear();
    expect(ref.retainedBytes()).toBe(0);
  });
});
