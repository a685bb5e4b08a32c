/**
 * End to end: the pane's "Compare policies" view in the BUILT pane (dist/taskpane.html) in headless
 * Chromium, with the stub office.js and the in-memory workbook of test/support/fakeExcel.ts (as in
 * pane.test.ts). The workbook holds a slice of real prices (test/fixtures/compare: five factor ETFs,
 * 2019-01-02 to 2020-06-30), a long synthetic history (25 assets x 8,000 days) and stored policies
 * bound to holdings ranges. Clicks through Compare -> price range from the selection -> two policies ->
 * Run, then checks the workbook: the new sheet's metrics equal core runBacktest + backtestSummary in
 * Node on the same inputs (to 1e-9), its two line charts, and that nothing else changed. Then a long
 * run in the Web Worker: progress is shown, the pane answers clicks and evaluations meanwhile, Cancel
 * stops it and nothing is written (the worker's final reply is withheld from the pane by a test-only
 * wrapper of Worker, so Cancel never races the end of the run). Screenshots go to compare-*.png in a temporary folder (docs/screenshots/ with REBAL_SCREENSHOTS=docs/screenshots).
 */
import { existsSync, readFileSync } from "fs";
import path from "path";
import { backtestSummary, runBacktest } from "../../src/core/backtest";
import { Policy, parsePolicy } from "../../src/core/policy";
import { savePolicy } from "../../src/workbook/policies";
import { ROOT } from "../support/dist";
import { CellValue, FakeState, createFakeExcel } from "../support/fakeExcel";
import { Harness } from "./harness";
import { SCREENSHOTS } from "../support/screenshots";

interface Fixture {
  tickers: string[];
  dates: number[];
  prices: number[][];
  policies: { name: string; policy: string; assets: string[]; targets: number[] }[];
}
const FX = JSON.parse(readFileSync(path.join(ROOT, "test", "fixtures", "compare", "compare.json"), "utf8")) as Fixture;
const SHOTS = SCREENSHOTS; // a temporary folder unless REBAL_SCREENSHOTS=docs/screenshots (test/support/screenshots.ts)
const INITIAL_VALUE = 250000;
const METRICS = ["total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "turnover", "rebalances", "costs", "final_value"];

/** Long synthetic history for the cancel test: a seeded geometric random walk on weekdays. */
const LONG_T = 8000;
const LONG_N = 25;
function longHistory(): CellValue[][] {
  let seed = 12345;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tickers = Array.from({ length: LONG_N }, (_, j) => `S${String(j + 1).padStart(2, "0")}`);
  const px = tickers.map(() => 50 + 100 * rand());
  const rows: CellValue[][] = [["Date", ...tickers]];
  let serial = 36528; // 2000-01-03, a Monday
  for (let t = 0; t < LONG_T; t++) {
    rows.push([serial, ...px.map((p) => Math.round(p * 100) / 100)]);
    for (let j = 0; j < LONG_N; j++) px[j] *= 1 + 0.02 * (rand() - 0.5);
    serial += (serial - 36528) % 7 === 4 ? 3 : 1; // Friday -> Monday
  }
  return rows;
}
const LONG = longHistory();
const LONG_POLICIES = ["Daily A", "Daily <b>B</b>", "Daily C", "Daily D"];

/** The workbook before the test, with the policies stored by the workbook layer itself (in Node). */
async function initialWorkbook(): Promise<FakeState> {
  const f = createFakeExcel({ active: "Prices", selection: `A1:F${FX.dates.length + 1}` });
  f.put("Prices", "A1", [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])]);
  FX.policies.forEach((p, k) => {
    f.put("Books", `${k === 0 ? "A" : "F"}1`, [["Asset", "Quantity", "Price", "Target"], ...p.assets.map((a, i): CellValue[] => [a, 10, 100, p.targets[i]])]);
  });
  f.put("Long", "A1", LONG);
  f.put("Books", "K1", [["Asset", "Quantity", "Price", "Target"], ...LONG[0].slice(1).map((a): CellValue[] => [a, 10, 100, 1 / LONG_N])]);
  f.put("Notes", "A1", [["keep me", 42]]);
  const g = globalThis as unknown as { Excel?: unknown };
  g.Excel = f.Excel;
  try {
    for (const [k, p] of FX.policies.entries()) {
      await savePolicy({ policy: { ...parsePolicy(p.policy).policy, name: p.name }, holdings: `Books!${k === 0 ? "A1:D4" : "F1:I4"}`, cash: "" }, null);
    }
    for (const name of LONG_POLICIES) {
      await savePolicy({ policy: { ...parsePolicy("trigger=always; cost_bps=5").policy, name }, holdings: `Books!K1:N${LONG_N + 1}`, cash: "" }, null);
    }
  } finally {
    delete g.Excel;
  }
  f.state.log = [];
  return f.snapshot();
}

