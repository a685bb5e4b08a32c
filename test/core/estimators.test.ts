import fc from "fast-check";
import { expectedReturns, riskMatrix, returnsFromPrices } from "../../src/core/estimators";
import { RebalError } from "../../src/core/errors";
import fx from "../fixtures/optimize/estimators.json";
import { centredGram, gramBackend, gramCentredRows, gramGeneral, gramSym } from "../../src/core/estimators/kernel";
import { gramModuleBytes, gramWasm } from "../../src/core/estimators/wasmGram";
import { RETAIN_BYTES, Workspace } from "../../src/core/workspace";
import { riskMatrixPanel } from "../../src/core/estimators";

type Fx = typeof fx.clean;
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function maxRel(a: number[], b: number[]): number { let m = 0; a.forEach((v, i) => { m = Math.max(m, Math.abs(v - b[i]) / Math.max(...b.map(Math.abs))); }); return m; }
function maxRelM(a: number[][], b: number[][]): number {
  let scale = 0; b.forEach((r) => r.forEach((v) => { scale = Math.max(scale, Math.abs(v)); }));
  let m = 0; a.forEach((r, i) => r.forEach((v, j) => { m = Math.max(m, Math.abs(v - b[i][j]) / scale); }));
  return m;
}

describe.each([["clean", fx.clean], ["gaps (leading blanks, holes, delisting)", fx.gaps]] as Array<[string, Fx]>)("estimators vs pandas/sklearn: %s", (_name, d) => {
  const prices = d.prices as (number | null)[][];
  test("returns from prices", () => {
    const r = returnsFromPrices(prices);
    expect(r.length).toBe(d.returns_rows);
    r[0].forEach((v, i) => { const e = d.returns_first_row[i]; if (e === null) expect(Number.isNaN(v)).toBe(true); else expect(relErr(v, e)).toBeLessThan(1e-12); });
  });
  test.each(["mean", "arith", "ema", "capm"] as const)("expected returns %s", (m) => {
    expect(maxRel(expectedReturns(prices, m), d[m])).toBeLessThan(1e-9);
  });
  test("ema span 50 arithmetic", () => {
    expect(maxRel(expectedReturns(prices, "ema", { span: 50, compounding: false }), d.ema_span_50_arith)).toBeLessThan(1e-9);
  });
  test("capm with benchmark and risk-free rate", () => {
    expect(maxRel(expectedReturns(prices, "capm", { benchmark: d.benchmark, riskFreeRate: 0.02 }), d.capm_bench_rf)).toBeLessThan(1e-9);
  });
  test.each(["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"] as const)("cov %s", (m) => {
    const got = riskMatrix(prices, m);
    expect(maxRelM(got, d[m] as number[][])).toBeLessThan(1e-9);
  });
  test("returns data path equals prices path", () => {
    const r = returnsFromPrices(prices);
    expect(maxRelM(riskMatrix(r, "sample", { returnsData: true }), d.sample as number[][])).toBeLessThan(1e-9);
  });
});

