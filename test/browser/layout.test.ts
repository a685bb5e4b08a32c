/**
 * The built pane (dist/) at the widths Excel opens it, 320 and 450 px, in headless Chromium with the
 * in-memory workbook: on every screen — the empty list, the editor (new, with three wrong fields after
 * Save, with a save-time error), the list with its drift table, the overflow menu, the delete dialog,
 * the trade preview (an order excluded, a deposit), after writing, a policy that is not due, the
 * Compare tab — nothing sticks out of its container and the page never scrolls sideways
 * (findOverflow, below). Also: three wrong fields give three messages, each next to its field, only
 * after Save; focus moves into the editor and back to the button that opened it; Escape cancels; the
 * preview -> write flow end to end (the sheet holds the previewed orders, with the excluded asset
 * untraded and the deposit invested); a policy not due asks before writing; messages stay in their
 * tab. Screenshots of each screen go to the temporary screenshot folder (test/support/screenshots.ts).
 */
import path from "path";
import type { Page } from "playwright-core";
import { HEADER_ROW } from "../../src/core/tradeSheetLayout";
import { FakeState, createFakeExcel } from "../support/fakeExcel";
import { SCREENSHOTS } from "../support/screenshots";
import { Harness } from "./harness";

const HOLDINGS: (string | number)[][] = [
  ["Asset", "Quantity", "Price", "Target"],
  ["VTI", 300, 250, 0.3], ["VTV", 200, 160, 0.1], ["VBR", 100, 190, 0.05], ["VXUS", 900, 60, 0.15],
  ["IEMG", 400, 52, 0.05], ["VNQ", 500, 90, 0.08], ["BND", 800, 73, 0.12], ["BNDX", 300, 49, 0.03],
  ["TIP", 100, 108, 0.03], ["SHY", 100, 82, 0.03], ["HYG", 100, 77, 0.02], ["GLD", 150, 190, 0.03],
];

function workbook(): FakeState {
  const f = createFakeExcel({ active: "Portfolio", selection: "G3" });
  f.put("Portfolio", "B2", HOLDINGS);
  f.put("Portfolio", "G2", [["Cash"], [12000]]);
  return f.snapshot();
}

/**
 * Every visible element that sticks out of its parent's box (or, positioned, out of the viewport),
 * every element that scrolls or clips its content sideways, and the page scrolling sideways.
 * Text inputs are exempt from the scroll test (their scrollWidth is their text).
 */
