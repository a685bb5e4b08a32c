/**
 * The rebalance log's hash chain (issue 15; core/auditChain.ts, cli/audit.ts): `rebal trades
 * book.xlsx --record --out copy.xlsx` writes trade sheets and hashed log rows into a copy; `rebal
 * verify` passes on it and on an untouched exceljs round trip, and on every tamper case — any cell of
 * the orders table, the totals or the stamp, any log field, a cleared (deleted) or reordered log row,
 * the last row deleted, a deleted or renamed trade sheet — exits 1 naming the sheet and cell (or the
 * log row). Runs main() in this process; files under a temporary folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import { main } from "../../src/cli/main";
import { verifyWorkbook } from "../../src/cli/audit";
import { parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET, policyBlock } from "../../src/core/policyStore";
import { isTradeSheet } from "../../src/core/tradeSheetRead";

let dir: string;
interface Run { code: number; stdout: string; stderr: string }
async function rebal(...args: string[]): Promise<Run> {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}
const tmp = (name: string) => path.join(dir, name);
const load = async (file: string) => { const wb = new ExcelJS.Workbook(); await wb.xlsx.load(readFileSync(file) as unknown as ArrayBuffer); return wb; };
const save = async (wb: ExcelJS.Workbook, name: string) => { const f = tmp(name); writeFileSync(f, Buffer.from(await wb.xlsx.writeBuffer())); return f; };
/** Saves and re-reads (what a tamperer's file is), then verifies in this process. */
const verifyAfterSave = async (wb: ExcelJS.Workbook) => {
  const again = new ExcelJS.Workbook();
  await again.xlsx.load(await wb.xlsx.writeBuffer());
  return verifyWorkbook(again);
};

let good: string;
let goodWb: ExcelJS.Workbook;
let tradeSheets: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rebal-audit-"));
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet("Holdings").addRows([["asset", "quantity", "price", "target"], ["AAA", 10, 100, 0.4], ["=BAD", 0, 50, 0.3], ["CCC", 300, 10, 0.2], ["DDD", 40, 25, 0.1]]);
  const ps = wb.addWorksheet(POLICY_SHEET);
  ps.addRows([...policyBlock({ ...parsePolicy("band_abs=0.02").policy, name: "Core" }), [], ...policyBlock({ ...parsePolicy("band_abs=0.01; lot=5").policy, name: "Calm" })]);
  const book = await save(wb, "book.xlsx");
  // Core, then Calm, then Core again (its row updated in place; Calm's row re-linked)
  expect(await rebal("trades", book, "--policy", "Core", "--cash", "2000", "--record", "--out", tmp("c1.xlsx"))).toMatchObject({ code: 0 });
  expect(await rebal("trades", tmp("c1.xlsx"), "--policy", "Calm", "--cash", "2000", "--record", "--out", tmp("c2.xlsx"))).toMatchObject({ code: 0 });
  const r = await rebal("trades", tmp("c2.xlsx"), "--policy", "Core", "--cash", "9000", "--record", "--out", tmp("c3.xlsx"));
  expect(r).toMatchObject({ code: 0 });
  good = tmp("c3.xlsx");
  goodWb = await load(good);
  tradeSheets = goodWb.worksheets.filter((ws) => isTradeSheet(ws.getSheetValues().slice(1).map((row) => (Array.isArray(row) ? row.slice(1) : [])))).map((ws) => ws.name);
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe("record and verify", () => {
  test("the recorded copy verifies; the input book is untouched; the log has one hashed row per policy", async () => {
    expect(tradeSheets).toHaveLength(3);
    const v = await rebal("verify", good);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/intact \(2 log rows and their trade sheets; chain head [0-9a-f]{64}\)/);
    const ps = goodWb.getWorksheet(POLICY_SHEET)!;
    expect([ps.getCell("D1").value, ps.getCell("F1").value, ps.getCell("G1").value, ps.getCell("L1").value, ps.getCell("M1").value]).toEqual(["policy", "trade_sheet", "status", "hash", "chain_head"]);
    expect([ps.getCell("D2").value, ps.getCell("D3").value, ps.getCell("G2").value]).toEqual(["Core", "Calm", "prepared"]);
    expect(ps.getCell("F2").value).toBe(tradeSheets[2]); // Core's row names its latest sheet
    const book = await load(tmp("book.xlsx"));
    expect(book.worksheets.map((w) => w.name)).toEqual(["Holdings", POLICY_SHEET]);
    // the stored date is what the rebalance log reader reads (rebal trades uses it for calendars)
    expect((await rebal("check", good, "--policy", "Core")).code).toBe(0);
  });

  test("an untouched workbook saved again by exceljs still verifies", async () => {
    const f = await save(await load(good), "roundtrip.xlsx");
    expect((await rebal("verify", f)).code).toBe(0);
  });

  test("orders from a recorded sheet (several trade sheets: --sheet chooses)", async () => {
    expect((await rebal("orders", good)).stderr).toMatch(/holds 3 trade sheets/);
    const r = await rebal("orders", good, "--sheet", tradeSheets[2], "--format", "fix");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/verified against the rebalance log/);
    // the first Core sheet was superseded in the log: exported, said to be unverified
    expect((await rebal("orders", good, "--sheet", tradeSheets[0])).stderr).toMatch(/not in a hash-chained rebalance log: not verified/);
  });
});

