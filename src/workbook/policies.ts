/**
 * The policy store in the workbook (docs/policy-format.md, format version 1; the format itself is
 * src/core/policyStore.ts): list, save (create / edit / rename), duplicate and delete policies.
 *
 * - Reads the sheet "Rebal Policies" from A1 (columns A:F: the blocks in A:B, the optional rebalance
 *   log in D:F) and the workbook's defined names; the list is what core's readStoredPolicies reads,
 *   with each policy's last rebalance date. A block that does not parse (a hand edit gone wrong) is
 *   listed with its error and kept verbatim, so the other policies stay usable; problems in the log
 *   are warnings (logWarnings, naming the cells) that block nothing, and are left as they are.
 * - Writes only columns A:B of the policy sheet (created when missing), its rebalance log (D:F) and
 *   the defined names REBAL_POLICY_<Name>, REBAL_BIND_<Name>_HOLDINGS and REBAL_BIND_<Name>_CASH.
 *   Never any other sheet. Log writes touch only the rows of the policy concerned (co-authors may
 *   be updating other rows): a rename rewrites its rows' name cells, a delete clears its rows,
 *   a new policy name (create or rename) clears orphan rows already naming it,
 *   recordRebalanceDate re-reads the log and writes that policy's one row (appended after the last
 *   used log row when it has none, clearing any duplicate rows of the same policy). It never writes a
 *   row for a name that is not a policy on the sheet, nor over D:F cells that are not the log. Name
 *   cells are formatted as text ("@") before they are written.
 * - A save rewrites the block in place when its size is unchanged; otherwise the blocks from the
 *   edited one on are rewritten and every policy name is re-pointed at its block.
 * - Two policies whose names map to one defined name (case-insensitive) are refused.
 * Each operation is one Excel.run: reads first, then every write, then one final sync
 * (recordRebalanceDate runs inside its caller's run and leaves the sync to it).
 */
import { RebalError } from "../core/errors";
import { Policy } from "../core/policy";
import { serialDay } from "../core/calendar";
import {
  POLICY_SHEET, REBALANCE_LOG_FIRST, REBALANCE_LOG_HEADER, REBALANCE_LOG_LAST, RebalanceLogScan, blockWhere, cashBindingName, hasRebalanceLogHeader,
  holdingsBindingName, nameKey, policyBlock, policyDefinedName, readPolicyBlock, readPolicySheet, rebalanceLogExtent, rebalanceLogRows, scanRebalanceLog,
  splitPolicyBlocks,
} from "../core/policyStore";
import { runExcel } from "./excel";
import { resolveReference } from "./ranges";

type Cell = string | number | boolean;

export interface StoredPolicy {
  /** The name in the block ("" when the block has none). */
  name: string;
  /** The parsed policy, or null when the block does not parse. */
  policy: Policy | null;
  /** Why the block does not parse (names the sheet rows), or null. */
  error: string | null;
  /** 1-based sheet rows of the block. */
  firstRow: number;
  lastRow: number;
  /** REBAL_POLICY_<Name>. */
  definedName: string;
  /** True when the defined name exists and refers to exactly this block. */
  definedNameOk: boolean;
  /** Binding formulas without "=" ("Holdings[#All]", "Sheet1!$B$2:$E$9"), null when unbound. */
  holdings: string | null;
  cash: string | null;
  /** Excel serial date of the last generated trade sheet (the rebalance log), null = none recorded. */
  lastRebalance: number | null;
}

export interface PolicyList {
  policies: StoredPolicy[];
  /** readPolicySheet's error for the whole sheet (a broken block, two policies with one name), or null. */
  sheetError: string | null;
  /** The rebalance log's problems, each naming its cell (rows it names are skipped); never blocking. */
  logWarnings: string[];
}

export interface PolicyDraft {
  policy: Policy;
  /** A typed reference or a stored binding formula; "" = not bound. */
  holdings: string;
  cash: string;
}

const blank = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");

interface Block {
  rows: Cell[][];
  start: number; // 0-based sheet row
  name: string;
  policy: Policy | null;
  error: string | null;
}

