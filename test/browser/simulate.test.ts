/**
 * End to end: the Compare view's "Simulate" in the BUILT pane (dist/taskpane.html) in headless
 * Chromium with the in-memory workbook (test/support/fakeExcel.ts, as compare.test.ts). Two stored
 * policies on the fixture's prices (test/fixtures/compare) -> Simulate with 40 paths -> a new
 * "Simulate" sheet whose percentile table equals core runSimulation in Node on the same inputs
 * (same seed, same paths), its fan chart, nothing else changed; then a long simulation shows path
 * progress, Cancel stops it and nothing is written. Sweep: band_abs over three values for both
 * policies -> a "Sweep" sheet whose grids equal core runSweepJob in Node, with a heat map each.
 */
import { readFileSync } from "fs";
import path from "path";
import { matchPolicies } from "../../src/core/backtest/compare";
import { parsePolicy } from "../../src/core/policy";
import { runSimulation } from "../../src/core/simulate/compareSimulation";
import { runSweepJob } from "../../src/core/simulate/compareSweep";
import { parseSweepValues } from "../../src/core/simulate/sweep";
import { parseSimulateOptions, PERCENTILES } from "../../src/core/simulate/simulate";
import { savePolicy } from "../../src/workbook/policies";
import { ROOT } from "../support/dist";
import { CellValue, FakeState, createFakeExcel } from "../support/fakeExcel";
import { Harness } from "./harness";
import { SCREENSHOTS } from "../support/screenshots";

