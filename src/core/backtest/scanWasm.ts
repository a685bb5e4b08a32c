/**
 * The backtest's quiet-row scan as a hand-assembled WebAssembly SIMD (f64x2) kernel: the bulk of a
 * backtest is marking every asset on every row and checking the bands (engine.ts, quietRows), and
 * V8 compiles that loop over run-time typed arrays with a map check, a data-pointer reload, an index
 * overflow check and a bounds check per access (~3x slower than the same loop on constant arrays).
 *
 * What it computes: `scan(rows, nRows, n, q, cu, cb, cash, out)` walks row-major price rows (n
 * doubles each, from byte address `rows`) and for each row computes H = sum_i q_i p_i, U = max_i
 * p_i cu_i, B = min_i p_i cb_i and P = min_i p_i; with V = cash + H the row is quiet when P > 0,
 * V < 1e300 (finite; a NaN or infinite price makes H NaN or infinite), U <= V and B >= V. It stores
 * V at `out + 8 r` for each quiet row and stops at the first row that is not quiet, returning the
 * number of quiet rows. With cu_i = q_i / U_i and cb_i = q_i / B_i (engine.ts, bandBounds: U, B are the
 * safe band bounds; cb_i = +inf when B_i <= 0) U <= V and B >= V mean no asset can be outside its
 * band; cu = 0 and cb = +inf disable the band check. pmin/pmax ignore a NaN product.
 * Summation order: each of the two lanes sums every other asset, then lane 0 + lane 1, then the last
 * asset when n is odd - not the order of a scalar loop, so a value may differ in its last bits from
 * the JS scan (conventions allow it; planTrades recomputes its own V anyway). The band test has a
 * margin of 1e-12 relative (bandBounds) that covers this.
 *
 * Prices reach the kernel's memory in one of two ways: a matrix allocated with `backtestPrices` lives
 * in a memory of its own and is scanned in place; any other Float64Array is copied in by windows of
 * 256 KiB of rows into a shared memory as the scan advances (the copy costs about as much as reading
 * the prices once).
 *
 * Memory: WebAssembly memories only grow. The shared memory belongs to the caller's Workspace
 * (workspace.ts `scanShared`; runBacktest's `workspace` option, a temporary one when omitted) and
 * holds one window (256 KiB of rows, at least 4 rows) plus 3 coefficients per asset and one value
 * per window row - under 1 MB even for Excel's 16,384 columns - so it stays small whatever the
 * history's length; like every workspace buffer it is not kept once it is above the workspace's
 * retention cap. A `backtestPrices` matrix's memory is its own and is released with the matrix; the
 * workspace that allocated it records it (weakly) and scans it in place - a backtest on another
 * workspace copies its rows in like any other Float64Array (same values).
 * The compiled module (immutable code, 457 bytes) is the one module-level value: compiled once per
 * runtime, instantiated on each memory.
 *
 * The module is 457 bytes (scanModuleBytes().length, checked by test/core/backtest.scan.test.ts),
 * built at load time with wasmAssembler.ts (no build step, no network) and compiled synchronously; where
 * WebAssembly or its SIMD proposal is missing, or compiling fails, `QuietScanner.create` returns null and the engine uses its JS loop (same decisions).
 * Pure TypeScript: no Office, DOM or Node APIs (WebAssembly is a JavaScript global).
 */

import { F64, I32, V128, f64Const, i32Const, localGet, localSet, locals, simd, uleb, wasmModule } from "../wasmAssembler";
import { Workspace } from "../workspace";

const VOID = 0x40;
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
const TEE = 0x22;
const F64_LOAD = 0x2b, F64_STORE = 0x39;
const I32_EQZ = 0x45, I32_NE = 0x47, I32_GE_U = 0x4f, F64_LT = 0x63, F64_GT = 0x64, F64_LE = 0x65, F64_GE = 0x66;
const I32_ADD = 0x6a, I32_AND = 0x71, I32_SHL = 0x74, F64_ADD = 0xa0, F64_MUL = 0xa2, F64_MIN = 0xa4, F64_MAX = 0xa5;
const V128_LOAD = 0x00, F64X2_SPLAT = 0x14, F64X2_EXTRACT = 0x21, F64X2_ADD = 0xf0, F64X2_MUL = 0xf2, F64X2_PMIN = 0xf6, F64X2_PMAX = 0xf7;

