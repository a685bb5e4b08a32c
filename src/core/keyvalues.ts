/**
 * Key/value input: the one reader for `options` and `policy` arguments, whatever their shape.
 *
 * Accepted shapes (product.md, "Formula conventions"):
 * - a text `"risk_free_rate=0.02; max_weight=0.1"` (separators `;` or newlines, `=` or `:`);
 * - a 2-column range of key | value rows;
 * - a 2-row range of keys over values.
 * Keys are case-insensitive and trimmed; blank rows are skipped; a key given twice is an error.
 * Each pair remembers where it came from (`where`) so that a later error can point at the cell.
 * Pure: no Office API; a range is just `unknown[][]`.
 */
import { parseNumberText } from "./numberText";
import { RebalError } from "./errors";

export interface KeyValue {
  key: string;
  value: unknown;
  where: string;
}

const isBlank = (v: unknown): boolean => v === null || v === undefined || (typeof v === "string" && v.trim() === "");

/** Reads key/value pairs from text, a 2-column range or a 2-row range. `arg` names the argument in errors. */
export function readKeyValues(input: unknown, arg: string): KeyValue[] {
  if (isBlank(input)) return [];
  if (typeof input === "string") return readText(input, arg);
  if (!Array.isArray(input)) throw new RebalError(`${arg}: expected a text like "key=value; key=value" or a 2-column range, got ${typeof input}`);
  const rows = input as unknown[][];
  if (rows.length === 0) return [];
  if (!rows.every(Array.isArray)) throw new RebalError(`${arg}: expected a range (rows of cells)`);
  const width = rows[0].length;
  // A single cell holding text like "a=1; b=2".
  if (rows.length === 1 && width === 1) return isBlank(rows[0][0]) ? [] : readKeyValues(String(rows[0][0]), arg);
  let pairs: KeyValue[];
  if (width === 2) {
    pairs = rows.map((r, i) => ({ key: r[0] as never, value: r[1], where: `${arg} row ${i + 1}` }));
  } else if (rows.length === 2) {
    pairs = rows[0].map((k, j) => ({ key: k as never, value: rows[1][j], where: `${arg} column ${j + 1}` }));
  } else {
    throw new RebalError(`${arg}: expected a 2-column range (key | value) or a 2-row range (keys over values), got ${rows.length} x ${width}`);
  }
  return finish(pairs.filter((p) => !(isBlank(p.key) && isBlank(p.value))), arg);
}

function readText(text: string, arg: string): KeyValue[] {
  const pairs: KeyValue[] = [];
  text.split(/[;\n\r]+/).forEach((part, i) => {
    if (part.trim() === "") return;
    const m = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(part);
    if (!m) throw new RebalError(`${arg}: "${part.trim()}" is not of the form key=value`);
    pairs.push({ key: m[1], value: m[2], where: `${arg} item ${i + 1}` });
  });
  return finish(pairs, arg);
}

function finish(pairs: KeyValue[], arg: string): KeyValue[] {
  const seen = new Set<string>();
  for (const p of pairs) {
    if (typeof p.key !== "string" || p.key.trim() === "") throw new RebalError(`${p.where}: the key must be text, got ${JSON.stringify(p.key)}`);
    p.key = p.key.trim().toLowerCase();
    if (seen.has(p.key)) throw new RebalError(`${arg}: key "${p.key}" is given twice`);
    seen.add(p.key);
  }
  return pairs;
}

/** Parses a value as a number: numbers, numeric text and percentages ("5%"), read by numberText.ts. */
export function valueAsNumber(p: KeyValue): number {
  const v = p.value;
  let x = NaN;
  if (typeof v === "number") x = v;
  else if (typeof v === "string" && v.trim() !== "") {
    x = parseNumberText(v, ".", `${p.where}: ${p.key}`) ?? NaN;
  }
  if (!Number.isFinite(x)) throw new RebalError(`${p.where}: ${p.key} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

/** Parses TRUE/FALSE, yes/no, 1/0. */
export function valueAsBoolean(p: KeyValue): boolean {
  const v = p.value;
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (["true", "yes", "1", "y"].includes(s)) return true;
    if (["false", "no", "0", "n"].includes(s)) return false;
  }
  throw new RebalError(`${p.where}: ${p.key} must be TRUE or FALSE, got ${JSON.stringify(v)}`);
}

/** Parses one of `choices` (case-insensitive). */
export function valueAsChoice<T extends string>(p: KeyValue, choices: readonly T[]): T {
  const s = typeof p.value === "string" ? p.value.trim().toLowerCase() : "";
  const hit = choices.find((c) => c === s);
  if (hit === undefined) throw new RebalError(`${p.where}: ${p.key} must be one of ${choices.join(", ")}, got ${JSON.stringify(p.value)}`);
  return hit;
}

/** Fails on the first key not in `known`, listing the known keys. */
export function rejectUnknownKeys(pairs: KeyValue[], known: readonly string[], arg: string): void {
  for (const p of pairs) {
    if (!known.includes(p.key)) throw new RebalError(`${p.where}: unknown ${arg} key "${p.key}" (known keys: ${known.join(", ")})`);
  }
}
