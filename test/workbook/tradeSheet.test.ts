/** src/workbook/tradeSheet.ts (and inputs.ts, hash.ts) against the in-memory fake workbook. */
import { createHash } from "crypto";
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { POLICY_SHEET, readStoredPolicies } from "../../src/core/policyStore";
import { tradeSheetFn } from "../../src/functions/rebalance";
import { canonicalInputs } from "../../src/workbook/hash";
import { listPolicies, savePolicy } from "../../src/workbook/policies";
import { HEADER_ROW } from "../../src/core/tradeSheetLayout";
import { previewTradeSheet, uniqueSheetName, writeTradeSheet } from "../../src/workbook/tradeSheet";
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
  test("writes a new sheet in one run: orders table as REBAL.TRADESHEET computes it, totals and stamp blocks, formats, widths, print setup, chart", async () => {
    const before = fake.snapshot();
    const runs = fake.state.runs;
    const res = await writeTradeSheet("Core", NOW);
    expect(fake.state.runs).toBe(runs + 1);
    expect(res.sheetName).toBe("Trades 2026-11-21");
    const sheet = fake.state.sheets.find((s) => s.name === res.sheetName)!;
    const v = fake.usedValues(res.sheetName);
    expect(v[0][0]).toBe("Rebal trade sheet: Core");
    expect(v[1][0]).toMatch(/^Rebalance: band breached \(2 assets\)\. \d orders?; optimal \(proven\)\.$/);
    expect(v[HEADER_ROW]).toEqual(["Side", "Quantity", "Symbol", "Order type", "Price", "Value", "Weight before", "Target", "Weight after", "Drift before", "Drift after", "Est. cost", "Reason"]);
    // same trades, weights and costs as the formula; quantities and values unsigned beside the side
    const policyRows = fake.read(POLICY_SHEET, `A1:B${fake.usedValues(POLICY_SHEET).length}`);
    const formula = tradeSheetFn(HOLDINGS, 5000, policyRows) as unknown[][];
    for (let i = 0; i < 3; i++) {
      const row = v[HEADER_ROW + 1 + i];
      const f = formula[1 + i];
      const signed = row[0] === "SELL" ? -(row[1] as number) : (row[1] as number);
      expect([row[2], row[0] === "HOLD" ? "HOLD" : row[0], signed, row[4], row[6], row[7], row[8], row[11]]).toEqual([f[0], f[1], f[2], f[3], f[5], f[6], f[7], f[8]]);
      expect(row[5]).toBeCloseTo(Math.abs(f[4] as number), 9);
      expect(row[1]).toBeGreaterThanOrEqual(0);
      expect(row[3]).toBe(row[0] === "HOLD" ? "" : "Market");
      expect(row[9]).toBeCloseTo((f[5] as number) - (f[6] as number), 12);
      expect(row[12]).not.toMatch(/min_trade|buy_only|sell_only|band_abs|band_rel/);
    }
    // the Excel table of orders, frozen header, widths, print setup
    expect(fake.state.tables.filter((t) => t.sheet === res.sheetName)).toEqual([
      { name: "Orders_2026_11_21", sheet: res.sheetName, address: `A${HEADER_ROW + 1}:M${HEADER_ROW + 4}`, style: "TableStyleMedium2" },
    ]);
    expect(sheet.freezeRows).toBe(HEADER_ROW + 1);
    expect(sheet.pageLayout).toEqual({ orientation: "Landscape", zoom: { horizontalFitToPages: 1, verticalFitToPages: 0 }, printArea: `A1:M${v.length}`, printTitleRows: `$${HEADER_ROW + 1}:$${HEADER_ROW + 1}` });
    expect(Object.keys(sheet.columnWidths!)).toEqual("ABCDEFGHIJKLM".split(""));
    // totals block: labels left of the Value column, amounts in it
    const t0 = res.layout.totals;
    expect(v[t0][0]).toBe("Totals");
    const totals = Object.fromEntries(v.slice(t0 + 1, t0 + 11).map((r) => [r[0], r[5]]));
    expect(Object.keys(totals)).toEqual(["Buys", "Sells", "Net cash (sells − buys − costs)", "Estimated costs", "Turnover (smaller of buys and sells ÷ value)", "Cash before", "Cash after", "Cash weight before", "Cash target", "Cash weight after"]);
    expect(totals["Net cash (sells − buys − costs)"]).toBeCloseTo((totals.Sells as number) - (totals.Buys as number) - (totals["Estimated costs"] as number), 9);
    expect(res.totals.buys).toBe(totals.Buys);
    expect(sheet.merges).toContain(`A${t0 + 2}:E${t0 + 2}`);
    // stamp block: an Excel date-time, the version, the SHA-256 of the canonical inputs, the optimality
    const s0 = res.layout.stamp;
    expect(v[s0][0]).toBe("Audit stamp");
    const stamp = Object.fromEntries(v.slice(s0 + 1, s0 + 9).map((r) => [r[0], r[3]]));
    expect(Object.keys(stamp)).toEqual(["Policy", "Settings", "Generated (UTC)", "Rebal version", "Inputs", "Inputs SHA-256", "Decision", "Optimality"]);
    expect(stamp.Policy).toBe("Core");
    expect(stamp["Generated (UTC)"]).toBeCloseTo(NOW.getTime() / 86400000 + 25569, 9);
    expect(sheet.formats[`${res.layout.generated.r},3`]).toBe("yyyy-mm-dd hh:mm:ss");
    expect(stamp["Rebal version"]).toBe("dev"); // __REBAL_VERSION__ is defined by webpack only
    expect(stamp["Inputs SHA-256"]).toBe(createHash("sha256").update(canonicalInputs(policyRows, HOLDINGS, 5000)).digest("hex"));
    expect(res.hash).toBe(stamp["Inputs SHA-256"]);
    expect(stamp.Optimality).toBe("optimal (proven)");
    expect(stamp.Inputs).toBe("Portfolio!B2:E5; cash Portfolio!G3");
    expect(sheet.merges).toContain(`D${s0 + 7}:M${s0 + 7}`); // the hash spans the table's width: no column widened
    // number formats and the chart over the table's drift columns, beside the table
    expect(sheet.formats[`${HEADER_ROW + 1},6`]).toBe("0.00%");
    expect(sheet.formats[`${HEADER_ROW + 1},4`]).toBe("#,##0.00");
    expect(sheet.charts).toHaveLength(1);
    expect(sheet.charts[0]).toMatchObject({ type: "ColumnClustered", source: `J${HEADER_ROW + 1}:K${HEADER_ROW + 4}`, seriesBy: "Columns" });
    expect(sheet.charts[0].series).toEqual([{ xValues: `'${res.sheetName}'!C${HEADER_ROW + 2}:C${HEADER_ROW + 4}` }, { xValues: `'${res.sheetName}'!C${HEADER_ROW + 2}:C${HEADER_ROW + 4}` }]);
    expect(sheet.charts[0].position).toMatch(new RegExp(`^O${HEADER_ROW + 1}:V\\d+$`));
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

  test("a second sheet gets a unique table name too (tables and defined names share Excel's namespace)", async () => {
    fake.state.names.push({ name: "Orders_2026_11_21_2", formula: "=Notes!$A$1" });
    await writeTradeSheet("Core", NOW);
    const second = await writeTradeSheet("Core", NOW);
    expect(second.sheetName).toBe("Trades 2026-11-21 (2)");
    expect(fake.state.tables.find((t) => t.sheet === second.sheetName)!.name).toBe("Orders_2026_11_21_2_2");
  });

  test("preview: the plan without writing; the request (excluded asset, deposit) is what the sheet then holds", async () => {
    const before = fake.snapshot();
    const plain = await previewTradeSheet("Core");
    expect(fake.state.sheets).toEqual(before.sheets);
    expect(fake.state.log).toEqual(before.log);
    expect(plain.due).toBe(true);
    expect(plain.optimality).toBe("optimal (proven)");
    expect(plain.lines.map((l) => l.asset)).toEqual(["VTI", "BND", "VXUS"]);
    const sold = plain.lines.find((l) => l.side === "SELL")!;
    expect(sold).toBeDefined();
    // drop the sale: that asset is not traded, the rest re-planned around it
    const kept = await previewTradeSheet("Core", { exclude: [sold.index] });
    expect(kept.lines[sold.index]).toMatchObject({ side: "HOLD", quantity: 0, excluded: true, reason: "excluded from this rebalance" });
    expect(kept.note).toBe(`excluded from this rebalance: ${sold.asset}`);
    // a deposit: invested, nothing sold
    const dep = await previewTradeSheet("Core", { cashFlow: 20000 });
    expect(dep.lines.every((l) => l.side !== "SELL")).toBe(true);
    expect(dep.totals.cashBefore).toBe(25000);
    expect(dep.totals.buys).toBeGreaterThan(plain.totals.buys);
    expect(dep.decision).toBe("Rebalance: deposit of 20,000.00 invested (buys only)");
    // the sheet holds the previewed plan
    const res = await writeTradeSheet("Core", NOW, { cashFlow: 20000 }, dep.hash);
    const v = fake.usedValues(res.sheetName);
    const qty = v.slice(HEADER_ROW + 1, HEADER_ROW + 4).map((r) => [r[0], r[1]]);
    expect(qty).toEqual(dep.lines.map((l) => [l.side, l.quantity]));
    expect(res.totals).toEqual(dep.totals);
    expect(v[res.layout.stamp + 5][3]).toBe("Portfolio!B2:E5; cash Portfolio!G3; deposit of 20,000.00 invested (buys only)");
  });

  test("write after the cells changed since the preview: refused, nothing written", async () => {
    const pre = await previewTradeSheet("Core");
    fake.put("Portfolio", "C3", [[120]]);
    const snap = fake.snapshot();
    await expect(writeTradeSheet("Core", NOW, {}, pre.hash)).rejects.toThrow(/changed since the preview: nothing was written/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.tables).toEqual(snap.tables);
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
    expect(fake.read("Trades 2026-11-21", "A1")).toEqual([["Rebal trade sheet: Core"]]);
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
