/**
 * Files in: CSV (papaparse) and .xlsx (exceljs) to plain cell tables; holdings tables (one account,
 * or many with an `account` column) and stored policies (docs/policy-format.md, parsed by
 * src/core/policyStore.ts) found in a workbook.
 *
 * Conventions: cells are numbers, strings, booleans or null (blank); dates become Excel serial
 * numbers; a formula cell is its cached result. Rows are numbered as the analyst sees them (CSV
 * line, sheet row), so every message names the file, the row and the column. Numeric text is read
 * in the file's decimal style (src/core/numberText.ts): --decimal, else detected per file (a CSV's
 * cells, a workbook's table) only when unambiguous. Every input is bounded before it is parsed:
 * InputLimits (file size, uncompressed .xlsx size, cells; xlsxLimits.ts checks a zip before
 * exceljs inflates it). A CSV row with more fields than its header is an error (an unquoted decimal
 * comma splits a number in two).
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import Papa from "papaparse";
import ExcelJS from "exceljs";
import { RebalError, fmt } from "../core/errors";
import { Book } from "../core/trades";
import { parsePolicy, Policy } from "../core/policy";
import { BINDING_PREFIX, POLICY_NAME_PREFIX, POLICY_SHEET, holdingsBindingName, nameKey, policyDefinedName, readPolicyBlock, readPolicySheet, readStoredPolicies } from "../core/policyStore";
import { checkAmount, columnLetter, findHoldingsColumns, isBlankCell, isHoldingsHeader, numberFromCell, readHoldingsRows } from "../core/holdingsTable";
import { DecimalStyle, detectDecimalStyle } from "../core/numberText";
import { FileError, UsageError } from "./errors";
import { XlsxLimits, checkXlsxLimits, defaultXlsxLimits } from "./xlsxLimits";

export type Cell = number | string | boolean | null;

/** Limits on every input: bytes (a CSV's size, an .xlsx's uncompressed size) and cells (+ rows). */
export type InputLimits = XlsxLimits;
export const defaultLimits = defaultXlsxLimits;

/** How to read inputs: the decimal mark (null = detect per file) and the limits. */
export interface ReadOptions { decimal: DecimalStyle | null; limits: InputLimits }
export const defaultReadOptions = (): ReadOptions => ({ decimal: null, limits: defaultLimits() });

const MIB = 2 ** 20;
const limitHint = " (raise it with --max-input-mib N)";

export function readBytes(file: string, limits: InputLimits = defaultLimits()): Buffer {
  try {
    const size = statSync(file).size;
    if (size > limits.maxBytes) throw new RebalError(`${file}: ${(size / MIB).toFixed(1)} MiB, more than the limit of ${limits.maxBytes / MIB} MiB${limitHint}`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof RebalError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === "ENOENT" ? `${file}: no such file` : code === "EISDIR" ? `${file}: is a folder, not a file` : `${file}: cannot read (${code ?? (e as Error).message})`);
  }
}

/** A CSV file as rows of cells (row k = line k+1) and the delimiter papaparse found. */
export interface CsvTable { cells: Cell[][]; delimiter: string }

/** A hint for decimal-mark messages of the CLI. */
const decimalHint = (e: unknown): never => {
  if (e instanceof RebalError && /decimal/.test(e.message) && !/--decimal/.test(e.message)) throw new RebalError(`${e.message} (--decimal . or --decimal ,)`);
  throw e;
};

