/**
 * The stored-policy format, version 1 (docs/policy-format.md): how a policy lives inside a workbook
 * so that formulas, the task pane, an auditor and the command line all read the same thing.
 *
 * - Sheet `Rebal Policies` (visible, so an auditor sees it; any xlsx reader can read it).
 * - One block per policy: a 2-column key | value range, first rows `name`, `version` (1), then the
 *   policy keys in POLICY_KEYS order. Blocks are separated by one blank row.
 * - A workbook-level defined name `REBAL_POLICY_<Name>` refers to each block (its 2 columns), so
 *   `=REBAL.TRADES(..., REBAL_POLICY_Core)` reads the block as a key | value range and recalculates
 *   when a value changes.
 * - Bindings: defined names `REBAL_BIND_<Name>_HOLDINGS` (a holdings table/range with a header row)
 *   and `REBAL_BIND_<Name>_CASH` (one cell). Defined names move with inserted rows and columns.
 * - Optional rebalance log (columns D:F of the same sheet): a header row `policy | last_rebalance |
 *   trade_sheet` in D1:F1, then one row per policy that has had a trade sheet generated: its name,
 *   the date (an Excel serial date, local calendar day) and the trade sheet's name. Outside the
 *   policy blocks and their defined names, so formulas and older readers (which read A:B only) are
 *   unaffected; a workbook without it reads as "never rebalanced". Problems in the log (a row naming
 *   no policy, a policy logged twice, a cell that is not a date, a header that is not the log's) are
 *   warnings naming the cell (scanRebalanceLog), never errors for the policies: readPolicySheet
 *   reads A:B only, and readStoredPolicies returns the policies, their dates and the warnings.
 * - Policy names must not start with = + - @ (validatePolicyName): Excel reads such a cell value as
 *   a formula.
 * Parsing goes through parsePolicy (policy.ts): one parser for every shape; dates through
 * calendar.ts's serialDay (the reader REBAL.NEXTDATE / REBAL.CHECK use for their date arguments).
 */
import { serialDay } from "./calendar";
import { RebalError } from "./errors";
import { parsePolicy, Policy, policyToPairs } from "./policy";

export const POLICY_FORMAT_VERSION = 1;
export const POLICY_SHEET = "Rebal Policies";
export const POLICY_NAME_PREFIX = "REBAL_POLICY_";
export const BINDING_PREFIX = "REBAL_BIND_";

/** The defined-name suffix of a policy name: letters, digits and underscores (Excel name rules). */
export function nameKey(policyName: string): string {
  const key = policyName.trim().replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (key === "") throw new RebalError(`policy name "${policyName}" needs at least one letter or digit`);
  return /^[A-Za-z_]/.test(key) ? key : `_${key}`;
}

/** Refuses a policy name Excel would read as a formula when written to a cell (= + - @ first). */
export function validatePolicyName(policyName: string): void {
  const first = policyName.trim().charAt(0);
  if ("=+-@".includes(first) && first !== "") {
    throw new RebalError(`policy name "${policyName.trim()}" starts with "${first}": Excel would read it as a formula; start it with a letter or digit`);
  }
  nameKey(policyName);
}

export const policyDefinedName = (policyName: string): string => POLICY_NAME_PREFIX + nameKey(policyName);
export const holdingsBindingName = (policyName: string): string => `${BINDING_PREFIX}${nameKey(policyName)}_HOLDINGS`;
export const cashBindingName = (policyName: string): string => `${BINDING_PREFIX}${nameKey(policyName)}_CASH`;

/** The key | value rows of a stored policy block. */
export function policyBlock(policy: Policy): (string | number | boolean)[][] {
  if (policy.name.trim() === "") throw new RebalError("a stored policy needs a name");
  validatePolicyName(policy.name);
  const rows = policyToPairs(policy);
  return [["name", policy.name], ["version", POLICY_FORMAT_VERSION], ...rows.filter(([k]) => k !== "name")];
}

/** Reads a stored block back (the same parser formulas use); `where` names it in messages. */
export function readPolicyBlock(rows: unknown[][], where: string): Policy {
  const { policy } = parsePolicy(rows, where);
  if (policy.name === "") throw new RebalError(`${where}: the stored policy has no name`);
  const hasVersion = rows.some((r) => typeof r[0] === "string" && r[0].trim().toLowerCase() === "version");
  if (!hasVersion) throw new RebalError(`${where}: no version row (stored policies are format version ${POLICY_FORMAT_VERSION})`);
  return policy;
}

