/**
 * A hand-assembled WebAssembly SIMD (f64x2) module for the Gram products of kernel.ts.
 *
 * `row(pa, pb, nb, L, c, ldc)` takes one packed A panel (3 assets x L rows, L a multiple of
 * 2 * UNROLL, stored per row pair as [a0_t a0_t+1 a1_t a1_t+1 a2_t a2_t+1], 24*L bytes) and `nb`
 * consecutive packed B panels of the same shape, and for each B panel j adds the 3 x 3 block
 * `sum_t a_r[t] * b_s[t]` to the row-major doubles at `c + j*24 + r*ldc + s*8` (byte addresses
 * in the imported memory `e.m`). Nine f64x2 accumulators + three A operands + one B operand
 * (13 of the 16 xmm registers: no spills), the loop unrolled over UNROLL row pairs; each lane
 * sums every other row and the two lanes are added when the block is stored. Summation order
 * therefore differs from a scalar loop in the last bits only; the diagonal blocks compute
 * `a_r.b_s` and `a_s.b_r` with the same products in the same order, so a symmetric product is
 * exactly symmetric.
 * `mom(pd, np, L, w, acc)` sweeps the same packed panels once for six weighted per-row sums
 * (the shrinkage estimators' statistics; see its comment and kernel.ts `rowMoments`).
 *
 * Why hand-written: the covariance estimators' cost is this loop (T*N^2/2 multiply-adds) and
 * JavaScript has no SIMD. Measured on the project machine (2-core AMD EPYC, Node 20.20) for
 * 1,260 x 500 (`npm run bench optimize` and side-by-side scripts; T*N^2 flops): the scalar
 * register-blocked JS kernel (kept as the fallback) gives 1.5-2.3 GFLOP/s for a whole sample
 * covariance; this kernel alone 11-12 GFLOP/s on an idle machine and the whole sample covariance
 * 6.6-8.5 GFLOP/s with other jobs running (3.3-3.9x the JS kernel in the same run); ml-matrix's
 * `covariance()` (a scalar triple loop on number[][]) is 27-29x slower. The JS libraries we
 * ship are scalar, and native BLAS bindings cannot run in the Office WebView. The module is
 * about 1.5 KB, assembled at load time by wasmAssembler.ts (no build step, no network) and compiled
 * synchronously (`new WebAssembly.Module` on buffers under 4 KB is allowed on a browser main
 * thread); the task pane CSP allows 'wasm-unsafe-eval' (test/browser/covariance.test.ts runs it
 * there). Where WebAssembly or SIMD is missing, or compiling or growing the memory fails,
 * `gramWasm(ws)` returns null (or the product returns null) and kernel.ts uses the JS kernel.
 */

import { I32, V128, i32Const, localGet, localSet, locals, simd, uleb, wasmModule } from "../wasmAssembler";
import type { Workspace } from "../workspace";

const op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  f64Load: 0x2b, f64Store: 0x39,
  i32GeU: 0x4f, i32Ne: 0x47, i32Add: 0x6a, i32Mul: 0x6c, f64Add: 0xa0,
};
const V128_LOAD = 0x00, V128_STORE = 0x0b, V128_CONST = 0x0c, F64X2_EXTRACT = 0x21, F64X2_ADD = 0xf0, F64X2_MUL = 0xf2;

/** Row pairs per inner-loop iteration: the panel length L must be a multiple of 2 * UNROLL. */
export const UNROLL = 2;

const g = localGet, st = localSet, i32 = i32Const;
const vload = (base: number, offset: number): number[] => [...g(base), ...simd(V128_LOAD), 4, ...uleb(offset)];
const vstore = (base: number, offset: number, value: number): number[] => [...g(base), ...g(value), ...simd(V128_STORE), 4, ...uleb(offset)];
/** `dst = dst + a * b` (f64x2), or `dst = dst + a` when b is null. */
const macc = (dst: number, a: number, b: number | null): number[] =>
  b === null ? [...g(dst), ...g(a), ...simd(F64X2_ADD), ...st(dst)] : [...g(dst), ...g(a), ...g(b), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...st(dst)];

