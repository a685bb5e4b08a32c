/**
 * Cells as they come from a sheet, a CSV or a workbook file: the shared readers of blanks, numbers
 * and rectangular ranges. A blank (null, undefined, "") is a *missing* value, never zero; numeric
 * text ("1,234.5", "5%") is read as a number (numberText.ts); every problem is a RebalError naming where it is.
 * Pure: used by the formulas (src/functions), the workbook layer and the command line alike.
 */
import { RebalError } from "./errors";
import { DecimalStyle, readNumberText } from "./numberText";

export type Cell = unknown;

export const isBlank = (v: Cell): boolean => v === null || v === undefined || (typeof v === "string" && v.trim() === "");

/** Normalises a range argument to a non-empty rectangular 2-D array. */
export function matrixArg(value: unknown, arg: string): Cell[][] {
  if (!Array.isArray(value)) return [[value]];
  if (value.length === 0) throw new RebalError(`${arg} is empty`);
  if (!Array.isArray(value[0])) return [value as Cell[]];
  const rows = value as Cell[][];
  const width = rows[0].length;
  if (width === 0) throw new RebalError(`${arg} is empty`);
  for (let r = 0; r < rows.length; r++) {
    if (!Array.isArray(rows[r]) || rows[r].length !== width) throw new RebalError(`${arg}: row ${r + 1} does not have ${width} cells`);
  }
  return rows;
}

/**
 * Reads a number from a cell: numbers, numeric text in the given decimal style ("1,234.5", "5%",
 * "$12"; numberText.ts is the one reader of numeric text); TRUE/FALSE and other text are errors.
 */
export function numberCell(v: Cell, where: string, style: DecimalStyle = "."): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new RebalError(`${where} is not a finite number`);
    return v;
  }
  if (typeof v === "string") {
    if (v.trim() === "") throw new RebalError(`${where} is blank`);
    return readNumberText(v, style, where);
  }
  if (typeof v === "boolean") throw new RebalError(`${where}: ${v ? "TRUE" : "FALSE"} is not a number`);
  if (isBlank(v)) throw new RebalError(`${where} is blank`);
  throw new RebalError(`${where} is not a number`);
}

