/**
 * Excel arguments in, Excel results out: the shared plumbing of every REBAL.* function.
 *
 * - Ranges arrive as `any[][]`; a blank cell is `null`, `undefined` or `""` and means *missing*,
 *   never zero. A single value may arrive as a scalar.
 * - Asset vectors may be a column or a row; `vectorArg` remembers which so that results come back
 *   in the same orientation (`shapeVector`).
 * - Every problem is a RebalError whose message names the argument and the row/column (1-based,
 *   as the analyst sees the range).
 * - `excelCall` wraps a function body: a RebalError becomes `#VALUE!` with its message; anything
 *   else becomes `#VALUE!` "internal error"; a non-finite number in a result is caught here, so
 *   no NaN or Infinity ever reaches a cell.
 * No maths here: parsing and shaping only.
 */
import { RebalError } from "../core/errors";
import { Cell, isBlank, matrixArg, numberCell } from "../core/cells";

export { isBlank, matrixArg, numberCell };

export type Orientation = "column" | "row";
export type { Cell };

export interface VectorArg {
  cells: Cell[];
  orientation: Orientation;
}

/** A 1-D range (a column or a row; a single cell counts as a column). */
export function vectorArg(value: unknown, arg: string): VectorArg {
  const m = matrixArg(value, arg);
  if (m[0].length === 1) return { cells: m.map((r) => r[0]), orientation: "column" };
  if (m.length === 1) return { cells: m[0], orientation: "row" };
  throw new RebalError(`${arg} must be a single column or a single row, got ${m.length} rows x ${m[0].length} columns`);
}

/** Position of item i of a vector, in the words the analyst sees. */
export const at = (arg: string, v: VectorArg, i: number): string => `${arg} ${v.orientation === "column" ? "row" : "column"} ${i + 1}`;

/** A numeric vector; blank cells are errors unless `blank` gives a value to use. */
export function numbersArg(value: unknown, arg: string, opts: { blank?: number; min?: number; positive?: boolean } = {}): { values: Float64Array; orientation: Orientation; vec: VectorArg } {
  const vec = vectorArg(value, arg);
  const values = new Float64Array(vec.cells.length);
  for (let i = 0; i < values.length; i++) {
    const c = vec.cells[i];
    let x: number;
    if (isBlank(c)) {
      if (opts.blank === undefined) throw new RebalError(`${at(arg, vec, i)} is blank (blank cells are missing values, not zero)`);
      x = opts.blank;
    } else x = numberCell(c, at(arg, vec, i));
    if (opts.positive && !(x > 0)) throw new RebalError(`${at(arg, vec, i)} must be positive, got ${x}`);
    if (opts.min !== undefined && x < opts.min) throw new RebalError(`${at(arg, vec, i)} must be at least ${opts.min}, got ${x}${opts.min === 0 ? " (set allow_short=TRUE in the policy for shorts)" : ""}`);
    values[i] = x;
  }
  return { values, orientation: vec.orientation, vec };
}

/** Fails unless the vectors have the same length. */
export function sameLength(names: string[], lengths: number[]): void {
  for (let k = 1; k < lengths.length; k++) {
    if (lengths[k] !== lengths[0]) throw new RebalError(`${names[k]} has ${lengths[k]} values but ${names[0]} has ${lengths[0]}: they must match`);
  }
}

/** An optional scalar number; blank/omitted gives `fallback`. A 1x1 range is accepted. */
export function optionalNumber(value: unknown, arg: string, fallback: number): number {
  const v = Array.isArray(value) ? matrixArg(value, arg) : [[value]];
  if (v.length !== 1 || v[0].length !== 1) throw new RebalError(`${arg} must be a single cell`);
  return isBlank(v[0][0]) ? fallback : numberCell(v[0][0], arg);
}

/** An optional scalar of any kind (a 1x1 range is unwrapped); blank/omitted gives null. */
export function optionalScalar(value: unknown, arg: string): Cell {
  const v = Array.isArray(value) ? matrixArg(value, arg) : [[value]];
  if (v.length !== 1 || v[0].length !== 1) throw new RebalError(`${arg} must be a single cell`);
  return isBlank(v[0][0]) ? null : v[0][0];
}

/** A policy/options argument: omitted or blank -> "" (no keys); ranges and text pass through. */
export function keyValueArg(value: unknown): unknown {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value) && value.length === 1 && Array.isArray(value[0]) && value[0].length === 1) return isBlank(value[0][0]) ? "" : String(value[0][0]);
  return value;
}

/** A vector result in the given orientation. */
export function shapeVector(values: ArrayLike<number | string | boolean>, orientation: Orientation): (number | string | boolean)[][] {
  const out: (number | string | boolean)[][] = [];
  if (orientation === "row") out.push(Array.from(values));
  else for (let i = 0; i < values.length; i++) out.push([values[i]]);
  return out;
}

/** Excel's error values, resolved lazily: outside Excel `CustomFunctions` exists only if the host defines it. */
function excelError(code: "invalidValue" | "divisionByZero" | "notAvailable", message: string): Error {
  const cf = (globalThis as { CustomFunctions?: typeof CustomFunctions }).CustomFunctions;
  const text = message.length > 250 ? message.slice(0, 247) + "..." : message;
  if (cf && cf.Error && cf.ErrorCode) return new cf.Error(cf.ErrorCode[code], text) as unknown as Error;
  const e = new Error(text);
  (e as Error & { code: string }).code = code;
  return e;
}

/** A per-cell `#DIV/0!` for results that are undefined in one cell only (relative drift of a zero target). */
export const divisionByZero = (message: string): Error => excelError("divisionByZero", message);

/** Checks that every number in a result is finite (an error value in a cell is fine). */
function assertFinite(result: unknown): void {
  if (typeof result === "number") {
    if (!Number.isFinite(result)) throw new Error(`result is ${result}`);
  } else if (Array.isArray(result)) {
    for (const row of result) {
      if (Array.isArray(row)) { for (const c of row) if (typeof c === "number" && !Number.isFinite(c)) throw new Error(`result has ${c}`); }
      else if (typeof row === "number" && !Number.isFinite(row)) throw new Error(`result has ${row}`);
    }
  }
}

/**
 * Runs a formula body: RebalError -> #VALUE! with its message; anything else -> #VALUE! "internal
 * error". `fn` names the function in the internal-error message.
 */
export function excelCall<T>(fn: string, body: () => T): T {
  try {
    const result = body();
    assertFinite(result);
    return result;
  } catch (e) {
    throw toExcelError(fn, e);
  }
}

/** The same for formulas that return a promise (solvers loaded on demand). */
export async function excelCallAsync<T>(fn: string, body: () => Promise<T>): Promise<T> {
  try {
    const result = await body();
    assertFinite(result);
    return result;
  } catch (e) {
    throw toExcelError(fn, e);
  }
}

function toExcelError(fn: string, e: unknown): Error {
  if (e instanceof RebalError) return excelError("invalidValue", e.message);
  const msg = e instanceof Error ? e.message : String(e);
  return excelError("invalidValue", `REBAL.${fn}: internal error (${msg}); please report it`);
}