/** `row(pa, pb, nb, L, c, ldc)`: the 3 x 3 blocks of one A panel against nb B panels (see header). */
function rowBody(): number[] {
  const U = UNROLL;
  // params: 0 pa, 1 pb, 2 nb, 3 L, 4 c, 5 ldc; i32 locals: 6 j, 7 ia, 8 ib, 9 end, 10 pbytes, 11 cc
  const [pa, pb, nb, L, c, ldc, j, ia, ib, end, pbytes, cc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acc = (r: number, s: number): number => 12 + r * 3 + s; // v128 12..20
  const A = (r: number): number => 21 + r; // v128 21..23
  const B = 24;
  const code: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) code.push(...x); };
  e(g(L), i32(24), [op.i32Mul], st(pbytes));
  e([op.block, 0x40, op.loop, 0x40]);
  e(g(j), g(nb), [op.i32GeU, op.brIf, 1]);
  for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) e(simd(V128_CONST), new Array(16).fill(0), st(acc(r, s)));
  e(g(pa), st(ia));
  e(g(pa), g(pbytes), [op.i32Add], st(end));
  e(g(pb), g(j), g(pbytes), [op.i32Mul, op.i32Add], st(ib));
  e([op.loop, 0x40]);
  for (let u = 0; u < U; u++) {
    for (let r = 0; r < 3; r++) e(vload(ia, 48 * u + 16 * r), st(A(r)));
    for (let s = 0; s < 3; s++) {
      e(vload(ib, 48 * u + 16 * s), st(B));
      for (let r = 0; r < 3; r++) e(macc(acc(r, s), A(r), B));
    }
  }
  e(g(ia), i32(48 * U), [op.i32Add], st(ia));
  e(g(ib), i32(48 * U), [op.i32Add], st(ib));
  e(g(ia), g(end), [op.i32Ne, op.brIf, 0, op.end]);
  e(g(c), g(j), i32(24), [op.i32Mul, op.i32Add], st(cc));
  for (let r = 0; r < 3; r++) {
    for (let s = 0; s < 3; s++) {
      e(g(cc), g(cc), [op.f64Load, 3, ...uleb(8 * s)]);
      e(g(acc(r, s)), simd(F64X2_EXTRACT), [0, op.f64Add]);
      e(g(acc(r, s)), simd(F64X2_EXTRACT), [1, op.f64Add]);
      e([op.f64Store, 3, ...uleb(8 * s)]);
    }
    if (r < 2) e(g(cc), g(ldc), [op.i32Add], st(cc));
  }
  e(g(j), i32(1), [op.i32Add], st(j));
  e([op.br, 0, op.end, op.end, op.end]);
  return [...locals([[6, I32], [13, V128]]), ...code];
}

/**
 * `mom(pd, np, L, w, acc)`: per-row moments of `np` consecutive packed panels of length L at
 * `pd`. For each row pair q, the six f64x2 at `acc + 96 q` (lane = row) accumulate
 * `sum y`, `sum y w1`, `sum y^2`, `sum y^4`, `sum y^3 w2`, `sum y^2 w3` over the panels' assets,
 * with the weights of asset i at `w + 48 i` as three splatted f64x2 (w1, w2, w3).
 */