/** The bytes of the module (exported for the tests: they must validate). */
export function scanModuleBytes(): Uint8Array<ArrayBuffer> {
  // params: 0 rows, 1 nRows, 2 n, 3 q, 4 cu, 5 cb (i32), 6 cash (f64), 7 out (i32)
  // i32 locals 8 r, 9 rowp, 10 j, 11 end2, 12 rowBytes; f64 13 H, 14 MX, 15 MN, 16 PM, 17 V, 18 p;
  // v128 19 acc, 20 mx, 21 mn, 22 pm, 23 pv
  const [rows, nRows, n, q, cu, cb, cash, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, rowp, j, end2, rowBytes] = [8, 9, 10, 11, 12];
  const [H, MX, MN, PM, V, p] = [13, 14, 15, 16, 17, 18];
  const [acc, mx, mn, pm, pv] = [19, 20, 21, 22, 23];
  const g = localGet, st = localSet, i32 = i32Const, f64 = f64Const;
  const vload = (base: number): number[] => [...g(base), ...g(j), I32_ADD, ...simd(V128_LOAD), 3, 0];
  const fload = (base: number): number[] => [...g(base), ...g(end2), I32_ADD, F64_LOAD, 3, 0];
  const lane = (v: number, k: number): number[] => [...g(v), ...simd(F64X2_EXTRACT), k];
  const code: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) code.push(...x); };
  e(g(n), i32(-2), [I32_AND], i32(3), [I32_SHL], st(end2));
  e(g(n), i32(3), [I32_SHL], st(rowBytes));
  e(g(rows), st(rowp));
  e([BLOCK, VOID, LOOP, VOID]);
  e(g(r), g(nRows), [I32_GE_U, BR_IF, 1]);
  e(f64(0), simd(F64X2_SPLAT), st(acc));
  e(f64(-Infinity), simd(F64X2_SPLAT), st(mx));
  e(f64(Infinity), simd(F64X2_SPLAT), st(mn));
  e(f64(Infinity), simd(F64X2_SPLAT), st(pm));
  e(i32(0), st(j));
  // pairs of assets
  e([BLOCK, VOID, LOOP, VOID]);
  e(g(j), g(end2), [I32_GE_U, BR_IF, 1]);
  e(g(rowp), g(j), [I32_ADD], simd(V128_LOAD), [3, 0], st(pv));
  e(g(acc), g(pv), vload(q), simd(F64X2_MUL), simd(F64X2_ADD), st(acc));
  e(g(mx), g(pv), vload(cu), simd(F64X2_MUL), simd(F64X2_PMAX), st(mx));
  e(g(mn), g(pv), vload(cb), simd(F64X2_MUL), simd(F64X2_PMIN), st(mn));
  e(g(pm), g(pv), simd(F64X2_PMIN), st(pm));
  e(g(j), i32(16), [I32_ADD], st(j));
  e([BR, 0, END, END]);
  // lanes
  e(lane(acc, 0), lane(acc, 1), [F64_ADD], st(H));
  e(lane(mx, 0), lane(mx, 1), [F64_MAX], st(MX));
  e(lane(mn, 0), lane(mn, 1), [F64_MIN], st(MN));
  e(lane(pm, 0), lane(pm, 1), [F64_MIN], st(PM));
  // the last asset when n is odd
  e(g(end2), g(rowBytes), [I32_NE, IF, VOID]);
  e(g(rowp), g(end2), [I32_ADD, F64_LOAD, 3, 0], [TEE, ...uleb(p)]);
  e(fload(q), [F64_MUL], g(H), [F64_ADD], st(H));
  e(g(MX), g(p), fload(cu), [F64_MUL, F64_MAX], st(MX));
  e(g(MN), g(p), fload(cb), [F64_MUL, F64_MIN], st(MN));
  e(g(PM), g(p), [F64_MIN], st(PM));
  e([END]);
  // V = cash + H; quiet when P > 0, V < 1e300, U <= V, B >= V (all false on NaN)
  e(g(cash), g(H), [F64_ADD], st(V));
  e(g(PM), f64(0), [F64_GT]);
  e(g(V), f64(1e300), [F64_LT, I32_AND]);
  e(g(MX), g(V), [F64_LE, I32_AND]);
  e(g(MN), g(V), [F64_GE, I32_AND]);
  e([I32_EQZ, BR_IF, 1]);
  e(g(out), g(r), i32(3), [I32_SHL, I32_ADD], g(V), [F64_STORE, 3, 0]);
  e(g(r), i32(1), [I32_ADD], st(r));
  e(g(rowp), g(rowBytes), [I32_ADD], st(rowp));
  e([BR, 0, END, END]);
  e(g(r));
  e([END]);
  return wasmModule([{ name: "scan", params: [I32, I32, I32, I32, I32, I32, F64, I32], results: [I32], body: [...locals([[5, I32], [6, F64], [5, V128]]), ...code] }]);
}

type ScanFn = (rows: number, nRows: number, n: number, q: number, cu: number, cb: number, cash: number, out: number) => number;

