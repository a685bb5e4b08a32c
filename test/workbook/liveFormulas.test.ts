/**
 * src/workbook/liveFormulas.ts against the in-memory fake workbook. The written formulas are
 * evaluated here by a small interpreter of exactly the shapes the module documents (references
 * resolved in the fake workbook, REBAL functions called through their bodies in src/functions), and
 * must give the trade sheet's numbers for the same policy: trades, weights before and drifts before.
 */
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { driftFn, tradesFn } from "../../src/functions/rebalance";
import { LIVE_HEADER, insertLiveFormulas, layoutLiveFormulas, splitSheetAddress, structuredColumn } from "../../src/workbook/liveFormulas";
import { savePolicy } from "../../src/workbook/policies";
import { HEADER_ROW } from "../../src/core/tradeSheetLayout";
import { writeTradeSheet } from "../../src/workbook/tradeSheet";
import { FakeExcel, parseA1, rectA1 } from "../support/fakeExcel";
import { HOLDINGS, install, uninstall } from "./setup";

const core: Policy = { ...DEFAULT_POLICY, name: "Core", trigger: "threshold", bandAbs: 0.05, costBps: 10, minTrade: 200 };

let fake: FakeExcel;
beforeEach(() => {
  fake = install();
});
afterEach(uninstall);

/** Moves the cash cell from G3 (right next to the holdings) to J3. */
const moveCash = () => {
  fake.put("Portfolio", "G2", [[""], [""]]);
  fake.put("Portfolio", "J2", [["Cash"], [5000]]);
};

// ------------------------------------------------------------------ a tiny formula interpreter
type Grid = (string | number | boolean)[][];

function resolve(ref: string, sheet: string): Grid | number {
  const r = ref.trim();
  if (/^-?\d+(\.\d+)?$/.test(r)) return Number(r);
  const structured = /^([A-Za-z_][A-Za-z0-9_.]*)\[([^\]]+)\]$/.exec(r);
  if (structured) {
    const t = fake.state.tables.find((x) => x.name === structured[1])!;
    const rect = parseA1(t.address);
    const header = fake.read(t.sheet, rectA1({ ...rect, r1: rect.r0 }))[0];
    const j = header.findIndex((h) => h === structured[2]);
    if (j < 0) throw new Error(`no column ${structured[2]} in ${t.name}`);
    return fake.read(t.sheet, rectA1({ r0: rect.r0 + 1, r1: rect.r1, c0: rect.c0 + j, c1: rect.c0 + j }));
  }
  const name = fake.state.names.find((n) => n.name === r);
  if (name) {
    const f = name.formula.replace(/^=/, "");
    const bang = f.lastIndexOf("!");
    return fake.read(f.slice(0, bang).replace(/^'|'$/g, ""), f.slice(bang + 1).replace(/\$/g, ""));
  }
  const bang = r.lastIndexOf("!");
  const onSheet = bang >= 0 ? r.slice(0, bang).replace(/^'|'$/g, "") : sheet;
  const g = fake.read(onSheet, r.slice(bang + 1).replace(/\$/g, ""));
  return g.length === 1 && g[0].length === 1 && !r.includes(":") ? (g[0][0] as number) : g;
}

