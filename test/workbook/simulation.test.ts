/**
 * The pane's Simulate and Sweep outputs (src/workbook/compare.ts writeSimulation, writeSweep) on the
 * fake Excel: a new "Simulate YYYY-MM-DD" sheet with the stamp, the percentile table (core's numbers,
 * formats), the fan data block and its line chart; a new "Sweep YYYY-MM-DD" sheet with one grid per
 * policy (core's numbers) and a colour-scale heat map on each; nothing else touched.
 */
import { readFileSync } from "fs";
import path from "path";
import { parsePolicy } from "../../src/core/policy";
import { runSimulation } from "../../src/core/simulate/compareSimulation";
import { parseSimulateOptions, PERCENTILES } from "../../src/core/simulate/simulate";
import { layoutSimulation, readComparison, writeSimulation, writeSweep } from "../../src/workbook/compare";
import { runSweepJob } from "../../src/core/simulate/compareSweep";
import { parseSweepValues } from "../../src/core/simulate/sweep";
import { savePolicy } from "../../src/workbook/policies";
import { CellValue, FakeExcel, createFakeExcel } from "../support/fakeExcel";
import { uninstall } from "./setup";

interface Fixture { initial_value: number; tickers: string[]; dates: number[]; prices: number[][]; policies: { name: string; policy: string; assets: string[]; targets: number[] }[] }
const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const T = FX.dates.length;
const NOW = new Date(2026, 10, 21, 9, 30);
const NAMES = FX.policies.map((p) => p.name);
let fake: FakeExcel;

beforeEach(async () => {
  fake = createFakeExcel({ active: "Prices", selection: "A1" });
  fake.put("Prices", "A1", [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])]);
  FX.policies.forEach((p, k) => {
    const col = k === 0 ? "A" : "F";
    fake.put("Books", `${col}1`, [["Asset", "Quantity", "Price", "Target"], ...p.assets.map((a, i): CellValue[] => [a, 10, 100, p.targets[i]])]);
  });
  (globalThis as unknown as { Excel: unknown }).Excel = fake.Excel;
  const [a, b] = FX.policies;
  await savePolicy({ policy: { ...parsePolicy(a.policy).policy, name: a.name }, holdings: "Books!A1:D4", cash: "" }, null);
  await savePolicy({ policy: { ...parsePolicy(b.policy).policy, name: b.name }, holdings: "Books!F1:I4", cash: "" }, null);
  fake.state.log = [];
});
afterEach(uninstall);

test("writeSimulation: stamp, percentile table, fan block and chart on a new sheet", async () => {
  const options = parseSimulateOptions("paths=12; years=1; seed=4");
  const inputs = await readComparison(`Prices!A1:F${T + 1}`, NAMES, FX.initial_value);
  const result = runSimulation({ compare: inputs.job, options });
  const before = fake.snapshot();
  const { sheetName } = await writeSimulation(result, inputs.priceAddress, FX.initial_value, options, NOW);
  expect(sheetName).toBe("Simulate 2026-11-21");
  const v = fake.usedValues(sheetName);
  expect(v[0][0]).toBe("Rebal policy simulation");
  const stamp = Object.fromEntries(v.slice(1, 7).map((r) => [r[0], r[1]]));
  expect(stamp).toEqual({
    Prices: inputs.priceAddress, Policies: NAMES.join("; "), "Initial value": FX.initial_value,
    Paths: "12 paths of 1 years, stationary bootstrap (mean block 21 days), seed 4", Generated: NOW.toISOString(), "Add-in version": "dev",
  });
  const head = v.findIndex((r) => r[0] === "Policy");
  expect(v[head].slice(0, 8)).toEqual(["Policy", "Statistic", "Mean", ...PERCENTILES.map((q) => `p${q}`)]);
  result.summary.forEach((r, k) => {
    expect(v[head + 1 + k].slice(0, 8)).toEqual([NAMES[r.policy], r.statistic, r.mean, ...r.percentiles]);
  });
  const dataHead = v.findIndex((r) => r[0] === "Date");
  expect(v[dataHead].slice(1, 1 + 2 * PERCENTILES.length)).toEqual(NAMES.flatMap((n) => PERCENTILES.map((q) => `${n} p${q}`)));
  const R = result.fanDates.length;
  expect(v.slice(dataHead + 1, dataHead + 1 + R).map((r) => r[0])).toEqual(Array.from(result.fanDates));
  expect(v[dataHead + R][1 + PERCENTILES.length + 2]).toBe(result.fan[((1 * R) + R - 1) * PERCENTILES.length + 2]);
  const sheet = fake.state.sheets.find((s) => s.name === sheetName)!;
  expect(sheet.formats[`${head + 1},2`]).toBe("0.00%"); // cagr mean
  expect(sheet.formats[`${dataHead + 1},0`]).toBe("yyyy-mm-dd");
  expect(sheet.charts.length).toBe(1);
  expect(sheet.charts[0].title).toBe("Value percentiles");
  expect(sheet.charts[0].series!.map((s) => s.name)).toEqual(NAMES.flatMap((n) => PERCENTILES.map((q) => `${n} p${q}`)));
  expect(fake.state.sheets.filter((s) => s.name !== sheetName)).toEqual(before.sheets);
  expect(fake.state.log.every((l) => l.includes(sheetName))).toBe(true);
});