/** Reads a CSV: rows of strings (blank = null) and the delimiter papaparse detected. */
export function readCsv(file: string, bytes: Buffer, opts: ReadOptions = defaultReadOptions()): CsvTable {
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") throw new RebalError(`${file}: the file is empty (expected a header row, then one row per holding)`);
  const res = Papa.parse<string[]>(text, { skipEmptyLines: false });
  const bad = res.errors.find((e) => e.type === "Quotes");
  if (bad) {
    // the line and the column of the offending quote (papaparse gives its character index)
    const at = Math.max(0, Math.min(bad.index ?? 0, text.length));
    const before = text.slice(0, at);
    const lineStart = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) + 1;
    const line = (before.match(/\r\n|\r|\n/g) ?? []).length + 1;
    const col = before.slice(lineStart).split(res.meta.delimiter || ",").length - 1;
    const what = bad.code === "MissingQuotes" ? "a quoted field is not closed (a missing \")" : `a quote is misplaced (${bad.message})`;
    throw new RebalError(`${file} row ${line}, column ${columnLetter(col)}: ${what}`);
  }
  const data = res.data;
  let count = 0;
  for (const r of data) count += r.length + 1;
  if (count > opts.limits.maxCells) throw new RebalError(`${file}: more than the limit of ${opts.limits.maxCells.toLocaleString("en-US")} cells and rows (raise it with --max-cells N)`);
  const header = data.findIndex((r) => r.some((v) => v.trim() !== ""));
  const width = header >= 0 ? data[header].length : 0;
  const cells: Cell[][] = new Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const r = data[k];
    if (r.length > width) {
      for (let j = width; j < r.length; j++) {
        if (r[j].trim() !== "") {
          throw new RebalError(`${file} row ${k + 1}, column ${columnLetter(j)}: ${r.length} fields but the header row has ${width} (a stray "${res.meta.delimiter}", e.g. an unquoted decimal comma?)`);
        }
      }
    }
    const out: Cell[] = new Array(r.length);
    for (let j = 0; j < r.length; j++) out[j] = r[j].trim() === "" ? null : r[j];
    cells[k] = out;
  }
  return { cells, delimiter: res.meta.delimiter };
}

/**
 * The decimal style of a table's numeric columns: --decimal, else detected from those columns'
 * cells (rows from `fromRow`), else "either". `rowOf(k)` / `colOf(j)` give the row number and the
 * column letter the analyst sees.
 */
export function tableStyle(cells: Cell[][], columns: number[], fromRow: number, where: string, decimal: DecimalStyle | null, rowOf: (k: number) => number, colOf: (j: number) => string): DecimalStyle {
  if (decimal) return decimal;
  try {
    return detectDecimalStyle(cells, "either", (r, c) => `row ${rowOf(r)}, column ${colOf(c)}`, where, columns, fromRow);
  } catch (e) {
    return decimalHint(e);
  }
}

/** A CSV file as rows of strings (row k = line k+1). */
export function csvCells(file: string, bytes: Buffer = readBytes(file)): Cell[][] {
  return readCsv(file, bytes).cells;
}

const isXlsx = (file: string) => /\.xlsx$/i.test(file);
const isCsv = (file: string) => /\.(csv|txt)$/i.test(file);

// ---------------------------------------------------------------- workbooks

/** Normalises an exceljs cell value. */
export function cellValue(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Date) return v.getTime() / 86400000 + 25569;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("formula" in o || "sharedFormula" in o) return cellValue(o.result);
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join("");
    if ("text" in o) return cellValue(o.text);
    if ("error" in o) return String(o.error);
  }
  return String(v);
}

export interface WorkbookData {
  file: string;
  wb: ExcelJS.Workbook;
  /** defined name (as written) -> [sheet, A1 range] */
  names: Map<string, { sheet: string; range: string }>;
}

export async function readWorkbook(file: string, bytes: Buffer = readBytes(file), limits: InputLimits = defaultLimits()): Promise<WorkbookData> {
  checkXlsxLimits(file, bytes, limits, { bytes: "--max-input-mib", cells: "--max-cells" });
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (e) {
    throw new RebalError(`${file}: not a readable .xlsx workbook (${(e as Error).message})`);
  }
  const names = new Map<string, { sheet: string; range: string }>();
  for (const dn of wb.definedNames.model as { name: string; ranges: string[] }[]) {
    const r = dn.ranges[0];
    if (!r) continue;
    const bang = r.lastIndexOf("!");
    const sheet = r.slice(0, bang).replace(/^'/, "").replace(/'$/, "").replace(/''/g, "'");
    names.set(dn.name, { sheet, range: r.slice(bang + 1).replace(/\$/g, "") });
  }
  return { file, wb, names };
}

function findName(w: WorkbookData, name: string): { sheet: string; range: string } | undefined {
  for (const [k, v] of w.names) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** Cells of a range "A1:B8" on a sheet, with the sheet row of the first row. */
export function rangeCells(w: WorkbookData, sheetName: string, range: string): { cells: Cell[][]; firstRow: number; firstCol: number } {
  const ws = w.wb.getWorksheet(sheetName);
  if (!ws) throw new RebalError(`${w.file}: no sheet "${sheetName}"`);
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/i.exec(range);
  if (!m) throw new RebalError(`${w.file}: cannot read range "${range}"`);
  const col = (s: string) => s.toUpperCase().split("").reduce((a, c) => a * 26 + c.charCodeAt(0) - 64, 0);
  const r0 = Number(m[2]), c0 = col(m[1]);
  const r1 = m[4] ? Number(m[4]) : r0, c1 = m[3] ? col(m[3]) : c0;
  const cells: Cell[][] = [];
  for (let r = r0; r <= r1; r++) {
    const row = ws.getRow(r);
    const out: Cell[] = [];
    for (let c = c0; c <= c1; c++) out.push(cellValue(row.getCell(c).value));
    cells.push(out);
  }
  return { cells, firstRow: r0, firstCol: c0 };
}

/** Every used cell of a sheet (row 1 / column A first). */
export function sheetCells(ws: ExcelJS.Worksheet): Cell[][] {
  const cells: Cell[][] = [];
  const width = ws.columnCount;
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const out: Cell[] = [];
    for (let c = 1; c <= width; c++) out.push(cellValue(row.getCell(c).value));
    cells.push(out);
  }
  return cells;
}

