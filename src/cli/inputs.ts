/**
 * Files in: CSV (papaparse) and .xlsx (exceljs) to plain cell tables; holdings tables (one account,
 * or many with an `account` column) and stored policies (docs/policy-format.md, parsed by
 * src/core/policyStore.ts) found in a workbook.
 *
 * Conventions: cells are numbers, strings, booleans or null (blank); dates become Excel serial
 * numbers; a formula cell is its cached result. Rows are numbered as the analyst sees them (CSV
 * line, sheet row), so every message names the file, the row and the column.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Papa from "papaparse";
import ExcelJS from "exceljs";
import { RebalError } from "../core/errors";
import { Book } from "../core/trades";
import { parsePolicy, Policy } from "../core/policy";
import { BINDING_PREFIX, POLICY_NAME_PREFIX, POLICY_SHEET, holdingsBindingName, nameKey, policyDefinedName, readPolicyBlock, readPolicySheet, readStoredPolicies } from "../core/policyStore";
import { columnLetter, findHoldingsColumns, isBlankCell, isHoldingsHeader, numberFromCell, readHoldingsRows } from "../core/holdingsTable";
import { FileError, UsageError } from "./errors";

export type Cell = number | string | boolean | null;

export function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${code ?? (e as Error).message})`);
  }
}

/** A CSV file as rows of strings (row k = line k+1). */
export function csvCells(file: string, bytes: Buffer = readBytes(file)): Cell[][] {
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const res = Papa.parse<string[]>(text, { skipEmptyLines: false });
  const bad = res.errors.find((e) => e.type === "Quotes" || e.type === "Delimiter" && res.data.length === 0);
  if (bad) throw new RebalError(`${file} row ${(bad.row ?? 0) + 1}: ${bad.message}`);
  return res.data.map((r) => r.map((v) => (v.trim() === "" ? null : v)));
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

export async function readWorkbook(file: string, bytes: Buffer = readBytes(file)): Promise<WorkbookData> {
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
}

const ACCOUNT_COLUMNS = { account: ["account", "accountid", "portfolio", "client"], cash: ["cash"] };

/** Splits a holdings table into accounts (by its `account` column, if any). */
function accountsOf(src: TableSource, cashOption: number | null): Account[] {
  const { cells, where } = src;
  if (cells.length < 2) throw new RebalError(`${where} needs a header row and at least one holding`);
  const header = cells[0];
  const cols = findHoldingsColumns(header, where, ACCOUNT_COLUMNS);
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
      const c = numberFromCell(row[cols.cash], `${where} row ${r}, column ${columnLetter(cols.cash)} "cash"`);
      if (g.cash !== null && g.cash !== c) throw new RebalError(`${where} row ${r}, column ${columnLetter(cols.cash)} "cash": ${c} differs from ${g.cash} on row ${g.cashRow} for account ${acct}`);
      g.cash = c;
      g.cashRow = r;
    }
  }
  if (groups.size === 0) throw new RebalError(`${where} has a header row but no holdings`);
  const out: Account[] = [];
  for (const [account, g] of groups) {
    const h = readHoldingsRows(g.data, g.rows, header, cols, where);
    const cash = cashOption ?? g.cash ?? src.cash ?? 0;
    out.push({ account, source: where, assets: h.assets, rows: h.rows, book: { ...h.book, cash } });
  }
  return out;
}

/** The holdings table of a workbook: a binding's range, else the first sheet region with a holdings header. */
function workbookTable(w: WorkbookData, policyName: string | null, sheet: string | null): { src: TableSource; bindingPolicy: string | null } {
  const base = path.basename(w.file).replace(/\.xlsx$/i, "");
  const bindings = [...w.names.keys()].filter((n) => n.toUpperCase().startsWith(BINDING_PREFIX) && n.toUpperCase().endsWith("_HOLDINGS"));
  let binding: string | null = null;
  if (!sheet) {
    if (policyName && findName(w, holdingsBindingName(policyName))) binding = holdingsBindingName(policyName);
    else if (!policyName && bindings.length === 1) binding = bindings[0];
  }
  if (binding) {
    const dn = findName(w, binding)!;
    const { cells, firstRow } = rangeCells(w, dn.sheet, dn.range);
    const key = binding.slice(BINDING_PREFIX.length, -"_HOLDINGS".length);
    const cashName = findName(w, `${BINDING_PREFIX}${key}_CASH`);
    let cash: number | null = null;
    if (cashName) {
      const c = rangeCells(w, cashName.sheet, cashName.range);
      cash = isBlankCell(c.cells[0][0]) ? null : numberFromCell(c.cells[0][0], `${w.file} ${BINDING_PREFIX}${key}_CASH (${cashName.sheet}!${cashName.range})`);
    }
    return { src: { cells, firstRow, where: `${w.file} ${binding} (sheet "${dn.sheet}")`, defaultAccount: base, cash }, bindingPolicy: key };
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
    return { src: { cells: cells.slice(h, end), firstRow: h + 1, where: `${w.file} sheet "${ws.name}"`, defaultAccount: base, cash: null }, bindingPolicy: null };
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
export async function loadInputs(files: string[], opts: { cash: number | null; policy: string | null; policiesFile: string | null; sheet: string | null }): Promise<LoadedInput> {
  if (files.length === 0) throw new UsageError("no holdings file given");
  const accounts: Account[] = [];
  const read: { file: string; bytes: Buffer }[] = [];
  const workbooks: WorkbookData[] = [];
  const isText = opts.policy !== null && opts.policy.includes("=");
  const policyName = opts.policy !== null && !isText ? opts.policy.trim() : null;
  let bindingPolicy: string | null = null;
  for (const file of files) {
    if (!isXlsx(file) && !isCsv(file)) throw new UsageError(`${file}: holdings must be a .csv or .xlsx file`);
    const bytes = readBytes(file);
    read.push({ file, bytes });
    if (isCsv(file)) {
      accounts.push(...accountsOf({ cells: csvCells(file, bytes), firstRow: 1, where: file, defaultAccount: path.basename(file).replace(/\.(csv|txt)$/i, ""), cash: null }, opts.cash));
    } else {
      const w = await readWorkbook(file, bytes);
      workbooks.push(w);
      const t = workbookTable(w, policyName, opts.sheet);
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
    const bytes = readBytes(opts.policiesFile);
    read.push({ file: opts.policiesFile, bytes });
    workbooks.push(await readWorkbook(opts.policiesFile, bytes));
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
