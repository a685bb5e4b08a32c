/**
 * The stored-policy format's optional rebalance log (src/core/policyStore.ts, docs/policy-format.md):
 * columns D:F of the policy sheet, header policy | last_rebalance | trade_sheet, one row per policy.
 * Expectations come from the documented format; serial dates are computed independently with
 * python: (date(y, m, d) - date(1899, 12, 30)).days.
 */
import ExcelJS from "exceljs";
import { sheetCells } from "../../../src/cli/inputs";
import { DEFAULT_POLICY, Policy } from "../../../src/core/policy";
import {
  POLICY_SHEET, policyBlock, readPolicySheet, readRebalanceLog, readStoredPolicies, rebalanceLogCells, recordRebalance,
} from "../../../src/core/policyStore";

const core: Policy = { ...DEFAULT_POLICY, name: "Core 60/40", trigger: "threshold", bandAbs: 0.05 };
const calm: Policy = { ...DEFAULT_POLICY, name: "Calm", trigger: "calendar", frequency: "quarterly" };
const D_2026_11_21 = 46347;
const D_2026_10_01 = 46296;

/** The policy sheet's cells from A1: blocks in A:B (one blank row apart), `log` from D1. */
function sheet(blocks: Policy[], log: unknown[][] = []): unknown[][] {
  const ab: unknown[][] = [];
  for (const p of blocks) {
    if (ab.length) ab.push(["", ""]);
    ab.push(...policyBlock(p));
  }
  const rows = Math.max(ab.length, log.length);
  return Array.from({ length: rows }, (_, r) => [...(ab[r] ?? ["", ""]), "", ...(log[r] ?? ["", "", ""])]);
}
const HEADER = ["policy", "last_rebalance", "trade_sheet"];

describe("rebalance log", () => {
  test("absent (a workbook from before the log): every policy reads as never rebalanced", () => {
    const cells = sheet([core, calm]);
    expect(readStoredPolicies(cells)).toEqual([
      { policy: core, lastRebalance: null, tradeSheet: null },
      { policy: calm, lastRebalance: null, tradeSheet: null },
    ]);
    expect(readPolicySheet(cells)).toEqual([core, calm]);
    // and A:B alone (what older readers and the defined names see) is unchanged by a log
    expect(readPolicySheet(sheet([core, calm], [HEADER, ["Calm", D_2026_10_01, ""]]).map((r) => r.slice(0, 2)))).toEqual([core, calm]);
  });

  test("present: dates per policy, matched like defined names (case, spaces, punctuation)", () => {
    const cells = sheet([core, calm], [HEADER, ["calm", D_2026_10_01 + 0.75, "Trades 2026-10-01"], ["Core_60_40", D_2026_11_21, ""]]);
    expect(readStoredPolicies(cells)).toEqual([
      { policy: core, lastRebalance: D_2026_11_21, tradeSheet: "" },
      { policy: calm, lastRebalance: D_2026_10_01, tradeSheet: "Trades 2026-10-01" }, // the time of day is ignored
    ]);
    expect(readRebalanceLog(cells).map((r) => [r.policy, r.row])).toEqual([["calm", 2], ["Core_60_40", 3]]);
  });

  test("blank rows inside the log are skipped; the header is case-insensitive", () => {
    const cells = sheet([calm], [["Policy", "LAST_REBALANCE", "Trade_Sheet"], ["", "", ""], ["Calm", D_2026_10_01, ""]]);
    expect(readStoredPolicies(cells)[0].lastRebalance).toBe(D_2026_10_01);
  });

  const bad: [string, unknown[][], RegExp][] = [
    ["a header that is not the log's", [["policy", "date", ""]], /Rebal Policies D1:F1 must be the rebalance log header policy \| last_rebalance \| trade_sheet/],
    ["a policy that is not on the sheet (a typo)", [HEADER, ["Clam", D_2026_10_01, ""]], /Rebal Policies D2: the rebalance log names policy "Clam", which is not on Rebal Policies/],
    ["a policy logged twice", [HEADER, ["Calm", D_2026_10_01, ""], ["CALM", D_2026_11_21, ""]], /Rebal Policies D3: policy "CALM" is logged twice \(also on row 2\)/],
    ["a blank date", [HEADER, ["Calm", "", "Trades"]], /Rebal Policies E2: last_rebalance of "Calm" is blank/],
    ["a date as text", [HEADER, ["Calm", "2026-10-01", ""]], /Rebal Policies E2: last_rebalance of "Calm" must be a date \(an Excel serial number\)/],
    ["a date out of range", [HEADER, ["Calm", 3e6, ""]], /Rebal Policies E2: last_rebalance of "Calm" 3000000 is not a date between/],
    ["a row without a policy", [HEADER, ["", D_2026_10_01, ""]], /Rebal Policies D2: the policy name is blank/],
    ["a trade sheet that is not text", [HEADER, ["Calm", D_2026_10_01, 5]], /Rebal Policies F2: trade_sheet must be text/],
  ];
  test.each(bad)("%s is an error naming the cell", (_what, log, message) => {
    const cells = sheet([calm], log);
    expect(() => readStoredPolicies(cells)).toThrow(message);
    expect(() => readPolicySheet(cells)).toThrow(message);
  });

  test("recordRebalance updates a policy's row in place or appends one; the cells read back", () => {
    const cells0 = sheet([core, calm], [HEADER, ["Calm", D_2026_10_01, "Trades 2026-10-01"]]);
    const r1 = recordRebalance(readRebalanceLog(cells0), "Core 60/40", D_2026_11_21, "Trades 2026-11-21");
    const r2 = recordRebalance(r1, "Calm", D_2026_11_21 + 0.5, "Trades 2026-11-21 (2)");
    expect(rebalanceLogCells(r2)).toEqual([HEADER, ["Calm", D_2026_11_21, "Trades 2026-11-21 (2)"], ["Core 60/40", D_2026_11_21, "Trades 2026-11-21"]]);
    const cells = sheet([core, calm], rebalanceLogCells(r2));
    expect(readStoredPolicies(cells).map((r) => [r.policy.name, r.lastRebalance])).toEqual([["Core 60/40", D_2026_11_21], ["Calm", D_2026_11_21]]);
    expect(() => recordRebalance(r2, "Calm", 12, "")).toThrow(/last_rebalance 12 is not a date/);
  });

  test("readable from a saved .xlsx by the command line's reader (a date-formatted cell)", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(POLICY_SHEET);
    sheet([core, calm]).forEach((r) => ws.addRow(r.slice(0, 2)));
    ws.getCell("D1").value = "policy";
    ws.getCell("E1").value = "last_rebalance";
    ws.getCell("F1").value = "trade_sheet";
    ws.getCell("D2").value = "Calm";
    ws.getCell("E2").value = new Date(Date.UTC(2026, 9, 1));
    ws.getCell("E2").numFmt = "yyyy-mm-dd";
    ws.getCell("F2").value = "Trades 2026-10-01";
    const back = new ExcelJS.Workbook();
    await back.xlsx.load((await wb.xlsx.writeBuffer()) as ArrayBuffer);
    const stored = readStoredPolicies(sheetCells(back.getWorksheet(POLICY_SHEET)!));
    expect(stored.map((r) => [r.policy.name, r.lastRebalance, r.tradeSheet])).toEqual([["Core 60/40", null, null], ["Calm", D_2026_10_01, "Trades 2026-10-01"]]);
  });
});
