/**
 * src/workbook/compare.ts (with core's backtest/compare.ts) against the in-memory fake workbook:
 * reading a price range and two stored policies, running the comparison, writing the results sheet.
 * Numbers are checked against test/fixtures/compare (an independent pandas day loop on real prices)
 * and against core runBacktest + backtestSummary called directly; plus formats, the two line charts,
 * unique naming, and that bad input writes nothing.
 */
import { readFileSync } from "fs";
import path from "path";
import { backtestSummary, runBacktest } from "../../src/core/backtest";
import { COMPARE_METRICS, CompareResult, runComparison } from "../../src/core/backtest/compare";
import { parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET } from "../../src/core/policyStore";
import { TEXT_FORMAT, layoutComparison, readComparison, uniqueCompareSheetName, writeComparison } from "../../src/workbook/compare";
import { readReference } from "../../src/workbook/ranges";
import { savePolicy } from "../../src/workbook/policies";
import { CellValue, FakeExcel, createFakeExcel } from "../support/fakeExcel";
import { uninstall } from "./setup";

interface Fixture {
  initial_value: number;
  tickers: string[];
  dates: number[];
  prices: number[][];
  policies: { name: string; policy: string; assets: string[]; targets: number[]; metrics: Record<string, number>; values: number[]; drawdown: number[] }[];
}
const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const T = FX.dates.length;
const NOW = new Date(2026, 10, 21, 9, 30);
/** The price table sits at Prices!B3 (not A1), so messages must name sheet cells. */
const PRICE_ADDRESS = `Prices!B3:G${3 + T}`;
const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

let fake: FakeExcel;

async function setUp(): Promise<void> {
  fake = createFakeExcel({ active: "Prices", selection: "B3" });
  fake.put("Prices", "B3", [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])]);
  fake.state.tables.push({ name: "PriceTable", sheet: "Prices", address: `B3:G${3 + T}` });
  // each policy's holdings: asset, quantity, price, target (only the assets and targets matter here)
  FX.policies.forEach((p, k) => {
    const col = k === 0 ? "A" : "F";
    fake.put("Books", `${col}1`, [["Asset", "Quantity", "Price", "Target"], ...p.assets.map((a, i): CellValue[] => [a, 10, 100, p.targets[i]])]);
  });
  fake.put("Notes", "A1", [["keep me"]]);
  (globalThis as unknown as { Excel: unknown }).Excel = fake.Excel;
  const [a, b] = FX.policies;
  await savePolicy({ policy: { ...parsePolicy(a.policy).policy, name: a.name }, holdings: "Books!A1:D4", cash: "" }, null);
  await savePolicy({ policy: { ...parsePolicy(b.policy).policy, name: b.name }, holdings: "Books!F1:I4", cash: "" }, null);
  fake.state.log = [];
}

beforeEach(setUp);
afterEach(uninstall);

const NAMES = FX.policies.map((p) => p.name);

async function compare(ref = PRICE_ADDRESS, names = NAMES): Promise<{ result: CompareResult; sheetName: string; address: string }> {
  const inputs = await readComparison(ref, names, FX.initial_value);
  const result = runComparison(inputs.job);
  const { sheetName } = await writeComparison(result, inputs.priceAddress, FX.initial_value, NOW);
  return { result, sheetName, address: inputs.priceAddress };
}