describe("estimator errors", () => {
  test("unknown methods name the method", () => {
    expect(() => riskMatrix([[1, 2], [2, 3], [3, 5]], "bogus")).toThrow(/unknown covariance method "bogus"/);
    expect(() => expectedReturns([[1, 2], [2, 3]], "nope")).toThrow(/unknown returns method "nope"/);
  });
  test("bad cells name the row and column", () => {
    expect(() => riskMatrix([[1, 2], [2, "x"], [3, 5]])).toThrow(/row 2, column 2/);
    expect(() => riskMatrix([[1, 2], [2, -3], [3, 5]])).toThrow(/not positive/);
  });
  test("an asset without returns is named", () => {
    expect(() => expectedReturns([[1, null], [2, null], [3, 4]], "mean", { names: ["A", "B"] })).toThrow(/asset B .*no returns/);
  });
  test("fast-check: random panels give finite numbers or RebalError", () => {
    const cell = fc.oneof(fc.constant(null), fc.constant(""), fc.constant(NaN), fc.double({ min: -5, max: 1e6, noNaN: true }), fc.constant(Infinity), fc.string({ maxLength: 2 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.array(cell, { minLength: 30, maxLength: 30 }),
      fc.constantFrom("mean", "arith", "ema", "capm", "sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"),
      (T, N, pool, method) => {
        const rows = Array.from({ length: T }, (_, t) => Array.from({ length: N }, (_, i) => pool[(t * N + i) % pool.length]));
        try {
          const out = ["mean", "arith", "ema", "capm"].includes(method) ? [expectedReturns(rows, method)] : riskMatrix(rows, method);
          out.forEach((r) => r.forEach((v) => expect(Number.isFinite(v)).toBe(true)));
        } catch (e) {
          expect(e).toBeInstanceOf(RebalError);
        }
      }), { numRuns: 400 });
  });
});

// ---- Gram kernels (issue #3): the WebAssembly SIMD kernel and the JS fallback ------------

/** Plain double loop over asset-major data: the reference the kernels must reproduce. */
function naiveGram(a: Float64Array, b: Float64Array, T: number, Na: number, Nb: number): Float64Array {
  const out = new Float64Array(Na * Nb);
  for (let i = 0; i < Na; i++) for (let j = 0; j < Nb; j++) { let s = 0; for (let t = 0; t < T; t++) s += a[i * T + t] * b[j * T + t]; out[i * Nb + j] = s; }
  return out;
}
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}
function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}
function expectExactlySymmetric(m: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) if (m[i * N + j] !== m[j * N + i]) throw new Error(`not symmetric at ${i},${j}: ${m[i * N + j]} vs ${m[j * N + i]}`);
}

/** A workspace on the given Gram backend (checked: wasm compiles here). */
function onBackend(backend: "wasm" | "js"): Workspace {
  const ws = new Workspace({ gramBackend: backend === "js" ? "js" : "auto" });
  expect(gramBackend(ws)).toBe(backend);
  return ws;
}

