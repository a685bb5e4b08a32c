/**
 * A tiny WebAssembly binary assembler for the hand-written SIMD kernels (estimators/wasmGram.ts,
 * backtest/scanWasm.ts): LEB128 integers, vectors, sections, the local / constant instructions they
 * all use, and `wasmModule`, which lays out a module whose functions share one imported memory
 * `e.m`. Each kernel keeps its own opcodes and function bodies; the binary format lives here once.
 * Format: the WebAssembly core specification, binary format (version 1) with the SIMD proposal.
 * Pure TypeScript: no Office, DOM or Node APIs.
 */

/** Value types. */
export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

/** A name: its length, then its (ASCII) bytes. */
export const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A SIMD instruction (prefix 0xfd). */
export const simd = (code: number): number[] => [0xfd, ...uleb(code)];

/** local.get / local.set, i32.const, f64.const. */
export const localGet = (i: number): number[] => [0x20, ...uleb(i)];
export const localSet = (i: number): number[] => [0x21, ...uleb(i)];
export const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
export const f64Const = (v: number): number[] => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)];

/** Local declarations: runs of [count, type]. */
export const locals = (runs: [number, number][]): number[] => vec(runs.map(([count, type]) => [...uleb(count), type]));

export interface WasmFunction {
  /** Export name. */
  name: string;
  params: number[];
  results: number[];
  /** Local declarations (`locals`) followed by the instructions, ending with `end` (0x0b). */
  body: number[];
}

/**
 * The bytes of a module that imports one memory `e.m` (at least 1 page) and exports `functions`,
 * one type per function, in order.
 */
export function wasmModule(functions: WasmFunction[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))),
    ...section(2, vec([[...str("e"), ...str("m"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, k) => uleb(k)))),
    ...section(7, vec(functions.map((f, k) => [...str(f.name), 0x00, ...uleb(k)]))),
    ...section(10, vec(functions.map((f) => [...uleb(f.body.length), ...f.body]))),
  ]);
}
