/**
 * The quiet-row scan (engine.ts quietRows; scanWasm.ts, the WebAssembly kernel): the module
 * validates and compiles here; backtests with the kernel and with the JavaScript loop (scan "js")
 * make the same trades on the same rows and give the same values (to 1e-13: the kernel sums in
 * another order), over policies, odd and even asset counts, blanks, halts, late entries and flows;
 * the kernel reading a matrix in place (backtestPrices) or copied in gives the same values; bad
 * prices inside a quiet stretch are reported exactly as before; and a backtest started from another
 * one's progress hook (sharing the kernel's memory: the same Workspace) does not disturb it.
 * A matrix is read in place by backtests on the Workspace that allocated it (workspace.ts).
 */
import { backtestPrices, runBacktest, RunBacktestOptions } from "../../src/core/backtest";
import { scanModuleBytes } from "../../src/core/backtest/scanWasm";
import { parsePolicy } from "../../src/core/policy";
import { Workspace } from "../../src/core/workspace";
import { randomWalk, rng } from "../support/priceWalk";


/** T weekdays x n assets: a random walk; asset 1 (if n > 2) enters late, asset 2 has a 5-day halt. */
function history(T: number, n: number, seed: number, holes: boolean) {
  const r = rng(seed);
  const { dates, prices } = randomWalk(T, n, r, { base: 10, span: 200, vol: 0.04, market: 0.02 });
  if (holes && n > 2) {
    for (let t = 0; t < Math.floor(T / 5); t++) prices[t * n + 1] = NaN;
    for (let t = Math.floor(T / 2); t < Math.floor(T / 2) + 5; t++) prices[t * n + 2] = NaN;
  }
  const targets = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) { targets[i] = 0.5 + r(); s += targets[i]; }
  for (let i = 0; i < n; i++) targets[i] *= 0.98 / s;
  return { dates, prices, nAssets: n, targets };
}

const POLICIES = [
  "band_abs=0.05; band_rel=0.25; lot=0", "band_rel=0.1; lot=0", "trigger=calendar; frequency=monthly; lot=0",
  "trigger=either; frequency=quarterly; band_abs=0.03; lot=0", "trigger=hybrid; frequency=weekly; band_rel=0.05; lot=0", "trigger=none; lot=0",
  "band_abs=0.02; cash_reserve=0.02; lot=0",
];
/** Policies whose plans go through planTrades' search on most due rows (slower): fewer histories. */
const SEARCH_POLICIES = ["band_abs=0.02; cost_bps=10; min_trade=50; lot=1", "band_rel=0.3; destination=edge; scope=breached; lot=0", "band_rel=0.3; mode=buy_only; lot=0"];

/** The result, or the error's message. */
function attempt<T>(f: () => T): T | string {
  try { return f(); } catch (e) { return (e as Error).message; }
}