/** A run of non-blank rows (columns A:B) on the policy sheet: one stored policy. */
export interface PolicyBlockRows {
  /** 0-based sheet row of the block's first row. */
  start: number;
  /** 0-based sheet row after the block's last row. */
  end: number;
  rows: unknown[][];
}

/** Splits the policy sheet's A:B values into blocks of non-blank rows (the layout rule above). */
export function splitPolicyBlocks(cells: unknown[][]): PolicyBlockRows[] {
  const blank = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");
  const out: PolicyBlockRows[] = [];
  let start = -1;
  for (let r = 0; r <= cells.length; r++) {
    const empty = r === cells.length || cells[r].slice(0, 2).every(blank);
    if (!empty && start < 0) start = r;
    if (empty && start >= 0) {
      out.push({ start, end: r, rows: cells.slice(start, r).map((row) => [row[0] ?? "", row[1] ?? ""]) });
      start = -1;
    }
  }
  return out;
}

/** Where a block is, in words: "Rebal Policies rows 1-15". */
export const blockWhere = (b: PolicyBlockRows): string => `${POLICY_SHEET} rows ${b.start + 1}-${b.end}`;

/** The rebalance log's place and header (0-based first column: D). */
export const REBALANCE_LOG_COLUMN = 3;
export const REBALANCE_LOG_HEADER = ["policy", "last_rebalance", "trade_sheet"] as const;
/** The log's columns as letters, for messages and writers: "D", "F". */
export const REBALANCE_LOG_FIRST = "D";
export const REBALANCE_LOG_LAST = "F";

/** One row of the rebalance log. */
export interface RebalanceRecord {
  /** The policy name as written in the log. */
  policy: string;
  /** Excel serial date (whole day) of the last generated trade sheet. */
  lastRebalance: number;
  /** The trade sheet's name ("" when not given). */
  tradeSheet: string;
  /** 1-based sheet row. */
  row: number;
}

const isBlankCell = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");
const logCells = (row: unknown[] | undefined): unknown[] =>
  REBALANCE_LOG_HEADER.map((_, j) => (row ? row[REBALANCE_LOG_COLUMN + j] : undefined));
const logCol = (j: number) => String.fromCharCode(65 + REBALANCE_LOG_COLUMN + j);

/** True when D1:F1 holds the rebalance log header (case-insensitive). */
export function hasRebalanceLogHeader(cells: unknown[][]): boolean {
  const h = logCells(cells[0]);
  return h.every((v, j) => typeof v === "string" && v.trim().toLowerCase() === REBALANCE_LOG_HEADER[j]);
}

/** The rebalance log read leniently: the valid records and one warning per bad row (naming its cell). */
export interface RebalanceLogScan {
  records: RebalanceRecord[];
  /** Problems, each naming its cell ("Rebal Policies D4: ..."); the rows they name are skipped. */
  warnings: string[];
  /** False when D1:F1 is neither blank nor the header (D:F hold something else). */
  headerOk: boolean;
}

/**
 * Reads the rebalance log (columns D:F of the policy sheet's cells, from A1) without throwing. No
 * header and nothing in D1:F1 = no log. A bad header makes the whole log a warning; a bad row
 * (blank or non-text name, a name that is no policy name, a policy not in `policyNames` when given,
 * a policy logged again: the first row counts, a blank or non-date last_rebalance, a non-text
 * trade_sheet) is skipped with a warning naming the cell.
 */
