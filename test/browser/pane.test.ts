/**
 * End to end: the built pane (dist/taskpane.html) in headless Chromium, with a stub office.js and
 * a stub `Excel` backed by the in-memory workbook of test/support/fakeExcel.ts (transpiled with
 * TypeScript and injected before the page's scripts). Clicks through: create a policy (with an inline
 * validation error on the way) -> bind holdings (typed address) and cash (current selection) ->
 * save -> generate a trade sheet; then checks the workbook: the new sheet's values, the policy
 * sheet (with the rebalance log's date) and the defined names, and that nothing else changed. The
 * policy the pane saved is read back identically by core's readPolicySheet and by REBAL.TRADES's
 * body (tradesFn). Then: "Insert live formulas" refused next to occupied cells (nothing written),
 * then written once the cash cell moved, with trades equal to the trade sheet's; a co-author's edit
 * refreshing the status without a click; the Office theme followed on focus.
 * The preview (Review trades -> Write trade sheet) is the way to a trade sheet. Screenshots of the main screens go to a temporary folder (docs/screenshots/ with REBAL_SCREENSHOTS=docs/screenshots; see docs/taskpane.md).
 */
import { readFileSync } from "fs";
import path from "path";
import { DEFAULT_POLICY, Policy, parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET, readPolicySheet, readStoredPolicies } from "../../src/core/policyStore";
import { tradeSheetFn, tradesFn } from "../../src/functions/rebalance";
import { ROOT } from "../support/dist";
import { FakeState, createFakeExcel } from "../support/fakeExcel";
import { Harness } from "./harness";
import { SCREENSHOTS } from "../support/screenshots";

const HOLDINGS: (string | number)[][] = [
  ["Asset", "Quantity", "Price", "Target"],
  ["VTI", 100, 250, 0.5],
  ["BND", 400, 75, 0.4],
  ["VXUS", 50, 60, 0.08],
];
const CASH = 5000;
const PKG_VERSION = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const SHOTS = SCREENSHOTS; // a temporary folder unless REBAL_SCREENSHOTS=docs/screenshots (test/support/screenshots.ts)

function initialWorkbook(): FakeState {
  const f = createFakeExcel({ active: "Portfolio", selection: "G3" });
  f.put("Portfolio", "B2", HOLDINGS);
  f.put("Portfolio", "G2", [["Cash"], [CASH]]);
  f.put("Notes", "A1", [["keep me", 42]]);
  return f.snapshot();
}

let h: Harness;
const initial = initialWorkbook();

beforeAll(async () => {
  h = await Harness.start();
  await h.page.setViewportSize({ width: 420, height: 900 });
  await h.installFakeWorkbook(initial);
  await h.page.goto(`${h.origin}/taskpane.html`, { waitUntil: "load" });
  await h.page.getByText(/^No policies in this workbook yet/).waitFor({ timeout: 15_000 });
});
afterAll(async () => {
  await h?.close();
});

const snapshot = () => h.page.evaluate(() => (window as unknown as { __fake: { snapshot(): FakeState } }).__fake.snapshot());
const usedValues = (sheet: string) =>
  h.page.evaluate((s) => (window as unknown as { __fake: { usedValues(s: string): unknown[][] } }).__fake.usedValues(s), sheet);
type PageFake = { edit(s: string, a: string, v: unknown[][], source?: string): void; formula(s: string, a: string): string; read(s: string, a: string): unknown[][] };
const edit = (sheet: string, at: string, values: unknown[][]) =>
  h.page.evaluate(([s, a, v]) => (window as unknown as { __fake: PageFake }).__fake.edit(s, a, v, "Remote"), [sheet, at, values] as [string, string, unknown[][]]);
const formulaAt = (sheet: string, at: string) =>
  h.page.evaluate(([s, a]) => (window as unknown as { __fake: PageFake }).__fake.formula(s, a), [sheet, at] as [string, string]);
const read = (sheet: string, at: string) =>
  h.page.evaluate(([s, a]) => (window as unknown as { __fake: PageFake }).__fake.read(s, a), [sheet, at] as [string, string]);
let tradeSheetName = "";

const expected: Policy = { ...DEFAULT_POLICY, name: "Core 60/40", trigger: "threshold", bandAbs: 0.05, minTrade: 500 };

