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
 *   unaffected; a workbook without it reads as "never rebalanced". The log is strict like the rest:
 *   a row naming no policy, a policy logged twice or a cell that is not a date is an error naming it.
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

export const policyDefinedName = (policyName: string): string => POLICY_NAME_PREFIX + nameKey(policyName);
export const holdingsBindingName = (policyName: string): string => `${BINDING_PREFIX}${nameKey(policyName)}_HOLDINGS`;
export const cashBindingName = (policyName: string): string => `${BINDING_PREFIX}${nameKey(policyName)}_CASH`;

/** The key | value rows of a stored policy block. */
export function policyBlock(policy: Policy): (string | number | boolean)[][] {
  if (policy.name.trim() === "") throw new RebalError("a stored policy needs a name");
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

/**
 * Reads the rebalance log (columns D:F of the policy sheet's cells, from A1). No header and nothing
 * in D1:F1 = no log (an empty list). `policyNames`, when given, are the policies on the sheet: a row
 * naming another policy is an error (a typo must not silently lose a date).
 */
export function readRebalanceLog(cells: unknown[][], policyNames: readonly string[] | null = null): RebalanceRecord[] {
  if (cells.length === 0) return [];
  if (!hasRebalanceLogHeader(cells)) {
    const h = logCells(cells[0]);
    if (h.every(isBlankCell)) return [];
    throw new RebalError(`${POLICY_SHEET} ${REBALANCE_LOG_FIRST}1:${REBALANCE_LOG_LAST}1 must be the rebalance log header ${REBALANCE_LOG_HEADER.join(" | ")} (or blank), got ${h.map((v) => JSON.stringify(v ?? "")).join(" | ")}`);
  }
  const known = policyNames === null ? null : new Set(policyNames.map((n) => safeKey(n)));
  const seen = new Map<string, number>();
  const out: RebalanceRecord[] = [];
  for (let r = 1; r < cells.length; r++) {
    const [name, date, sheet] = logCells(cells[r]);
    if ([name, date, sheet].every(isBlankCell)) continue;
    const row = r + 1;
    const at = (j: number) => `${POLICY_SHEET} ${logCol(j)}${row}`;
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
  }
  return out;
}

/** The last row (1-based) holding anything in D:F, 0 when none: the log's extent for writers. */
export function rebalanceLogExtent(cells: unknown[][]): number {
  for (let r = cells.length - 1; r >= 0; r--) if (!logCells(cells[r]).every(isBlankCell)) return r + 1;
  return 0;
}

/** The log's cells (header first) for these records, in their order. */
export function rebalanceLogCells(records: readonly Pick<RebalanceRecord, "policy" | "lastRebalance" | "tradeSheet">[]): (string | number)[][] {
  return [[...REBALANCE_LOG_HEADER], ...records.map((r) => [r.policy, r.lastRebalance, r.tradeSheet])];
}

/** The records after policy `name` got a trade sheet on `serial`: its row updated in place, or appended. */
export function recordRebalance(records: readonly RebalanceRecord[], name: string, serial: number, tradeSheet: string): RebalanceRecord[] {
  const key = nameKey(name).toLowerCase();
  const day = serialDay(serial, "last_rebalance");
  const at = records.findIndex((r) => safeKey(r.policy) === key);
  const rec = { policy: name, lastRebalance: day, tradeSheet, row: at >= 0 ? records[at].row : 0 };
  return at >= 0 ? records.map((r, i) => (i === at ? rec : r)) : [...records, rec];
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

/**
 * Reads every stored policy on the policy sheet with its last rebalance date. Two policies with one
 * name, or a rebalance log that does not parse, are errors naming them.
 */
export function readStoredPolicies(cells: unknown[][]): StoredPolicyRecord[] {
  const out = splitPolicyBlocks(cells).map((b) => readPolicyBlock(b.rows, blockWhere(b)));
  const seen = new Set<string>();
  for (const p of out) {
    const k = nameKey(p.name).toLowerCase();
    if (seen.has(k)) throw new RebalError(`${POLICY_SHEET}: two policies are named "${p.name}"`);
    seen.add(k);
  }
  const log = readRebalanceLog(cells, out.map((p) => p.name));
  return out.map((policy) => {
    const rec = log.find((r) => safeKey(r.policy) === nameKey(policy.name).toLowerCase());
    return { policy, lastRebalance: rec ? rec.lastRebalance : null, tradeSheet: rec ? rec.tradeSheet : null };
  });
}

/**
 * Reads every stored policy on the policy sheet (the rebalance log is checked too; use
 * readStoredPolicies for the dates). Two policies with one name are an error naming it.
 */
export function readPolicySheet(cells: unknown[][]): Policy[] {
  return readStoredPolicies(cells).map((r) => r.policy);
}