export function scanRebalanceLog(cells: unknown[][], policyNames: readonly string[] | null = null): RebalanceLogScan {
  if (cells.length === 0) return { records: [], warnings: [], headerOk: true };
  if (!hasRebalanceLogHeader(cells)) {
    const h = logCells(cells[0]);
    if (h.every(isBlankCell)) return { records: [], warnings: [], headerOk: true };
    const warning = `${POLICY_SHEET} ${REBALANCE_LOG_FIRST}1:${REBALANCE_LOG_LAST}1 must be the rebalance log header ${REBALANCE_LOG_HEADER.join(" | ")} (or blank), got ${h.map((v) => JSON.stringify(v ?? "")).join(" | ")}`;
    return { records: [], warnings: [warning], headerOk: false };
  }
  const known = policyNames === null ? null : new Set(policyNames.map((n) => safeKey(n)));
  const seen = new Map<string, number>();
  const out: RebalanceRecord[] = [];
  const warnings: string[] = [];
  for (let r = 1; r < cells.length; r++) {
    const [name, date, sheet] = logCells(cells[r]);
    if ([name, date, sheet].every(isBlankCell)) continue;
    const row = r + 1;
    const at = (j: number) => `${POLICY_SHEET} ${logCol(j)}${row}`;
    try {
      if (isBlankCell(name) || typeof name !== "string") throw new RebalError(`${at(0)}: the policy name is ${isBlankCell(name) ? "blank" : `not text (${JSON.stringify(name)})`}`);
      const policy = name.trim();
      const key = safeKey(policy);
      if (key === null) throw new RebalError(`${at(0)}: "${policy}" is not a policy name`);
      if (known && !known.has(key)) throw new RebalError(`${at(0)}: the rebalance log names policy "${policy}", which is not on ${POLICY_SHEET}`);
      if (seen.has(key)) throw new RebalError(`${at(0)}: policy "${policy}" is logged twice (also on row ${seen.get(key)})`);
      seen.set(key, row);
      if (isBlankCell(date)) throw new RebalError(`${at(1)}: last_rebalance of "${policy}" is blank`);
      const lastRebalance = serialDay(date, `${at(1)}: last_rebalance of "${policy}"`);
      if (!isBlankCell(sheet) && typeof sheet !== "string") throw new RebalError(`${at(2)}: trade_sheet must be text, got ${JSON.stringify(sheet)}`);
      out.push({ policy, lastRebalance, tradeSheet: isBlankCell(sheet) ? "" : String(sheet).trim(), row });
    } catch (e) {
      warnings.push((e as Error).message);
    }
  }
  return { records: out, warnings, headerOk: true };
}

/** The rebalance log read strictly: scanRebalanceLog's first warning is an error. */
export function readRebalanceLog(cells: unknown[][], policyNames: readonly string[] | null = null): RebalanceRecord[] {
  const scan = scanRebalanceLog(cells, policyNames);
  if (scan.warnings.length) throw new RebalError(scan.warnings[0]);
  return scan.records;
}

/** 1-based sheet rows of the log whose policy cell names `policyName` (matched like defined names). */
export function rebalanceLogRows(cells: unknown[][], policyName: string): number[] {
  const key = safeKey(policyName);
  if (key === null || !hasRebalanceLogHeader(cells)) return [];
  const out: number[] = [];
  for (let r = 1; r < cells.length; r++) {
    const name = logCells(cells[r])[0];
    if (typeof name === "string" && safeKey(name.trim()) === key) out.push(r + 1);
  }
  return out;
}

/** The last row (1-based) holding anything in D:F, 0 when none: the log's extent for writers. */
export function rebalanceLogExtent(cells: unknown[][]): number {
  for (let r = cells.length - 1; r >= 0; r--) if (!logCells(cells[r]).every(isBlankCell)) return r + 1;
  return 0;
}

const safeKey = (name: string): string | null => {
  try {
    return nameKey(name).toLowerCase();
  } catch {
    return null;
  }
};

/** A stored policy with its last rebalance date from the log (null = never rebalanced / no log). */
export interface StoredPolicyRecord {
  policy: Policy;
  lastRebalance: number | null;
  tradeSheet: string | null;
}

export interface StoredPolicies {
  policies: StoredPolicyRecord[];
  /** The rebalance log's problems (scanRebalanceLog), each naming its cell; they never block the policies. */
  logWarnings: string[];
}

/**
 * Reads every stored policy on the policy sheet with its last rebalance date. Two policies with one
 * name are an error naming them; a problem in the rebalance log is only a warning (the row it names
 * is skipped, so that policy reads as never rebalanced unless another row dates it).
 */
export function readStoredPolicies(cells: unknown[][]): StoredPolicies {
  const out = readPolicySheet(cells);
  const log = scanRebalanceLog(cells, out.map((p) => p.name));
  const policies = out.map((policy) => {
    const rec = log.records.find((r) => safeKey(r.policy) === nameKey(policy.name).toLowerCase());
    return { policy, lastRebalance: rec ? rec.lastRebalance : null, tradeSheet: rec ? rec.tradeSheet : null };
  });
  return { policies, logWarnings: log.warnings };
}

/**
 * Reads every stored policy on the policy sheet (blocks in A:B only: the rebalance log is not read;
 * use readStoredPolicies for the dates). Two policies with one name are an error naming it.
 */
export function readPolicySheet(cells: unknown[][]): Policy[] {
  const out = splitPolicyBlocks(cells).map((b) => readPolicyBlock(b.rows, blockWhere(b)));
  const seen = new Set<string>();
  for (const p of out) {
    const k = nameKey(p.name).toLowerCase();
    if (seen.has(k)) throw new RebalError(`${POLICY_SHEET}: two policies are named "${p.name}"`);
    seen.add(k);
  }
  return out;
}