function momBody(): number[] {
  // params: 0 pd, 1 np, 2 L, 3 w, 4 acc; i32 locals: 5 p, 6 ia, 7 end, 8 pa, 9 pw, 10 pbytes
  const [pd, np, L, w, acc, p, ia, end, pa, pw, pbytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const W = (r: number, k: number): number => 11 + r * 3 + k; // v128 11..19
  const a = (k: number): number => 20 + k; // v128 20..25
  const v = 26, y = 27, t = 28;
  const code: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) code.push(...x); };
  e(g(L), i32(24), [op.i32Mul], st(pbytes));
  e([op.block, 0x40, op.loop, 0x40]);
  e(g(p), g(np), [op.i32GeU, op.brIf, 1]);
  e(g(w), g(p), i32(144), [op.i32Mul, op.i32Add], st(pw));
  for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) e(vload(pw, 48 * r + 16 * k), st(W(r, k)));
  e(g(pd), g(p), g(pbytes), [op.i32Mul, op.i32Add], st(ia));
  e(g(ia), g(pbytes), [op.i32Add], st(end));
  e(g(acc), st(pa));
  e([op.loop, 0x40]);
  for (let k = 0; k < 6; k++) e(vload(pa, 16 * k), st(a(k)));
  for (let r = 0; r < 3; r++) {
    e(vload(ia, 16 * r), st(v));
    e(g(v), g(v), simd(F64X2_MUL), st(y));
    e(macc(a(0), v, null));
    e(macc(a(1), v, W(r, 0)));
    e(macc(a(2), y, null));
    e(macc(a(3), y, y));
    e(g(y), g(v), simd(F64X2_MUL), st(t));
    e(macc(a(4), t, W(r, 1)));
    e(macc(a(5), y, W(r, 2)));
  }
  for (let k = 0; k < 6; k++) e(vstore(pa, 16 * k, a(k)));
  e(g(ia), i32(48), [op.i32Add], st(ia));
  e(g(pa), i32(96), [op.i32Add], st(pa));
  e(g(ia), g(end), [op.i32Ne, op.brIf, 0, op.end]);
  e(g(p), i32(1), [op.i32Add], st(p));
  e([op.br, 0, op.end, op.end, op.end]);
  return [...locals([[6, I32], [18, V128]]), ...code];
}

/** The bytes of the module (exported for the tests: they must validate). */
export function gramModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule([
    { name: "row", params: new Array(6).fill(I32), results: [], body: rowBody() },
    { name: "mom", params: new Array(5).fill(I32), results: [], body: momBody() },
  ]);
}

/** The instantiated kernel with its growable memory. */
export interface WasmGram {
  row: (pa: number, pb: number, nb: number, L: number, c: number, ldc: number) => void;
  mom: (pd: number, np: number, L: number, w: number, acc: number) => void;
  memory: WebAssembly.Memory;
  /** Grows the memory to at least `bytes` (views on `memory.buffer` must be re-made afterwards). */
  reserve: (bytes: number) => void;
}

/**
 * The compiled module (immutable code, about 1.5 KB): compiled once per runtime and kept here, the
 * one piece of module-level state; each Workspace instantiates it on a memory of its own.
 * undefined = not tried yet, null = this runtime cannot compile it.
 */
let compiledGram: WebAssembly.Module | null | undefined;

function gramModule(): WebAssembly.Module | null {
  if (compiledGram !== undefined) return compiledGram;
  compiledGram = null;
  try {
    if (typeof WebAssembly !== "object") return null;
    const bytes = gramModuleBytes();
    if (WebAssembly.validate(bytes)) compiledGram = new WebAssembly.Module(bytes);
  } catch {
    compiledGram = null;
  }
  return compiledGram;
}

/**
 * WebAssembly memory never shrinks, and a workspace's instance serves its later products: a memory
 * grown past the workspace's retention cap (workspace.ts retainBytes, 64 MiB by default; one huge
 * REBAL.COV, say 300 MB) is not kept. The product still runs on the SIMD kernel; afterwards
 * `releaseLargeGramMemory` drops the instance from the workspace, so the memory is garbage once the
 * caller's result no longer refers to it, and the next product starts a fresh 64 KiB one
 * (instantiating the compiled module again costs well under a millisecond).
 */
export function releaseLargeGramMemory(ws: Workspace): boolean {
  const W = ws.gram;
  if (!W || ws.retains(W.memory.buffer.byteLength)) return false;
  ws.gram = undefined;
  return true;
}

/** The workspace's SIMD kernel (made on first use), or null when this runtime cannot compile it (then use the JS kernel). */
export function gramWasm(ws: Workspace): WasmGram | null {
  if (ws.gram !== undefined) return ws.gram;
  ws.gram = null;
  const module = gramModule();
  if (module === null) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(module, { e: { m: memory } });
    const row = inst.exports.row as WasmGram["row"];
    const mom = inst.exports.mom as WasmGram["mom"];
    const reserve = (bytes: number): void => {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
    };
    ws.gram = { row, mom, memory, reserve };
  } catch {
    ws.gram = null;
  }
  return ws.gram;
}