describe("tampering is detected and named", () => {
  const sheetCase = async (sheet: string, address: string, value: ExcelJS.CellValue) => {
    const wb = await load(good);
    wb.getWorksheet(sheet)!.getCell(address).value = value;
    return verifyAfterSave(wb);
  };

  test("every cell of the latest trade sheet: the table, the totals, the stamp", async () => {
    const name = tradeSheets[2];
    const ws = goodWb.getWorksheet(name)!;
    let checked = 0;
    for (let r = 3; r <= ws.rowCount; r++) {
      for (let c = 1; c <= 14; c++) {
        const cell = ws.getCell(r, c);
        if (cell.isMerged && cell.master.address !== cell.address) continue;
        const v = cell.value;
        if (v === null || v === undefined) continue;
        const changed = typeof v === "number" ? v + 1 : v instanceof Date ? new Date(v.getTime() + 60_000) : `${String(v)}x`;
        const res = await sheetCase(name, cell.address, changed);
        expect(res.intact).toBe(false);
        if (ws.getCell(r, 1).value === "Inputs SHA-256" && c > 1) expect(res.problem).toBe(`sheet "${name}" cell ${cell.address} (Inputs SHA-256) no longer matches log row 2: the stamp was changed`);
        else expect(res.problem).toBe(`sheet "${name}" cell ${cell.address} changed since log row 2 recorded it`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  test("a cell added to a trade sheet, and a formula put in", async () => {
    expect((await sheetCase(tradeSheets[1], "P40", "note")).problem).toBe(`sheet "${tradeSheets[1]}" cell P40 changed since log row 3 recorded it`);
    expect((await sheetCase(tradeSheets[1], "B4", { formula: "1+1", result: 2 } as ExcelJS.CellValue)).problem).toMatch(/cell B4 changed/);
  });

  test("every log field of every row", async () => {
    for (const row of [2, 3]) {
      for (const col of ["D", "E", "F", "G", "H", "I", "J", "K", "L"]) {
        const wb = await load(good);
        const cell = wb.getWorksheet(POLICY_SHEET)!.getCell(`${col}${row}`);
        const v = cell.value;
        cell.value = v instanceof Date ? new Date(v.getTime() + 86_400_000) : typeof v === "number" ? v + 1 : `${String(v).slice(0, -1)}${String(v).endsWith("0") ? "1" : "0"}`;
        const res = await verifyAfterSave(wb);
        expect(res.intact).toBe(false);
        expect(res.problem).toMatch(new RegExp(`log row ${row}|log row ${row - 1}|chain head`));
        if (col !== "K" && col !== "L") expect(res.problem).toBe(`log row ${row}: its fields (${POLICY_SHEET} D${row}:L${row}) no longer match its hash: a log field was changed`);
      }
    }
  });

  test("a log row cleared (deleted), the rows reordered, the last row deleted, the head changed", async () => {
    const edit = async (f: (ps: ExcelJS.Worksheet) => void) => { const wb = await load(good); f(wb.getWorksheet(POLICY_SHEET)!); return verifyAfterSave(wb); };
    const cols = ["D", "E", "F", "G", "H", "I", "J", "K", "L"];
    const first = await edit((ps) => cols.forEach((c) => { ps.getCell(`${c}2`).value = null; }));
    expect(first.problem).toBe(`log row 3: prev_hash (${POLICY_SHEET} K3) is not the chain's start: an earlier log row was deleted or the rows were reordered`);
    const swapped = await edit((ps) => cols.forEach((c) => { const a = ps.getCell(`${c}2`).value; ps.getCell(`${c}2`).value = ps.getCell(`${c}3`).value; ps.getCell(`${c}3`).value = a; }));
    expect(swapped.problem).toMatch(/^log row 2: prev_hash .* is not the chain's start/);
    const last = await edit((ps) => cols.forEach((c) => { ps.getCell(`${c}3`).value = null; }));
    expect(last.problem).toBe(`the chain head (${POLICY_SHEET} N1) is not the hash of the last log row 2: a log row was deleted at the end, or the head was changed`);
    const head = await edit((ps) => { ps.getCell("N1").value = "0".repeat(64); });
    expect(head.problem).toMatch(/the chain head/);
  });

  test("a trade sheet deleted or renamed", async () => {
    let wb = await load(good);
    wb.removeWorksheet(wb.getWorksheet(tradeSheets[1])!.id);
    expect((await verifyAfterSave(wb)).problem).toBe(`trade sheet "${tradeSheets[1]}" of log row 3 is missing: deleted or renamed since it was recorded`);
    wb = await load(good);
    wb.getWorksheet(tradeSheets[2])!.name = "Renamed";
    expect((await verifyAfterSave(wb)).problem).toMatch(new RegExp(`trade sheet "${tradeSheets[2].replace(/[()]/g, "\\$&")}" of log row 2 is missing`));
  });

  test("through the CLI: exit 1 naming the cell; --record refuses a changed book and writes nothing", async () => {
    const wb = await load(good);
    wb.getWorksheet(tradeSheets[2])!.getCell("B4").value = 999;
    const bad = await save(wb, "bad.xlsx");
    const v = await rebal("verify", bad);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`changed: sheet "${tradeSheets[2]}" cell B4 changed since log row 2 recorded it`);
    const o = await rebal("orders", bad, "--sheet", tradeSheets[1]);
    expect([o.code, o.stdout]).toEqual([1, ""]);
    expect(o.stderr).toMatch(/does not verify \(sheet .* cell B4 changed .*\): no orders exported/);
    const r = await rebal("trades", bad, "--policy", "Calm", "--record", "--out", tmp("never.xlsx"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not verify/);
    expect(existsSync(tmp("never.xlsx"))).toBe(false);
  });
});

describe("bad input", () => {
  test("no log, no hashes, not an xlsx, --record misuse", async () => {
    const v = await rebal("verify", tmp("book.xlsx"));
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/cannot verify: Rebal Policies G1:L1 is not the hash chain's header/);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("X").getCell("A1").value = 1;
    expect((await rebal("verify", await save(wb, "nolog.xlsx"))).stderr).toMatch(/no sheet "Rebal Policies"/);
    expect((await rebal("verify", tmp("x.csv"))).code).toBe(2);
    expect((await rebal("trades", good, "--policy", "band_abs=0.1", "--record", "--out", tmp("n.xlsx"))).code).toBe(2);
    expect((await rebal("trades", good, "--policy", "Core", "--record")).code).toBe(2);
  });
});
