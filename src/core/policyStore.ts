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
 * Parsing goes through parsePolicy (policy.ts): one parser for every shape.
 */
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

/**
 * Reads every stored policy on the policy sheet. Two policies with one name are an error naming it.
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
