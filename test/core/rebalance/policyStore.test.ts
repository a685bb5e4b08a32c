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
  POLICY_SHEET, policyBlock, readPolicySheet, readRebalanceLog, readStoredPolicies, rebalanceLogExtent, rebalanceLogRows, validatePolicyName,
} from "../../../src/core/policyStore";
import { formFromPolicy, validateForm } from "../../../src/taskpane/form";

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
    expect(readStoredPolicies(cells)).toEqual({
      policies: [{ policy: core, lastRebalance: null, tradeSheet: null }, { policy: calm, lastRebalance: null, tradeSheet: null }],
      logWarnings: [],
    });
    expect(readPolicySheet(cells)).toEqual([core, calm]);
    // and A:B alone (what older readers and the defined names see) is unchanged by a log
    expect(readPolicySheet(sheet([core, calm], [HEADER, ["Calm", D_2026_10_01, ""]]).map((r) => r.slice(0, 2)))).toEqual([core, calm]);
  });

  test("present: dates per policy, matched like defined names (case, spaces, punctuation)", () => {
    const cells = sheet([core, calm], [HEADER, ["calm", D_2026_10_01 + 0.75, "Trades 2026-10-01"], ["Core_60_40", D_2026_11_21, ""]]);
    expect(readStoredPolicies(cells)).toEqual({
      policies: [
        { policy: core, lastRebalance: D_2026_11_21, tradeSheet: "" },
        { policy: calm, lastRebalance: D_2026_10_01, tradeSheet: "Trades 2026-10-01" }, // the time of day is ignored
      ],
      logWarnings: [],
    });
    expect(readRebalanceLog(cells).map((r) => [r.policy, r.row])).toEqual([["calm", 2], ["Core_60_40", 3]]);
  });

  test("blank rows inside the log are skipped; the header is case-insensitive", () => {
    const cells = sheet([calm], [["Policy", "LAST_REBALANCE", "Trade_Sheet"], ["", "", ""], ["Calm", D_2026_10_01, ""]]);
    expect(readStoredPolicies(cells).policies[0].lastRebalance).toBe(D_2026_10_01);
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
  test.each(bad)("%s is a warning naming the cell; the policies still read", (_what, log, message) => {
    const cells = sheet([core, calm], log);
    const stored = readStoredPolicies(cells);
    expect(stored.logWarnings).toHaveLength(1);
    expect(stored.logWarnings[0]).toMatch(message);
    expect(stored.policies.map((r) => r.policy)).toEqual([core, calm]);
    expect(readPolicySheet(cells)).toEqual([core, calm]); // the policies never depend on the log
    expect(() => readRebalanceLog(cells, ["Core 60/40", "Calm"])).toThrow(message); // the strict reader
  });

  test("a bad row is skipped, the other rows still date their policies; a duplicate: the first row counts", () => {
    const cells = sheet([core, calm], [HEADER, ["Gone", D_2026_10_01, ""], ["Calm", D_2026_10_01, ""], ["Core 60/40", "soon", ""], ["calm", D_2026_11_21, ""]]);
    const stored = readStoredPolicies(cells);
    expect(stored.policies.map((r) => [r.policy.name, r.lastRebalance])).toEqual([["Core 60/40", null], ["Calm", D_2026_10_01]]);
    expect(stored.logWarnings).toEqual([
      'Rebal Policies D2: the rebalance log names policy "Gone", which is not on Rebal Policies',
      expect.stringMatching(/^Rebal Policies E4: last_rebalance of "Core 60\/40" must be a date/),
      'Rebal Policies D5: policy "calm" is logged twice (also on row 3)',
    ]);
    // what writers use: a policy's rows (matched like defined names) and the last used log row
    expect(rebalanceLogRows(cells, "CALM")).toEqual([3, 5]);
    expect(rebalanceLogRows(cells, "Core 60/40")).toEqual([4]);
    expect(rebalanceLogRows(cells, "Other")).toEqual([]);
    expect(rebalanceLogExtent(cells)).toBe(5);
  });

  test("a broken block is still an error of readPolicySheet (the log is not)", () => {
    const cells = sheet([calm]);
    cells[2][1] = "whenever";
    expect(() => readPolicySheet(cells)).toThrow(/trigger must be one of/);
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
    expect(stored.logWarnings).toEqual([]);
    expect(stored.policies.map((r) => [r.policy.name, r.lastRebalance, r.tradeSheet])).toEqual([["Core 60/40", null, null], ["Calm", D_2026_10_01, "Trades 2026-10-01"]]);
  });
});

describe("policy names", () => {
  test.each(["=SUM(A1)", "+1 core", "-core", "@core", " =x"])("%p starts with a formula character: refused, naming it", (name) => {
    const ch = name.trim()[0];
    expect(() => validatePolicyName(name)).toThrow(`starts with "${ch}": Excel would read it as a formula`);
    expect(() => policyBlock({ ...calm, name })).toThrow(`starts with "${ch}"`);
  });

  test("the pane's form refuses them on the name field, naming the character", () => {
    const v = validateForm({ ...formFromPolicy(calm), name: "+Calm" });
    expect(v.policy).toBeNull();
    expect(v.errors).toEqual({ name: expect.stringContaining('starts with "+"') });
    expect(validateForm(formFromPolicy(calm)).policy).toEqual(calm);
  });

  test.each(["Core 60/40", "1st", "a=b", "x-y"])("%p is accepted", (name) => {
    expect(() => validatePolicyName(name)).not.toThrow();
  });
});
