/**
 * The rebalance log's hash chain (product.md, "Tamper evidence"; docs/policy-format.md, "Hash
 * chain"): the canonical serialisation of cells, trade sheets and log rows, the hashes over them,
 * and the walk that verifies a workbook from its cells. Pure: callers pass cells (value + number
 * format) and get problems naming sheets and cells; SHA-256 is core/sha256.ts.
 *
 * Canonical cell token (cellToken): blank → none; text "s:<text>"; number "n:<the number rounded to
 * NUMBER_DIGITS (15) significant digits, shortest decimal>" (Excel's precision; LibreOffice writes
 * 15 digits, exceljs 17, so a file saved by either reads the same); boolean "b:TRUE"/"b:FALSE"; a formula "f:<formula>"; a
 * date-time (a Date, or a number whose format has date/time codes) "t:<ISO 8601 UTC to the second>",
 * so a date survives libraries that read date cells as dates and others that read serial numbers.
 *
 * Trade sheet: sheet_sha256 = SHA-256("rebal-sheet/1" and one line "<A1>\t<token>" per non-blank
 * cell, row by row, joined with "\n"). sheet_index locates a change: "1|<k>|<row digests>|<column
 * digests>", each digest the first INDEX_DIGEST_HEX hex digits of SHA-256 over one group of k rows
 * (or one column) of those lines; k grows so the index fits in one Excel cell.
 *
 * Log row (columns D:L of "Rebal Policies"): policy, last_rebalance, trade_sheet, status,
 * inputs_sha256 (the sheet's stamp), sheet_sha256, sheet_index, prev_hash, hash, where
 * hash = SHA-256("rebal-log/1" and the tokens of the eight fields before it, joined with "\n") and
 * prev_hash is the hash of the previous hashed row (GENESIS_HASH for the first). The chain head
 * (N1, labelled "chain_head" in M1) holds the last row's hash, so deleting the last row shows too.
 * The chain is tamper-evident against edits, not a signature: whoever has this code can rebuild a
 * consistent chain, so record the head outside the workbook (rebal verify prints it) to pin it.
 */
import { columnLetter } from "./holdingsTable";
import { sha256Hex } from "./sha256";

export const SHEET_DIGEST_VERSION = "rebal-sheet/1";
export const LOG_DIGEST_VERSION = "rebal-log/1";
export const INDEX_VERSION = "1";
export const GENESIS_HASH = "0".repeat(64);
export const INDEX_DIGEST_HEX = 8;
/** Excel's limit on the characters of one cell. */
export const EXCEL_CELL_MAX_CHARS = 32_767;
/** The hash columns right of the log's D:F (docs/policy-format.md). */
export const CHAIN_HEADER = ["status", "inputs_sha256", "sheet_sha256", "sheet_index", "prev_hash", "hash"] as const;
/** 0-based columns: the log starts at D (3); the chain columns follow F; the head label and value after them. */
export const LOG_FIRST_COLUMN = 3;
export const CHAIN_FIRST_COLUMN = 6;
export const HEAD_LABEL_COLUMN = CHAIN_FIRST_COLUMN + CHAIN_HEADER.length; // M
export const HEAD_VALUE_COLUMN = HEAD_LABEL_COLUMN + 1; // N
export const HEAD_LABEL = "chain_head";
export const STATUS_PREPARED = "prepared";
const EXCEL_UNIX_EPOCH = 25569;
/** Significant digits of a number token: Excel's number precision (Excel specifications and limits). */
export const NUMBER_DIGITS = 15;
const MS_PER_DAY = 86_400_000;
/** Number-format codes of dates and times (outside quotes and brackets): y, d, h, s, or m next to them. */
const DATE_FORMAT = /[ydhs]/i;

export interface AuditCell {
  value: unknown;
  /** The cell's number format ("General" when none). */
  format?: string;
}

const isBlank = (v: unknown) => v === null || v === undefined || v === "";

function isDateFormat(format: string | undefined): boolean {
  if (!format || format.toLowerCase() === "general") return false;
  const bare = format.replace(/"[^"]*"|\[[^\]]*\]|\\./g, "");
  return DATE_FORMAT.test(bare.replace(/General/gi, ""));
}