describe("Gram kernels", () => {
  test("the hand-assembled SIMD module validates and is the default backend on Node", () => {
    expect(WebAssembly.validate(gramModuleBytes())).toBe(true);
    expect(gramBackend(new Workspace())).toBe("wasm");
    expect(gramBackend(new Workspace({ gramBackend: "js" }))).toBe("js");
  });
  // shapes: T odd / even / not a multiple of 4, across the 2,048-row chunk; N not a multiple of 3
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [2, 2, 1], [3, 5, 4], [7, 7, 2], [13, 4, 9], [64, 3, 6], [301, 31, 29], [2049, 10, 11], [4101, 5, 8]];
  describe.each(["wasm", "js"] as const)("%s backend", (backend) => {
    let ws: Workspace;
    beforeEach(() => { ws = onBackend(backend); });
    test.each(shapes)("T=%i, Na=%i, Nb=%i: gramSym, gramGeneral and gramCentredRows equal the double loop", (T, Na, Nb) => {
      const r = seeded(T * 131 + Na * 7 + Nb);
      const a = Float64Array.from({ length: T * Na }, () => r() - 0.5);
      const b = Float64Array.from({ length: T * Nb }, () => r() - 0.3);
      const tol = 1e-14 * T;
      const s = gramSym(a, T, Na, 0.5, ws);
      const ref = naiveGram(a, a, T, Na, Na).map((v) => v * 0.5);
      expect(maxAbsDiff(s, ref)).toBeLessThan(tol);
      expectExactlySymmetric(s, Na);
      expect(maxAbsDiff(gramGeneral(a, b, T, Na, Nb, 2, ws), naiveGram(a, b, T, Na, Nb).map((v) => v * 2))).toBeLessThan(tol);
      // row-major data with holes, shifted: y = (x or 0) - shift
      const x = new Float64Array(T * Na), shift = Float64Array.from({ length: Na }, () => r()), y = new Float64Array(T * Na);
      for (let t = 0; t < T; t++) for (let i = 0; i < Na; i++) {
        const v = r() < 0.1 ? NaN : r() * 2;
        x[t * Na + i] = v; y[i * T + t] = (v === v ? v : 0) - shift[i];
      }
      const c = gramCentredRows(x, T, Na, shift, 1, ws);
      expect(maxAbsDiff(c, naiveGram(y, y, T, Na, Na))).toBeLessThan(tol * 4);
      expectExactlySymmetric(c, Na);
    });
  });
  describe.each(["wasm", "js"] as const)("row moments, %s backend", (backend) => {
    let ws: Workspace;
    beforeEach(() => { ws = onBackend(backend); });
    test.each([[1, 1], [5, 2], [13, 7], [301, 31], [4101, 5]])("T=%i, N=%i: the six per-row sums equal a plain loop, also when another product ran in between", (T, N) => {
      const r = seeded(T * 17 + N);
      const x = Float64Array.from({ length: T * N }, () => (r() < 0.05 ? NaN : r() - 0.4));
      const shift = Float64Array.from({ length: N }, () => r() * 0.1);
      const w1 = Float64Array.from({ length: N }, () => r() - 0.5), w2 = Float64Array.from({ length: N }, () => r() + 0.5), w3 = Float64Array.from({ length: N }, () => r());
      const ref = { s1: [] as number[], s1w: [] as number[], s2: [] as number[], s4: [] as number[], s3w: [] as number[], s2w: [] as number[] };
      for (let t = 0; t < T; t++) {
        let s1 = 0, s1w = 0, s2 = 0, s4 = 0, s3w = 0, s2w = 0;
        for (let i = 0; i < N; i++) {
          const u = x[t * N + i], y = (Number.isNaN(u) ? 0 : u) - shift[i];
          s1 += y; s1w += y * w1[i]; s2 += y ** 2; s4 += y ** 4; s3w += y ** 3 * w2[i]; s2w += y ** 2 * w3[i];
        }
        ref.s1.push(s1); ref.s1w.push(s1w); ref.s2.push(s2); ref.s4.push(s4); ref.s3w.push(s3w); ref.s2w.push(s2w);
      }
      const check = (m: ReturnType<ReturnType<typeof centredGram>["rowMoments"]>, zeroWeights = false) => {
        for (const k of ["s1", "s1w", "s2", "s4", "s3w", "s2w"] as const) {
          const want = zeroWeights && (k === "s1w" || k === "s3w" || k === "s2w") ? ref[k].map(() => 0) : ref[k];
          expect(m[k].length).toBe(T);
          expect(maxAbsDiff(m[k], Float64Array.from(want))).toBeLessThan(1e-13 * N);
        }
      };
      const cg = centredGram(x, T, N, shift, 1, ws);
      check(cg.rowMoments(w1, w2, w3));
      check(cg.rowMoments(null, null, null), true);
      gramSym(Float64Array.from({ length: 40 }, () => r()), 8, 5, 1, ws); // another product overwrites the packed panel
      check(cg.rowMoments(w1, w2, w3));
    });
  });
  test("the wasm memory is kept up to the workspace's cap (64 MiB by default); a product that grows it beyond is dropped afterwards (memory released)", () => {
    expect(RETAIN_BYTES).toBe(64 * 1024 * 1024);
    const dflt = new Workspace();
    expect(dflt.retainBytes).toBe(RETAIN_BYTES);
    expect(dflt.retains(7 * 1024 * 1024)).toBe(true); // 1,260 x 500
    expect(dflt.retains(RETAIN_BYTES)).toBe(true);
    expect(dflt.retains(RETAIN_BYTES + 65536)).toBe(false);
    expect(dflt.retains(300 * 1024 * 1024)).toBe(false); // one huge REBAL.COV
    // the same rule at a small cap (no huge allocation): 1 MiB kept, a 2,000 x 120 product (~2 MB) not
    const ws = new Workspace({ retainBytes: 1 << 20 });
    const r = seeded(11);
    const small = Float64Array.from({ length: 50 * 10 }, () => r());
    gramSym(small, 50, 10, 1, ws);
    const W0 = gramWasm(ws)!;
    expect(W0.memory.buffer.byteLength).toBeLessThanOrEqual(1 << 20);
    gramSym(small, 50, 10, 1, ws);
    expect(gramWasm(ws)).toBe(W0); // kept
    const T = 2000, N = 120;
    const big = Float64Array.from({ length: T * N }, () => r() - 0.5);
    const s = gramSym(big, T, N, 1, ws);
    expect(W0.memory.buffer.byteLength).toBeGreaterThan(1 << 20); // the product grew it, on the wasm kernel
    expect(ws.gram).toBeUndefined(); // ... and the instance was dropped
    const W1 = gramWasm(ws)!;
    expect(W1).not.toBe(W0);
    expect(W1.memory.buffer.byteLength).toBe(65536);
    expect(maxAbsDiff(s, naiveGram(big, big, T, N, N))).toBeLessThan(1e-14 * T);
    // the row moments of a dropped instance still work (read from its memory, then released too)
    const x = Float64Array.from({ length: T * N }, () => r());
    const shift = new Float64Array(N);
    const cg = centredGram(x, T, N, shift, 1, ws);
    const one = new Float64Array(N).fill(1);
    const m = cg.rowMoments(one, one, one);
    const want = Array.from({ length: T }, (_, t) => x.slice(t * N, t * N + N).reduce((a, v) => a + v, 0));
    expect(maxAbsDiff(m.s1, Float64Array.from(want))).toBeLessThan(1e-12);
    expect(gramWasm(ws)!.memory.buffer.byteLength).toBe(65536);
  });
  test("a kernel call never leaves state behind: a small product after a large one is unaffected", () => {
    const r = seeded(9);
    const big = Float64Array.from({ length: 500 * 40 }, () => r());
    gramSym(big, 500, 40);
    const small = Float64Array.from({ length: 6 * 2 }, () => r());
    expect(maxAbsDiff(gramSym(small, 6, 2), naiveGram(small, small, 6, 2, 2))).toBeLessThan(1e-14);
  });
});

