/**
 * src/workbook/verify.ts against the in-memory fake workbook: a workbook recorded by `rebal trades
 * --record` (written here with the CLI's main()), its cells copied into the fake as Excel holds them
 * (date-times as serial numbers with their formats), verifies in "Excel" exactly as `rebal verify`
 * verifies the file; a changed cell, a typed-in formula and a deleted trade sheet are named.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import { main } from "../../src/cli/main";
import { verifyWorkbook } from "../../src/cli/audit";
import { parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET, policyBlock } from "../../src/core/policyStore";
import { verifyOpenWorkbook } from "../../src/workbook/verify";
import { CellValue, createFakeExcel, FakeExcel } from "../support/fakeExcel";

let dir: string;
let recorded: ExcelJS.Workbook;
let fake: FakeExcel;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rebal-wbverify-"));
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet("Holdings").addRows([["asset", "quantity", "price", "target"], ["AAA", 10, 100, 0.5], ["BBB", 300, 10, 0.5]]);
  wb.addWorksheet(POLICY_SHEET).addRows(policyBlock({ ...parsePolicy("band_abs=0.02").policy, name: "Core" }));
  const book = path.join(dir, "book.xlsx"), copy = path.join(dir, "copy.xlsx");
  writeFileSync(book, Buffer.from(await wb.xlsx.writeBuffer()));
  expect(await main(["trades", book, "--policy", "Core", "--cash", "1000", "--record", "--out", copy, "--quiet"], { stdout: () => {}, stderr: () => {} })).toBe(0);
  recorded = new ExcelJS.Workbook();
  await recorded.xlsx.load(readFileSync(copy) as unknown as ArrayBuffer);
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

beforeEach(() => {
  // the recorded workbook as Excel holds it: values (dates as serials), number formats, merges' top-left cells only
  fake = createFakeExcel({ active: "Holdings" });
  for (const ws of recorded.worksheets) {
    fake.put(ws.name, "A1", [[""]]);
    const sheet = fake.state.sheets.find((s) => s.name === ws.name)!;
    ws.eachRow((row, r) => row.eachCell((cell, c) => {
      if (cell.isMerged && cell.master.address !== cell.address) return;
      const v = cell.value;
      const value: CellValue = v instanceof Date ? v.getTime() / 86_400_000 + 25569 : (v as CellValue);
      sheet.cells[`${r - 1},${c - 1}`] = value;
      if (cell.numFmt) sheet.formats[`${r - 1},${c - 1}`] = cell.numFmt;
    }));
  }
  (globalThis as unknown as { Excel: unknown }).Excel = fake.Excel;
});
afterEach(() => { delete (globalThis as unknown as { Excel?: unknown }).Excel; });

const tradeSheet = () => recorded.worksheets.find((w) => w.name.startsWith("Trades "))!.name;

test("the recorded workbook verifies in Excel as rebal verify verifies the file", async () => {
  const inExcel = await verifyOpenWorkbook();
  expect(inExcel).toMatchObject({ intact: true, rows: 1 });
  expect(inExcel.head).toBe(verifyWorkbook(recorded).head);
});

test("a changed cell, a formula typed in, a deleted trade sheet", async () => {
  const name = tradeSheet();
  const s = fake.state.sheets.find((x) => x.name === name)!;
  s.cells["3,1"] = (s.cells["3,1"] as number) + 1;
  expect((await verifyOpenWorkbook()).problem).toBe(`sheet "${name}" cell B4 changed since log row 2 recorded it`);
  s.cells["3,1"] = (s.cells["3,1"] as number) - 1;
  s.formulas = { "3,5": "=B4*E4" };
  expect((await verifyOpenWorkbook()).problem).toBe(`sheet "${name}" cell F4 changed since log row 2 recorded it`);
  fake.state.sheets = fake.state.sheets.filter((x) => x !== s);
  expect((await verifyOpenWorkbook()).problem).toMatch(/is missing: deleted or renamed/);
});