/** The policy sheet's blocks (core's splitPolicyBlocks), each parsed or with its error kept. */
export function splitBlocks(cells: unknown[][]): Block[] {
  return splitPolicyBlocks(cells).map((b) => {
    const rows = b.rows as Cell[][];
    let policy: Policy | null = null;
    let error: string | null = null;
    try {
      policy = readPolicyBlock(rows, blockWhere(b));
    } catch (e) {
      error = (e as Error).message;
    }
    const nameRow = rows.find((x) => typeof x[0] === "string" && x[0].trim().toLowerCase() === "name");
    const name = policy ? policy.name : nameRow && !blank(nameRow[1]) ? String(nameRow[1]).trim() : "";
    return { rows, start: b.start, name, policy, error };
  });
}

const safeKey = (name: string): string | null => {
  try {
    return nameKey(name).toLowerCase();
  } catch {
    return null;
  }
};
const safeDefinedName = (name: string): string => {
  try {
    return policyDefinedName(name);
  } catch {
    return "";
  }
};

export interface SheetRead {
  sheet: Excel.Worksheet | null;
  /** Values of A1:F<last used row> (blocks in A:B, the rebalance log in D:F). */
  cells: Cell[][];
  names: Map<string, string>; // upper-case name -> formula (with "=")
}

/** Reads the policy sheet and the defined names inside a batch (3 syncs at most, reads only). */
export async function readStore(context: Excel.RequestContext): Promise<SheetRead> {
  const wb = context.workbook;
  const sheet = wb.worksheets.getItemOrNullObject(POLICY_SHEET);
  const names = wb.names;
  sheet.load("name");
  names.load("items/name,items/formula");
  await context.sync();
  const map = new Map<string, string>();
  for (const n of names.items) map.set(n.name.toUpperCase(), n.formula);
  if (sheet.isNullObject) return { sheet: null, cells: [], names: map };
  const used = sheet.getUsedRangeOrNullObject(true);
  used.load(["rowIndex", "rowCount"]);
  await context.sync();
  if (used.isNullObject) return { sheet, cells: [], names: map };
  const last = used.rowIndex + used.rowCount;
  const ab = sheet.getRange(`A1:${REBALANCE_LOG_LAST}${last}`);
  ab.load("values");
  await context.sync();
  return { sheet, cells: ab.values as Cell[][], names: map };
}

const sheetRef = `'${POLICY_SHEET}'`;
const blockFormula = (start: number, count: number) => `=${sheetRef}!$A$${start + 1}:$B$${start + count}`;
const stripEq = (f: string | undefined) => (f === undefined ? null : f.replace(/^=/, ""));

/** The rebalance log read leniently (names: the blocks' names, parsed or not). */
const readLog = (read: SheetRead, blocks: Block[]): RebalanceLogScan =>
  scanRebalanceLog(read.cells, blocks.map((b) => b.name).filter((n) => n !== ""));

function toList(read: SheetRead): PolicyList {
  const blocks = splitBlocks(read.cells);
  let sheetError: string | null = null;
  try {
    readPolicySheet(read.cells);
  } catch (e) {
    sheetError = (e as Error).message;
  }
  const log = readLog(read, blocks);
  const policies = blocks.map((b): StoredPolicy => {
    const dn = safeDefinedName(b.name);
    const key = safeKey(b.name);
    const formula = dn ? read.names.get(dn.toUpperCase()) : undefined;
    return {
      name: b.name,
      policy: b.policy,
      error: b.error,
      firstRow: b.start + 1,
      lastRow: b.start + b.rows.length,
      definedName: dn,
      definedNameOk: formula !== undefined && formula.replace(/\$/g, "") === blockFormula(b.start, b.rows.length).replace(/\$/g, ""),
      holdings: key ? stripEq(read.names.get(holdingsBindingName(b.name).toUpperCase())) : null,
      cash: key ? stripEq(read.names.get(cashBindingName(b.name).toUpperCase())) : null,
      lastRebalance: key ? log.records.find((r) => safeKey(r.policy) === key)?.lastRebalance ?? null : null,
    };
  });
  return { policies, sheetError, logWarnings: log.warnings };
}