export async function findOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const name = (e: Element) => {
      const id = e.id ? `#${e.id}` : "";
      const label = e.getAttribute("aria-label") ? `[aria-label="${e.getAttribute("aria-label")}"]` : "";
      const text = (e.textContent ?? "").trim().slice(0, 30);
      return `${e.tagName.toLowerCase()}${id}${label}${text ? ` "${text}"` : ""}`;
    };
    const de = document.documentElement;
    if (de.scrollWidth > de.clientWidth + 1) out.push(`the page scrolls sideways: ${de.scrollWidth} > ${de.clientWidth}`);
    const vw = de.clientWidth;
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const cs = getComputedStyle(el);
      if (cs.display === "none" || cs.visibility === "hidden" || el.closest("[hidden]")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const isText = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
      if (!isText && el.scrollWidth > el.clientWidth + 1 && /auto|scroll|hidden|clip/.test(cs.overflowX) && el.clientWidth > 0) {
        out.push(`${name(el)} scrolls or clips sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
      if (cs.position === "fixed" || cs.position === "absolute") {
        if (r.left < -0.5 || r.right > vw + 0.5) out.push(`${name(el)} (${cs.position}) is outside the viewport: ${r.left.toFixed(1)}..${r.right.toFixed(1)} of ${vw}`);
        continue;
      }
      const p = el.parentElement;
      if (!p || p === document.body) continue;
      const pr = p.getBoundingClientRect();
      if (r.left < pr.left - 0.5 || r.right > pr.right + 0.5) {
        out.push(`${name(el)} sticks out of ${name(p)}: ${r.left.toFixed(1)}..${r.right.toFixed(1)} in ${pr.left.toFixed(1)}..${pr.right.toFixed(1)}`);
      }
    }
    return out;
  });
}

const fakeCall = <T>(page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(([f, a]) => {
    const fake = (window as unknown as { __fake: Record<string, (...x: unknown[]) => unknown> }).__fake;
    return fake[f as string](...(a as unknown[]));
  }, [fn, args] as [string, unknown[]]) as Promise<T>;

describe.each([320, 450])("the pane at %i px", (width) => {
  let h: Harness;
  const shot = (name: string) => h.page.screenshot({ path: path.join(SCREENSHOTS, `${width}-${name}.png`), fullPage: true, animations: "disabled" });
  const noOverflow = async (screen: string) => {
    expect({ screen, problems: await findOverflow(h.page) }).toEqual({ screen, problems: [] });
    await shot(screen);
  };
  const activeId = () => h.page.evaluate(() => document.activeElement?.id ?? "");

  beforeAll(async () => {
    h = await Harness.start();
    await h.page.setViewportSize({ width, height: 800 });
    await h.installFakeWorkbook(workbook());
    await h.page.goto(`${h.origin}/taskpane.html`, { waitUntil: "load" });
    await h.page.getByText(/No policies in this workbook yet/).waitFor({ timeout: 15_000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("the empty list fits; the check itself catches a control wider than its container and sideways scrolling", async () => {
    await noOverflow("list-empty");
    await h.page.evaluate(() => {
      const wide = document.createElement("button");
      wide.id = "too-wide";
      wide.style.width = "900px";
      document.querySelector("main")!.appendChild(wide);
    });
    const problems = await findOverflow(h.page);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^the page scrolls sideways/), expect.stringMatching(/^button#too-wide sticks out of main/)]));
    await h.page.evaluate(() => document.getElementById("too-wide")!.remove());
    expect(await findOverflow(h.page)).toEqual([]);
  });

  test("the new-policy editor: focus in the name field, nothing red before anything is typed, fits", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "New policy" }).click();
    await page.getByRole("region", { name: "Policy editor" }).waitFor();
    expect(await activeId()).toBe("policy-field-name");
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(0);
    expect(await page.getByRole("alert").count()).toBe(0);
    // labels in words, the key beside; every field has a hint
    await page.getByLabel(/^Tolerance band \(± percentage points\)/).waitFor();
    expect(await page.getByText("band_abs", { exact: true }).count()).toBe(1);
    await noOverflow("editor-new");
  });

  test("three wrong fields: three messages, each next to its field, once Save is pressed; focus on the first", async () => {
    const page = h.page;
    await page.getByLabel(/^Policy name/).fill("Balanced 5/25");
    await page.getByLabel(/^Tolerance band/).fill("500");
    await page.getByLabel(/^Minimum trade/).fill("ten dollars");
    await page.getByLabel(/^Cash to keep/).fill("150");
    // typed but not yet blurred or saved: the last field shows nothing yet
    expect(await page.getByLabel(/^Cash to keep/).getAttribute("aria-invalid")).toBeNull();
    await page.getByRole("button", { name: "Save policy" }).click();
    const alerts = page.getByRole("alert").filter({ hasText: /\S/ });
    await page.getByText("3 fields to fix before saving.").waitFor();
    const messages = (await page.locator('[id$="__validationMessage"]').allTextContents()).map((t) => t.trim());
    expect(messages).toEqual([
      "Must be at most 100 points, got 500 points",
      '"ten dollars" is not a number (e.g. 250 or $1,000)',
      "Is a fraction of total value and must be below 100%, got 150%",
    ]);
    expect(await alerts.count()).toBeGreaterThanOrEqual(3);
    for (const label of [/^Tolerance band/, /^Minimum trade/, /^Cash to keep/]) expect(await page.getByLabel(label).getAttribute("aria-invalid")).toBe("true");
    expect(await activeId()).toBe("policy-field-band_abs");
    expect(await page.getByRole("button", { name: "Save policy" }).isEnabled()).toBe(true); // reachable by Tab
    await noOverflow("editor-three-errors");
  });

  test("a preset and adviser number formats fix them; a save-time error marks the holdings field and focuses it", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "5/25 rule" }).click();
    await page.getByLabel(/^Minimum trade/).fill("$1,000");
    await page.getByLabel(/^Cash to keep/).fill("2%");
    await page.getByLabel("Holdings", { exact: true }).fill("Nowhere!B2:E14");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText('holdings: there is no sheet "Nowhere"').waitFor();
    expect(await page.getByLabel("Holdings", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await page.waitForFunction(() => document.activeElement?.id === "policy-field-holdings");
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
    await noOverflow("editor-save-error");
  });

  test("saved: back to the list, focus on the button that opened the editor; the drift view sorted by how far out", async () => {
    const page = h.page;
    await page.getByLabel("Holdings", { exact: true }).fill("Portfolio!B2:E14");
    await page.getByRole("button", { name: /Use current selection for the cash cell/ }).click();
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText('Saved policy "Balanced 5/25".').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "new-policy");
    const stored = await fakeCall<unknown[][]>(page, "usedValues", "Rebal Policies");
    expect(stored.map((r) => r.slice(0, 2))).toEqual(expect.arrayContaining([["band_abs", 0.05], ["band_rel", 0.25], ["min_trade", 1000], ["cash_reserve", 0.02]]));
    const card = page.getByRole("listitem").first();
    await card.getByText("Due", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Show drift of Balanced 5/25" }).click();
    const table = page.getByRole("table", { name: "Drift of Balanced 5/25" });
    const rows = await table.locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(12);
    expect(rows[0]).toMatch(/Outside$/);
    expect(rows[rows.length - 1]).toMatch(/Inside$/);
    await noOverflow("list-drift");
  });

  test("the overflow menu names the policy; Edit opens the editor and Escape returns to the menu button", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "More actions for Balanced 5/25" }).click();
    await page.getByRole("menuitem", { name: "Edit" }).waitFor();
    await noOverflow("menu");
    await page.getByRole("menuitem", { name: "Edit" }).click();
    await page.getByRole("region", { name: "Policy editor" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("region", { name: "Policy editor" }).waitFor({ state: "detached" });
    await page.waitForFunction(() => document.activeElement?.id === "policy-0-more");
  });

  test("delete asks in a dialog that fits; Cancel keeps the policy", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "More actions for Balanced 5/25" }).click();
    await page.getByRole("menuitem", { name: "Delete…" }).click();
    await page.getByRole("alertdialog").waitFor();
    await noOverflow("delete-dialog");
    await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("alertdialog").waitFor({ state: "detached" });
    await page.getByRole("listitem").first().waitFor(); // the dialog hid the rest of the page from the accessibility tree
    expect(await page.getByRole("list", { name: "Policy list" }).getByRole("listitem").count()).toBe(1);
    expect((await fakeCall<FakeState>(page, "snapshot")).names.map((n) => n.name)).toContain("REBAL_POLICY_Balanced_5_25");
  });

  test("preview -> exclude an order -> deposit -> write: the sheet holds the previewed orders", async () => {
    const page = h.page;
    const before = await fakeCall<FakeState>(page, "snapshot");
    await page.getByRole("button", { name: "Review trades for Balanced 5/25" }).click();
    const preview = page.getByRole("region", { name: "Trade preview for Balanced 5/25" });
    await preview.getByText("optimal (proven)").waitFor();
    await noOverflow("preview");
    // nothing written by previewing
    expect((await fakeCall<FakeState>(page, "snapshot")).sheets).toEqual(before.sheets);
    const include = preview.getByRole("checkbox", { name: /^Include SELL/ }).first();
    const label = (await include.getAttribute("aria-label"))!; // "Include SELL 123 VNQ"
    const excluded = label.split(" ").pop()!;
    await include.click();
    await preview.getByRole("checkbox", { name: `Include ${excluded} (excluded)` }).waitFor();
    await preview.getByLabel("Deposit or withdrawal").fill("25,000");
    await preview.getByRole("button", { name: "Update preview" }).click();
    await preview.getByText("Rebalance: excluded from this rebalance: " + excluded + "; deposit of 25,000.00 invested (buys only)").waitFor();
    const orders = (await preview.getByRole("checkbox", { name: /^Include (BUY|SELL) / }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")!)))
      .map((t) => t.replace(/^Include /, "").split(" "));
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every(([side]) => side === "BUY")).toBe(true); // a deposit: buys only
    await noOverflow("preview-deposit");
    await preview.getByRole("button", { name: "Write trade sheet" }).click();
    await page.getByText(/^Wrote "Trades \d{4}-\d{2}-\d{2}": \d+ orders?; optimal \(proven\)\./).waitFor();
    const after = await fakeCall<FakeState>(page, "snapshot");
    const added = after.sheets.filter((s) => !before.sheets.some((b) => b.name === s.name));
    expect(added).toHaveLength(1);
    const v = await fakeCall<unknown[][]>(page, "usedValues", added[0].name);
    const lines = v.slice(HEADER_ROW + 1, HEADER_ROW + 1 + 12);
    expect(lines.filter((r) => r[0] !== "HOLD").map((r) => [r[0], String(r[1]), r[2]])).toEqual(orders.map(([side, q, asset]) => [side, q.replace(/,/g, ""), asset]));
    expect(lines.find((r) => r[2] === excluded)![0]).toBe("HOLD");
    expect(v.flat()).toContain("optimal (proven)");
    // the policy now awaits execution, until its holdings change
    await page.getByText("Awaiting execution").waitFor();
    await noOverflow("after-write");
    await fakeCall(page, "edit", "Portfolio", "C3", [[310]], "Remote");
    await page.getByText("Awaiting execution").waitFor({ state: "detached" });
  });

  test("a policy that is not due: the preview says so and writing asks first", async () => {
    const page = h.page;
    await page.getByRole("button", { name: "New policy" }).click();
    await page.getByLabel(/^Policy name/).fill("Wide 25pt");
    await page.getByLabel(/^Tolerance band/).fill("25");
    await page.getByLabel("Holdings", { exact: true }).fill("Portfolio!B2:E14");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText('Saved policy "Wide 25pt".').waitFor();
    await page.getByRole("button", { name: "Review trades for Wide 25pt" }).click();
    const preview = page.getByRole("region", { name: "Trade preview for Wide 25pt" });
    await preview.getByText("Not due", { exact: true }).waitFor();
    const sheets = (await fakeCall<FakeState>(page, "snapshot")).sheets.length;
    await preview.getByRole("button", { name: "Write trade sheet" }).click();
    await preview.getByText(/This policy is not due .* Write a trade sheet anyway\?/).waitFor();
    await noOverflow("preview-not-due");
    expect((await fakeCall<FakeState>(page, "snapshot")).sheets.length).toBe(sheets);
    await preview.getByRole("button", { name: "Write anyway" }).click();
    await page.getByText(/^Wrote "Trades .*": 0 orders/).waitFor();
    expect((await fakeCall<FakeState>(page, "snapshot")).sheets.length).toBe(sheets + 1);
  });

  test("messages stay in their tab and can be dismissed; the Compare tab fits", async () => {
    const page = h.page;
    await page.getByText(/^Wrote "Trades/).waitFor();
    await page.getByRole("tab", { name: "Compare policies" }).click();
    await page.getByRole("region", { name: "Compare policies" }).or(page.getByRole("heading", { name: "Compare policies" })).first().waitFor();
    expect(await page.getByText(/^Wrote "Trades/).isVisible()).toBe(false);
    await noOverflow("compare");
    await page.getByRole("tab", { name: "Policies", exact: true }).click();
    await page.getByRole("button", { name: "Dismiss message" }).click();
    expect(await page.getByText(/^Wrote "Trades/).count()).toBe(0);
  });

  test("dark theme fits too; no console errors, page errors, CSP violations or outside requests", async () => {
    await h.page.evaluate(() => {
      (window as unknown as { Office: { context: Record<string, unknown> } }).Office.context.officeTheme = { isDarkTheme: true, bodyBackgroundColor: "#262626" };
      window.dispatchEvent(new Event("focus"));
    });
    await h.page.waitForFunction(() => getComputedStyle(document.querySelector("main")!.parentElement!).backgroundColor !== "rgb(255, 255, 255)");
    await noOverflow("list-dark");
    const csp = await h.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    expect({ console: h.consoleErrors, page: h.pageErrors, csp, failed: h.failedRequests, outside: h.blockedRequests })
      .toEqual({ console: [], page: [], csp: [], failed: [], outside: [] });
  });
});