/** The rebalance log's date for the stored policy `name` (null when none is logged) and the log's warnings. */
export function storedLastRebalance(w: WorkbookData, name: string): { lastRebalance: number | null; warnings: string[] } {
  const ws = w.wb.getWorksheet(POLICY_SHEET);
  if (!ws) return { lastRebalance: null, warnings: [] };
  const { policies, logWarnings } = readStoredPolicies(sheetCells(ws));
  const key = nameKey(name).toLowerCase();
  const rec = policies.find((p) => nameKey(p.policy.name).toLowerCase() === key);
  return { lastRebalance: rec ? rec.lastRebalance : null, warnings: logWarnings.map((m) => `${w.file}: ${m}`) };
}

/** Stored policies of a workbook (docs/policy-format.md). */
export function storedPolicyNames(w: WorkbookData): string[] {
  const ws = w.wb.getWorksheet(POLICY_SHEET);
  const out = new Set<string>();
  if (ws) for (const p of readPolicySheet(sheetCells(ws))) out.add(p.name);
  return [...out];
}

/** The stored policy called `name`: the block of its REBAL_POLICY_<Name> defined name, else its block on the sheet. */
export function storedPolicy(w: WorkbookData, name: string): Policy | null {
  const dn = findName(w, policyDefinedName(name));
  if (dn) {
    const { cells, firstRow } = rangeCells(w, dn.sheet, dn.range);
    return readPolicyBlock(cells, `${w.file} ${policyDefinedName(name)} (${dn.sheet}!${dn.range}, from row ${firstRow})`);
  }
  const ws = w.wb.getWorksheet(POLICY_SHEET);
  if (!ws) return null;
  const key = nameKey(name).toLowerCase();
  return readPolicySheet(sheetCells(ws)).find((p) => nameKey(p.name).toLowerCase() === key) ?? null;
}

// ---------------------------------------------------------------- holdings and accounts

export interface Account {
  account: string;
  /** The file (and sheet / name) the holdings come from, for messages. */
  source: string;
  assets: string[];
  rows: number[];
  book: Book;
}

interface TableSource {
  cells: Cell[][];
  /** source row number of cells[0] (the header) */
  firstRow: number;
  where: string;
  defaultAccount: string;
  cash: number | null;
  /** decimal style of the table's numeric text: --decimal, else null (detected from its numeric columns) */
  decimal: DecimalStyle | null;
  /** column letter of a 0-based column of `cells` */
  colOf: (j: number) => string;
}

const ACCOUNT_COLUMNS = { account: ["account", "accountid", "portfolio", "client"], cash: ["cash"] };