describe("readComparison + runComparison + writeComparison", () => {
  test("reads without writing: the price table, and each policy's columns and targets by ticker", async () => {
    const before = fake.snapshot();
    const inputs = await readComparison("PriceTable", NAMES, FX.initial_value);
    expect(inputs.priceAddress).toBe(`Prices!${PRICE_ADDRESS.split("!")[1]}`);
    expect(inputs.job.tickers).toEqual(FX.tickers);
    expect(Array.from(inputs.job.dates)).toEqual(FX.dates);
    expect(Array.from(inputs.job.prices.slice(0, 5))).toEqual(FX.prices[0]);
    expect(inputs.job.runs.map((r) => [r.name, Array.from(r.columns).map((j) => FX.tickers[j]), Array.from(r.targets)])).toEqual(
      FX.policies.map((p) => [p.name, p.assets, p.targets]),
    );
    expect(inputs.job.options).toEqual({ initialValue: FX.initial_value });
    expect(fake.state.sheets).toEqual(before.sheets);
    expect(fake.state.names).toEqual(before.names);
    expect(fake.state.log).toEqual([]);
  });

  test("the results sheet: stamp, metrics as the independent fixture and as core computes them, data block, formats", async () => {
    const before = fake.snapshot();
    const runs = fake.state.runs;
    const { result, sheetName, address } = await compare();
    expect(fake.state.runs).toBe(runs + 2); // one read, one write
    expect(sheetName).toBe("Compare 2026-11-21");
    const v = fake.usedValues(sheetName);
    expect(v[0][0]).toBe("Rebal policy comparison");
    const stamp = Object.fromEntries(v.slice(1, 7).map((r) => [r[0], r[1]]));
    expect(stamp).toEqual({
      Prices: address, Policies: NAMES.join("; "), "Initial value": FX.initial_value,
      Dates: `2019-01-02 to 2020-06-30 (${T} rows)`, Generated: NOW.toISOString(), "Add-in version": "dev",
    });
    const head = v.findIndex((r) => r[0] === "Metric");
    expect(v[head].slice(0, 3)).toEqual(["Metric", ...NAMES]);
    const table = v.slice(head + 1, head + 1 + COMPARE_METRICS.length);
    expect(table.map((r) => r[0])).toEqual([...COMPARE_METRICS]);

    // 1. the independent pandas loop (fractional shares, no costs)
    FX.policies.forEach((p, k) => {
      for (const [i, m] of COMPARE_METRICS.entries()) {
        const got = table[i][1 + k] as number;
        if (!close(got, p.metrics[m])) throw new Error(`${p.name} ${m}: sheet ${got}, fixture ${p.metrics[m]}`);
      }
    });
    // 2. core called directly on the same columns (what REBAL.BACKTEST computes)
    FX.policies.forEach((p, k) => {
      const cols = p.assets.map((a) => FX.tickers.indexOf(a));
      const prices = Float64Array.from(FX.prices.flatMap((row) => cols.map((j) => row[j])));
      const policy = parsePolicy(p.policy).policy;
      const r = runBacktest({ dates: Float64Array.from(FX.dates), prices, nAssets: cols.length, targets: Float64Array.from(p.targets) }, policy, { initialValue: FX.initial_value });
      const rows = backtestSummary(r, FX.initial_value, { frequency: 252, riskFreeRate: 0 });
      for (const [i, m] of COMPARE_METRICS.entries()) {
        expect(close(table[i][1 + k] as number, rows.find((x) => x.name === m)!.value)).toBe(true);
      }
      expect(Array.from(result.runs[k].values)).toEqual(Array.from(r.values));
    });

    // the data block: group row, header, then date, equity per policy, drawdown per policy
    const group = v.findIndex((r) => r[1] === "Equity");
    expect(v[group][3]).toBe("Drawdown");
    expect(v[group + 1].slice(0, 5)).toEqual(["Date", ...NAMES, ...NAMES]);
    const data = v.slice(group + 2, group + 2 + T);
    expect(data.map((r) => r[0])).toEqual(FX.dates);
    FX.policies.forEach((p, k) => {
      data.forEach((r, t) => {
        if (!close(r[1 + k] as number, p.values[t])) throw new Error(`${p.name} value ${t}: ${r[1 + k]} vs ${p.values[t]}`);
        if (!close(r[3 + k] as number, p.drawdown[t])) throw new Error(`${p.name} drawdown ${t}: ${r[3 + k]} vs ${p.drawdown[t]}`);
      });
      // the drawdown's minimum is the max_drawdown row exactly
      expect(Math.min(...data.map((r) => r[3 + k] as number))).toBe(table[COMPARE_METRICS.indexOf("max_drawdown")][1 + k]);
    });
    expect(v.length).toBe(group + 2 + T); // nothing below

    // number formats
    const sheet = fake.state.sheets.find((s) => s.name === sheetName)!;
    const fmt = (row: number, col: number) => sheet.formats[`${row},${col}`];
    const metricRow = (m: string) => head + 1 + COMPARE_METRICS.indexOf(m as (typeof COMPARE_METRICS)[number]);
    expect([fmt(metricRow("cagr"), 1), fmt(metricRow("sharpe"), 2), fmt(metricRow("max_drawdown"), 1), fmt(metricRow("rebalances"), 1), fmt(metricRow("final_value"), 2)])
      .toEqual(["0.00%", "0.00", "0.00%", "0", "#,##0.00"]);
    expect([fmt(group + 2, 0), fmt(group + 2, 1), fmt(group + 2, 4), fmt(group + 1 + T, 2)]).toEqual(["yyyy-mm-dd", "#,##0.00", "0.00%", "#,##0.00"]);
    expect(sheet.bold).toEqual(expect.arrayContaining(["0,0", `${head},0`, `${group + 1},0`]));

    // two line charts: equity columns and drawdown columns, series named by policy, dates as categories
    const first = group + 2; // 1-based row of the header
    const last = first + T;
    expect(sheet.charts).toEqual([
      { type: "Line", source: `B${first}:C${last}`, seriesBy: "Columns", title: "Equity curves", position: "G1:O18", series: NAMES.map((name) => ({ name, xValues: `'${sheetName}'!A${first + 1}:A${last}` })) },
      { type: "Line", source: `D${first}:E${last}`, seriesBy: "Columns", title: "Drawdowns", position: "G20:O37", series: NAMES.map((name) => ({ name, xValues: `'${sheetName}'!A${first + 1}:A${last}` })) },
    ]);

    // nothing else touched; every write is on the new sheet
    expect(fake.state.sheets.filter((s) => s.name !== sheetName)).toEqual(before.sheets);
    expect(fake.state.names).toEqual(before.names);
    expect(fake.state.log.every((l) => l.includes(sheetName))).toBe(true);
    expect(fake.state.active).toBe(sheetName);
  });

  test("the price range may be a table name, the current-sheet address or a defined name", async () => {
    fake.state.names.push({ name: "History", formula: `=${PRICE_ADDRESS}` });
    const a = await compare("PriceTable");
    fake.state.active = "Prices"; // an address without a sheet is on the active sheet (the results sheet was activated)
    const b = await compare(`B3:G${3 + T}`);
    const c = await compare("History");
    expect([a.sheetName, b.sheetName, c.sheetName]).toEqual(["Compare 2026-11-21", "Compare 2026-11-21 (2)", "Compare 2026-11-21 (3)"]);
    expect(fake.usedValues(b.sheetName).slice(8)).toEqual(fake.usedValues(a.sheetName).slice(8));
    expect(fake.usedValues(c.sheetName).slice(8)).toEqual(fake.usedValues(a.sheetName).slice(8));
  });

  test("a whole-column price range (a defined name for Cols!$A:$F) is read only down to the used range", async () => {
    fake.put("Cols", "A1", [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])]);
    fake.put("Cols", "H2", [["a note right of the prices"]]); // the used range is wider than the reference
    fake.state.names.push({ name: "PriceCols", formula: "=Cols!$A:$F" });
    // like Excel's request size limit: loading the whole columns (6 x 1,048,576 cells) fails
    fake.state.readLimit = 100 * (T + 1) * 6;
    await expect(readReference("PriceCols")).rejects.toThrow(/RequestPayloadSizeLimitExceeded/);
    const before = fake.snapshot();
    const cols = await readComparison("PriceCols", NAMES, FX.initial_value);
    const plain = await readComparison(PRICE_ADDRESS, NAMES, FX.initial_value);
    expect(cols.priceAddress).toBe(`Cols!A1:F${T + 1}`);
    expect(cols.priceLabel).toBe("PriceCols (Cols!A1:F1048576)");
    expect(cols.job).toEqual(plain.job);
    expect(fake.state.log).toEqual(before.log);
    // a whole-column reference beside the used range is empty, named as given
    fake.state.names.push({ name: "Beyond", formula: "=Cols!$J:$L" });
    await expect(readComparison("Beyond", NAMES, FX.initial_value)).rejects.toThrow("price range Cols!J1:L1048576 is empty");
  });

  test("policy names Excel would read as formulas (+Growth, =Value, -Short, @Home) are written as text", async () => {
    fake.state.textAsFormula = true; // like Excel: "+Growth" written as a value becomes =+Growth (#NAME?) unless the cell is Text
    const inputs = await readComparison(PRICE_ADDRESS, NAMES, FX.initial_value);
    const base = runComparison(inputs.job).runs[0];
    const names = ["+Growth", "=Value", "-Short", "@Home"];
    const result: CompareResult = { dates: Float64Array.from(FX.dates), runs: names.map((name) => ({ ...base, name })) };
    const { sheetName } = await writeComparison(result, inputs.priceAddress, FX.initial_value, NOW);
    const sheet = fake.state.sheets.find((s) => s.name === sheetName)!;
    expect(sheet.formulas ?? {}).toEqual({});
    const v = fake.usedValues(sheetName);
    expect(v.find((r) => r[0] === "Policies")![1]).toBe(names.join("; "));
    const head = v.findIndex((r) => r[0] === "Metric");
    expect(v[head].slice(0, 5)).toEqual(["Metric", ...names]);
    const header = v.findIndex((r) => r[0] === "Date");
    expect(v[header].slice(0, 9)).toEqual(["Date", ...names, ...names]);
    expect([1, 2, 3, 4].map((j) => sheet.formats[`${head},${j}`])).toEqual(Array(4).fill(TEXT_FORMAT));
    // other cells keep their formats; plain names get no Text format
    expect(sheet.formats[`${head},0`]).toBe("General");
    const l = layoutComparison({ ...result, runs: result.runs.map((r, k) => ({ ...r, name: `P${k}` })) }, { priceAddress: "P!A1:C4", initialValue: 100, time: "t", version: "v" });
    expect(l.topFormats.flat().concat(l.dataFormats.flat())).not.toContain(TEXT_FORMAT);
    expect(sheet.charts[0].series!.map((s) => s.name)).toEqual(names);
  });

  test("a large data block is written in several requests, with the same result", async () => {
    const inputs = await readComparison(PRICE_ADDRESS, NAMES, FX.initial_value);
    const result = runComparison(inputs.job);
    const syncs0 = fake.state.syncs;
    const one = await writeComparison(result, inputs.priceAddress, FX.initial_value, NOW);
    const syncsOne = fake.state.syncs - syncs0;
    const many = await writeComparison(result, inputs.priceAddress, FX.initial_value, NOW, 500);
    const syncsMany = fake.state.syncs - syncs0 - syncsOne;
    // 5 columns of data, 100 rows per request: ceil((T + 2) / 100) requests for the data block
    expect(syncsMany - syncsOne).toBe(Math.ceil((T + 2) / 100) - 1);
    expect(fake.usedValues(many.sheetName).slice(6)).toEqual(fake.usedValues(one.sheetName).slice(6)); // all but the stamp's time
    const [a, b] = [one, many].map((x) => fake.state.sheets.find((s) => s.name === x.sheetName)!);
    expect(b.formats).toEqual(a.formats);
    expect(b.charts.map((c) => ({ ...c, series: c.series?.map((s) => s.name) }))).toEqual(a.charts.map((c) => ({ ...c, series: c.series?.map((s) => s.name) })));
  });

  test("a request that fails half way: the new sheet is deleted again, the error reported", async () => {
    const inputs = await readComparison(PRICE_ADDRESS, NAMES, FX.initial_value);
    const result = runComparison(inputs.job);
    const before = fake.snapshot();
    const run = fake.Excel.run as unknown as <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => Promise<R>;
    // the third sync of the write (sheet names, first part, second part) fails, as an oversized request would
    (globalThis as unknown as { Excel: unknown }).Excel = {
      ...fake.Excel,
      run: <R>(batch: (ctx: { sync(): Promise<void> }) => Promise<R>) => run((ctx) => {
        let n = 0;
        const failing = Object.create(ctx) as typeof ctx;
        failing.sync = async () => {
          if (++n === 3) throw new Error("RequestPayloadSizeLimitExceeded");
          return ctx.sync();
        };
        return batch(failing);
      }),
    };
    await expect(writeComparison(result, inputs.priceAddress, FX.initial_value, NOW, 500)).rejects.toThrow("RequestPayloadSizeLimitExceeded");
    expect(fake.state.sheets).toEqual(before.sheets);
    expect(fake.state.log.at(-1)).toBe("deleteSheet Compare 2026-11-21");
  });

  test("unique names: an existing sheet is never overwritten", async () => {
    fake.put("Compare 2026-11-21", "A1", [["mine"]]);
    fake.put("compare 2026-11-21 (2)", "A1", [["mine too"]]);
    const before = fake.snapshot();
    const { sheetName } = await compare();
    expect(sheetName).toBe("Compare 2026-11-21 (3)");
    expect(fake.state.sheets.filter((s) => s.name !== sheetName)).toEqual(before.sheets);
    expect(uniqueCompareSheetName(NOW, [])).toBe("Compare 2026-11-21");
    expect(uniqueCompareSheetName(NOW, ["COMPARE 2026-11-21"])).toBe("Compare 2026-11-21 (2)");
  });

  const bad: [string, (f: FakeExcel) => void, string, string[], RegExp][] = [
    ["an empty price range", () => undefined, "Prices!K1:N20", NAMES, /price range Prices!K1:N20 is empty/],
    ["a price range without prices", () => undefined, "Prices!B3:B40", NAMES, /has one column/],
    ["a blank ticker", (f) => f.put("Prices", "D3", [[""]]), PRICE_ADDRESS, NAMES, /header cell D3 is blank/],
    ["a ticker twice", (f) => f.put("Prices", "D3", [["mtum"]]), PRICE_ADDRESS, NAMES, /"mtum" appears twice in the header \(C3 and D3\)/],
    ["a malformed price", (f) => f.put("Prices", "E10", [["n/a"]]), PRICE_ADDRESS, NAMES, /E10 \(SIZE\): "n\/a" is not a number/],
    ["a negative price", (f) => f.put("Prices", "C12", [[-5]]), PRICE_ADDRESS, NAMES, /C12 \(MTUM\) must be a positive price/],
    ["dates out of order", (f) => f.put("Prices", "B20", [[FX.dates[0]]]), PRICE_ADDRESS, NAMES, /the date in B20 \(2019-01-02\) is not after the one above/],
    ["a text date", (f) => f.put("Prices", "B7", [["soon"]]), PRICE_ADDRESS, NAMES, /B7: "soon" is not a number/],
    ["a header only", () => undefined, "Prices!B3:G4", NAMES, /at least two rows of prices, got 1/],
    ["fewer than two policies", () => undefined, PRICE_ADDRESS, NAMES.slice(0, 1), /pick at least two policies/],
    ["the same policy twice", () => undefined, PRICE_ADDRESS, [NAMES[0], NAMES[0]], /picked twice/],
    ["an unknown policy", () => undefined, PRICE_ADDRESS, [NAMES[0], "Nope"], /policy "Nope": the defined name REBAL_POLICY_Nope is missing/],
    ["a policy that does not parse", (f) => f.put(POLICY_SHEET, "B3", [["whenever"]]), PRICE_ADDRESS, NAMES, /trigger must be one of/],
    ["a deleted holdings binding", (f) => { f.state.names.find((n) => n.name === "REBAL_BIND_Buy_and_hold_HOLDINGS")!.formula = "=#REF!"; }, PRICE_ADDRESS, NAMES, /policy "Buy and hold": .*=#REF! \(its cells were deleted\)/],
    ["assets missing from the price header", (f) => f.put("Books", "F3", [["EFA"], ["IWM"]]), PRICE_ADDRESS, NAMES, /policy "Buy and hold": assets "EFA", "IWM" are not in the price range's header \(it has MTUM, QUAL, SIZE, USMV, VLUE\)/],
    ["a missing price sheet", () => undefined, "Gone!A1:C5", NAMES, /price range: there is no sheet "Gone"/],
  ];
  test.each(bad)("%s: a clear message, nothing written", async (_what, breakIt, ref, names, message) => {
    breakIt(fake);
    const snap = fake.snapshot();
    await expect(readComparison(ref, names, FX.initial_value)).rejects.toThrow(message);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.names).toEqual(snap.names);
    expect(fake.state.log).toEqual(snap.log);
  });

  test.each([["0"], ["-5"], ["abc"], [""], ["2e15"]])("initial_value %j is refused before anything is read", async (iv) => {
    const runs = fake.state.runs;
    await expect(readComparison(PRICE_ADDRESS, NAMES, Number(iv === "" ? NaN : iv))).rejects.toThrow(/initial_value must be a positive amount/);
    expect(fake.state.runs).toBe(runs);
  });

  test("a policy whose backtest fails (targets above 1) is named; nothing written", async () => {
    fake.put("Books", "D2", [[0.9]]);
    const inputs = await readComparison(PRICE_ADDRESS, NAMES, FX.initial_value);
    expect(() => runComparison(inputs.job)).toThrow(/policy "Monthly mix": targets sum to 1\.45, more than 1/);
  });
});