const args = (s: string) => {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(" || ch === "{") depth++;
    if (ch === ")" || ch === "}") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  return [...out, cur];
};

/** Evaluates the three live formulas (written in row `first` of columns c, c+1, c+2). */
function evaluate(sheet: string, first: number, c: number): { weight: number[]; drift: number[]; trade: number[] } {
  const f = (j: number) => fake.formula(sheet, rectA1({ r0: first, r1: first, c0: c + j, c1: c + j }));
  const col = (g: Grid | number) => (g as Grid).map((row) => row[0] as number);
  const tradeM = /^=REBAL\.TRADES\((.*)\)$/.exec(f(2))!;
  const [q, p, t, cash, pol] = args(tradeM[1]).map((a) => resolve(a, sheet));
  const trade = (tradesFn(q, p, t, cash, pol) as number[][]).map((r) => r[0]);
  const driftM = /^=REBAL\.DRIFT\((.*)\)$/.exec(f(1))!;
  const da = args(driftM[1]);
  const [x, y] = da[0].split("*").map((a) => col(resolve(a, sheet)));
  const values = x.map((v, i) => [v * y[i]]);
  let options: unknown = null;
  if (da[2] !== undefined) {
    const m = /^CHOOSE\(\{1,2\},"cash",(.+)\)$/.exec(da[2])!;
    options = [["cash", resolve(m[1], sheet)]];
  }
  const drift = (driftFn(values, resolve(da[1], sheet), options) as number[][]).map((r) => r[0]);
  const weightM = /^=(.+)\+([A-Z]+\d+)#$/.exec(f(0))!;
  expect(weightM[2]).toBe(rectA1({ r0: first, r1: first, c0: c + 1, c1: c + 1 })); // the Drift spill
  const weight = col(resolve(weightM[1], sheet)).map((tt, i) => tt + drift[i]);
  return { weight, drift, trade };
}

/** The trade sheet's per-asset trade, weight before and drift before. */
async function tradeSheetNumbers() {
  const r = await writeTradeSheet("Core", new Date(2026, 10, 21, 9));
  const v = fake.usedValues(r.sheetName).slice(HEADER_ROW + 1, HEADER_ROW + 4);
  // Side, Quantity (unsigned), Symbol, Order type, Price, Value, Weight before, Target, Weight after, Drift before, ...
  return { trade: v.map((row) => (row[0] === "SELL" ? -1 : 1) * (row[1] as number)), weight: v.map((row) => row[6] as number), drift: v.map((row) => row[9] as number) };
}

describe("insertLiveFormulas", () => {
  test("a range binding: header and three spilled formulas right of the holdings, equal to the trade sheet", async () => {
    moveCash();
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "Portfolio!J3" }, null);
    fake.state.log = [];
    const runs = fake.state.runs;
    const res = await insertLiveFormulas("Core");
    expect(fake.state.runs).toBe(runs + 1);
    expect(res.address).toBe("Portfolio!F2:H5");
    expect(fake.read("Portfolio", "F2:H2")).toEqual([[...LIVE_HEADER]]);
    expect(res.formulas).toEqual([
      "=$E$3:$E$5+G3#",
      '=REBAL.DRIFT($C$3:$C$5*$D$3:$D$5,$E$3:$E$5,CHOOSE({1,2},"cash",$J$3))',
      "=REBAL.TRADES($C$3:$C$5,$D$3:$D$5,$E$3:$E$5,$J$3,REBAL_POLICY_Core)",
    ]);
    // one formula per column, in the first data row only (they spill)
    expect(["F3", "G3", "H3"].map((a) => fake.formula("Portfolio", a))).toEqual(res.formulas);
    expect(["F4", "G5", "H5"].map((a) => fake.formula("Portfolio", a))).toEqual(["", "", ""]);
    const sheet = fake.state.sheets.find((s) => s.name === "Portfolio")!;
    expect([sheet.formats["2,5"], sheet.formats["4,6"], sheet.formats["4,7"]]).toEqual(["0.00%", "+0.00%;-0.00%;0.00%", "#,##0"]);
    // only the target block was touched
    expect(fake.state.log.every((l) => l.includes("Portfolio!F") || l.includes("Portfolio!G") || l.includes("Portfolio!H"))).toBe(true);
    const live = evaluate("Portfolio", 2, 5);
    const ts = await tradeSheetNumbers();
    expect(live.trade).toEqual(ts.trade);
    expect(live.trade.some((x) => x !== 0)).toBe(true);
    live.weight.forEach((w, i) => expect(w).toBeCloseTo(ts.weight[i], 12));
    live.drift.forEach((d, i) => expect(d).toBeCloseTo(ts.drift[i], 12));
  });

  test("a table binding: one blank gap column, then structured references (header text as written); no cash binding means cash 0", async () => {
    moveCash();
    fake.put("Portfolio", "B2", [["Asset", "Shares", "Last price", "Target %"]]);
    await savePolicy({ policy: core, holdings: "Book", cash: "" }, null);
    const res = await insertLiveFormulas("Core");
    // F (next to the table, which would absorb it as it auto-expands) stays blank
    expect(res.address).toBe("Portfolio!G2:I5");
    expect(fake.read("Portfolio", "F2:F5")).toEqual([[""], [""], [""], [""]]);
    expect(fake.read("Portfolio", "G2:I2")).toEqual([[...LIVE_HEADER]]);
    expect(res.formulas).toEqual([
      "=Book[Target %]+H3#",
      "=REBAL.DRIFT(Book[Shares]*Book[Last price],Book[Target %])",
      "=REBAL.TRADES(Book[Shares],Book[Last price],Book[Target %],0,REBAL_POLICY_Core)",
    ]);
    const live = evaluate("Portfolio", 2, 6);
    const ts = await tradeSheetNumbers();
    expect(live.trade).toEqual(ts.trade);
    live.drift.forEach((d, i) => expect(d).toBeCloseTo(ts.drift[i], 12));
  });

  test("a table binding whose gap column holds data: refused, naming the cell, nothing written", async () => {
    moveCash();
    fake.put("Portfolio", "F4", [["note"]]);
    await savePolicy({ policy: core, holdings: "Book", cash: "" }, null);
    const snap = fake.snapshot();
    await expect(insertLiveFormulas("Core")).rejects.toThrow("Portfolio!F2:I5 is not empty (F4 holds data): nothing was written.");
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.log).toEqual(snap.log);
  });

  test("holdings with a blank row: refused, naming the row (the formulas would show #VALUE!), nothing written", async () => {
    moveCash();
    fake.put("Portfolio", "B2", [HOLDINGS[0], HOLDINGS[1], ["", "", "", ""], HOLDINGS[2], HOLDINGS[3]]);
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E6", cash: "Portfolio!J3" }, null);
    const snap = fake.snapshot();
    await expect(insertLiveFormulas("Core")).rejects.toThrow('policy "Core": holdings row 4 (Portfolio) is blank; REBAL.TRADES and REBAL.DRIFT reject blank cells');
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.log).toEqual(snap.log);
    // the same holdings without the blank row are accepted
    fake.put("Portfolio", "B2", [...HOLDINGS, ["", "", "", ""]]);
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "Portfolio!J3" }, "Core");
    await expect(insertLiveFormulas("Core")).resolves.toMatchObject({ address: "Portfolio!F2:H5" });
  });

  test("a cash cell on another sheet keeps its sheet name", async () => {
    moveCash();
    fake.put("Cash book", "B2", [[7000]]);
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "'Cash book'!B2" }, null);
    const res = await insertLiveFormulas("Core");
    expect(res.formulas[2]).toBe("=REBAL.TRADES($C$3:$C$5,$D$3:$D$5,$E$3:$E$5,'Cash book'!$B$2,REBAL_POLICY_Core)");
    const live = evaluate("Portfolio", 2, 5);
    const ts = await tradeSheetNumbers();
    expect(live.trade).toEqual(ts.trade);
  });

  test("never overwrites: an occupied target writes nothing and names the occupied cells", async () => {
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "Portfolio!G3" }, null); // cash label and value in G2:G3
    const snap = fake.snapshot();
    await expect(insertLiveFormulas("Core")).rejects.toThrow("Portfolio!F2:H5 is not empty (G2, G3 hold data): nothing was written.");
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.log).toEqual(snap.log);
  });

  test("a formula cell showing a blank value is occupied too", async () => {
    moveCash();
    await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "Portfolio!J3" }, null);
    fake.state.sheets.find((s) => s.name === "Portfolio")!.formulas = { "4,7": '=IF(TRUE,"")' };
    const snap = fake.snapshot();
    await expect(insertLiveFormulas("Core")).rejects.toThrow(/\(H5 holds data\): nothing was written/);
    expect(fake.state.sheets).toEqual(snap.sheets);
  });

  test("holdings with a lot column are refused (REBAL.TRADES does not read it), nothing written", async () => {
    moveCash();
    fake.put("Portfolio", "B2", [["Asset", "Quantity", "Price", "Target", "Lot"], ["VTI", 100, 250, 0.5, 10]]);
    await savePolicy({ policy: core, holdings: "Portfolio!B2:F5", cash: "Portfolio!J3" }, null);
    const snap = fake.snapshot();
    await expect(insertLiveFormulas("Core")).rejects.toThrow(/a lot column \(F\), which REBAL\.TRADES does not read/);
    expect(fake.state.sheets).toEqual(snap.sheets);
  });

  test("no holdings bound: the binding's message", async () => {
    await savePolicy({ policy: core, holdings: "", cash: "" }, null);
    await expect(insertLiveFormulas("Core")).rejects.toThrow(/no holdings are bound/);
  });
});

describe("layout helpers", () => {
  test("splitSheetAddress", () => {
    expect(splitSheetAddress("'My ''book'''!$B$2:$E$9")).toEqual({ sheet: "My 'book'", rect: { r0: 1, c0: 1, r1: 8, c1: 4 } });
    expect(splitSheetAddress("Sheet1!AA10")).toEqual({ sheet: "Sheet1", rect: { r0: 9, c0: 26, r1: 9, c1: 26 } });
  });

  test("structured-reference column names escape ' [ ] # with ' (Excel's rule)", () => {
    expect(structuredColumn(" Target [%] ")).toBe("Target '[%']");
    expect(structuredColumn("Px #1 'close'")).toBe("Px '#1 ''close''");
  });

  test("fractional lots get a fractional trade format", () => {
    const inputs = {
      policy: { ...core, lot: 0 }, holdingsAddress: "S!A1:D2", holdingsValues: [["asset", "quantity", "price", "target"], ["X", 1, 1, 0.5]],
      holdingsBinding: "=S!$A$1:$D$2", cashBinding: null,
    } as unknown as Parameters<typeof layoutLiveFormulas>[0];
    expect(layoutLiveFormulas(inputs, "Core").formats[2]).toBe("#,##0.0000");
  });
});