/** Splits a holdings table into accounts (by its `account` column, if any). */
function accountsOf(src: TableSource, cashOption: number | null): Account[] {
  const { cells, where } = src;
  if (cells.length < 2) throw new RebalError(`${where} needs a header row and at least one holding`);
  const header = cells[0];
  const cols = findHoldingsColumns(header, where, ACCOUNT_COLUMNS);
  const numeric = ["quantity", "price", "target", "lot", "min_weight", "max_weight", "cash"].filter((c) => cols[c] !== undefined).map((c) => cols[c]);
  const style = tableStyle(cells, numeric, 1, where, src.decimal, (k) => src.firstRow + k, src.colOf);
  const groups = new Map<string, { data: Cell[][]; rows: number[]; cash: number | null; cashRow: number }>();
  for (let k = 1; k < cells.length; k++) {
    const row = cells[k];
    if (row.every(isBlankCell)) continue;
    const r = src.firstRow + k;
    let acct = src.defaultAccount;
    if (cols.account !== undefined) {
      const v = row[cols.account];
      if (isBlankCell(v)) throw new RebalError(`${where} row ${r}, column ${columnLetter(cols.account)} "account" is blank`);
      acct = String(v).trim();
    }
    let g = groups.get(acct);
    if (!g) groups.set(acct, (g = { data: [], rows: [], cash: null, cashRow: 0 }));
    g.data.push(row);
    g.rows.push(r);
    if (cols.cash !== undefined && !isBlankCell(row[cols.cash])) {
      const c = checkAmount(numberFromCell(row[cols.cash], `${where} row ${r}, column ${columnLetter(cols.cash)} "cash"`, style), `${where} row ${r}, column ${columnLetter(cols.cash)} "cash"`);
      if (g.cash !== null && g.cash !== c) throw new RebalError(`${where} row ${r}, column ${columnLetter(cols.cash)} "cash": ${c} differs from ${g.cash} on row ${g.cashRow} for account ${acct}`);
      g.cash = c;
      g.cashRow = r;
    }
  }
  if (groups.size === 0) throw new RebalError(`${where} has a header row but no holdings`);
  const out: Account[] = [];
  for (const [account, g] of groups) {
    const h = readHoldingsRows(g.data, g.rows, header, cols, where, style);
    const cash = cashOption ?? g.cash ?? src.cash ?? 0;
    let total = cash;
    for (let i = 0; i < h.assets.length; i++) total += h.book.quantities[i] * h.book.prices[i];
    checkAmount(total, `${where}${cols.account !== undefined ? ` account ${account}` : ""}`, `the book's total value (positions + cash) ${fmt(total)}`);
    out.push({ account, source: where, assets: h.assets, rows: h.rows, book: { ...h.book, cash } });
  }
  return out;
}

/** The holdings table of a workbook: a binding's range, else the first sheet region with a holdings header. */
function workbookTable(w: WorkbookData, policyName: string | null, sheet: string | null, decimal: DecimalStyle | null): { src: TableSource; bindingPolicy: string | null } {
  const base = path.basename(w.file).replace(/\.xlsx$/i, "");
  const bindings = [...w.names.keys()].filter((n) => n.toUpperCase().startsWith(BINDING_PREFIX) && n.toUpperCase().endsWith("_HOLDINGS"));
  let binding: string | null = null;
  if (!sheet) {
    if (policyName && findName(w, holdingsBindingName(policyName))) binding = holdingsBindingName(policyName);
    else if (!policyName && bindings.length === 1) binding = bindings[0];
  }
  if (binding) {
    const dn = findName(w, binding)!;
    const { cells, firstRow, firstCol } = rangeCells(w, dn.sheet, dn.range);
    const where = `${w.file} ${binding} (sheet "${dn.sheet}")`;
    const colOf = (j: number) => columnLetter(firstCol - 1 + j);
    const key = binding.slice(BINDING_PREFIX.length, -"_HOLDINGS".length);
    const cashName = findName(w, `${BINDING_PREFIX}${key}_CASH`);
    let cash: number | null = null;
    if (cashName) {
      const c = rangeCells(w, cashName.sheet, cashName.range);
      const cashWhere = `${w.file} ${BINDING_PREFIX}${key}_CASH (${cashName.sheet}!${cashName.range})`;
      const v = c.cells[0][0];
      const style = tableStyle([[v]], [0], 0, cashWhere, decimal, () => c.firstRow, () => columnLetter(c.firstCol - 1));
      cash = isBlankCell(v) ? null : checkAmount(numberFromCell(v, cashWhere, style), cashWhere);
    }
    return { src: { cells, firstRow, where, defaultAccount: base, cash, decimal, colOf }, bindingPolicy: key };
  }
  const sheets = sheet ? [w.wb.getWorksheet(sheet)] : w.wb.worksheets.filter((s) => s.name !== POLICY_SHEET);
  if (sheet && !sheets[0]) throw new RebalError(`${w.file}: no sheet "${sheet}" (sheets: ${w.wb.worksheets.map((s) => s.name).join(", ")})`);
  for (const ws of sheets) {
    if (!ws) continue;
    const cells = sheetCells(ws);
    const h = cells.findIndex((row, i) => i < 50 && isHoldingsHeader(row));
    if (h < 0) continue;
    let end = h + 1;
    while (end < cells.length && !cells[end].every(isBlankCell)) end++;
    const table = cells.slice(h, end), where = `${w.file} sheet "${ws.name}"`;
    return { src: { cells: table, firstRow: h + 1, where, defaultAccount: base, cash: null, decimal, colOf: columnLetter }, bindingPolicy: null };
  }
  throw new RebalError(`${w.file}: no holdings found: no ${BINDING_PREFIX}<Name>_HOLDINGS defined name and no sheet with a header row asset, quantity, price, target`);
}