test("layoutSimulation: an undefined statistic is n/a with a note", () => {
  const options = parseSimulateOptions("paths=3; years=1");
  const result = {
    names: ["A"], paths: 3, fanDates: Float64Array.from([45000, 45030]), fan: new Float64Array(10).fill(1),
    summary: [{ policy: 0, statistic: "sharpe" as const, mean: NaN, percentiles: [NaN, NaN, NaN, NaN, NaN], undefinedPaths: 2 }],
  };
  const l = layoutSimulation(result, { priceAddress: "P!A1:B9", initialValue: 1, time: "t", version: "v", options });
  expect(l.top[l.tableRow + 1].slice(0, 4)).toEqual(["A", "sharpe", "n/a", "n/a"]);
  expect(l.top.some((r) => r[0] === "sharpe, A: undefined on 2 of 3 paths")).toBe(true);
});

test("writeSweep: one grid per policy with REBAL.SWEEP's shape, core's numbers and a heat map each", async () => {
  const inputs = await readComparison(`Prices!A1:F${T + 1}`, [NAMES[0]], FX.initial_value, 1);
  const axis1 = parseSweepValues("band_abs", "0.01, 0.03", "values");
  const axis2 = parseSweepValues("frequency", "monthly, quarterly, annual", "values2");
  const result = runSweepJob({ compare: inputs.job, axis1, axis2, statistic: "sharpe" });
  const before = fake.snapshot();
  const { sheetName } = await writeSweep(result, inputs.priceAddress, FX.initial_value, NOW);
  expect(sheetName).toBe("Sweep 2026-11-21");
  const v = fake.usedValues(sheetName);
  expect(v[0][0]).toBe("Rebal policy sweep");
  expect(Object.fromEntries(v.slice(1, 8).map((r) => [r[0], r[1]]))).toEqual({
    Prices: inputs.priceAddress, Policies: NAMES[0], Statistic: "sharpe", Keys: "band_abs x frequency", "Initial value": FX.initial_value,
    Generated: NOW.toISOString(), "Add-in version": "dev",
  });
  const head = v.findIndex((r) => r[0] === "band_abs \\ frequency");
  expect(v[head - 1][0]).toBe(`Policy: ${NAMES[0]}`);
  expect(v[head].slice(0, 4)).toEqual(["band_abs \\ frequency", "monthly", "quarterly", "annual"]);
  expect(v.slice(head + 1, head + 3).map((r) => r.slice(0, 4))).toEqual([
    ["0.01", ...Array.from(result.grids[0].values.subarray(0, 3))],
    ["0.03", ...Array.from(result.grids[0].values.subarray(3, 6))],
  ]);
  const sheet = fake.state.sheets.find((s) => s.name === sheetName)!;
  expect(sheet.conditionalFormats!.map((c) => [c.address, c.type])).toEqual([[`B${head + 2}:D${head + 3}`, "ColorScale"]]);
  expect(sheet.conditionalFormats![0].criteria).toEqual(expect.objectContaining({ minimum: expect.objectContaining({ type: "LowestValue" }) }));
  expect(sheet.formats[`${head + 1},1`]).toBe("0.00");
  expect(fake.state.sheets.filter((s) => s.name !== sheetName)).toEqual(before.sheets);
  expect(fake.state.log.every((l) => l.includes(sheetName))).toBe(true);
});