describe("task pane, end to end", () => {
  test("create a policy with inline validation, bind ranges, save", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "New policy" }).click();
    await page.getByLabel(/^Policy name/).fill("Core 60/40");
    await page.getByLabel(/^Tolerance band/).fill("five");
    await page.getByLabel(/^Tolerance band/).blur();
    // the message shows next to the field once it was left; nothing is saved
    await page.getByText('"five" is not a number (e.g. 5 or 5%)').waitFor();
    await page.getByLabel(/^Minimum trade/).fill("$500");
    await page.screenshot({ path: path.join(SHOTS, "policy-editor-validation.png") });
    await page.getByLabel(/^Tolerance band/).fill("5"); // percentage points
    await page.getByLabel("Holdings", { exact: true }).fill("Portfolio!B2:E5");
    // cash from the current selection (G3 on the active sheet)
    await page.getByRole("button", { name: "Use current selection for the cash cell" }).click();
    await expect(page.getByLabel("Cash cell (optional)", { exact: true }).inputValue()).resolves.toBe("Portfolio!G3");
    await page.screenshot({ path: path.join(SHOTS, "policy-editor.png") });
    // keyboard: submit the form with Enter from a field
    await page.getByLabel(/^Policy name/).press("Enter");
    await page.getByText('Saved policy "Core 60/40".').waitFor();
    await page.getByText(/max drift/).waitFor();
    await page.getByRole("button", { name: "Show drift of Core 60/40" }).click();
    await page.screenshot({ path: path.join(SHOTS, "policy-list.png") });

    const state = await snapshot();
    const cells = await usedValues(POLICY_SHEET);
    expect(readPolicySheet(cells)).toEqual([expected]);
    expect(Object.fromEntries(state.names.map((n) => [n.name, n.formula]))).toEqual({
      REBAL_POLICY_Core_60_40: `='Rebal Policies'!$A$1:$B$${cells.length}`,
      REBAL_BIND_Core_60_40_HOLDINGS: "=Portfolio!$B$2:$E$5",
      REBAL_BIND_Core_60_40_CASH: "=Portfolio!$G$3",
    });
    // only the policy sheet was added; the others are untouched
    expect(state.sheets.filter((s) => s.name !== POLICY_SHEET)).toEqual(initial.sheets);
  });

  test("the status line is computed from the bound ranges", async () => {
    // total 63000: VTI 25000/63000 = 39.68% (target 50%), BND 30000/63000 = 47.62% (target 40%): both breached
    const text = await h.page.getByRole("listitem").first().textContent();
    expect(text).toContain("Due");
    expect(text).toMatch(/max drift 10\.32% \(VTI\) · outside bands: VTI, BND/);
    // the drift table, furthest out first: VTI -10.32 points (band ±5), BND +7.62, VXUS -3.24 (inside)
    const rows = await h.page.getByRole("table", { name: "Drift of Core 60/40" }).locator("tbody tr").allTextContents();
    expect(rows).toEqual(["VTI39.68%50.00%−10.32−20.63%5.00Outside", "BND47.62%40.00%+7.62+19.05%5.00Outside", "VXUS4.76%8.00%−3.24−40.48%5.00Inside"]);
  });

  test("generate a trade sheet: a new sheet with the trades REBAL.TRADES computes from the stored policy", async () => {
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Review trades for Core 60/40" }).click();
    await h.page.getByRole("region", { name: "Trade preview for Core 60/40" }).getByText("optimal (proven)").waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "trade-preview.png") });
    await h.page.getByRole("button", { name: "Write trade sheet" }).click();
    await h.page.getByText(/^Wrote "Trades \d{4}-\d{2}-\d{2}"/).waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "trade-sheet-written.png") });
    const after = await snapshot();
    const added = after.sheets.filter((s) => !before.sheets.some((b) => b.name === s.name));
    expect(added.map((s) => s.name)).toEqual([expect.stringMatching(/^Trades \d{4}-\d{2}-\d{2}$/)]);
    tradeSheetName = added[0].name;
    // nothing else touched: other sheets and names identical; the policy sheet only gained the log
    const others = (sheets: FakeState["sheets"]) => sheets.filter((s) => s.name !== added[0].name && s.name !== POLICY_SHEET);
    expect(others(after.sheets)).toEqual(others(before.sheets));
    expect(after.names).toEqual(before.names);
    expect(added[0].charts).toHaveLength(1);
    const day = tradeSheetName.slice("Trades ".length);
    const stored = readStoredPolicies(await usedValues(POLICY_SHEET));
    expect(stored.logWarnings).toEqual([]);
    expect(stored.policies.map((r) => [r.policy, r.tradeSheet])).toEqual([[expected, tradeSheetName]]);
    const serial = stored.policies[0].lastRebalance!;
    expect(new Date(Date.UTC(1899, 11, 30) + serial * 86400000).toISOString().slice(0, 10)).toBe(day);
    // the status shows it (the list is re-read after generating)
    await h.page.getByText(`last rebalance ${day}`).waitFor();

    const sheet = await usedValues(added[0].name);
    const policyRange = (await usedValues(POLICY_SHEET)).map((r) => r.slice(0, 2)); // the cells REBAL_POLICY_Core_60_40 refers to (A:B)
    expect(parsePolicy(policyRange).policy).toEqual(expected);
    const stamp = Object.fromEntries(sheet.filter((r) => typeof r[0] === "string" && r[3] !== "").map((r) => [r[0], r[3]]));
    expect(stamp.Policy).toBe("Core 60/40");
    expect(stamp["Rebal version"]).toBe(PKG_VERSION); // __REBAL_VERSION__
    expect(stamp["Inputs SHA-256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(stamp.Optimality).toBe("optimal (proven)");
    const header = sheet.findIndex((r) => r[0] === "Side");
    const rows = sheet.slice(header + 1, header + 4);
    // the quantities equal REBAL.TRADES(quantities, prices, targets, cash, REBAL_POLICY_Core_60_40)
    const col = (j: number) => HOLDINGS.slice(1).map((r) => [r[j]]);
    const trades = tradesFn(col(1), col(2), col(3), CASH, policyRange) as number[][];
    expect(rows.map((r) => [(r[0] === "SELL" ? -1 : 1) * (r[1] as number)])).toEqual(trades);
    expect(trades.flat().some((x) => x !== 0)).toBe(true);
    // and every per-asset column agrees with REBAL.TRADESHEET (asset, side, price, weights, cost)
    const ts = tradeSheetFn(HOLDINGS, CASH, policyRange) as unknown[][];
    expect(rows.map((r) => [r[2], r[0], r[4], r[6], r[7], r[8], r[11]])).toEqual(ts.slice(1, 4).map((t) => [t[0], t[1], t[3], t[5], t[6], t[7], t[8]]));
  });

  test("a second trade sheet on the same day gets a unique name", async () => {
    await h.page.getByRole("button", { name: "Review trades for Core 60/40" }).click();
    await h.page.getByRole("button", { name: "Write trade sheet" }).click();
    await h.page.getByText(/^Wrote "Trades \d{4}-\d{2}-\d{2} \(2\)"/).waitFor();
  });

  test("insert live formulas: refused next to occupied cells, nothing written, the occupied cells named", async () => {
    const before = await snapshot();
    await h.page.getByRole("button", { name: "More actions for Core 60/40" }).click();
    await h.page.getByRole("menuitem", { name: "Insert live formulas" }).click();
    // F2:H5, right of the holdings B2:E5, holds the cash label and value in G2:G3
    await h.page.getByText("Portfolio!F2:H5 is not empty (G2, G3 hold data): nothing was written.", { exact: false }).waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "live-formulas-refused.png") });
    const after = await snapshot();
    expect(after.sheets).toEqual(before.sheets);
    expect(after.names).toEqual(before.names);
  });

  test("insert live formulas: once the cash cell moved, three spilled formulas whose trades are the trade sheet's", async () => {
    const page = h.page;
    // the analyst moves the cash cell to J3 by hand and rebinds it in the editor
    await edit("Portfolio", "G2", [[""], [""]]);
    await edit("Portfolio", "J2", [["Cash"], [CASH]]);
    await page.getByRole("button", { name: "More actions for Core 60/40" }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    await page.getByLabel("Cash cell (optional)", { exact: true }).fill("Portfolio!J3");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText('Saved policy "Core 60/40".').waitFor();
    await page.getByRole("button", { name: "More actions for Core 60/40" }).click();
    await page.getByRole("menuitem", { name: "Insert live formulas" }).click();
    await page.getByText("Inserted live Weight, Drift and Trade formulas at Portfolio!F2:H5.").waitFor();
    await page.screenshot({ path: path.join(SHOTS, "live-formulas-inserted.png") });
    expect(await read("Portfolio", "F2:H2")).toEqual([["Weight", "Drift", "Trade"]]);
    const f = await Promise.all(["F3", "G3", "H3"].map((a) => formulaAt("Portfolio", a)));
    expect(f).toEqual([
      "=$E$3:$E$5+G3#",
      '=REBAL.DRIFT($C$3:$C$5*$D$3:$D$5,$E$3:$E$5,CHOOSE({1,2},"cash",$J$3))',
      "=REBAL.TRADES($C$3:$C$5,$D$3:$D$5,$E$3:$E$5,$J$3,REBAL_POLICY_Core_60_40)",
    ]);
    // evaluate the Trade formula's references in the workbook: the trade sheet's quantities
    const col = async (c: string) => (await read("Portfolio", `${c}3:${c}5`)) as number[][];
    const policyName = (await snapshot()).names.find((n) => n.name === "REBAL_POLICY_Core_60_40")!.formula; // ='Rebal Policies'!$A$1:$B$n
    const policyRange = await read(POLICY_SHEET, policyName.slice(policyName.lastIndexOf("!") + 1).replace(/\$/g, ""));
    const trades = tradesFn(await col("C"), await col("D"), await col("E"), (await read("Portfolio", "J3"))[0][0], policyRange);
    const sheet = await usedValues(tradeSheetName);
    const header = sheet.findIndex((r) => r[0] === "Side");
    expect(sheet.slice(header + 1, header + 4).map((r) => [(r[0] === "SELL" ? -1 : 1) * (r[1] as number)])).toEqual(trades);
  });

  test("a co-author's edit of the holdings refreshes the status without a click", async () => {
    // VTI 150 shares: 37500 of 75500 -> drifts -0.33%, -0.26%, -4.03% (VXUS): nothing breached
    const total = 150 * 250 + 400 * 75 + 50 * 60 + CASH;
    const maxDrift = Math.max(Math.abs(37500 / total - 0.5), Math.abs(30000 / total - 0.4), Math.abs(3000 / total - 0.08));
    await edit("Portfolio", "C3", [[150]]);
    await h.page.getByText(`max drift ${(maxDrift * 100).toFixed(2)}% (VXUS) · outside bands: none`, { exact: false }).waitFor();
    expect(await h.page.getByRole("listitem").first().textContent()).toContain("Not due");
  });

  test("the pane follows the Office theme when it gets focus (Excel has no theme event)", async () => {
    const background = () => h.page.evaluate(() => getComputedStyle(document.querySelector("main")!.parentElement!).backgroundColor);
    expect(await background()).toBe("rgb(255, 255, 255)");
    await h.page.evaluate(() => {
      (window as unknown as { Office: { context: Record<string, unknown> } }).Office.context.officeTheme = { isDarkTheme: true, bodyBackgroundColor: "#262626" };
      window.dispatchEvent(new Event("focus"));
    });
    await h.page.waitForFunction(() => getComputedStyle(document.querySelector("main")!.parentElement!).backgroundColor !== "rgb(255, 255, 255)");
    expect(await background()).toBe("rgb(41, 41, 41)"); // webDarkTheme colorNeutralBackground1
    await h.page.screenshot({ path: path.join(SHOTS, "policy-list-dark.png") });
    await h.page.evaluate(() => {
      (window as unknown as { Office: { context: Record<string, unknown> } }).Office.context.officeTheme = { isDarkTheme: false, bodyBackgroundColor: "#ffffff" };
      window.dispatchEvent(new Event("focus"));
    });
    await h.page.waitForFunction(() => getComputedStyle(document.querySelector("main")!.parentElement!).backgroundColor === "rgb(255, 255, 255)");
  });

  test("bad input (a deleted holdings binding): a clear message and nothing written", async () => {
    await h.page.evaluate(() => {
      const f = (window as unknown as { __fake: { state: FakeState } }).__fake;
      f.state.names.find((n) => n.name.endsWith("_HOLDINGS"))!.formula = "=#REF!";
    });
    const before = await snapshot();
    await h.page.getByRole("button", { name: "Review trades for Core 60/40" }).click();
    await h.page.getByText(/refers to =#REF! \(its cells were deleted\); bind the holdings again/).first().waitFor();
    await h.page.screenshot({ path: path.join(SHOTS, "error-deleted-binding.png") });
    expect(await h.page.getByRole("button", { name: "Write trade sheet" }).count()).toBe(0);
    await h.page.getByRole("button", { name: "Close" }).click();
    const after = await snapshot();
    expect(after.sheets).toEqual(before.sheets);
    expect(after.names).toEqual(before.names);
  });

  test("no console errors, page errors, CSP violations or outside requests", async () => {
    const csp = await h.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    expect({ console: h.consoleErrors, page: h.pageErrors, csp, failed: h.failedRequests, outside: h.blockedRequests })
      .toEqual({ console: [], page: [], csp: [], failed: [], outside: [] });
  });
});
