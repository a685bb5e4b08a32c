/**
 * The reusable memory of core's numerical kernels, owned by the caller instead of by the modules.
 *
 * What a Workspace holds (every mutable buffer or WebAssembly memory core keeps between calls):
 * - `qp`: the active-set QP solver's scratch (optimize/qp.ts): index, value and flag arrays sized by
 *   the problem, the packed Cholesky factor `L` and the working rows' `Z`;
 * - `gram`: the SIMD Gram kernel's instance and its growable WebAssembly memory
 *   (estimators/wasmGram.ts), with `gramGeneration` / `gramLastEnd`, which say which packed panel
 *   that memory holds now (estimators/kernel.ts: row moments read the panel the last product
 *   packed, when it is still there), and `gramBackend` ("js" forces the scalar kernel);
 * - `scanShared`: the backtest quiet-row scan's instance on its small shared memory, into which
 *   price rows are copied by windows (backtest/scanWasm.ts), and `scanInPlace`: the price matrices
 *   this workspace allocated in memories of their own (backtestPrices), which the scan reads in
 *   place (weakly held: a matrix lives as long as its caller keeps it);
 * - `prices`: the last REBAL.BACKTEST price matrix, reused by the next call (src/functions/backtest.ts:
 *   writing into memory already touched is about twice as fast as into fresh memory);
 * - `planner`: the trade planner's solver and buffers (lotPlan.ts), reused by every plan made with
 *   this workspace (backtests, simulations, sweeps), and `periodKeys`: the calendar period keys of
 *   the last dates array a backtest used (simulated paths share their dates).
 *
 * The one retention cap: `retainBytes` (default RETAIN_BYTES, 64 MiB). A buffer or memory whose size
 * is above it is used for the call that needed it and then released (not kept in the workspace), so
 * one huge REBAL.COV or backtest does not pin its memory in the shared runtime that also hosts the
 * pane. WebAssembly memories only grow, so "released" means the instance is dropped and the next
 * call starts a fresh 64 KiB one. Below the cap, buffers are kept and reused: this is what makes
 * repeated calls fast (no first-touch cost, no young-generation GC pressure). The most a workspace
 * keeps is therefore about one cap per slot (QP: five arrays, Gram, scan, prices).
 *
 * Ownership: whoever runs core calls owns one Workspace and passes it down (the custom-functions
 * runtime one for all formulas, src/functions/workspace.ts; the pane's compare worker and the CLI
 * their own). Calls are synchronous, so one workspace must not be used by two computations at the
 * same time, except that a backtest may start another from its progress hook (scanWasm.ts
 * handles that). A core function given no workspace makes a temporary one: correct, the same bits,
 * but slower (buffers and WebAssembly instances are made again on every call).
 *
 * What stays module-level in core, and why: compiled WebAssembly.Module objects (wasmGram.ts,
 * scanWasm.ts) are immutable code, compiled once per runtime and instantiated per workspace; the
 * lazily loaded HiGHS solver (optimize/allocate.ts) is a module (code) too. Neither holds data.
 */
import type { WasmGram } from "./estimators/wasmGram";
import type { InPlaceMatrix, ScanSite } from "./backtest/scanWasm";
import { LotPlanner } from "./lotPlan";

/** The default retention cap: buffers and memories up to 64 MiB are kept between calls. */
export const RETAIN_BYTES = 64 * 1024 * 1024;

/** The QP solver's scratch arrays (optimize/qp.ts). */
export interface QPScratch {
  f64: Float64Array;
  i32: Int32Array;
  i8: Int8Array;
  L: Float64Array;
  Z: Float64Array;
}

export interface WorkspaceOptions {
  /** Retention cap in bytes (default RETAIN_BYTES); anything larger is released after use. */
  retainBytes?: number;
  /** Gram kernel: "auto" (default; WebAssembly SIMD where it compiles) or "js" (the scalar fallback). */
  gramBackend?: "auto" | "js";
}

export class Workspace {
  /** Buffers and memories above this many bytes are not kept after the call that needed them. */
  readonly retainBytes: number;
  /** Gram kernel choice (estimators/kernel.ts): "js" forces the scalar kernel (tests, benchmarks). */
  gramBackend: "auto" | "js";
  /** QP scratch (optimize/qp.ts); empty until a solve needs it. */
  qp: QPScratch = { f64: new Float64Array(0), i32: new Int32Array(0), i8: new Int8Array(0), L: new Float64Array(0), Z: new Float64Array(0) };
  /** The Gram kernel's instance and memory: undefined = not made yet, null = not available here. */
  gram: WasmGram | null | undefined = undefined;
  /** Counts Gram products on `gram`, so that a packed panel left in its memory is known to be the current one. */
  gramGeneration = 0;
  /** Doubles in use in `gram`'s memory by the last product (packed data, then its result). */
  gramLastEnd = 0;
  /** The quiet-row scan's shared memory (rows copied in by windows): undefined = not made yet, null = not available. */
  scanShared: ScanSite | null | undefined = undefined;
  /** Price matrices this workspace allocated in memories of their own (backtestPrices), scanned in place. */
  readonly scanInPlace = new WeakMap<ArrayBuffer, InPlaceMatrix>();
  /** The last REBAL.BACKTEST price matrix (src/functions/backtest.ts), reused by the next call. */
  prices: Float64Array | null = null;
  /** The trade planner of every plan made with this workspace (made on first use). */
  private lotPlanner: LotPlanner | null = null;
  /** Period keys of the last dates array a backtest used, per frequency (backtest/engine.ts). */
  periodKeys: { dates: Float64Array; freq: string; keys: Float64Array } | null = null;

  /** The workspace's trade planner. */
  planner(): LotPlanner {
    if (this.lotPlanner === null) this.lotPlanner = new LotPlanner();
    return this.lotPlanner;
  }

  constructor(options: WorkspaceOptions = {}) {
    const cap = options.retainBytes ?? RETAIN_BYTES;
    if (!(cap >= 0)) throw new RangeError(`retainBytes must be a number >= 0, got ${cap}`);
    this.retainBytes = cap;
    this.gramBackend = options.gramBackend ?? "auto";
  }

  /** Whether a buffer or memory of `bytes` is kept after use (bytes <= retainBytes). */
  retains(bytes: number): boolean {
    return bytes <= this.retainBytes;
  }

  /** Bytes the workspace keeps alive now (scratch arrays, WebAssembly memories, the price matrix). */
  retainedBytes(): number {
    const q = this.qp;
    let b = q.f64.byteLength + q.i32.byteLength + q.i8.byteLength + q.L.byteLength + q.Z.byteLength;
    if (this.gram) b += this.gram.memory.buffer.byteLength;
    if (this.scanShared) b += this.scanShared.memory.buffer.byteLength;
    if (this.prices) b += this.prices.buffer.byteLength;
    return b;
  }

  /** Releases everything kept (the next calls allocate afresh). */
  clear(): void {
    this.qp = { f64: new Float64Array(0), i32: new Int32Array(0), i8: new Int8Array(0), L: new Float64Array(0), Z: new Float64Array(0) };
    this.gram = undefined;
    this.gramLastEnd = 0;
    this.gramGeneration++;
    this.scanShared = undefined;
    this.prices = null;
    this.lotPlanner = null;
    this.periodKeys = null;
  }
}
