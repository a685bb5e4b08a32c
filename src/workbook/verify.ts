/**
 * "Verify workbook" in Excel (issue 15): the rebalance log's hash chain and every logged trade sheet
 * recomputed from the open workbook's cells by the same core/auditChain.ts verifyChain that
 * `rebal verify` runs on a saved file, so both give the same answer on the same cells. One
 * Excel.run, reads only: each sheet's used range from A1 (values, number formats — date-times are
 * compared as dates — and formulas, so a formula typed into a recorded cell counts as a change).
 * Merged cells read as Office.js gives them (the value at the top-left cell, blank elsewhere), as
 * the CLI reads them.
 */
import { AuditCell, VerifyResult, verifyChain } from "../core/auditChain";
import { POLICY_SHEET } from "../core/policyStore";
import { columnLetter } from "../core/holdingsTable";
import { runExcel } from "./excel";

async function sheetCells(context: Excel.RequestContext, sheet: Excel.Worksheet): Promise<AuditCell[][]> {
  const used = sheet.getUsedRangeOrNullObject(true);
  used.load(["rowIndex", "rowCount", "columnIndex", "columnCount"]);
  await context.sync();
  if (used.isNullObject) return [];
  const range = sheet.getRange(`A1:${columnLetter(used.columnIndex + used.columnCount - 1)}${used.rowIndex + used.rowCount}`);
  range.load(["values", "numberFormat", "formulas"]);
  await context.sync();
  const values = range.values as unknown[][], formats = range.numberFormat as string[][], formulas = range.formulas as unknown[][];
  return values.map((row, r) => row.map((value, c) => {
    const f = formulas[r]?.[c];
    return typeof f === "string" && f.startsWith("=") ? { value: { formula: f.slice(1) } } : { value, format: formats[r]?.[c] ?? "General" };
  }));
}

/** Verifies the open workbook (see the header). */
export function verifyOpenWorkbook(): Promise<VerifyResult> {
  return runExcel(async (context) => {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    await context.sync();
    const cells = new Map<string, AuditCell[][]>();
    for (const s of sheets.items) cells.set(s.name, await sheetCells(context, s));
    const find = (name: string) => [...cells.entries()].find(([n]) => n === name)?.[1] ?? null;
    return verifyChain({ policySheet: find(POLICY_SHEET), policySheetName: POLICY_SHEET, sheet: (n) => (n ? find(n) : null) });
  });
}
