/**
 * The audit trail on the command line (issue 15; core/auditChain.ts defines the hashes):
 * - `rebal verify <book.xlsx>` reads every cell of the policy sheet and of each trade sheet the
 *   rebalance log names (exceljs; merged cells count once, at their top-left cell), walks the hash
 *   chain and reports the first mismatch by sheet and cell (or log row). Exit 0 intact, 1 changed.
 * - `rebal trades <book.xlsx> --record --out <copy.xlsx>` (recordInto): verifies the book first
 *   (a changed book is refused: re-linking it would hide the change), adds the trade sheet
 *   ("Trades yyyy-mm-dd", as the pane names it) to a copy of the workbook and writes the policy's
 *   log row (in place, or appended, as the pane does) with its hashes, re-linking the rows after it.
 *   Like the pane, it records only when a rebalance or a scheduled review happened (a trade, or the
 *   calendar was due); otherwise the sheet is written and the log left as it was.
 * The generated time is written to the second, so every reader sees the same date-time.
 */
import ExcelJS from "exceljs";
import { AuditCell, LOG_FIRST_COLUMN, STATUS_PREPARED, hasChainHeader, logFieldsAt, recordWrites, sheetDigest, stampInputsHash, verifyChain, VerifyResult } from "../core/auditChain";
import { RebalError } from "../core/errors";
import { POLICY_SHEET, REBALANCE_LOG_HEADER, rebalanceLogExtent, rebalanceLogRows } from "../core/policyStore";
import { serialToISO, utcToSerial } from "../core/calendar";
import { ReadOptions, readBytes, readWorkbook, sheetCells } from "./inputs";

export const VERIFY_HELP = `rebal verify <book.xlsx> [--max-input-mib N] [--max-cells N]
Recomputes the rebalance log's hash chain and every logged trade sheet's hashes from the cells
(docs/policy-format.md, "Hash chain") and reports the first mismatch by sheet and cell (or log row).
Prints the chain head: keep it outside the workbook to pin the chain.
Exit codes: 0 intact, 1 changed (or nothing to verify), 2 usage, 3 file.
`;

const DATE_FORMAT = "yyyy-mm-dd";

/** A flat value of an exceljs cell for hashing (rich text and hyperlinks as their text; formulas as formulas). */
function auditValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object" || v instanceof Date) return v;
  const o = v as Record<string, unknown>;
  if (typeof o.formula === "string") return { formula: o.formula };
  if (typeof o.sharedFormula === "string") return { formula: o.sharedFormula };
  if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join("");
  if ("text" in o) return auditValue(o.text);
  if ("error" in o) return String(o.error);
  return String(v);
}

/** Every cell of a sheet as value + number format; the non-top-left cells of a merge are blank. */
export function auditCells(ws: ExcelJS.Worksheet): AuditCell[][] {
  const out: AuditCell[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const cells: AuditCell[] = [];
    for (let c = 1; c <= ws.columnCount; c++) {
      const cell = row.getCell(c);
      const slave = cell.isMerged && cell.master.address !== cell.address;
      cells.push(slave ? { value: null } : { value: auditValue(cell.value), format: cell.numFmt || "General" });
    }
    out.push(cells);
  }
  return out;
}

/** Verifies an exceljs workbook (core verifyChain on its cells). */
export function verifyWorkbook(wb: ExcelJS.Workbook): VerifyResult {
  const policy = wb.getWorksheet(POLICY_SHEET);
  return verifyChain({
    policySheet: policy ? auditCells(policy) : null,
    policySheetName: POLICY_SHEET,
    sheet: (name) => { const ws = name ? wb.getWorksheet(name) : undefined; return ws ? auditCells(ws) : null; },
  });
}

