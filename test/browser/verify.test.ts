/**
 * End to end: the pane's "Verify workbook" (src/taskpane/Verify.tsx -> src/workbook/verify.ts) in
 * headless Chromium on the built pane, with the fake `Excel` holding a workbook recorded by `rebal
 * trades --record` (written here with the CLI's main(), its cells copied as Excel holds them). The
 * untouched workbook is intact, with the same chain head as `rebal verify`; a co-author's edit of a
 * trade cell is named by sheet and cell; the pane writes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import os from "os";
import path from "path";
import ExcelJS from "exceljs";
import { main } from "../../src/cli/main";
import { verifyWorkbook } from "../../src/cli/audit";
import { parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET, policyBlock } from "../../src/core/policyStore";
import { CellValue, FakeState, createFakeExcel } from "../support/fakeExcel";
import { Harness } from "./harness";

let h: Harness;
let dir: string;
let head = "";
let tradeSheet = "";
let initial: FakeState;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rebal-pane-verify-"));
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet("Holdings").addRows([["asset", "quantity", "price", "target"], ["AAA", 10, 100, 0.5], ["BBB", 300, 10, 0.5]]);
  wb.addWorksheet(POLICY_SHEET).addRows(policyBlock({ ...parsePolicy("band_abs=0.02").policy, name: "Core" }));
  const book = path.join(dir, "book.xlsx"), copy = path.join(dir, "copy.xlsx");
  writeFileSync(book, Buffer.from(await wb.xlsx.writeBuffer()));
  expect(await main(["trades", book, "--policy", "Core", "--cash", "1000", "--record", "--out", copy, "--quiet"], { stdout: () => {}, stderr: () => {} })).toBe(0);
  const recorded = new ExcelJS.Workbook();
  await recorded.xlsx.load(readFileSync(copy) as unknown as ArrayBuffer);
  head = verifyWorkbook(recorded).head;
  tradeSheet = recorded.worksheets.find((w) => w.name.startsWith("Trades "))!.name;
  const f = createFakeExcel({ active: "Holdings" });
  for (const ws of recorded.worksheets) {
    f.put(ws.name, "A1", [[""]]);
    const sheet = f.state.sheets.find((s) => s.name === ws.name)!;
    ws.eachRow((row, r) => row.eachCell((cell, c) => {
      if (cell.isMerged && cell.master.address !== cell.address) return;
      const v = cell.value;
      sheet.cells[`${r - 1},${c - 1}`] = v instanceof Date ? v.getTime() / 86_400_000 + 25569 : (v as CellValue);
      if (cell.numFmt) sheet.formats[`${r - 1},${c - 1}`] = cell.numFmt;
    }));
  }
  initial = f.snapshot();
  h = await Harness.start();
  await h.page.setViewportSize({ width: 420, height: 900 });
  await h.installFakeWorkbook(initial);
  await h.page.goto(`${h.origin}/taskpane.html`, { waitUntil: "load" });
  await h.page.getByRole("button", { name: "Verify workbook" }).waitFor({ timeout: 15_000 });
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const snapshot = () => h.page.evaluate(() => (window as unknown as { __fake: { snapshot(): FakeState } }).__fake.snapshot());

test("Verify workbook: intact with rebal verify's chain head; a changed cell named; nothing written", async () => {
  const button = h.page.getByRole("button", { name: "Verify workbook" });
  await h.page.waitForFunction(() => !(document.getElementById("verify-workbook") as HTMLButtonElement | null)?.disabled);
  await button.click();
  await h.page.getByText(`Workbook intact: 1 log row and their trade sheets match. Chain head ${head}.`).waitFor();
  await h.page.evaluate(([s]) => (window as unknown as { __fake: { edit(s: string, a: string, v: unknown[][], source?: string): void } }).__fake.edit(s, "B4", [[999]], "Remote"), [tradeSheet]);
  await button.click();
  await h.page.getByText(`Changed: sheet "${tradeSheet}" cell B4 changed since log row 2 recorded it`).waitFor();
  const after = await snapshot();
  const cells = (s: FakeState) => s.sheets.map((x) => [x.name, x.formats]);
  expect(cells(after)).toEqual(cells(initial));
});