/** Lists the stored policies (one Excel.run, reads only). */
export function listPolicies(): Promise<PolicyList> {
  return runExcel(async (context) => toList(await readStore(context)));
}

/**
 * Writes `blocks` (in order): those starting before row `from` (0-based) keep their place and are
 * untouched; the others are written from `from` on, one blank row apart. Clears the rows of A:B
 * that held old content beyond, then points every REBAL_POLICY_ name at its block.
 */
function writeBlocks(
  context: Excel.RequestContext, sheet: Excel.Worksheet, read: SheetRead,
  blocks: { rows: Cell[][]; name: string; start?: number }[], from: number,
): void {
  const starts: number[] = [];
  const rows: Cell[][] = [];
  let cursor = from;
  for (const b of blocks) {
    if (b.start !== undefined && b.start < from) {
      starts.push(b.start);
      continue;
    }
    if (rows.length) rows.push(["", ""]);
    starts.push(cursor);
    rows.push(...b.rows);
    cursor += b.rows.length + 1;
  }
  if (rows.length) sheet.getRange(`A${from + 1}:B${from + rows.length}`).values = rows;
  const oldEnd = read.cells.length;
  const clearFrom = from + rows.length;
  if (oldEnd > clearFrom) sheet.getRange(`A${clearFrom + 1}:B${oldEnd}`).clear("Contents");
  for (let i = 0; i < blocks.length; i++) {
    const dn = safeDefinedName(blocks[i].name);
    if (!dn) continue;
    const want = blockFormula(starts[i], blocks[i].rows.length);
    const have = read.names.get(dn.toUpperCase());
    if (have !== undefined && have.replace(/\$/g, "") === want.replace(/\$/g, "")) continue;
    if (have !== undefined) context.workbook.names.getItem(dn).delete();
    context.workbook.names.add(dn, sheet.getRange(`A${starts[i] + 1}:B${starts[i] + blocks[i].rows.length}`), `Rebal policy "${blocks[i].name}" (docs/policy-format.md)`);
    read.names.set(dn.toUpperCase(), want);
  }
}

/** Refuses (a RebalError) when D:F of the policy sheet hold something that is not the log. */
function checkLogColumns(read: SheetRead): void {
  const extent = rebalanceLogExtent(read.cells);
  if (!hasRebalanceLogHeader(read.cells) && extent > 0) {
    const r = read.cells.findIndex((row) => row.slice(3, 6).some((v) => !blank(v)));
    throw new RebalError(`${POLICY_SHEET} ${REBALANCE_LOG_FIRST}${r + 1}:${REBALANCE_LOG_LAST}${extent} hold other data: the rebalance log (docs/policy-format.md) needs columns ${REBALANCE_LOG_FIRST}:${REBALANCE_LOG_LAST}; move it elsewhere`);
  }
}

/** Queues one log row's cells (the name cell as text first, so a name is never read as a formula). */
function writeLogRow(sheet: Excel.Worksheet, row: number, cells: Cell[], formats: string[]): void {
  const range = sheet.getRange(`${REBALANCE_LOG_FIRST}${row}:${REBALANCE_LOG_LAST}${row}`);
  range.numberFormat = [formats];
  range.values = [cells];
}

/**
 * Where the rebalance log stands for policy `name` (its block on the sheet): refuses a name that is
 * no policy on the sheet (the log never gets an orphan row) and D:F cells that are not the log.
 */
export function checkRebalanceRecord(read: SheetRead, name: string): { policy: string; rows: number[] } {
  if (!read.sheet) throw new RebalError(`there is no ${POLICY_SHEET} sheet`);
  const block = splitBlocks(read.cells).find((b) => safeKey(b.name) !== null && safeKey(b.name) === safeKey(name));
  if (!block) throw new RebalError(`cannot record the rebalance date: policy "${name}" is no longer in ${POLICY_SHEET} (changed by someone else?)`);
  checkLogColumns(read);
  return { policy: block.name, rows: rebalanceLogRows(read.cells, block.name) };
}

