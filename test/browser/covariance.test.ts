/**
 * The covariance kernel in real Chromium, under the task pane's Content-Security-Policy
 * (dist/taskpane.html: script-src 'self' 'wasm-unsafe-eval'): the bundle's REBAL.COV instantiates
 * the hand-assembled WebAssembly SIMD module (src/core/estimators/wasmGram.ts) rather than falling
 * back to JS, the module compiles synchronously and computes a 3 x 3 block correctly, and REBAL.COV
 * matches the pandas/sklearn fixtures, exactly symmetric, with no CSP violation or console error.
 */
import { gramModuleBytes } from "../../src/core/estimators/wasmGram";
import fx from "../fixtures/optimize/estimators.json";
import { Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
  await h.watchCsp();
  await h.openReadyPane();
});
afterAll(async () => {
  await h?.close();
});

describe("covariance kernel in Chromium", () => {
  test("the bundle's REBAL.COV instantiates the SIMD kernel (not the JS fallback) on its first call", async () => {
    await h.page.evaluate(() => {
      const w = window as unknown as { __kernels: string[][] };
      w.__kernels = [];
      const Orig = WebAssembly.Instance;
      WebAssembly.Instance = new Proxy(Orig, {
        construct(target, args: [WebAssembly.Module, WebAssembly.Imports?]) {
          const inst = Reflect.construct(target, args) as WebAssembly.Instance;
          const imports = args[1] as { e?: { m?: unknown } } | undefined;
          if (imports?.e?.m instanceof WebAssembly.Memory) w.__kernels.push(Object.keys(inst.exports).sort());
          return inst;
        },
      });
    });
    const got = (await h.call("COV", [[1, 2], [1.1, 1.9], [1.05, 2.2], [1.2, 2.1]], "sample")) as number[][];
    expect(got.length).toBe(2);
    expect(await h.page.evaluate(() => (window as unknown as { __kernels: string[][] }).__kernels)).toEqual([["mom", "row"]]);
  });

  test("the SIMD module compiles synchronously under the pane's CSP and computes A'B for one 3 x 3 block", async () => {
    // 3 assets x 4 rows each side; packed per row pair as [a0 t,t+1, a1 t,t+1, a2 t,t+1]
    const a = [[1, 2, 3, 4], [-1, 0.5, 2, 0], [0.25, -3, 1, 7]];
    const b = [[2, -1, 0, 1], [1, 1, 1, 1], [3, 0.5, -2, 4]];
    const expected = a.map((ar) => b.map((br) => ar.reduce((s, v, t) => s + v * br[t], 0)));
    const got = await h.page.evaluate(({ bytes, a, b }) => {
      const mod = new WebAssembly.Module(new Uint8Array(bytes)); // synchronous compile
      const memory = new WebAssembly.Memory({ initial: 1 });
      const inst = new WebAssembly.Instance(mod, { e: { m: memory } });
      const f = new Float64Array(memory.buffer);
      const pack = (m: number[][], off: number) => {
        for (let q = 0; q < 2; q++) for (let r = 0; r < 3; r++) { f[off + q * 6 + r * 2] = m[r][2 * q]; f[off + q * 6 + r * 2 + 1] = m[r][2 * q + 1]; }
      };
      pack(a, 0);
      pack(b, 12);
      // C at doubles 32.., 3 x 3 row-major (row stride 24 bytes); row(pa, pb, nb, L, c, ldc)
      (inst.exports.row as (...args: number[]) => void)(0, 96, 1, 4, 256, 24);
      return Array.from({ length: 3 }, (_, r) => Array.from(f.subarray(32 + 3 * r, 32 + 3 * r + 3)));
    }, { bytes: Array.from(gramModuleBytes()), a, b });
    expect(got).toEqual(expected);
  });

  test.each(["sample", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"])(
    "REBAL.COV %s on the gaps fixture (leading blanks, holes, delisting) matches pandas/sklearn",
    async (method) => {
      const d = fx.gaps as unknown as Record<string, number[][]> & { prices: (number | null)[][] };
      const got = (await h.call("COV", d.prices, method)) as number[][];
      expect(Array.isArray(got)).toBe(true);
      const ref = d[method];
      let scale = 0, err = 0;
      for (const r of ref) for (const v of r) scale = Math.max(scale, Math.abs(v));
      got.forEach((r, i) => r.forEach((v, j) => {
        err = Math.max(err, Math.abs(v - ref[i][j]) / scale);
        expect(v).toBe(got[j][i]);
      }));
      expect(err).toBeLessThan(1e-9);
    },
  );

  test("no console errors, page errors, CSP violations, failed or outside requests", async () => {
    const csp = await h.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    expect({ console: h.consoleErrors, page: h.pageErrors, csp, failed: h.failedRequests, outside: h.blockedRequests })
      .toEqual({ console: [], page: [], csp: [], failed: [], outside: [] });
  });
});