/** The cancel test's hold on the pane's workers (installed in the page; see that test). */
interface CompareHook {
  held: unknown[];
  progress: number;
  terminated: number;
  cancelOnProgress: boolean;
  cancelledAt: number | null;
  handler: Worker["onmessage"];
  native: typeof Worker;
}

let h: Harness;
let initial: FakeState;

beforeAll(async () => {
  initial = await initialWorkbook();
  h = await Harness.start();
  await h.page.setViewportSize({ width: 420, height: 1000 });
  await h.installFakeWorkbook(initial);
  await h.page.goto(`${h.origin}/taskpane.html`, { waitUntil: "load" });
  await h.page.getByText(/max drift/).first().waitFor({ timeout: 20_000 });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

type Win = { __fake: { snapshot(): FakeState; usedValues(s: string): CellValue[][]; state: FakeState } };
// as JSON text: Playwright serialises a large object (the long price sheet) much more slowly than a string
const snapshot = async (): Promise<FakeState> => JSON.parse(await h.page.evaluate(() => JSON.stringify((window as unknown as Win).__fake.snapshot())));
const usedValues = (sheet: string) => h.page.evaluate((s) => (window as unknown as Win).__fake.usedValues(s), sheet);
const checkbox = (name: string) => h.page.getByRole("checkbox", { name, exact: true });

/** What core computes in Node for one of the fixture's policies on the same cells. */
function reference(p: Fixture["policies"][number]): { metrics: Record<string, number>; values: Float64Array } {
  const cols = p.assets.map((a) => FX.tickers.indexOf(a));
  const prices = Float64Array.from(FX.prices.flatMap((row) => cols.map((j) => row[j])));
  const policy: Policy = { ...parsePolicy(p.policy).policy, name: p.name };
  const r = runBacktest({ dates: Float64Array.from(FX.dates), prices, nAssets: cols.length, targets: Float64Array.from(p.targets) }, policy, { initialValue: INITIAL_VALUE });
  const rows = backtestSummary(r, INITIAL_VALUE, { frequency: 252, riskFreeRate: 0 });
  return { metrics: Object.fromEntries(rows.map((x) => [x.name, x.value])), values: r.values };
}

describe("Compare policies, end to end", () => {
  test("the view lists the stored policies; Run needs a price range and two policies", async () => {
    await h.page.getByRole("tab", { name: "Compare policies" }).click();
    await checkbox(FX.policies[0].name).waitFor();
    // cell text (a policy name with markup) is shown as text, never parsed as HTML
    await checkbox(LONG_POLICIES[1]).waitFor();
    expect(await h.page.locator('section[aria-label="Compare policies"] b').count()).toBe(0);
    const run = h.page.getByRole("button", { name: "Run comparison" });
    expect(await run.isDisabled()).toBe(true);
    await h.page.getByText("Pick at least two policies to compare.").waitFor();
    await checkbox(FX.policies[0].name).check();
    expect(await run.isDisabled()).toBe(true);
    await checkbox(FX.policies[1].name).check();
    expect(await run.isDisabled()).toBe(true); // no price range yet
    await h.page.getByRole("button", { name: "Use current selection" }).click();
    await expect(h.page.getByLabel("Price range", { exact: true }).inputValue()).resolves.toBe(`Prices!A1:F${FX.dates.length + 1}`);
    await h.page.getByLabel("initial_value").fill("-3");
    await h.page.getByText(/initial_value must be a positive amount/).waitFor();
    expect(await run.isDisabled()).toBe(true);
    await h.page.getByLabel("initial_value").fill(String(INITIAL_VALUE));
    expect(await run.isDisabled()).toBe(false);
    await h.page.screenshot({ path: path.join(SHOTS, "compare-setup.png"), animations: "disabled" });
  });

  test("Run: a results sheet whose metrics are core's runBacktest + stats, two line charts, nothing else changed", async () => {
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Run comparison" }).click();
    await h.page.getByText(/^Wrote "Compare \d{4}-\d{2}-\d{2}": 2 policies over 377 dates/).waitFor({ timeout: 30_000 });
    await h.page.getByRole("table", { name: "Comparison summary" }).waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "compare-done.png"), animations: "disabled" });
    const after = await snapshot();
    const added = after.sheets.filter((s) => !before.sheets.some((b) => b.name === s.name));
    expect(added.map((s) => s.name)).toEqual([expect.stringMatching(/^Compare \d{4}-\d{2}-\d{2}$/)]);
    const name = added[0].name;
    expect(after.sheets.filter((s) => s.name !== name)).toEqual(before.sheets);
    expect(after.names).toEqual(before.names);
    expect(after.tables).toEqual(before.tables);

    const v = await usedValues(name);
    expect(v[1]).toEqual(expect.arrayContaining(["Prices", `Prices!A1:F${FX.dates.length + 1}`]));
    const head = v.findIndex((r) => r[0] === "Metric");
    expect(v[head].slice(0, 3)).toEqual(["Metric", FX.policies[0].name, FX.policies[1].name]);
    const refs = FX.policies.map(reference);
    for (const [i, m] of METRICS.entries()) {
      const row = v[head + 1 + i];
      expect(row[0]).toBe(m);
      refs.forEach((ref, k) => {
        const got = row[1 + k] as number;
        const want = ref.metrics[m];
        if (!(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)))) throw new Error(`${FX.policies[k].name} ${m}: sheet ${got}, core ${want}`);
      });
    }
    // the equity block is REBAL.EQUITY's values
    const header = v.findIndex((r) => r[0] === "Date");
    const T = FX.dates.length;
    expect(v.slice(header + 1, header + 1 + T).map((r) => r[0])).toEqual(FX.dates);
    refs.forEach((ref, k) => {
      const col = v.slice(header + 1, header + 1 + T).map((r) => r[1 + k] as number);
      expect(col.every((x, t) => Math.abs(x - ref.values[t]) <= 1e-9 * ref.values[t])).toBe(true);
    });
    // two line charts over the equity and drawdown columns, dates as categories
    const sheet = after.sheets.find((s) => s.name === name)!;
    const x = `'${name}'!A${header + 2}:A${header + 1 + T}`;
    expect(sheet.charts.map((c) => [c.type, c.title, c.source, c.seriesBy, c.series])).toEqual([
      ["Line", "Equity curves", `B${header + 1}:C${header + 1 + T}`, "Columns", FX.policies.map((p) => ({ name: p.name, xValues: x }))],
      ["Line", "Drawdowns", `D${header + 1}:E${header + 1 + T}`, "Columns", FX.policies.map((p) => ({ name: p.name, xValues: x }))],
    ]);
    expect(after.active).toBe(name);
  });

  test("bad input: a clear message and nothing written", async () => {
    const before = await snapshot();
    await h.page.getByLabel("Price range", { exact: true }).fill("Prices!K1:M5");
    await h.page.getByRole("button", { name: "Run comparison" }).click();
    await h.page.getByText("price range Prices!K1:M5 is empty").waitFor();
    // a policy whose assets are not in the price header
    await h.page.getByLabel("Price range", { exact: true }).fill("Long!A1:C50");
    await h.page.getByRole("button", { name: "Run comparison" }).click();
    await h.page.getByText(/policy "Monthly mix": assets "MTUM", "USMV", "QUAL" are not in the price range's header \(it has S01, S02\)/).waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "compare-error.png"), animations: "disabled" });
    const after = await snapshot();
    expect(after.sheets).toEqual(before.sheets);
    expect(after.names).toEqual(before.names);
    expect(after.log).toEqual(before.log);
  });

  test("a long run: progress in the pane, which stays responsive; Cancel stops it and writes nothing", async () => {
    const page = h.page;
    // A test-only hold on the pane's workers (page side, no change to the add-in): the Worker class is
    // wrapped so that a worker's final reply ("done" or "error") is withheld from the pane and kept
    // in `held`; progress is passed on. The pane therefore stays in its running state until Cancel
    // however fast the backtests are, so the click can never race the end of the run. `terminated`
    // counts terminate() calls; with `cancelOnProgress` set, Cancel is clicked from inside the
    // handler of a progress message that says rows are still to do (the worker is mid-run then).
    await page.evaluate(() => {
      const hook: CompareHook = { held: [], progress: 0, terminated: 0, cancelOnProgress: false, cancelledAt: null, handler: null, native: window.Worker };
      (window as unknown as { __compareHook: CompareHook }).__compareHook = hook;
      class HeldWorker extends hook.native {
        get onmessage(): Worker["onmessage"] {
          return super.onmessage;
        }
        set onmessage(fn: Worker["onmessage"]) {
          hook.handler = fn;
          super.onmessage = (ev: MessageEvent) => {
            const m = ev.data as { type: string; done: number; total: number };
            if (m.type !== "progress") {
              hook.held.push(m);
              return;
            }
            hook.progress++;
            fn?.call(this, ev);
            if (hook.cancelOnProgress && hook.cancelledAt === null && m.done < m.total) {
              const cancel = Array.from(document.querySelectorAll("button")).find((b) => b.textContent?.trim() === "Cancel");
              if (cancel) {
                hook.cancelledAt = m.done / m.total;
                cancel.click();
              }
            }
          };
        }
        terminate(): void {
          hook.terminated++;
          super.terminate();
        }
      }
      window.Worker = HeldWorker;
    });
    // runs fn(hook) in the page (fn is sent as its source text, so it may use only its argument)
    const hook = <T,>(fn: (k: CompareHook) => T): Promise<T> => page.evaluate(`(${fn.toString()})(window.__compareHook)`);
    const runEnabled = () => page.waitForFunction(() => Array.from(document.querySelectorAll("button")).some((b) => b.textContent?.trim() === "Run comparison" && !b.disabled), null, { timeout: 30_000 });
    try {
      for (const p of FX.policies) await checkbox(p.name).uncheck();
      for (const n of LONG_POLICIES) await checkbox(n).check();
      await page.getByLabel("Price range", { exact: true }).fill(`Long!A1:Z${LONG_T + 1}`);
      const before = await snapshot();
      const run = page.getByRole("button", { name: "Run comparison" });
      await run.click();
      const bar = page.getByRole("progressbar", { name: "Comparison progress" });
      // the worker reports progress (every 256 rows of a policy)
      await page.waitForFunction(() => {
        const el = document.querySelector('[role="progressbar"][aria-valuenow]');
        return el !== null && Number(el.getAttribute("aria-valuenow")) > 0;
      }, null, { timeout: 30_000 });
      await page.getByText(/^Policy [1-4] of 4 \(Daily/).waitFor();
      await page.screenshot({ path: path.join(SHOTS, "compare-progress.png"), animations: "disabled" });
      // the UI thread is free: evaluations return, another view can be opened and closed again
      expect(await page.evaluate(() => document.title)).toBe("Rebal");
      await page.getByRole("tab", { name: "Policies", exact: true }).click();
      await page.getByRole("button", { name: "New policy" }).waitFor();
      await page.getByRole("tab", { name: "Compare policies" }).click();
      await bar.waitFor();
      // the worker finishes (its result withheld): several progress reports reached the pane, which still runs
      await page.waitForFunction(() => (window as unknown as { __compareHook: CompareHook }).__compareHook.held.length > 0, null, { timeout: 60_000 });
      expect(await hook((k) => k.held.map((m) => (m as { type: string }).type))).toEqual(["done"]);
      expect(await hook((k) => k.progress)).toBeGreaterThan(1);
      expect(Number(await bar.getAttribute("aria-valuenow"))).toBeGreaterThan(0);
      expect(await run.isDisabled()).toBe(true);
      expect(await hook((k) => k.terminated)).toBe(0);

      // 1. Cancel while the pane runs: the worker is terminated, the pane idle again, nothing written
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.getByText("Comparison cancelled: nothing was written.").waitFor();
      expect(await bar.count()).toBe(0);
      await runEnabled();
      expect(await hook((k) => k.terminated)).toBe(1);
      // the cancelled run's result arriving late (as if the worker had not been stopped) is ignored
      await hook((k) => k.handler?.call(null as unknown as Worker, new MessageEvent("message", { data: k.held[0] })));
      expect(await run.isDisabled()).toBe(false);
      let after = await snapshot();
      expect(after.sheets).toEqual(before.sheets);
      expect(after.names).toEqual(before.names);
      expect(after.log).toEqual(before.log);
      expect(await page.getByText(/^Wrote "Compare/).count()).toBe(0);

      // 2. Cancel mid-run: clicked from the handler of a progress report with rows still to do
      await hook((k) => { k.held = []; k.cancelOnProgress = true; });
      const terminated = await hook((k) => k.terminated); // the late reply's handler terminated its worker again (harmless)
      await run.click();
      await page.waitForFunction(() => (window as unknown as { __compareHook: CompareHook }).__compareHook.cancelledAt !== null, null, { timeout: 30_000 });
      expect(await hook((k) => k.cancelledAt)).toBeLessThan(1);
      await page.getByText("Comparison cancelled: nothing was written.").waitFor();
      await runEnabled();
      expect(await bar.count()).toBe(0);
      expect(await hook((k) => k.terminated)).toBe(terminated + 1);
      after = await snapshot();
      expect(after.sheets).toEqual(before.sheets);
      expect(after.names).toEqual(before.names);
      expect(after.log).toEqual(before.log);
      expect(await page.getByText(/^Wrote "Compare/).count()).toBe(0);
    } finally {
      await hook((k) => { window.Worker = k.native; });
    }
  }, 90_000);

  test("the worker imports src/core only (directly or through other modules)", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
        const spec = m[1];
        if (!spec.startsWith(".")) throw new Error(`${path.relative(ROOT, file)} imports the package "${spec}"`);
        const base = path.resolve(path.dirname(file), spec);
        const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => existsSync(f));
        if (!target) throw new Error(`${path.relative(ROOT, file)}: cannot resolve ${spec}`);
        visit(target);
      }
    };
    const entry = path.join(ROOT, "src", "taskpane", "compare.worker.ts");
    visit(entry);
    const outside = [...seen].filter((f) => f !== entry && !f.startsWith(path.join(ROOT, "src", "core") + path.sep));
    expect(outside).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });

  test("the backtests ran in the worker bundle; no console errors, page errors, CSP violations or outside requests", async () => {
    const loaded = await h.page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    expect(loaded.filter((u) => u.endsWith("/compare-worker.js")).length).toBeGreaterThanOrEqual(1);
    const csp = await h.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    expect({ console: h.consoleErrors, page: h.pageErrors, csp, failed: h.failedRequests, outside: h.blockedRequests })
      .toEqual({ console: [], page: [], csp: [], failed: [], outside: [] });
  });
});