/**
 * Records that policy `name` got trade sheet `tradeSheet` on the Excel serial date `serial`: reads
 * the policy sheet afresh (readStore) and queues writes to that policy's log row only (its first
 * row, or a new row after the last used log row; the header too when there is no log yet), clearing
 * any later duplicate rows of the same policy. The caller syncs. Refuses (nothing queued) a name
 * that is no policy on the sheet and D:F cells that are not the log.
 */
export async function recordRebalanceDate(context: Excel.RequestContext, name: string, serial: number, tradeSheet: string): Promise<void> {
  const day = serialDay(serial, "last_rebalance");
  const read = await readStore(context);
  const { policy, rows } = checkRebalanceRecord(read, name);
  const sheet = read.sheet!;
  if (!hasRebalanceLogHeader(read.cells)) {
    writeLogRow(sheet, 1, [...REBALANCE_LOG_HEADER], ["@", "@", "@"]);
    sheet.getRange(`${REBALANCE_LOG_FIRST}1:${REBALANCE_LOG_LAST}1`).format.font.bold = true;
  }
  const row = rows.length ? rows[0] : Math.max(2, rebalanceLogExtent(read.cells) + 1);
  writeLogRow(sheet, row, [policy, day, tradeSheet], ["@", "yyyy-mm-dd", "@"]);
  for (const r of rows.slice(1)) sheet.getRange(`${REBALANCE_LOG_FIRST}${r}:${REBALANCE_LOG_LAST}${r}`).clear("Contents");
}

function setBinding(context: Excel.RequestContext, read: SheetRead, name: string, formula: string | null, comment: string): void {
  const have = read.names.get(name.toUpperCase());
  if (have !== undefined && formula !== null && have === formula) return;
  if (have !== undefined) context.workbook.names.getItem(name).delete();
  if (formula !== null) context.workbook.names.add(name, formula, comment);
}

function deleteName(context: Excel.RequestContext, read: SheetRead, name: string): void {
  if (read.names.has(name.toUpperCase())) context.workbook.names.getItem(name).delete();
  read.names.delete(name.toUpperCase());
}

/**
 * Creates (original = null) or updates the policy `original`: its block, its defined name and its
 * bindings. Refuses a name another policy already uses, a binding that does not resolve and a
 * cash binding of more than one cell. Returns the saved list.
 */
export function savePolicy(draft: PolicyDraft, original: string | null): Promise<PolicyList> {
  return runExcel(async (context) => {
    const rows = policyBlock(draft.policy) as Cell[][];
    const policy = readPolicyBlock(rows, `policy "${draft.policy.name}"`); // round trip through the one parser
    const key = nameKey(policy.name).toLowerCase();
    const read = await readStore(context);
    const blocks = splitBlocks(read.cells);
    const at = original === null ? -1 : blocks.findIndex((b) => safeKey(b.name) === safeKey(original));
    if (original !== null && at < 0) throw new RebalError(`policy "${original}" is no longer in ${POLICY_SHEET} (changed by someone else?): reload`);
    const clash = blocks.find((b, i) => i !== at && safeKey(b.name) === key);
    if (clash) throw new RebalError(`a policy named "${clash.name}" already exists (names must differ in more than case, spaces and punctuation)`);
    // bindings
    const holdings = draft.holdings.trim() === "" ? null : await resolveReference(context, draft.holdings, "holdings");
    const cash = draft.cash.trim() === "" ? null : await resolveReference(context, draft.cash, "cash cell");
    if (holdings && holdings.range.rowCount < 2) throw new RebalError(`holdings: ${holdings.label} needs a header row and at least one holding`);
    if (cash && (cash.range.rowCount !== 1 || cash.range.columnCount !== 1)) throw new RebalError(`cash cell: ${cash.label} is not one cell`);
    // writes
    const sheet = read.sheet ?? context.workbook.worksheets.add(POLICY_SHEET);
    const next: { rows: Cell[][]; name: string; start?: number }[] = blocks.map((b) => ({ rows: b.rows, name: b.name, start: b.start }));
    let from: number;
    if (at < 0) {
      next.push({ rows, name: policy.name });
      from = blocks.length ? blocks[blocks.length - 1].start + blocks[blocks.length - 1].rows.length + 1 : 0;
    } else {
      next[at] = { rows, name: policy.name, start: blocks[at].start };
      from = blocks[at].start;
    }
    const oldName = at >= 0 ? blocks[at].name : null;
    if (oldName !== null && safeKey(oldName) !== null && safeKey(oldName) !== key) {
      deleteName(context, read, policyDefinedName(oldName));
      deleteName(context, read, holdingsBindingName(oldName));
      deleteName(context, read, cashBindingName(oldName));
    }
    writeBlocks(context, sheet, read, next, from);
    if (read.sheet && (oldName === null || safeKey(oldName) !== key)) {
      // log rows already naming the new name were orphans (no other policy has it): they must not date it
      for (const r of rebalanceLogRows(read.cells, policy.name)) sheet.getRange(`${REBALANCE_LOG_FIRST}${r}:${REBALANCE_LOG_LAST}${r}`).clear("Contents");
    }
    if (oldName !== null && oldName !== policy.name && read.sheet) {
      // the policy's log rows follow it (only their name cells; other rows are left as they are)
      for (const r of rebalanceLogRows(read.cells, oldName)) {
        const cell = sheet.getRange(`${REBALANCE_LOG_FIRST}${r}`);
        cell.numberFormat = [["@"]];
        cell.values = [[policy.name]];
      }
    }
    setBinding(context, read, holdingsBindingName(policy.name), holdings?.formula ?? null, `Rebal holdings of "${policy.name}"`);
    setBinding(context, read, cashBindingName(policy.name), cash?.formula ?? null, `Rebal cash of "${policy.name}"`);
    await context.sync();
    return toList(await readStore(context));
  });
}