describe("quiet-row scan", () => {
  test("the WebAssembly module validates and compiles", () => {
    const bytes = scanModuleBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(() => new WebAssembly.Module(bytes)).not.toThrow();
    expect(bytes.length).toBe(457); // as scanWasm.ts's header states
  });

  test("kernel and JavaScript loop: same trading rows and kinds, values to 1e-13", () => {
    let checked = 0;
    for (const [T, n, seed] of [[500, 37, 1], [400, 8, 2], [300, 1, 3], [400, 64, 4], [300, 3, 5]] as const) {
      for (const holes of [false, true]) {
        const input = history(T, n, seed, holes);
        // the same prices in a matrix the kernel reads in place
        const ws = new Workspace();
        const own = backtestPrices(T, n, null, ws);
        own.set(input.prices);
        const inputInPlace = { ...input, prices: own };
        for (const text of n === 8 ? [...POLICIES, ...SEARCH_POLICIES] : POLICIES) {
          for (const o of [{}, { contribution: 2000, contributionFrequency: "monthly" }, { contribution: -3000, contributionFrequency: "quarterly" }] as RunBacktestOptions[]) {
            const policy = parsePolicy(text).policy;
            const js = attempt(() => runBacktest(input, policy, { ...o, scan: "js" }));
            const wasm = attempt(() => runBacktest(input, policy, { ...o, workspace: ws }));
            const inPlace = attempt(() => runBacktest(inputInPlace, policy, { ...o, workspace: ws }));
            if (typeof js === "string" || typeof wasm === "string" || typeof inPlace === "string") {
              expect([text, wasm, inPlace]).toEqual([text, js, js]);
              checked++;
              continue;
            }
            // the kernel's values do not depend on where the rows are read from
            expect(Array.from(inPlace.values)).toEqual(Array.from(wasm.values));
            expect(inPlace.records).toEqual(wasm.records);
            expect([text, wasm.records.map((x) => [x.row, x.kind])]).toEqual([text, js.records.map((x) => [x.row, x.kind])]);
            let worst = 0;
            for (let t = 0; t < T; t++) worst = Math.max(worst, Math.abs(wasm.values[t] - js.values[t]) / js.values[t], Math.abs(wasm.cash[t] - js.cash[t]) / js.values[t]);
            expect([text, worst <= 1e-13]).toEqual([text, true]);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(2 * 3 * (5 * POLICIES.length + SEARCH_POLICIES.length));
  });

  test("a bad price inside a quiet stretch is the same error as before", () => {
    const input = history(300, 5, 9, false);
    for (const bad of [-1, 0, Infinity]) {
      const prices = Float64Array.from(input.prices);
      prices[200 * 5 + 3] = bad;
      const run = (scan: "js" | "auto") => { try { runBacktest({ ...input, prices }, parsePolicy("band_abs=0.4; lot=0").policy, { scan }); return "no error"; } catch (e) { return (e as Error).message; } };
      const msg = run("auto");
      expect(msg).toMatch(/price of asset 4 on .* must be a positive number|overflows/);
      expect(msg).toBe(run("js"));
    }
  });

  test("backtestPrices: a zeroed rows x cols matrix (in a WebAssembly memory here from 4,096 cells)", () => {
    const ws = new Workspace();
    const m = backtestPrices(100, 50, null, ws);
    expect(m).toBeInstanceOf(Float64Array);
    expect(m.length).toBe(5000);
    expect(Array.from(m).every((x) => x === 0)).toBe(true);
    expect(m.buffer.byteLength).toBeGreaterThan(5000 * 8); // room for the kernel's coefficients after it
    const small = backtestPrices(7, 3, null, ws);
    expect(small.length).toBe(21);
    expect(small.buffer.byteLength).toBe(21 * 8); // an ordinary array
  });

  test("backtestPrices with reuse: a view on the old matrix's memory when it fits, and backtests on it are right", () => {
    const h1 = history(400, 30, 21, true), h2 = history(300, 20, 22, false);
    const p = parsePolicy("band_abs=0.03; band_rel=0.25; lot=0").policy;
    const ws = new Workspace();
    const m1 = backtestPrices(400, 30, null, ws);
    m1.set(h1.prices);
    const r1 = runBacktest({ ...h1, prices: m1 }, p, { workspace: ws });
    const m2 = backtestPrices(300, 20, m1, ws); // smaller: reuses m1's memory
    expect(m2.buffer).toBe(m1.buffer);
    expect(m2.length).toBe(6000);
    m2.set(h2.prices);
    const r2 = runBacktest({ ...h2, prices: m2 }, p, { workspace: ws });
    const m3 = backtestPrices(400, 30, m2, ws); // the original size fits again
    expect(m3.buffer).toBe(m1.buffer);
    m3.set(h1.prices);
    expect(Array.from(runBacktest({ ...h1, prices: m3 }, p, { workspace: ws }).values)).toEqual(Array.from(r1.values));
    expect(Array.from(r2.values)).toEqual(Array.from(runBacktest(h2, p).values));
    expect(backtestPrices(500, 40, m3, ws).buffer).not.toBe(m1.buffer); // larger: a new one
  });

  test("two policies over one in-place matrix, one started from the other's progress hook", () => {
    const h = history(800, 25, 13, false);
    const workspace = new Workspace();
    const own = backtestPrices(800, 25, null, workspace);
    own.set(h.prices);
    const input = { ...h, prices: own };
    const p1 = parsePolicy("band_abs=0.03; band_rel=0.25; lot=0").policy;
    const p2 = parsePolicy("trigger=either; frequency=monthly; band_rel=0.1; lot=0").policy;
    const a = runBacktest(input, p1, { workspace }), b = runBacktest(input, p2, { workspace });
    let b2: ReturnType<typeof runBacktest> | null = null;
    const a2 = runBacktest(input, p1, { workspace, onProgress: (done) => { if (done === 256) b2 = runBacktest(input, p2, { workspace }); } });
    expect(Array.from(a2.values)).toEqual(Array.from(a.values));
    expect(Array.from((b2 as unknown as ReturnType<typeof runBacktest>).values)).toEqual(Array.from(b.values));
  });

  test("a backtest run from another one's progress hook does not disturb it", () => {
    const a = history(900, 21, 11, false);
    const b = history(500, 33, 12, true);
    const policy = parsePolicy("band_abs=0.03; band_rel=0.25; lot=0").policy;
    const workspace = new Workspace();
    const alone = runBacktest(a, policy, { workspace });
    const inner = runBacktest(b, policy, { workspace });
    let innerAgain: ReturnType<typeof runBacktest> | null = null;
    const nested = runBacktest(a, policy, { workspace, onProgress: (done) => { if (done === 512) innerAgain = runBacktest(b, policy, { workspace }); } });
    expect(Array.from(nested.values)).toEqual(Array.from(alone.values));
    expect(nested.records).toEqual(alone.records);
    expect(innerAgain).not.toBeNull();
    expect(Array.from((innerAgain as unknown as ReturnType<typeof runBacktest>).values)).toEqual(Array.from(inner.values));
  });
});
