/**
 * Gram-matrix kernels for the covariance estimators: `C = A'B` for T x N data, optionally scaled.
 *
 * Entry points (all return a row-major Float64Array; a symmetric product is exactly symmetric,
 * the upper triangle being computed and mirrored, T*N^2/2 multiply-adds = T*N^2 flops):
 * - `gramSym(xt, T, N)`: `X'X` of asset-major data (`xt[i * T + t]` is asset i at row t);
 * - `gramGeneral(a, b, T, Na, Nb)`: `A'B` of two asset-major matrices (Na x Nb result);
 * - `centredGram(x, T, N, shift)` / `gramCentredRows`: `Y'Y` with `y_ti = x_ti - shift_i` read
 *   straight from a row-major panel, missing (NaN) taken as 0 before the shift: the centring,
 *   zero-filling and transposition happen while packing, so the estimators' fast paths allocate
 *   no T x N copy. `centredGram(...).rowMoments(w1, w2, w3)` then gives six per-row sums of y
 *   (`RowMoments`) for the shrinkage statistics without another pass over the panel.
 *
 * Backends (same results up to summation order, i.e. the last bits):
 * - "wasm" (default where the runtime supports WebAssembly SIMD): the data are packed once into
 *   a WebAssembly memory as panels of 3 assets with row pairs interleaved (wasmGram.ts layout),
 *   time in chunks of KCW rows each padded with zero rows to a multiple of 4, assets padded with
 *   zero columns to a multiple of 3; the f64x2 3 x 3 micro-kernel of wasmGram.ts accumulates the
 *   upper-triangle blocks into an M x M buffer in that memory, which is then scaled and mirrored.
 *   Row moments sweep the same packed panel (wasmGram.ts `mom`) while it is still the last one
 *   packed (the workspace's generation counter says so; otherwise they are computed from the panel
 *   in JS). The instance and its memory belong to the caller's Workspace (workspace.ts; every entry
 *   point takes it last, a temporary one when omitted). A WebAssembly memory only grows (about
 *   8 * (T + 3) * N + 8 * N^2 bytes for a product, e.g. 7 MB for 1,260 x 500); it is kept between
 *   calls up to the workspace's retention cap (retainBytes, 64 MiB by default). A product that needs
 *   more still runs on the SIMD kernel, but the instance is dropped afterwards (wasmGram.ts
 *   releaseLargeGramMemory), so one huge REBAL.COV does not pin its memory in the shared runtime;
 *   the next product starts a fresh instance.
 * - "js" (fallback; a Workspace with `gramBackend: "js"` forces it for tests and benchmarks): for each chunk of
 *   KC rows the assets are packed into panels of 3 interleaved columns and a scalar 3 x 3
 *   register-blocked micro-kernel (nine accumulators + six operands) streams two contiguous panels.
 *
 * Measured (bench/optimize.ts, 1,260 x 500 sample covariance, 2-core AMD EPYC, Node 20): see the
 * header of wasmGram.ts for why the SIMD kernel is hand-written and what it gains.
 */
import { Workspace } from "../workspace";
import { UNROLL, WasmGram, gramWasm, releaseLargeGramMemory } from "./wasmGram";

const KC = 256;
const MR = 3;
/** Time chunk of the wasm path: long enough that per-chunk stores are negligible, a multiple of 4. */
const KCW = 2048;
const PAD = 2 * UNROLL;

export type GramBackend = "wasm" | "js";

/** The backend the next product on this workspace will use (its `gramBackend` choice, and whether wasm compiles here). */
export function gramBackend(ws: Workspace): GramBackend {
  return wasmOrNull(ws) ? "wasm" : "js";
}

// ---- pure-JS kernel --------------------------------------------------------------------

function pack(src: Float64Array, T: number, N: number, t0: number, L: number, P: Float64Array): void {
  P.fill(0);
  for (let i = 0; i < N; i++) {
    const blk = (i / MR) | 0;
    const base = blk * MR * L + (i - blk * MR);
    const s = i * T + t0;
    for (let t = 0; t < L; t++) P[base + MR * t] = src[s + t];
  }
}