const isoSeconds = (ms: number) => new Date(Math.round(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The canonical token of a cell (see the header), null when blank. */
export function cellToken(c: AuditCell): string | null {
  const v = c.value;
  if (isBlank(v)) return null;
  if (v instanceof Date) return `t:${isoSeconds(v.getTime())}`;
  if (typeof v === "number") return isDateFormat(c.format) ? `t:${isoSeconds((v - EXCEL_UNIX_EPOCH) * MS_PER_DAY)}` : `n:${String(Number(v.toPrecision(NUMBER_DIGITS)))}`;
  if (typeof v === "string") return `s:${v}`;
  if (typeof v === "boolean") return `b:${v ? "TRUE" : "FALSE"}`;
  if (typeof v === "object" && v !== null && typeof (v as { formula?: unknown }).formula === "string") return `f:${(v as { formula: string }).formula}`;
  return `s:${String(v)}`;
}

const a1 = (r: number, c: number) => `${columnLetter(c)}${r + 1}`;

interface Located { r: number; c: number; line: string }

function lines(cells: readonly (readonly AuditCell[])[]): Located[] {
  const out: Located[] = [];
  cells.forEach((row, r) => row.forEach((cell, c) => {
    const t = cellToken(cell);
    if (t !== null) out.push({ r, c, line: `${a1(r, c)}\t${t}` });
  }));
  return out;
}

const digest = (parts: string[]) => sha256Hex(parts.join("\n")).slice(0, INDEX_DIGEST_HEX);

export interface SheetDigest { sha256: string; index: string }

function indexOf(ls: Located[], rowGroup: number, rows: number, cols: number): string {
  const byRow: string[][] = Array.from({ length: Math.ceil(rows / rowGroup) }, (_, g) => [`r${g}`]);
  const byCol: string[][] = Array.from({ length: cols }, (_, c) => [`c${c}`]);
  for (const l of ls) { byRow[Math.floor(l.r / rowGroup)].push(l.line); byCol[l.c].push(l.line); }
  return [INDEX_VERSION, String(rowGroup), byRow.map(digest).join(""), byCol.map(digest).join("")].join("|");
}

/** sheet_sha256 and sheet_index of a sheet's cells (see the header). */
export function sheetDigest(cells: readonly (readonly AuditCell[])[]): SheetDigest {
  const ls = lines(cells);
  const rows = ls.reduce((m, l) => Math.max(m, l.r + 1), 0), cols = ls.reduce((m, l) => Math.max(m, l.c + 1), 0);
  const sha256 = sha256Hex([SHEET_DIGEST_VERSION, ...ls.map((l) => l.line)].join("\n"));
  let k = 1;
  const size = (g: number) => 8 + Math.ceil(rows / g) * INDEX_DIGEST_HEX + cols * INDEX_DIGEST_HEX;
  while (size(k) > EXCEL_CELL_MAX_CHARS) k *= 2;
  return { sha256, index: indexOf(ls, k, rows, cols) };
}

/**
 * Where a sheet differs from its recorded index: the first changed row (group) and the first changed
 * column; exact for one changed cell, otherwise the first changed row and column. Null when the
 * index is unreadable or shows no difference (the sheet hash then decides alone).
 */
export function locateChange(cells: readonly (readonly AuditCell[])[], recordedIndex: string): string | null {
  const [v, kText, rowText, colText] = recordedIndex.split("|");
  const k = Number(kText);
  if (v !== INDEX_VERSION || !Number.isInteger(k) || k < 1 || rowText === undefined || colText === undefined) return null;
  const ls = lines(cells);
  const split = (s: string) => s.match(new RegExp(`.{${INDEX_DIGEST_HEX}}`, "g")) ?? [];
  const recRows = split(rowText), recCols = split(colText);
  const rows = Math.max(ls.reduce((m, l) => Math.max(m, l.r + 1), 0), recRows.length * k);
  const cols = Math.max(ls.reduce((m, l) => Math.max(m, l.c + 1), 0), recCols.length);
  const now = indexOf(ls, k, rows, cols).split("|");
  const nowRows = split(now[2]), nowCols = split(now[3]);
  // beyond the recorded extent the recorded sheet had nothing: compare with an empty group's digest
  const g = nowRows.findIndex((d, i) => d !== (recRows[i] ?? digest([`r${i}`])));
  const c = nowCols.findIndex((d, i) => d !== (recCols[i] ?? digest([`c${i}`])));
  if (g < 0 && c < 0) return null;
  const col = c < 0 ? null : columnLetter(c);
  if (g < 0) return `column ${col}`;
  const r0 = g * k + 1, r1 = (g + 1) * k;
  const rowText_ = k === 1 ? `${r0}` : `${r0}-${r1}`;
  return col === null ? `row ${rowText_}` : k === 1 ? `cell ${col}${r0}` : `column ${col}, rows ${rowText_}`;
}

/** The fields of a log row, as cells (value + format), in LOG order D:K. */
export interface LogFields {
  policy: AuditCell; lastRebalance: AuditCell; tradeSheet: AuditCell; status: AuditCell;
  inputsSha256: AuditCell; sheetSha256: AuditCell; sheetIndex: AuditCell; prevHash: AuditCell;
}

/** The hash of a log row (see the header). */
export function logRowHash(f: LogFields): string {
  const tokens = [f.policy, f.lastRebalance, f.tradeSheet, f.status, f.inputsSha256, f.sheetSha256, f.sheetIndex, f.prevHash].map((c) => cellToken(c) ?? "");
  return sha256Hex([LOG_DIGEST_VERSION, ...tokens].join("\n"));
}

/** The stamp's "Inputs SHA-256" of a trade sheet: the first non-blank cell right of that label in column A. */
export function stampInputsHash(cells: readonly (readonly AuditCell[])[], label = "Inputs SHA-256"): { value: string; cell: string } | null {
  for (let r = 0; r < cells.length; r++) {
    if (cells[r]?.[0]?.value !== label) continue;
    for (let c = 1; c < (cells[r]?.length ?? 0); c++) if (!isBlank(cells[r][c].value)) return { value: String(cells[r][c].value), cell: a1(r, c) };
    return { value: "", cell: a1(r, 1) };
  }
  return null;
}

export interface VerifyInput {
  /** Every cell of the policy sheet (row 0 = row 1), or null when the workbook has none. */
  policySheet: readonly (readonly AuditCell[])[] | null;
  policySheetName: string;
  /** A sheet's cells by name (null when no such sheet). */
  sheet: (name: string) => readonly (readonly AuditCell[])[] | null;
}

export interface VerifyResult {
  /** True when every hashed row, its sheet and the head match. */
  intact: boolean;
  /** True when there is nothing to verify (no log, no hash columns, no hashed row): not intact either. */
  nothing: boolean;
  /** The first mismatch (when not intact), naming the sheet and cell or the log row. */
  problem: string | null;
  /** Things verified only in part (rows without hashes), said so. */
  notes: string[];
  /** Hashed log rows checked, and the chain head. */
  rows: number;
  head: string;
  /** The trade sheets of the verified rows (intact results). */
  covers: string[];
}

const text = (c: AuditCell | undefined) => (c && typeof c.value === "string" ? c.value.trim() : c && !isBlank(c.value) ? String(c.value) : "");

/** The fields of a log row of the policy sheet (0-based row r). */
export function logFieldsAt(cells: readonly (readonly AuditCell[])[], r: number): LogFields & { hash: AuditCell } {
  const at = (j: number): AuditCell => cells[r]?.[LOG_FIRST_COLUMN + j] ?? { value: null };
  return { policy: at(0), lastRebalance: at(1), tradeSheet: at(2), status: at(3), inputsSha256: at(4), sheetSha256: at(5), sheetIndex: at(6), prevHash: at(7), hash: at(8) };
}

/** True when G1:L1 hold the chain's header (case-insensitive). */
export function hasChainHeader(cells: readonly (readonly AuditCell[])[]): boolean {
  return CHAIN_HEADER.every((h, j) => text(cells[0]?.[CHAIN_FIRST_COLUMN + j]).toLowerCase() === h);
}

/** Verifies the chain and every hashed row's trade sheet from the cells (see the header). */
export function verifyChain(input: VerifyInput): VerifyResult {
  const notes: string[] = [];
  const P = input.policySheetName;
  const covers: string[] = [];
  const fail = (problem: string, rows: number, head: string, nothing = false): VerifyResult => ({ intact: false, nothing, problem, notes, rows, head, covers: [] });
  const cells = input.policySheet;
  if (!cells) return fail(`no sheet "${P}": the workbook has no rebalance log to verify`, 0, GENESIS_HASH, true);
  if (!hasChainHeader(cells)) return fail(`${P} ${a1(0, CHAIN_FIRST_COLUMN)}:${a1(0, CHAIN_FIRST_COLUMN + CHAIN_HEADER.length - 1)} is not the hash chain's header (${CHAIN_HEADER.join(" | ")}): the rebalance log has no hashes to verify`, 0, GENESIS_HASH, true);
  let prev = GENESIS_HASH, prevRow = 0, rows = 0;
  for (let r = 1; r < cells.length; r++) {
    const f = logFieldsAt(cells, r);
    const all = [f.policy, f.lastRebalance, f.tradeSheet, f.status, f.inputsSha256, f.sheetSha256, f.sheetIndex, f.prevHash, f.hash];
    if (all.every((c) => isBlank(c.value))) continue;
    const row = r + 1;
    const span = `${P} ${a1(r, LOG_FIRST_COLUMN)}:${a1(r, LOG_FIRST_COLUMN + 8)}`;
    if (isBlank(f.hash.value)) {
      if (rows > 0) return fail(`log row ${row} (${span}) has no hash, after hashed row ${prevRow}: a row was inserted or its hash removed`, rows, prev);
      notes.push(`log row ${row} (${text(f.policy) || "?"}) has no hash (written before the audit trail, e.g. by an older pane): not verified`);
      continue;
    }
    if (text(f.prevHash) !== prev) {
      return fail(rows === 0
        ? `log row ${row}: prev_hash (${P} ${a1(r, LOG_FIRST_COLUMN + 7)}) is not the chain's start: an earlier log row was deleted or the rows were reordered`
        : `log row ${row}: prev_hash (${P} ${a1(r, LOG_FIRST_COLUMN + 7)}) is not the hash of log row ${prevRow}: a log row was deleted, inserted or the rows were reordered`, rows, prev);
    }
    if (logRowHash(f) !== text(f.hash)) return fail(`log row ${row}: its fields (${span}) no longer match its hash: a log field was changed`, rows, prev);
    const name = text(f.tradeSheet);
    const sheet = input.sheet(name);
    if (!sheet) return fail(`trade sheet "${name}" of log row ${row} is missing: deleted or renamed since it was recorded`, rows, prev);
    const stamp = stampInputsHash(sheet);
    const d = sheetDigest(sheet);
    if (d.sha256 !== text(f.sheetSha256)) {
      const where = locateChange(sheet, text(f.sheetIndex));
      if (stamp && where === `cell ${stamp.cell}` && stamp.value.trim() !== text(f.inputsSha256)) {
        return fail(`sheet "${name}" cell ${stamp.cell} (Inputs SHA-256) no longer matches log row ${row}: the stamp was changed`, rows, prev);
      }
      return fail(`sheet "${name}" ${where ?? "(a cell)"} changed since log row ${row} recorded it`, rows, prev);
    }
    // the sheet is as recorded; its stamp must also be the one the row names
    if (!stamp || stamp.value.trim() !== text(f.inputsSha256)) return fail(`sheet "${name}": its audit stamp's Inputs SHA-256 is not the one log row ${row} recorded`, rows, prev);
    prev = text(f.hash);
    prevRow = row;
    covers.push(name);
    rows++;
  }
  const head = text(cells[0]?.[HEAD_VALUE_COLUMN]);
  if (rows > 0 && head !== prev) return fail(`the chain head (${P} ${a1(0, HEAD_VALUE_COLUMN)}) is not the hash of the last log row ${prevRow}: a log row was deleted at the end, or the head was changed`, rows, prev);
  if (rows === 0) return fail(`the rebalance log on ${P} has no hashed rows: nothing to verify`, 0, prev, true);
  return { intact: true, nothing: false, problem: null, notes, rows, head: prev, covers };
}

/** One cell write of a recording: 0-based row and column on the policy sheet. */
export interface CellWrite { r: number; c: number; value: string | number; format?: string }

/**
 * The writes that put `fields` (a new or updated hashed row at 0-based row `at`) into the chain and
 * re-link every hashed row after it (their prev_hash and hash; their fields do not change), plus the
 * header and the head. The caller must have verified the chain first (verifyChain intact or no
 * hashed rows): re-linking an unverified chain would launder a change.
 */
export function recordWrites(cells: readonly (readonly AuditCell[])[], at: number, fields: Omit<LogFields, "prevHash">): CellWrite[] {
  const writes: CellWrite[] = [];
  CHAIN_HEADER.forEach((h, j) => writes.push({ r: 0, c: CHAIN_FIRST_COLUMN + j, value: h, format: "@" }));
  writes.push({ r: 0, c: HEAD_LABEL_COLUMN, value: HEAD_LABEL, format: "@" });
  let prev = GENESIS_HASH;
  const last = Math.max(cells.length - 1, at);
  for (let r = 1; r <= last; r++) {
    const f = r === at ? { ...fields, prevHash: { value: prev } } : { ...logFieldsAt(cells, r), prevHash: { value: prev } };
    if (r !== at && isBlank(logFieldsAt(cells, r).hash.value)) continue; // not hashed (before the trail)
    const hash = logRowHash(f);
    if (r === at) {
      const vals = [f.policy, f.lastRebalance, f.tradeSheet, f.status, f.inputsSha256, f.sheetSha256, f.sheetIndex];
      vals.forEach((c, j) => writes.push({ r, c: LOG_FIRST_COLUMN + j, value: c.value as string | number, ...(c.format ? { format: c.format } : {}) }));
    }
    if (r >= at) {
      writes.push({ r, c: LOG_FIRST_COLUMN + 7, value: prev, format: "@" }, { r, c: LOG_FIRST_COLUMN + 8, value: hash, format: "@" });
    }
    prev = hash;
  }
  writes.push({ r: 0, c: HEAD_VALUE_COLUMN, value: prev, format: "@" });
  return writes;
}