describe("estimators with the JS fallback kernel match the fixtures too", () => {
  test.each([["clean", fx.clean], ["gaps", fx.gaps]] as Array<[string, Fx]>)("%s", (_name, d) => {
    const workspace = onBackend("js");
    for (const m of ["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"] as const) {
      expect(maxRelM(riskMatrix(d.prices as (number | null)[][], m, { workspace }), d[m] as number[][])).toBeLessThan(1e-9);
    }
  });
});

describe("covariance outputs are exactly symmetric and backend-independent", () => {
  // a panel with leading blanks, holes and a column that ends early, T not a multiple of 4, N not of 3
  const T = 263, N = 22;
  const r = seeded(2024);
  const x = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) {
    const f = 0.01 * (r() - 0.5);
    let v = 0.0004 + f * (0.5 + i / N) + 0.02 * (r() - 0.5);
    if ((i === 3 && t < 40) || (i === 7 && r() < 0.05) || (i === 11 && t > 230)) v = NaN;
    x[t * N + i] = v;
  }
  const panels: Array<[string, { T: number; N: number; x: Float64Array }]> = [
    ["with missing values", { T, N, x }],
    ["complete", { T, N, x: x.map((v) => (v === v ? v : 0.0001)) }],
  ];
  test.each(panels)("%s", (_name, p) => {
    for (const m of ["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"]) {
      const w = riskMatrixPanel(p, m, { workspace: onBackend("wasm") });
      const j = riskMatrixPanel(p, m, { workspace: onBackend("js") });
      expectExactlySymmetric(w, N);
      expectExactlySymmetric(j, N);
      let scale = 0;
      for (const v of j) scale = Math.max(scale, Math.abs(v));
      expect(maxAbsDiff(w, j) / scale).toBeLessThan(1e-12);
    }
  });
});