/** Transposes a row-major T x N matrix into asset-major N x T. */
export function transpose(x: Float64Array, T: number, N: number): Float64Array {
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let i = 0; i < N; i++) out[i * T + t] = x[row + i];
  }
  return out;
}

/** JS kernel: `out[i*Nb+j] = scale * sum_t a[i*T+t] * b[j*T+t]`; symmetric when `a === b`. */
function gramJs(a: Float64Array, b: Float64Array, T: number, Na: number, Nb: number, scale: number): Float64Array {
  const symmetric = a === b && Na === Nb;
  const NBa = Math.ceil(Na / MR), NBb = Math.ceil(Nb / MR);
  const Ma = NBa * MR, Mb = NBb * MR;
  const C = new Float64Array(Ma * Mb);
  const Lmax = Math.min(KC, Math.max(T, 1));
  const PA = new Float64Array(Ma * Lmax);
  const PB = symmetric ? PA : new Float64Array(Mb * Lmax);
  for (let t0 = 0; t0 < T; t0 += KC) {
    const L = Math.min(T, t0 + KC) - t0;
    pack(a, T, Na, t0, L, PA);
    if (!symmetric) pack(b, T, Nb, t0, L, PB);
    for (let bi = 0; bi < NBa; bi++) {
      const pa = bi * MR * L;
      const end = pa + MR * L;
      for (let bj = symmetric ? bi : 0; bj < NBb; bj++) {
        const pb = bj * MR * L;
        let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;
        for (let ia = pa, ib = pb; ia < end; ia += 3, ib += 3) {
          const x0 = PA[ia], x1 = PA[ia + 1], x2 = PA[ia + 2];
          const y0 = PB[ib], y1 = PB[ib + 1], y2 = PB[ib + 2];
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2;
        }
        let r = bi * MR * Mb + bj * MR;
        C[r] += c00; C[r + 1] += c01; C[r + 2] += c02; r += Mb;
        C[r] += c10; C[r + 1] += c11; C[r + 2] += c12; r += Mb;
        C[r] += c20; C[r + 1] += c21; C[r + 2] += c22;
      }
    }
  }
  return unpack(C, 0, Mb, Na, Nb, symmetric, scale);
}

/** Copies the Na x Nb result out of the Ma x Mb buffer at `off`, scaled; mirrors the upper triangle. */
function unpack(C: Float64Array, off: number, M: number, Na: number, Nb: number, symmetric: boolean, scale: number): Float64Array {
  const out = new Float64Array(Na * Nb);
  if (!symmetric) {
    for (let i = 0; i < Na; i++) {
      const src = off + i * M, dst = i * Nb;
      for (let j = 0; j < Nb; j++) out[dst + j] = C[src + j] * scale;
    }
    return out;
  }
  const N = Na;
  // tiles of 32 x 32 so that the mirrored (column) writes stay in cache
  for (let i0 = 0; i0 < N; i0 += 32) {
    const i1 = Math.min(N, i0 + 32);
    for (let j0 = i0; j0 < N; j0 += 32) {
      const j1 = Math.min(N, j0 + 32);
      for (let i = i0; i < i1; i++) {
        const src = off + i * M;
        for (let j = j0 > i ? j0 : i; j < j1; j++) {
          const v = C[src + j] * scale;
          out[i * N + j] = v;
          out[j * N + i] = v;
        }
      }
    }
  }
  return out;
}

// ---- wasm kernel -----------------------------------------------------------------------

/** Doubles needed by the packed layout of T rows x N assets. */
function packedSize(T: number, N: number): number {
  return (T + PAD - 1) * Math.ceil(N / MR) * MR;
}

/** Padded length of the chunk starting at t0. */
function chunkLength(T: number, t0: number): number {
  const L = Math.min(KCW, T - t0);
  return Math.ceil(L / PAD) * PAD;
}

