/**
 * Reading ranges: resolving what the analyst typed or selected — an A1 address ("B2:E9",
 * "Holdings!B2:E9", "'My book'!$A$1"), a table name ("Holdings", or "Holdings[#All]") or a workbook
 * defined name — to a range, its address and its values. Also the formula a binding name stores for
 * a reference: a table is stored as "=Table[#All]" (grows with the table), a range with absolute
 * references ("='My book'!$B$2:$E$9"; defined names move with inserted rows anyway).
 * Values come back as Office gives them: blank cells are "" (missing, never zero, per conventions).
 * Also the names of the sheets the pane adds ("Trades 2026-11-21", "Compare 2026-11-21 (2)").
 */
import { RebalError } from "../core/errors";
import { runExcel } from "./excel";

const A1 = /^\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$/;
const IDENT = /^[A-Za-z_\\][A-Za-z0-9_.]*$/;

/** "<prefix> 2026-11-21" (local date), or with " (2)", " (3)"... when taken (case-insensitive, like Excel). */
export function datedSheetName(prefix: string, date: Date, taken: string[]): string {
  const pad = (x: number) => String(x).padStart(2, "0");
  const base = `${prefix} ${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const set = new Set(taken.map((s) => s.toLowerCase()));
  if (!set.has(base.toLowerCase())) return base;
  for (let k = 2; ; k++) if (!set.has(`${base} (${k})`.toLowerCase())) return `${base} (${k})`;
}

export function quoteSheetName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** "Sheet!A1:B2" -> "Sheet!$A$1:$B$2" (sheet part kept as given). */
export function absoluteAddress(address: string): string {
  const bang = address.lastIndexOf("!");
  const sheet = bang >= 0 ? address.slice(0, bang + 1) : "";
  const cells = address.slice(bang + 1).replace(/\$/g, "");
  return sheet + cells.split(":").map((c) => c.replace(/^([A-Za-z]+)(\d+)$/, "$$$1$$$2")).join(":");
}

export type ParsedRef =
  | { kind: "address"; sheet: string | null; address: string }
  | { kind: "table"; table: string }
  | { kind: "name"; name: string };

/** Classifies a typed reference (no workbook access). Throws a RebalError for nonsense. */
export function parseReference(text: string): ParsedRef {
  const s = text.trim().replace(/^=/, "");
  if (s === "") throw new RebalError("no reference given");
  const table = /^([A-Za-z_\\][A-Za-z0-9_.]*)\[#All\]$/i.exec(s);
  if (table) return { kind: "table", table: table[1] };
  const bang = s.lastIndexOf("!");
  if (bang >= 0) {
    let sheet = s.slice(0, bang);
    const address = s.slice(bang + 1);
    if (sheet.startsWith("'") && sheet.endsWith("'") && sheet.length >= 2) sheet = sheet.slice(1, -1).replace(/''/g, "'");
    if (sheet === "" || !A1.test(address)) throw new RebalError(`"${text}" is not an address like Sheet1!B2:E9`);
    return { kind: "address", sheet, address: address.replace(/\$/g, "").toUpperCase() };
  }
  if (A1.test(s)) return { kind: "address", sheet: null, address: s.replace(/\$/g, "").toUpperCase() };
  if (IDENT.test(s)) return { kind: "name", name: s };
  throw new RebalError(`"${text}" is neither an address (B2:E9, Sheet1!B2:E9), a table name nor a defined name`);
}

export interface ResolvedRef {
  /** The range (loaded: address, values unless not asked for, rowCount, columnCount). */
  range: Excel.Range;
  /** What a binding name should store, with "=". */
  formula: string;
  /** How to show it: "Holdings (table)", "Sheet1!B2:E9". */
  label: string;
}

/**
 * Resolves a reference inside a batch (2 syncs at most). `what` names it in messages
 * ("holdings", "cash cell"). `loadValues` false: the range's values are not loaded (only address,
 * rowCount, columnCount) - for a caller that trims a possibly huge range first (compare.ts).
 */
export async function resolveReference(context: Excel.RequestContext, text: string, what: string, loadValues = true): Promise<ResolvedRef> {
  const props = loadValues ? ["address", "values", "rowCount", "columnCount"] : ["address", "rowCount", "columnCount"];
  let ref: ParsedRef;
  try {
    ref = parseReference(text);
  } catch (e) {
    throw new RebalError(`${what}: ${(e as Error).message}`);
  }
  const wb = context.workbook;
  if (ref.kind === "address") {
    const sheet = ref.sheet === null ? wb.worksheets.getActiveWorksheet() : wb.worksheets.getItemOrNullObject(ref.sheet);
    sheet.load("name");
    await context.sync();
    if (sheet.isNullObject) throw new RebalError(`${what}: there is no sheet "${ref.sheet}"`);
    const range = sheet.getRange(ref.address);
    range.load(props);
    await context.sync();
    return { range, formula: "=" + absoluteAddress(`${quoteSheetName(sheet.name)}!${ref.address}`), label: range.address };
  }
  const name = ref.kind === "table" ? ref.table : ref.name;
  const table = wb.tables.getItemOrNullObject(name);
  const item = ref.kind === "name" ? wb.names.getItemOrNullObject(name) : null;
  table.load("name");
  item?.load(["name", "formula"]);
  await context.sync();
  if (!table.isNullObject) {
    const range = table.getRange();
    range.load(props);
    await context.sync();
    return { range, formula: `=${table.name}[#All]`, label: `${table.name} (table, ${range.address})` };
  }
  if (item && !item.isNullObject) {
    const range = item.getRangeOrNullObject();
    range.load(props);
    await context.sync();
    if (range.isNullObject) throw new RebalError(`${what}: the name ${item.name} refers to ${item.formula}, not to cells`);
    return { range, formula: item.formula, label: `${item.name} (${range.address})` };
  }
  throw new RebalError(`${what}: there is no table or defined name "${name}"`);
}

/** Reads a typed reference's address and values (its own batch). */
export function readReference(text: string, what = "range"): Promise<{ address: string; values: unknown[][]; formula: string }> {
  return runExcel(async (context) => {
    const r = await resolveReference(context, text, what);
    return { address: r.range.address, values: r.range.values, formula: r.formula };
  });
}

/** The address of the current selection ("Sheet1!B2:E9"), for "Use current selection". */
export function selectedAddress(): Promise<string> {
  return runExcel(async (context) => {
    const range = context.workbook.getSelectedRange();
    range.load("address");
    await context.sync();
    return range.address;
  });
}