/** A memory with the kernel instantiated on it, and the scanner whose data is in it now. */
export interface ScanSite {
  memory: WebAssembly.Memory;
  scan: ScanFn;
  owner: QuietScanner | null;
}

/** The compiled kernel (immutable code; compiled once per runtime, instantiated per memory). */
let compiledKernel: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiledKernel !== undefined) return compiledKernel;
  compiledKernel = null;
  try {
    if (typeof WebAssembly !== "object") return null;
    const bytes = scanModuleBytes();
    if (WebAssembly.validate(bytes)) compiledKernel = new WebAssembly.Module(bytes);
  } catch {
    compiledKernel = null;
  }
  return compiledKernel;
}

function site(memory: WebAssembly.Memory): ScanSite | null {
  const m = compiledModule();
  if (m === null) return null;
  try {
    const inst = new WebAssembly.Instance(m, { e: { m: memory } });
    return { memory, scan: inst.exports.scan as ScanFn, owner: null };
  } catch {
    return null;
  }
}

/** A price matrix allocated in a memory of its own (backtestPrices), scanned in place: its instance and current shape. */
export interface InPlaceMatrix { site: ScanSite; rows: number; cols: number }

/** Matrices smaller than this (cells) are ordinary arrays. */
const MIN_IN_PLACE = 4096;

/** Bytes of the scratch area after an in-place matrix: alignment, coefficients (3 x cols), one value per row. */
const scratchBytes = (rows: number, cols: number): number => 16 + 24 * (cols + (cols & 1)) + 8 * (rows + (rows & 1));

/**
 * A rows x cols Float64Array for backtest prices. Where the kernel is available it lives in a
 * WebAssembly memory of its own, which runBacktest then scans in place (no copying of the prices);
 * elsewhere, below 4,096 cells (copying is cheap there) or above 1 GiB it is an ordinary
 * Float64Array. Either works with runBacktest.
 * New matrices are zeroed. `reuse`: a matrix this function returned before that the caller no longer
 * needs; when its memory is large enough the new matrix is a view on it (its contents are NOT cleared,
 * and the old matrix must not be used again), which saves the operating system's first-touch cost of
 * fresh memory (about as much as writing the prices) on repeated calls.
 * `ws`: the workspace whose backtests will read the matrix in place (runBacktest's `workspace`
 * option); it records the matrix weakly (workspace.ts scanInPlace). Omitted: a temporary one, so
 * the matrix is scanned like an ordinary Float64Array (correct, a copy per window).
 */
export function backtestPrices(rows: number, cols: number, reuse: Float64Array | null = null, ws: Workspace = new Workspace()): Float64Array {
  const inPlace = ws.scanInPlace;
  const len = rows * cols;
  const bytes = 8 * len + scratchBytes(rows, cols);
  if (reuse !== null && reuse.byteOffset === 0) {
    const buf = reuse.buffer as ArrayBuffer;
    const own = inPlace.get(buf);
    if (own !== undefined && buf.byteLength >= bytes) {
      own.rows = rows;
      own.cols = cols;
      return new Float64Array(buf, 0, len);
    }
    if (own === undefined && buf.byteLength >= 8 * len && !(len >= MIN_IN_PLACE && bytes <= 1 << 30 && compiledModule() !== null)) return new Float64Array(buf, 0, len);
  }
  if (len >= MIN_IN_PLACE && bytes <= 1 << 30 && compiledModule() !== null) {
    try {
      const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
      const st = site(memory);
      if (st !== null) {
        const a = new Float64Array(memory.buffer, 0, len);
        inPlace.set(memory.buffer, { site: st, rows, cols });
        return a;
      }
    } catch {
      // no memory that large here: an ordinary array
    }
  }
  return new Float64Array(len);
}

/** Bytes of price rows kept in the shared memory at a time (rows are copied in as the scan needs them). */
const CHUNK_BYTES = 1 << 18;

/**
 * One backtest's use of the kernel: its coefficients, and its price rows - in place when the matrix
 * came from backtestPrices, else a window of rows copied into the shared memory. Backtests may nest
 * (one started from another's progress hook): a scanner that finds another's data in its memory
 * writes its own again before scanning.
 */
export class QuietScanner {
  private readonly n: number;
  private readonly T: number;
  private readonly R: number;
  private readonly qOff: number;
  private readonly cuOff: number;
  private readonly cbOff: number;
  private readonly outOff: number;
  private readonly rowsOff: number;
  private lo = 0; // rows [lo, hi) are in memory
  private hi = 0;
  private mem: Float64Array;
  private q: Float64Array | null = null;
  private uInv: Float64Array | null = null;
  private bInv: Float64Array | null = null;
  private bands = false;