/** Packs asset-major `src` (N x T) at double offset `off` of `mem` (already zeroed). */
function packAssetMajor(src: Float64Array, T: number, N: number, mem: Float64Array, off: number): void {
  const M = Math.ceil(N / MR) * MR;
  for (let t0 = 0; t0 < T; t0 += KCW) {
    const L = Math.min(KCW, T - t0), Lp = chunkLength(T, t0), base = off + t0 * M;
    for (let i = 0; i < N; i++) {
      const p = (i / MR) | 0;
      const d = base + p * MR * Lp + 2 * (i - p * MR), s = i * T + t0;
      let t = 0;
      for (; t + 1 < L; t += 2) {
        const q = d + 3 * t;
        mem[q] = src[s + t];
        mem[q + 1] = src[s + t + 1];
      }
      if (t < L) mem[d + 3 * t] = src[s + t];
    }
  }
}

/** Packs row-major `x` (T x N) minus `shift`, NaN as 0, at double offset `off` of `mem` (already zeroed). */
function packRows(x: Float64Array, T: number, N: number, shift: Float64Array, mem: Float64Array, off: number): void {
  const M = Math.ceil(N / MR) * MR;
  const col = new Int32Array(N);
  for (let t0 = 0; t0 < T; t0 += KCW) {
    const L = Math.min(KCW, T - t0), Lp = chunkLength(T, t0), base = off + t0 * M;
    for (let i = 0; i < N; i++) { const p = (i / MR) | 0; col[i] = p * MR * Lp + 2 * (i - p * MR); }
    // two rows at a time: each asset's pair of values is one contiguous 16-byte slot
    let tt = 0;
    for (; tt + 1 < L; tt += 2) {
      const d = base + 3 * tt, r0 = (t0 + tt) * N, r1 = r0 + N;
      for (let i = 0; i < N; i++) {
        const q = d + col[i], s = shift[i], v0 = x[r0 + i], v1 = x[r1 + i];
        mem[q] = (v0 === v0 ? v0 : 0) - s;
        mem[q + 1] = (v1 === v1 ? v1 : 0) - s;
      }
    }
    if (tt < L) {
      const d = base + 3 * tt, r0 = (t0 + tt) * N;
      for (let i = 0; i < N; i++) { const v = x[r0 + i]; mem[d + col[i]] = (v === v ? v : 0) - shift[i]; }
    }
  }
}

type Packer = (mem: Float64Array, off: number) => void;

/**
 * Runs the wasm micro-kernel over packed data; null when the memory cannot grow (caller falls
 * back to JS). `packB` null = symmetric product of the A data.
 */
function gramWasmRun(ws: Workspace, W: WasmGram, T: number, Na: number, Nb: number, packA: Packer, packB: Packer | null, scale: number): Float64Array | null {
  const symmetric = packB === null;
  const NBa = Math.ceil(Na / MR), NBb = Math.ceil(Nb / MR);
  const Ma = NBa * MR, Mb = NBb * MR;
  const aD = packedSize(T, Na), bD = symmetric ? 0 : packedSize(T, Nb);
  const cOff = aD + bD, total = cOff + Ma * Mb;
  try {
    W.reserve(total * 8);
  } catch {
    return null;
  }
  ws.gramGeneration++; // the packed panel now in memory is this product's
  ws.gramLastEnd = total;
  const mem = new Float64Array(W.memory.buffer, 0, total);
  mem.fill(0);
  packA(mem, 0);
  if (packB) packB(mem, aD);
  const row = W.row, ldc = Mb * 8;
  for (let t0 = 0; t0 < T; t0 += KCW) {
    const Lp = chunkLength(T, t0), pbytes = 24 * Lp;
    const a0 = t0 * Ma * 8, b0 = symmetric ? a0 : (aD + t0 * Mb) * 8;
    for (let bi = 0; bi < NBa; bi++) {
      const j0 = symmetric ? bi : 0;
      row(a0 + bi * pbytes, b0 + j0 * pbytes, NBb - j0, Lp, (cOff + 3 * bi * Mb + 3 * j0) * 8, ldc);
    }
  }
  const out = unpack(mem, cOff, Mb, Na, Nb, symmetric, scale);
  releaseLargeGramMemory(ws); // above the workspace's retention cap the memory is not kept for later products
  return out;
}

