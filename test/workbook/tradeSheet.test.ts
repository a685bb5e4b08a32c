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
      `numberFormat '${POLICY_SHEET}'!D1:F1`, `write '${POLICY_SHEET}'!D1:F1`, `bold '${POLICY_SHEET}'!D1:F1`,
      `numberFormat '${POLICY_SHEET}'!D2:F2`, `write '${POLICY_SHEET}'!D2:F2`,
    ]);
    // the log is written after the sheet, in its own sync
    expect(fake.state.log.findIndex((l) => l.startsWith("addSheet"))).toBeLessThan(fake.state.log.indexOf(`write '${POLICY_SHEET}'!D2:F2`));
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
    expect(stored.logWarnings).toEqual([]);
    expect(stored.policies.map((r) => [r.policy.name, r.lastRebalance, r.tradeSheet])).toEqual([["Core", 46388, "Trades 2027-01-01"], ["Calm", 46357, "Trades 2026-12-01"]]);
    const list = await listPolicies();
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Core", 46388], ["Calm", 46357]]);
    expect(list.logWarnings).toEqual([]);
  });

  test("D:F of the policy sheet holding something else: a clear message, nothing written", async () => {
    fake.put(POLICY_SHEET, "E4", [["my note"]]);
    const snap = fake.snapshot();
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(/Rebal Policies D4:F4 hold other data: the rebalance log .* needs columns D:F/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.log).toEqual(snap.log);
  });

  test("a hand-broken log row of the policy is a warning; the next trade sheet overwrites that row (and only it)", async () => {
    await savePolicy({ policy: { ...core, name: "Other" }, holdings: "Book", cash: "" }, null);
    await writeTradeSheet("Core", NOW);
    fake.put(POLICY_SHEET, "D3", [["Gone", 46000, ""], ["Other", "soon", ""], ["core", 46000, "dup"]]);
    let list = await listPolicies();
    expect(list.logWarnings).toEqual([
      'Rebal Policies D3: the rebalance log names policy "Gone", which is not on Rebal Policies',
      expect.stringMatching(/^Rebal Policies E4: last_rebalance of "Other" must be a date/),
      'Rebal Policies D5: policy "core" is logged twice (also on row 2)',
    ]);
    expect(list.sheetError).toBeNull();
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Core", 46347], ["Other", null]]);
    fake.state.log = [];
    await writeTradeSheet("Other", new Date(2026, 11, 1, 8));
    await writeTradeSheet("Core", new Date(2026, 11, 1, 8));
    // only the policies' own rows were written: Other's row 4 fixed, Core's row 2 updated and its duplicate cleared; "Gone" left alone
    expect(fake.read(POLICY_SHEET, "D2:F5")).toEqual([
      ["Core", 46357, "Trades 2026-12-01 (2)"], ["Gone", 46000, ""], ["Other", 46357, "Trades 2026-12-01"], ["", "", ""],
    ]);
    expect(fake.state.log.filter((l) => l.includes(POLICY_SHEET))).toEqual([
      `numberFormat '${POLICY_SHEET}'!D4:F4`, `write '${POLICY_SHEET}'!D4:F4`,
      `numberFormat '${POLICY_SHEET}'!D2:F2`, `write '${POLICY_SHEET}'!D2:F2`, `clear '${POLICY_SHEET}'!D5:F5`,
    ]);
    list = await listPolicies();
    expect(list.logWarnings).toEqual(['Rebal Policies D3: the rebalance log names policy "Gone", which is not on Rebal Policies']);
  });

  test("the log row is written only after the sheet, from a fresh read: a co-author's row written meanwhile is kept", async () => {
    await savePolicy({ policy: { ...core, name: "Other" }, holdings: "Book", cash: "" }, null);
    await writeTradeSheet("Other", NOW);
    const run = fake.Excel.run as unknown as <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => Promise<R>;
    (globalThis as unknown as { Excel: unknown }).Excel = {
      ...fake.Excel,
      run: <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => run((ctx) => {
        let n = 0;
        const racing = Object.create(ctx) as typeof ctx;
        racing.sync = async () => {
          // after the reads, before the sheet's sync: a co-author updates Other's row and adds a row
          if (fake.state.sheets.some((s) => s.name === "Trades 2026-11-21 (2)") && n++ === 0) {
            fake.put(POLICY_SHEET, "D2", [["Other", 46346, "theirs"], ["Core", 46300, "theirs too"]]);
          }
          return ctx.sync();
        };
        return batch(racing);
      }),
    };
    await writeTradeSheet("Core", NOW);
    expect(fake.read(POLICY_SHEET, "D2:F4")).toEqual([["Other", 46346, "theirs"], ["Core", 46347, "Trades 2026-11-21 (2)"], ["", "", ""]]);
  });

  test("a sheet write that fails half way: the new sheet is deleted again and nothing is logged", async () => {
    const before = fake.snapshot();
    const run = fake.Excel.run as unknown as <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => Promise<R>;
    (globalThis as unknown as { Excel: unknown }).Excel = {
      ...fake.Excel,
      run: <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => run((ctx) => {
        const failing = Object.create(ctx) as typeof ctx;
        failing.sync = async () => {
          // the sync that carries the new sheet's writes fails, as an oversized request would
          if (fake.state.sheets.some((s) => s.name === "Trades 2026-11-21") && !fake.state.log.includes("deleteSheet Trades 2026-11-21")) {
            throw new Error("RequestPayloadSizeLimitExceeded");
          }
          return ctx.sync();
        };
        return batch(failing);
      }),
    };
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(/could not write the trade sheet "Trades 2026-11-21" \(nothing was recorded in the rebalance log\): RequestPayloadSizeLimitExceeded/);
    expect(fake.state.sheets).toEqual(before.sheets);
    expect(fake.state.log.at(-1)).toBe("deleteSheet Trades 2026-11-21");
    expect(fake.state.log.some((l) => l.includes(`'${POLICY_SHEET}'!D`))).toBe(false);
  });

  test("a name taken by a co-author meanwhile: nobody's sheet is deleted, nothing logged", async () => {
    const before = fake.snapshot();
    const run = fake.Excel.run as unknown as <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => Promise<R>;
    (globalThis as unknown as { Excel: unknown }).Excel = {
      ...fake.Excel,
      run: <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => run(async (ctx) => {
        // a co-author adds the sheet after the pane read the sheet names, just before its add
        const wb = (ctx as unknown as { workbook: { worksheets: { add(name: string): unknown } } }).workbook;
        const sheets = Object.create(wb.worksheets) as typeof wb.worksheets;
        sheets.add = (name: string) => {
          fake.put(name, "A1", [["theirs"]]);
          return wb.worksheets.add(name);
        };
        const racing = Object.assign(Object.create(ctx) as typeof ctx, { workbook: Object.assign(Object.create(wb) as typeof wb, { worksheets: sheets }) });
        return batch(racing);
      }),
    };
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow(/could not write the trade sheet "Trades 2026-11-21" .*ItemAlreadyExists/);
    expect(fake.read("Trades 2026-11-21", "A1")).toEqual([["theirs"]]);
    expect(fake.state.sheets.filter((s) => s.name !== "Trades 2026-11-21")).toEqual(before.sheets);
    expect(fake.read(POLICY_SHEET, "D1:F2")).toEqual([["", "", ""], ["", "", ""]]);
  });

  const QUIET_HOLDINGS = [["Asset", "Quantity", "Price", "Target"], ["VTI", 100, 250, 0.4], ["BND", 400, 75, 0.48], ["VXUS", 50, 60, 0.048]];
  test("no trade and no review due: the sheet is written but no date is recorded (the calendar is not reset)", async () => {
    fake.put("Portfolio", "B2", QUIET_HOLDINGS); // on target: weights 25000/63000 ...
    await savePolicy({ policy: { ...core, name: "Calm", trigger: "calendar", frequency: "quarterly", bandAbs: 0.05 }, holdings: "Book", cash: "Portfolio!G3" }, null);
    await savePolicy({ policy: { ...core, name: "Hyb", trigger: "hybrid", frequency: "quarterly", bandAbs: 0.2 }, holdings: "Book", cash: "Portfolio!G3" }, null);
    fake.put(POLICY_SHEET, "D1", [["policy", "last_rebalance", "trade_sheet"], ["Core", 46296, "x"], ["Calm", 46296, "y"], ["Hyb", 46296, "z"]]); // 2026-10-01
    // threshold, nothing breached: no trade, nothing recorded
    const th = await writeTradeSheet("Core", NOW);
    expect(th.trades).toBe(0);
    expect(th.lastRebalance).toBeNull();
    // hybrid within its wide bands, review not due (next 2027-01-01): nothing recorded
    const hybNotDue = await writeTradeSheet("Hyb", NOW);
    expect([hybNotDue.trades, hybNotDue.lastRebalance]).toEqual([0, null]);
    expect(fake.read(POLICY_SHEET, "D2:F4")).toEqual([["Core", 46296, "x"], ["Calm", 46296, "y"], ["Hyb", 46296, "z"]]);
    // hybrid on its review date, still no breach: the review happened (consumed, as bt does) -> recorded
    const hybDue = await writeTradeSheet("Hyb", new Date(2027, 0, 1, 8));
    expect([hybDue.trades, hybDue.lastRebalance]).toEqual([0, 46388]);
    // calendar: trades on its date anyway (the request is the scheduled date) -> recorded
    const cal = await writeTradeSheet("Calm", NOW);
    expect(cal.trades).toBeGreaterThan(0);
    expect(cal.lastRebalance).toBe(46347);
    expect(fake.read(POLICY_SHEET, "D2:F4").map((r) => [r[0], r[1]])).toEqual([["Core", 46296], ["Calm", 46347], ["Hyb", 46388]]);
  });

  test("a log name cell is written as text: a hand-written name starting with - is not turned into a formula", async () => {
    fake.state.textAsFormula = true;
    fake.put(POLICY_SHEET, "B1", [["-Core"]]); // typed by hand as '-Core (the pane refuses such names)
    await writeTradeSheet("Core", NOW);
    expect(fake.read(POLICY_SHEET, "D2:F2")).toEqual([["-Core", 46347, "Trades 2026-11-21"]]);
    expect(fake.state.sheets.find((s) => s.name === POLICY_SHEET)!.formulas?.["1,3"]).toBeUndefined();
  });

  test("the policy's block removed by a co-author while the sheet is written: no orphan log row, a clear message", async () => {
    const rows = fake.usedValues(POLICY_SHEET).length;
    const run = fake.Excel.run as unknown as <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => Promise<R>;
    (globalThis as unknown as { Excel: unknown }).Excel = {
      ...fake.Excel,
      run: <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => run((ctx) => {
        const racing = Object.create(ctx) as typeof ctx;
        racing.sync = async () => {
          await ctx.sync();
          if (fake.state.sheets.some((s) => s.name === "Trades 2026-11-21")) fake.put(POLICY_SHEET, "A1", Array.from({ length: rows }, () => ["", ""]));
        };
        return batch(racing);
      }),
    };
    await expect(writeTradeSheet("Core", NOW)).rejects.toThrow('the trade sheet "Trades 2026-11-21" was written, but its date could not be recorded in the rebalance log: cannot record the rebalance date: policy "Core" is no longer in Rebal Policies');
    expect(fake.read("Trades 2026-11-21", "A1")).toEqual([["Rebal trade sheet"]]);
    expect(fake.read(POLICY_SHEET, "D1:F2")).toEqual([["", "", ""], ["", "", ""]]);
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