  private constructor(private readonly st: ScanSite, private readonly prices: Float64Array, T: number, n: number, private readonly inPlace: boolean) {
    this.n = n;
    this.T = T;
    const np = n + (n & 1);
    // in place: rows at 0, then coefficients and values (16-byte aligned); copied: coefficients,
    // values, then a window of R rows
    this.R = inPlace ? T : Math.max(4, Math.min(T, Math.floor(CHUNK_BYTES / (8 * n))));
    this.qOff = inPlace ? 8 * T * n + ((8 * T * n) & 8) : 0;
    this.cuOff = this.qOff + 8 * np;
    this.cbOff = this.cuOff + 8 * np;
    this.outOff = this.cbOff + 8 * np;
    this.rowsOff = inPlace ? 0 : this.outOff + 8 * (this.R + (this.R & 1));
    if (inPlace) {
      this.lo = 0;
      this.hi = T;
    } else {
      const bytes = this.rowsOff + 8 * n * this.R;
      const have = st.memory.buffer.byteLength;
      if (bytes > have) st.memory.grow(Math.ceil((bytes - have) / 65536));
    }
    this.mem = new Float64Array(st.memory.buffer);
  }

  /**
   * A scanner for this T x n price matrix on the workspace's memories, or null when the kernel is
   * not available here. A shared memory grown above the workspace's retention cap serves this
   * scanner and is then no longer kept by the workspace.
   */
  static create(prices: Float64Array, T: number, n: number, ws: Workspace = new Workspace()): QuietScanner | null {
    if (T === 0 || n === 0) return null;
    const own = ws.scanInPlace.get(prices.buffer as ArrayBuffer);
    if (own !== undefined && prices.byteOffset === 0 && own.rows === T && own.cols === n && prices.length === T * n) {
      return new QuietScanner(own.site, prices, T, n, true);
    }
    if (ws.scanShared === undefined) ws.scanShared = compiledModule() === null ? null : site(new WebAssembly.Memory({ initial: 1 }));
    const shared = ws.scanShared;
    if (shared === null || 8 * n * 4 > 1 << 30) return null;
    try {
      const sc = new QuietScanner(shared, prices, T, n, false);
      if (!ws.retains(shared.memory.buffer.byteLength)) ws.scanShared = undefined; // used by this scanner, not kept
      return sc;
    } catch {
      return null; // the memory could not grow
    }
  }

  /**
   * Sets cu = q uInv and cb = q bInv (+inf where bInv is +inf); bands false: no band check (cu 0,
   * cb +inf). The arrays are read again if another scanner used the memory in between.
   */
  setCoefficients(q: Float64Array, uInv: Float64Array, bInv: Float64Array, bands: boolean): void {
    this.q = q;
    this.uInv = uInv;
    this.bInv = bInv;
    this.bands = bands;
    this.upload();
  }

  private upload(): void {
    const { q, uInv, bInv, bands } = this;
    if (this.mem.buffer !== this.st.memory.buffer) this.mem = new Float64Array(this.st.memory.buffer); // grown by another scanner
    const m = this.mem;
    const n = this.n;
    const qa = this.qOff >> 3, ua = this.cuOff >> 3, ba = this.cbOff >> 3;
    if (q !== null && uInv !== null && bInv !== null) {
      for (let i = 0; i < n; i++) {
        const qi = q[i];
        m[qa + i] = qi;
        m[ua + i] = bands ? qi * uInv[i] : 0;
        m[ba + i] = !bands || bInv[i] === Infinity ? Infinity : qi * bInv[i];
      }
    }
    if (this.st.owner !== this && !this.inPlace) this.lo = this.hi = 0; // the rows there are another scanner's
    this.st.owner = this;
  }

  /**
   * Quiet rows from t (before tEnd): writes their values and cash, returns the first row that is not
   * quiet (or tEnd). Same contract as engine.ts quietRows, with the kernel's test.
   */
  scan(t: number, tEnd: number, cash: number, values: Float64Array, cashSeries: Float64Array): number {
    const n = this.n;
    if (this.st.owner !== this) this.upload();
    while (t < tEnd) {
      if (!(t >= this.lo && t < this.hi)) {
        this.lo = t;
        this.hi = Math.min(this.T, t + this.R);
        this.mem.set(this.prices.subarray(this.lo * n, this.hi * n), this.rowsOff >> 3);
      }
      const k = Math.min(tEnd, this.hi) - t;
      const done = this.st.scan(this.rowsOff + 8 * n * (t - this.lo), k, n, this.qOff, this.cuOff, this.cbOff, cash, this.outOff);
      if (done > 0) {
        const o = this.outOff >> 3;
        values.set(this.mem.subarray(o, o + done), t);
        cashSeries.fill(cash, t, t + done);
        t += done;
      }
      if (done < k) return t;
    }
    return t;
  }
}