function wasmOrNull(ws: Workspace): WasmGram | null {
  return ws.gramBackend === "js" ? null : gramWasm(ws);
}

// ---- public entry points ---------------------------------------------------------------

/** Symmetric Gram product of asset-major data: the N x N row-major `scale * X'X`. */
export function gramSym(xt: Float64Array, T: number, N: number, scale = 1, ws: Workspace = new Workspace()): Float64Array {
  const W = wasmOrNull(ws);
  const r = W && gramWasmRun(ws, W, T, N, N, (m, o) => packAssetMajor(xt, T, N, m, o), null, scale);
  return r ?? gramJs(xt, xt, T, N, N, scale);
}

/**
 * Product of two asset-major matrices (Na x T and Nb x T): `out[i*Nb+j] = scale * sum_t
 * a[i*T+t] * b[j*T+t]` (row-major Na x Nb). When `a === b` (and Na = Nb) it is `gramSym`.
 */
export function gramGeneral(a: Float64Array, b: Float64Array, T: number, Na: number, Nb: number = Na, scale = 1, ws: Workspace = new Workspace()): Float64Array {
  if (a === b && Na === Nb) return gramSym(a, T, Na, scale, ws);
  const W = wasmOrNull(ws);
  const r = W && gramWasmRun(ws, W, T, Na, Nb, (m, o) => packAssetMajor(a, T, Na, m, o), (m, o) => packAssetMajor(b, T, Nb, m, o), scale);
  return r ?? gramJs(a, b, T, Na, Nb, scale);
}

/**
 * Per-row sums of a centred panel y (length T each): `s1 = sum_i y_ti`, `s1w = sum_i y_ti w1_i`,
 * `s2 = sum_i y_ti^2`, `s4 = sum_i y_ti^4`, `s3w = sum_i y_ti^3 w2_i`, `s2w = sum_i y_ti^2 w3_i`.
 */
export interface RowMoments { s1: Float64Array; s1w: Float64Array; s2: Float64Array; s4: Float64Array; s3w: Float64Array; s2w: Float64Array }

/** A centred Gram product and, on demand, row moments of the same centred data. */
export interface CentredGram {
  /** `scale * Y'Y`, N x N row-major, exactly symmetric */
  gram: Float64Array;
  /** Row moments of y with per-asset weights (null = zeros), e.g. computed from `gram`. */
  rowMoments(w1: Float64Array | null, w2: Float64Array | null, w3: Float64Array | null): RowMoments;
}

function momentsJs(x: Float64Array, T: number, N: number, shift: Float64Array, w1: Float64Array, w2: Float64Array, w3: Float64Array): RowMoments {
  const o: RowMoments = { s1: new Float64Array(T), s1w: new Float64Array(T), s2: new Float64Array(T), s4: new Float64Array(T), s3w: new Float64Array(T), s2w: new Float64Array(T) };
  for (let t = 0; t < T; t++) {
    const r = t * N;
    let s1 = 0, s1w = 0, s2 = 0, s4 = 0, s3w = 0, s2w = 0;
    for (let i = 0; i < N; i++) {
      const u = x[r + i], v = (u === u ? u : 0) - shift[i], y = v * v;
      s1 += v; s1w += v * w1[i]; s2 += y; s4 += y * y; s3w += y * v * w2[i]; s2w += y * w3[i];
    }
    o.s1[t] = s1; o.s1w[t] = s1w; o.s2[t] = s2; o.s4[t] = s4; o.s3w[t] = s3w; o.s2w[t] = s2w;
  }
  return o;
}