/** Deletes a policy's block, its defined name and its bindings. */
export function deletePolicy(name: string): Promise<PolicyList> {
  return runExcel(async (context) => {
    const read = await readStore(context);
    const blocks = splitBlocks(read.cells);
    const at = blocks.findIndex((b) => safeKey(b.name) === safeKey(name) || (b.name === "" && name === ""));
    if (at < 0 || !read.sheet) throw new RebalError(`policy "${name}" is not in ${POLICY_SHEET}`);
    const next = blocks.filter((_, i) => i !== at).map((b) => ({ rows: b.rows, name: b.name, start: b.start }));
    if (blocks[at].name !== "" && safeKey(blocks[at].name) !== null) {
      deleteName(context, read, policyDefinedName(blocks[at].name));
      deleteName(context, read, holdingsBindingName(blocks[at].name));
      deleteName(context, read, cashBindingName(blocks[at].name));
    }
    // its log rows are cleared (only those: other rows stay where they are; blank log rows are skipped)
    if (blocks[at].name !== "" && !blocks.some((b, i) => i !== at && safeKey(b.name) === safeKey(blocks[at].name))) {
      for (const r of rebalanceLogRows(read.cells, blocks[at].name)) read.sheet.getRange(`${REBALANCE_LOG_FIRST}${r}:${REBALANCE_LOG_LAST}${r}`).clear("Contents");
    }
    writeBlocks(context, read.sheet, read, next, blocks[at].start);
    await context.sync();
    return toList(await readStore(context));
  });
}

/** A free copy name: "X (copy)", "X (copy 2)", ... */
export function copyName(name: string, taken: string[]): string {
  const keys = new Set(taken.map((t) => safeKey(t)));
  for (let k = 1; ; k++) {
    const candidate = k === 1 ? `${name} (copy)` : `${name} (copy ${k})`;
    if (!keys.has(safeKey(candidate))) return candidate;
  }
}

/** Duplicates a policy (and its bindings) under a free name; returns the new name and the list. */
export async function duplicatePolicy(name: string): Promise<{ name: string; list: PolicyList }> {
  const list = await listPolicies();
  const src = list.policies.find((p) => safeKey(p.name) === safeKey(name));
  if (!src || !src.policy) throw new RebalError(src ? `policy "${name}" does not parse: ${src.error}` : `policy "${name}" not found`);
  const newName = copyName(name, list.policies.map((p) => p.name));
  const saved = await savePolicy({ policy: { ...src.policy, name: newName }, holdings: src.holdings ?? "", cash: src.cash ?? "" }, null);
  return { name: newName, list: saved };
}