/** `rebal verify`: the message lines and the exit code. */
export async function runVerify(file: string, ro: ReadOptions): Promise<{ code: number; out: string; err: string }> {
  const w = await readWorkbook(file, readBytes(file, ro.limits), ro.limits);
  const res = verifyWorkbook(w.wb);
  const err = res.notes.map((n) => `rebal: note: ${file}: ${n}\n`).join("");
  if (res.intact) return { code: 0, out: `${file}: intact (${res.rows} log row${res.rows === 1 ? "" : "s"} and their trade sheets; chain head ${res.head})\n`, err };
  return { code: 1, out: "", err: `${err}rebal: ${file}: ${res.nothing ? "cannot verify" : "changed"}: ${res.problem}\n` };
}

/**
 * Records a trade sheet already added to `wb` (sheet `sheetName`) in the policy sheet's log: verifies
 * the workbook first (throws when it does not verify, except a log with no hashed rows yet), then
 * writes the row of `policy` and re-links the chain. `day`: the Excel serial day recorded.
 */
export function recordInto(wb: ExcelJS.Workbook, sheetName: string, policy: string, day: number): void {
  const ps = wb.getWorksheet(POLICY_SHEET);
  if (!ps) throw new RebalError(`--record: the workbook has no "${POLICY_SHEET}" sheet (the policy must be stored in it)`);
  const before = auditCells(ps);
  const hashed = hasChainHeader(before) && before.some((_, r) => r > 0 && logFieldsAt(before, r).hash.value !== null && logFieldsAt(before, r).hash.value !== "");
  if (hashed) {
    const v = verifyWorkbook(wb);
    if (!v.intact) throw new RebalError(`--record: the workbook does not verify (${v.problem}); nothing was written: check it with rebal verify`);
  }
  const plain = sheetCells(ps);
  const existing = rebalanceLogRows(plain, policy);
  const headerOk = REBALANCE_LOG_HEADER.every((h, j) => String(plain[0]?.[LOG_FIRST_COLUMN + j] ?? "").trim().toLowerCase() === h);
  const headerBlank = REBALANCE_LOG_HEADER.every((_, j) => plain[0]?.[LOG_FIRST_COLUMN + j] === null || plain[0]?.[LOG_FIRST_COLUMN + j] === undefined);
  if (!headerOk && !headerBlank) throw new RebalError(`--record: ${POLICY_SHEET} D1:F1 hold other data, not the rebalance log header (${REBALANCE_LOG_HEADER.join(" | ")})`);
  if (!headerOk) REBALANCE_LOG_HEADER.forEach((h, j) => { const c = ps.getCell(1, LOG_FIRST_COLUMN + j + 1); c.numFmt = "@"; c.value = h; });
  const at = existing.length ? existing[0] - 1 : Math.max(1, rebalanceLogExtent(plain));
  const sheet = wb.getWorksheet(sheetName);
  if (!sheet) throw new Error(`internal error: the trade sheet "${sheetName}" is not in the workbook`);
  const cells = auditCells(sheet);
  const stamp = stampInputsHash(cells);
  if (!stamp) throw new Error(`internal error: the trade sheet "${sheetName}" has no Inputs SHA-256`);
  const d = sheetDigest(cells);
  const writes = recordWrites(auditCells(ps), at, {
    policy: { value: policy, format: "@" }, lastRebalance: { value: day, format: DATE_FORMAT }, tradeSheet: { value: sheetName, format: "@" },
    status: { value: STATUS_PREPARED, format: "@" }, inputsSha256: { value: stamp.value, format: "@" }, sheetSha256: { value: d.sha256, format: "@" },
    sheetIndex: { value: d.index, format: "@" },
  });
  for (const w of writes) {
    const cell = ps.getCell(w.r + 1, w.c + 1);
    if (w.format) cell.numFmt = w.format;
    cell.value = w.value;
  }
}

/** The pane's trade-sheet name for a day: "Trades yyyy-mm-dd" (the writer adds " (2)"... when taken). */
export const tradeSheetNameFor = (day: number): string => `Trades ${serialToISO(day)}`;

/** Today's local calendar day as an Excel serial (the pane's rule for the log's date). */
export function localDay(now: Date): number {
  return utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
}