/** Row moments from the panel the last wasm product packed (wasmGram.ts `mom`); null if memory cannot grow. */
function momentsWasm(ws: Workspace, W: WasmGram, T: number, N: number, w1: Float64Array, w2: Float64Array, w3: Float64Array): RowMoments | null {
  const NB = Math.ceil(N / MR), M = NB * MR;
  const lastEnd = ws.gramLastEnd;
  const wOff = lastEnd + (lastEnd & 1); // 16-byte aligned
  const accOff = wOff + 6 * M, accD = 12 * ((T + PAD) >> 1);
  try {
    W.reserve((accOff + accD) * 8);
  } catch {
    return null;
  }
  const f = new Float64Array(W.memory.buffer, 0, accOff + accD);
  for (let i = 0; i < M; i++) {
    const b = wOff + 6 * i, in_ = i < N;
    f[b] = f[b + 1] = in_ ? w1[i] : 0;
    f[b + 2] = f[b + 3] = in_ ? w2[i] : 0;
    f[b + 4] = f[b + 5] = in_ ? w3[i] : 0;
  }
  f.fill(0, accOff, accOff + accD);
  for (let t0 = 0; t0 < T; t0 += KCW) W.mom(t0 * M * 8, NB, chunkLength(T, t0), wOff * 8, (accOff + (t0 >> 1) * 12) * 8);
  const o: RowMoments = { s1: new Float64Array(T), s1w: new Float64Array(T), s2: new Float64Array(T), s4: new Float64Array(T), s3w: new Float64Array(T), s2w: new Float64Array(T) };
  for (let t = 0; t < T; t++) {
    const b = accOff + (t >> 1) * 12 + (t & 1);
    o.s1[t] = f[b]; o.s1w[t] = f[b + 2]; o.s2[t] = f[b + 4]; o.s4[t] = f[b + 6]; o.s3w[t] = f[b + 8]; o.s2w[t] = f[b + 10];
  }
  releaseLargeGramMemory(ws);
  return o;
}

/**
 * `scale * Y'Y` (N x N) for `y_ti = (x_ti, or 0 when missing) - shift_i`, x row-major T x N:
 * the centred (or zero-filled and centred) Gram product straight from a panel, plus `rowMoments`
 * of the same y. On the wasm path the moments are read from the packed panel still in the
 * kernel's memory (one SIMD sweep, no pass over x); if another product has run since, or on the
 * JS path, they come from a pass over x.
 */
export function centredGram(x: Float64Array, T: number, N: number, shift: Float64Array, scale = 1, ws: Workspace = new Workspace()): CentredGram {
  const W = wasmOrNull(ws);
  const r = W && gramWasmRun(ws, W, T, N, N, (m, o) => packRows(x, T, N, shift, m, o), null, scale);
  const gen = ws.gramGeneration;
  const rowMoments = (a: Float64Array | null, b: Float64Array | null, c: Float64Array | null): RowMoments => {
    const z = a && b && c ? null : new Float64Array(N);
    const w1 = a ?? z!, w2 = b ?? z!, w3 = c ?? z!;
    const m = r && W && gen === ws.gramGeneration ? momentsWasm(ws, W, T, N, w1, w2, w3) : null;
    return m ?? momentsJs(x, T, N, shift, w1, w2, w3);
  };
  if (r) return { gram: r, rowMoments };
  const y = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) { const v = x[t * N + i]; y[i * T + t] = (v === v ? v : 0) - shift[i]; }
  }
  return { gram: gramJs(y, y, T, N, N, scale), rowMoments };
}

/** `centredGram(...).gram`: the centred Gram product alone. */
export function gramCentredRows(x: Float64Array, T: number, N: number, shift: Float64Array, scale = 1, ws: Workspace = new Workspace()): Float64Array {
  return centredGram(x, T, N, shift, scale, ws).gram;
}