describe("layoutComparison", () => {
  test("an undefined metric is n/a with its reason in the notes, never NaN in a cell", () => {
    const dates = Float64Array.from([45000, 45001, 45002]);
    const flat = Float64Array.from([100, 100, 100]);
    const row = (name: string, value: number, reason: string | null = null) => ({ name, value, reason });
    const metrics = COMPARE_METRICS.map((m) => (m === "sortino" ? row(m, NaN, "sortino is undefined: no period has a return below the risk-free rate") : row(m, 0)));
    const result: CompareResult = { dates, runs: ["A", "B"].map((name) => ({ name, metrics, values: flat, drawdown: new Float64Array(3) })) };
    const l = layoutComparison(result, { priceAddress: "P!A1:C4", initialValue: 100, time: "t", version: "v" });
    const sortino = l.top.find((r) => r[0] === "sortino")!;
    expect(sortino).toEqual(["sortino", "n/a", "n/a"]);
    const notes = l.top.findIndex((r) => r[0] === "Notes");
    expect(l.top.slice(notes + 1).map((r) => r[0])).toEqual([
      "sortino, A: sortino is undefined: no period has a return below the risk-free rate",
      "sortino, B: sortino is undefined: no period has a return below the risk-free rate",
    ]);
    expect(l.boldRows).toContain(notes);
    expect(l.dataRow).toBe(l.top.length + 1);
    expect(l.top.flat().concat(l.data.flat()).every((x) => typeof x !== "number" || Number.isFinite(x))).toBe(true);
  });
});
