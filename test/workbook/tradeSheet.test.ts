/** src/workbook/tradeSheet.ts (and inputs.ts, hash.ts) against the in-memory fake workbook. */
import { createHash } from "crypto";
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { POLICY_SHEET, readStoredPolicies } from "../../src/core/policyStore";
import { tradeSheetFn } from "../../src/functions/rebalance";
import { canonicalInputs } from "../../src/workbook/hash";
import { listPolicies, savePolicy } from "../../src/workbook/policies";
import { HEADER_ROW, TRADE_HEADER, uniqueSheetName, writeTradeSheet } from "../../src/workbook/tradeSheet";
import { FakeExcel } from "../support/fakeExcel";
import { HOLDINGS, install, uninstall } from "./setup";

const core: Policy = { ...DEFAULT_POLICY, name: "Core", trigger: "threshold", bandAbs: 0.05, costBps: 10 };
const NOW = new Date(2026, 10, 21, 9, 30);

let fake: FakeExcel;
beforeEach(async () => {
  fake = install();
  await savePolicy({ policy: core, holdings: "Book", cash: "Portfolio!G3" }, null);
  fake.state.log = [];
});
afterEach(uninstall);

describe("writeTradeSheet", () => {
  test("writes a new sheet in one run: stamp, trades as REBAL.TRADESHEET computes them, totals, formats, chart", async () => {
    const before = fake.snapshot();
    const runs = fake.state.runs;
    const res = await writeTradeSheet("Core", NOW);
    expect(fake.state.runs).toBe(runs + 1);
    expect(res.sheetName).toBe("Trades 2026-11-21");
    const sheet = fake.state.sheets.find((s) => s.name === res.sheetName)!;
    const v = fake.usedValues(res.sheetName);
    expect(v[0][0]).toBe("Rebal trade sheet");
    expect(v.slice(1, 8).map((r) => r[0])).toEqual(["Policy", "Generated", "Add-in version", "Inputs SHA-256", "Holdings", "Cash", "Decision"]);
    expect(v[1][1]).toBe("Core");
    expect(v[2][1]).toBe(NOW.toISOString());
    expect(v[3][1]).toBe("dev"); // __REBAL_VERSION__ is defined by webpack only
    // the hash is SHA-256 of the canonical inputs, as read from the cells
    const policyRows = fake.read(POLICY_SHEET, `A1:B${fake.usedValues(POLICY_SHEET).length}`);
    expect(v[4][1]).toBe(createHash("sha256").update(canonicalInputs(policyRows, HOLDINGS, 5000)).digest("hex"));
    expect(res.hash).toBe(v[4][1]);
    expect(v[HEADER_ROW].slice(0, 12)).toEqual(TRADE_HEADER);
    // same trades, sides, weights, costs and reasons as the formula
    const formula = tradeSheetFn(HOLDINGS, 5000, policyRows) as unknown[][];
    for (let i = 0; i < 3; i++) {
      const row = v[HEADER_ROW + 1 + i];
      const f = formula[1 + i];
      expect([row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[10], row[11]]).toEqual([f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]]);
      expect(row[8]).toBeCloseTo((f[5] as number) - (f[6] as number), 12);
    }
    expect(v[HEADER_ROW + 4][0]).toBe("CASH");
    const totals = Object.fromEntries(v.slice(HEADER_ROW + 7, HEADER_ROW + 12).map((r) => [r[0], r[1]]));
    expect(Object.keys(totals)).toEqual(["Buys", "Sells", "Net cash", "Estimated costs", "Turnover"]);
    expect(totals["Net cash"]).toBeCloseTo((totals.Sells as number) - (totals.Buys as number) - (totals["Estimated costs"] as number), 9);
    expect(res.totals.buys).toBe(totals.Buys);
    // number formats and the chart over the drift columns
    expect(sheet.formats[`${HEADER_ROW + 1},5`]).toBe("0.00%");
    expect(sheet.formats[`${HEADER_ROW + 1},3`]).toBe("#,##0.00");
    expect(sheet.charts).toHaveLength(1);
    expect(sheet.charts[0]).toMatchObject({ type: "ColumnClustered", source: `N${HEADER_ROW + 1}:P${HEADER_ROW + 4}`, seriesBy: "Columns" });
    expect(fake.read(res.sheetName, `N${HEADER_ROW + 1}:P${HEADER_ROW + 1}`)).toEqual([["Asset", "Drift before", "Drift after"]]);
    // the day is recorded in the policy sheet's rebalance log (D:F), beside the untouched blocks
    // 2026-11-21 is Excel serial 46347 (python: (date(2026,11,21) - date(1899,12,30)).days)
    expect(res.lastRebalance).toBe(46347);
    expect(fake.read(POLICY_SHEET, "D1:F2")).toEqual([["policy", "last_rebalance", "trade_sheet"], ["Core", 46347, "Trades 2026-11-21"]]);
    expect(fake.state.sheets.find((s) => s.name === POLICY_SHEET)!.formats["1,4"]).toBe("yyyy-mm-dd");
    expect(fake.read(POLICY_SHEET, `A1:B${policyRows.length}`)).toEqual(policyRows);
    // nothing else touched
    const unchanged = (sheets: typeof before.sheets) => sheets.filter((s) => s.name !== res.sheetName && s.name !== POLICY_SHEET);
    expect(unchanged(fake.state.sheets)).toEqual(unchanged(before.sheets));
    expect(fake.state.names).toEqual(before.names);
    expect(fake.state.log.filter((l) => !(l.includes("Trades 2026-11-21") || l.startsWith("addSheet")))).toEqual([
      `write '${POLICY_SHEET}'!D1:F2`, `numberFormat '${POLICY_SHEET}'!E2`, `bold '${POLICY_SHEET}'!D1:F1`,
    ]);
    expect(fake.state.active).toBe(res.sheetName);
  });

  test("the rebalance log keeps one row per policy: a later sheet updates it, another policy appends, core reads the dates", async () => {
    await savePolicy({ policy: { ...core, name: "Calm", trigger: "calendar", frequency: "quarterly" }, holdings: "Book", cash: "" }, null);
    await writeTradeSheet("Core", NOW);
    await writeTradeSheet("Calm", new Date(2026, 11, 1, 8));
    await writeTradeSheet("Core", new Date(2027, 0, 1, 8));
    expect(fake.read(POLICY_SHEET, "D1:F4")).toEqual([
      ["policy", "last_rebalance", "trade_sheet"], ["Core", 46388, "Trades 2027-01-01"], ["Calm", 46357, "Trades 2026-12-01"], ["", "", ""],
    ]);
    const stored = readStoredPolicies(fake.usedValues(POLICY_SHEET));
    expect(stored.map((r) => [r.policy.name, r.lastRebalance, r.tradeSheet])).toEqual([["Core", 46388, "Trades 2027-01-01"], ["Calm", 46357, "Trades 2026-12-01"]]);
    const list = await listPolicies();
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Core", 46388], ["Calm", 46357]]);
    expect(list.logError).toBeNull();
  });

  test("D:F of the policy sheet holding something else: a clear message, nothing written", async () => {
    fake.put(POLICY_SHEET, "E4", [["my note"]]);
    const snap = fake.snapshot();
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(/Rebal Policies D4:F4 hold other data: the rebalance log .* needs columns D:F/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.log).toEqual(snap.log);
  });

  test("a hand-broken rebalance log: a clear message naming the cell, nothing written", async () => {
    await writeTradeSheet("Core", NOW);
    fake.put(POLICY_SHEET, "E2", [["last week"]]);
    const snap = fake.snapshot();
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(/cannot record the rebalance date: Rebal Policies E2: last_rebalance of "Core" must be a date/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect((await listPolicies()).logError).toMatch(/E2: last_rebalance of "Core"/);
  });

  test("a second sheet on the same day gets a unique name", async () => {
    await writeTradeSheet("Core", NOW);
    expect((await writeTradeSheet("Core", NOW)).sheetName).toBe("Trades 2026-11-21 (2)");
    expect(uniqueSheetName(NOW, ["trades 2026-11-21", "Trades 2026-11-21 (2)"])).toBe("Trades 2026-11-21 (3)");
  });

  const bad: [string, (f: FakeExcel) => void, RegExp][] = [
    ["an empty holdings range", (f) => { f.state.tables[0].address = "H10:K12"; }, /holdings range .* is empty/],
    ["holdings without a header", (f) => f.put("Portfolio", "B2", [["x", "y", "z", "w"]]), /no "asset" column/],
    ["a malformed holding", (f) => f.put("Portfolio", "D4", [["n/a"]]), /row 3, column C "Price": "n\/a" is not a number/],
    ["a deleted holdings binding", (f) => { f.state.names.find((n) => n.name.endsWith("_HOLDINGS"))!.formula = "=#REF!"; }, /HOLDINGS refers to =#REF! \(its cells were deleted\); bind the holdings again/],
    ["a removed holdings binding", (f) => { f.state.names = f.state.names.filter((n) => !n.name.endsWith("_HOLDINGS")); }, /no holdings are bound/],
    ["a blank cash cell", (f) => f.put("Portfolio", "G3", [[""]]), /cash cell .* is blank/],
    ["a hand-edited nonsense policy", (f) => f.put(POLICY_SHEET, "A3", [["trigger", "whenever"]]), /trigger must be one of/],
    ["a policy whose defined name was deleted", (f) => { f.state.names = f.state.names.filter((n) => !n.name.startsWith("REBAL_POLICY")); }, /defined name REBAL_POLICY_Core is missing/],
    ["targets above 1", (f) => f.put("Portfolio", "E3", [[0.9]]), /targets sum to .* more than 1/],
  ];
  test.each(bad)("%s: a clear message, nothing written", async (_what, breakIt, message) => {
    breakIt(fake);
    const snap = fake.snapshot();
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(message);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.names).toEqual(snap.names);
    expect(fake.state.log).toEqual(snap.log);
  });
});