interface Fixture { tickers: string[]; dates: number[]; prices: number[][]; policies: { name: string; policy: string; assets: string[]; targets: number[] }[] }
const FX = JSON.parse(readFileSync(path.join(ROOT, "test", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const NAMES = FX.policies.map((p) => p.name);
const RANGE = `Prices!A1:F${FX.dates.length + 1}`;
/** Node and the browser run the same code on the same numbers; this allows for the last bits of Math functions. */
const ENGINE_TOL = 1e-9;

async function initialWorkbook(): Promise<FakeState> {
  const f = createFakeExcel({ active: "Prices", selection: RANGE.split("!")[1] });
  f.put("Prices", "A1", [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])]);
  FX.policies.forEach((p, k) => {
    f.put("Books", `${k === 0 ? "A" : "F"}1`, [["Asset", "Quantity", "Price", "Target"], ...p.assets.map((a, i): CellValue[] => [a, 10, 100, p.targets[i]])]);
  });
  const g = globalThis as unknown as { Excel?: unknown };
  g.Excel = f.Excel;
  try {
    for (const [k, p] of FX.policies.entries()) {
      await savePolicy({ policy: { ...parsePolicy(p.policy).policy, name: p.name }, holdings: `Books!${k === 0 ? "A1:D4" : "F1:I4"}`, cash: "" }, null);
    }
  } finally {
    delete g.Excel;
  }
  f.state.log = [];
  return f.snapshot();
}

let h: Harness;
type Win = { __fake: { snapshot(): FakeState; usedValues(s: string): CellValue[][] } };
const snapshot = async (): Promise<FakeState> => JSON.parse(await h.page.evaluate(() => JSON.stringify((window as unknown as Win).__fake.snapshot())));
const usedValues = (sheet: string) => h.page.evaluate((s) => (window as unknown as Win).__fake.usedValues(s), sheet);

beforeAll(async () => {
  const initial = await initialWorkbook();
  h = await Harness.start();
  await h.page.setViewportSize({ width: 420, height: 1000 });
  await h.installFakeWorkbook(initial);
  await h.page.goto(`${h.origin}/taskpane.html`, { waitUntil: "load" });
  await h.page.getByText(/max drift/).first().waitFor({ timeout: 20_000 });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("Simulate in the Compare view, end to end", () => {
  test("40 paths: a Simulate sheet with core's percentile table and the fan chart; nothing else changed", async () => {
    await h.page.getByRole("tab", { name: "Compare policies" }).click();
    for (const n of NAMES) await h.page.getByRole("checkbox", { name: n, exact: true }).check();
    await h.page.getByRole("button", { name: "Use current selection" }).click();
    await h.page.getByLabel("Simulation paths").fill("0");
    await h.page.getByText(/paths must be a whole number/).waitFor();
    expect(await h.page.getByRole("button", { name: "Simulate" }).isDisabled()).toBe(true);
    await h.page.getByLabel("Simulation paths").fill("40");
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Simulate" }).click();
    await h.page.getByText(/^Wrote "Simulate \d{4}-\d{2}-\d{2}": 2 policies on the same 40 simulated paths of 10 years/).waitFor({ timeout: 90_000 });
    await h.page.screenshot({ path: path.join(SCREENSHOTS, "simulate-done.png"), animations: "disabled" });
    const after = await snapshot();
    const added = after.sheets.filter((s) => !before.sheets.some((b) => b.name === s.name));
    expect(added.map((s) => s.name)).toEqual([expect.stringMatching(/^Simulate \d{4}-\d{2}-\d{2}$/)]);
    const name = added[0].name;
    expect(after.sheets.filter((s) => s.name !== name)).toEqual(before.sheets);
    expect(after.names).toEqual(before.names);

    const runs = matchPolicies(FX.tickers, FX.policies.map((p) => ({ name: p.name, policy: { ...parsePolicy(p.policy).policy, name: p.name }, assets: p.assets, targets: p.targets })));
    const want = runSimulation({
      compare: { dates: Float64Array.from(FX.dates), prices: Float64Array.from(FX.prices.flat()), tickers: FX.tickers, runs, options: { initialValue: 1_000_000 } },
      options: parseSimulateOptions("paths=40"),
    });
    const v = await usedValues(name);
    const head = v.findIndex((r) => r[0] === "Policy");
    want.summary.forEach((r, k) => {
      const row = v[head + 1 + k];
      expect(row.slice(0, 2)).toEqual([NAMES[r.policy], r.statistic]);
      [r.mean, ...r.percentiles].forEach((x, q) => {
        const got = row[2 + q] as number;
        if (!(Math.abs(got - x) <= ENGINE_TOL * Math.max(1, Math.abs(x)))) throw new Error(`${NAMES[r.policy]} ${r.statistic} column ${q}: sheet ${got}, core ${x}`);
      });
    });
    const sheet = after.sheets.find((s) => s.name === name)!;
    expect(sheet.charts.map((c) => [c.type, c.title, c.series?.length])).toEqual([["Line", "Value percentiles", NAMES.length * PERCENTILES.length]]);
    expect(after.active).toBe(name);
  }, 120_000);

  test("Sweep: one grid per policy (core's numbers) with a heat map each", async () => {
    await h.page.getByRole("tab", { name: "Compare policies" }).click();
    await h.page.getByLabel("Sweep values", { exact: true }).waitFor();
    await h.page.getByLabel("Sweep key", { exact: true }).fill("band");
    await h.page.getByText(/"band" is not a policy key/).waitFor();
    expect(await h.page.getByRole("button", { name: "Sweep", exact: true }).isDisabled()).toBe(true);
    await h.page.getByLabel("Sweep key", { exact: true }).fill("band_abs");
    await h.page.getByLabel("Sweep values", { exact: true }).fill("0.01, 0.03, 0.08");
    await h.page.getByLabel("Sweep statistic").fill("cagr");
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Sweep", exact: true }).click();
    await h.page.getByText(/^Wrote "Sweep \d{4}-\d{2}-\d{2}": cagr over 3 grid cells for 2 policies, with heat maps/).waitFor({ timeout: 60_000 });
    await h.page.screenshot({ path: path.join(SCREENSHOTS, "sweep-done.png"), animations: "disabled" });
    const after = await snapshot();
    const added = after.sheets.filter((x) => !before.sheets.some((b) => b.name === x.name));
    expect(added.map((x) => x.name)).toEqual([expect.stringMatching(/^Sweep \d{4}-\d{2}-\d{2}$/)]);
    const name = added[0].name;
    expect(after.sheets.filter((x) => x.name !== name)).toEqual(before.sheets);
    const runs = matchPolicies(FX.tickers, FX.policies.map((p) => ({ name: p.name, policy: { ...parsePolicy(p.policy).policy, name: p.name }, assets: p.assets, targets: p.targets })));
    const want = runSweepJob({
      compare: { dates: Float64Array.from(FX.dates), prices: Float64Array.from(FX.prices.flat()), tickers: FX.tickers, runs, options: { initialValue: 1_000_000 } },
      axis1: parseSweepValues("band_abs", "0.01, 0.03, 0.08", "values"), axis2: null, statistic: "cagr",
    });
    const v = await usedValues(name);
    NAMES.forEach((n, k) => {
      const head = v.findIndex((r) => r[0] === `Policy: ${n}`) + 1;
      expect(v[head].slice(0, 2)).toEqual(["band_abs", "cagr"]);
      for (let i = 0; i < 3; i++) {
        const got = v[head + 1 + i][1] as number, x = want.grids[k].values[i];
        if (!(Math.abs(got - x) <= ENGINE_TOL * Math.max(1, Math.abs(x)))) throw new Error(`${n} cell ${i}: sheet ${got}, core ${x}`);
      }
    });
    const sheet = after.sheets.find((x) => x.name === name)!;
    expect(sheet.conditionalFormats!.map((c) => c.type)).toEqual(["ColorScale", "ColorScale"]);
  }, 120_000);

  test("a long simulation shows path progress; Cancel stops it and writes nothing", async () => {
    await h.page.getByLabel("Simulation paths").fill("30000");
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Simulate" }).click();
    await h.page.getByText(/^Simulated path \d/).waitFor({ timeout: 60_000 });
    await h.page.getByRole("button", { name: "Cancel" }).click();
    await h.page.getByText("Simulation cancelled: nothing was written.").waitFor();
    const after = await snapshot();
    expect(after.sheets).toEqual(before.sheets);
    expect(await h.page.getByRole("button", { name: "Simulate" }).isDisabled()).toBe(false);
  }, 120_000);
});