export interface LoadedInput {
  accounts: Account[];
  policy: Policy;
  policyLabel: string;
  /** The stored policy's last rebalance date from the workbook's rebalance log (docs/policy-format.md), else null. */
  lastRebalance: number | null;
  /** Problems of the rebalance log (never fatal). */
  logWarnings: string[];
  /** SHA-256 input: file bytes in order */
  files: { file: string; bytes: Buffer }[];
}

/**
 * Reads holdings files (CSV or xlsx; several files = several accounts) and resolves the policy:
 * `k=v; ...` text, a stored policy name (looked up in the input workbook(s) and `policiesFile`),
 * or, when absent, the policy of the workbook's binding, else the product defaults.
 */
export async function loadInputs(files: string[], opts: { cash: number | null; policy: string | null; policiesFile: string | null; sheet: string | null; read?: ReadOptions }): Promise<LoadedInput> {
  const ro = opts.read ?? defaultReadOptions();
  if (files.length === 0) throw new UsageError("no holdings file given");
  const accounts: Account[] = [];
  const read: { file: string; bytes: Buffer }[] = [];
  const workbooks: WorkbookData[] = [];
  const isText = opts.policy !== null && opts.policy.includes("=");
  const policyName = opts.policy !== null && !isText ? opts.policy.trim() : null;
  let bindingPolicy: string | null = null;
  for (const file of files) {
    if (!isXlsx(file) && !isCsv(file)) throw new UsageError(`${file}: holdings must be a .csv or .xlsx file`);
    const bytes = readBytes(file, ro.limits);
    read.push({ file, bytes });
    if (isCsv(file)) {
      const csv = readCsv(file, bytes, ro);
      const first = Math.max(0, csv.cells.findIndex((r) => !r.every(isBlankCell)));
      accounts.push(...accountsOf({ cells: csv.cells.slice(first), firstRow: first + 1, where: file, defaultAccount: path.basename(file).replace(/\.(csv|txt)$/i, ""), cash: null, decimal: ro.decimal, colOf: columnLetter }, opts.cash));
    } else {
      const w = await readWorkbook(file, bytes, ro.limits);
      workbooks.push(w);
      const t = workbookTable(w, policyName, opts.sheet, ro.decimal);
      if (t.bindingPolicy && !bindingPolicy) bindingPolicy = t.bindingPolicy;
      accounts.push(...accountsOf(t.src, opts.cash));
    }
  }
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a.account)) throw new RebalError(`account "${a.account}" appears twice (${a.source})`);
    seen.add(a.account);
  }
  if (opts.policiesFile) {
    if (!isXlsx(opts.policiesFile)) throw new UsageError(`--policies ${opts.policiesFile}: stored policies are read from an .xlsx workbook`);
    const bytes = readBytes(opts.policiesFile, ro.limits);
    read.push({ file: opts.policiesFile, bytes });
    workbooks.push(await readWorkbook(opts.policiesFile, bytes, ro.limits));
  }
  let policy: Policy;
  let policyLabel: string;
  let lastRebalance: number | null = null;
  let logWarnings: string[] = [];
  if (isText) {
    policy = parsePolicy(opts.policy, "--policy").policy;
    policyLabel = opts.policy!;
  } else if (policyName || bindingPolicy) {
    const name = (policyName ?? bindingPolicy)!;
    let found: Policy | null = null;
    for (const w of workbooks) {
      if ((found = storedPolicy(w, name))) {
        ({ lastRebalance, warnings: logWarnings } = storedLastRebalance(w, name));
        break;
      }
    }
    if (!found) {
      const avail = workbooks.flatMap((w) => storedPolicyNames(w));
      const where = workbooks.length ? workbooks.map((w) => w.file).join(", ") : "no workbook given (use an .xlsx input or --policies FILE.xlsx)";
      throw new RebalError(`--policy ${name}: no stored policy of that name (${POLICY_NAME_PREFIX}${nameKey(name)}) in ${where}${avail.length ? `; stored policies: ${avail.join(", ")}` : ""}`);
    }
    policy = found;
    policyLabel = found.name;
  } else {
    policy = parsePolicy("", "--policy").policy;
    policyLabel = "(defaults)";
  }
  return { accounts, policy, policyLabel, lastRebalance, logWarnings, files: read };
}
