/**
 * `rebal orders` (issue 15, order export): orders from a trade sheet written by `rebal trades
 * --format xlsx` and from one in the pane's layout (core/tradeSheetLayout.ts values written cell by
 * cell, as the pane's renderModel does), as CSV and as FIX 4.4 NewOrderSingle messages read back by
 * a FIX reader written here (independent of the writer: tag order, SOH, BodyLength, CheckSum). They
 * must match the trades `rebal trades --format json` prints for the same input. Bad input and output
 * safety too. Runs main() in this process; files under a temporary folder.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { main } from "../../src/cli/main";
import { layoutTradeSheet } from "../../src/core/tradeSheetLayout";

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-orders-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

interface Run { code: number; stdout: string; stderr: string }
async function rebal(...args: string[]): Promise<Run> {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}
const tmp = (name: string) => path.join(dir, name);
const write = (name: string, text: string | Buffer) => { writeFileSync(tmp(name), text); return tmp(name); };

/** FIX tag=value reader (not the writer's code): fields in order, with header/trailer checks. */
function readFix(msg: string): Map<number, string> & { order: number[] } {
  const bytes = Buffer.from(msg, "utf8");
  const parts = msg.split("\x01");
  expect(parts.pop()).toBe(""); // ends with SOH
  const order: number[] = [];
  const m = new Map<number, string>() as Map<number, string> & { order: number[] };
  for (const p of parts) {
    const [, t, v] = /^(\d+)=(.+)$/s.exec(p) ?? [];
    expect(t).toBeDefined();
    order.push(Number(t));
    m.set(Number(t), v);
  }
  m.order = order;
  expect(order.slice(0, 3)).toEqual([8, 9, 35]);
  expect(order[order.length - 1]).toBe(10);
  const start = Buffer.byteLength(`8=${m.get(8)}\x019=${m.get(9)}\x01`);
  const end = bytes.length - Buffer.byteLength(`10=${m.get(10)}\x01`);
  expect(Number(m.get(9))).toBe(end - start);
  let sum = 0;
  for (let i = 0; i < end; i++) sum += bytes[i];
  expect(m.get(10)).toBe(String(sum % 256).padStart(3, "0"));
  return m;
}

const HOLDINGS = "asset,quantity,price,target\nAAA,10,100,0.4\n=BAD,0,50,0.3\nCCC,300,10,0.2\nDDD,40,25,0.1\nEEE,1,10,0\n";
const POLICY = "band_abs=0.02; min_trade=50"; // EEE's sale is below min_trade: a HOLD row

describe("rebal orders on a CLI-written trade sheet", () => {
  let book: string;
  let trades: { asset: string; trade: number; price: number }[];
  beforeAll(async () => {
    const h = write("h.csv", HOLDINGS);
    book = tmp("t.xlsx");
    expect((await rebal("trades", h, "--cash", "2000", "--policy", POLICY, "--out", book)).code).toBe(0);
    trades = JSON.parse((await rebal("trades", h, "--cash", "2000", "--policy", POLICY, "--format", "json")).stdout);
    expect(trades.some((t) => t.trade < 0) && trades.some((t) => t.trade > 0) && trades.some((t) => t.trade === 0)).toBe(true);
  });

  test("CSV: one order per non-zero trade, formula-like symbols neutralised, ids stable", async () => {
    const r = await rebal("orders", book);
    expect(r.code).toBe(0);
    const parsed = Papa.parse<string[]>(r.stdout.trim(), { header: false }).data;
    expect(parsed[0]).toEqual(["account", "symbol", "side", "quantity", "order_type", "limit_price", "time_in_force", "client_order_id"]);
    const body = parsed.slice(1);
    const want = trades.filter((t) => t.trade !== 0);
    expect(body.map((x) => [x[1], x[2], Number(x[3]), x[4], x[6]])).toEqual(
      want.map((t) => [t.asset.startsWith("=") ? `'${t.asset}` : t.asset, t.trade > 0 ? "BUY" : "SELL", Math.abs(t.trade), "MKT", "DAY"]));
    expect(new Set(body.map((x) => x[7])).size).toBe(body.length);
    expect((await rebal("orders", book)).stdout).toBe(r.stdout);
  });

  test("FIX limit orders parse back, match the trades, prices within the offset", async () => {
    const r = await rebal("orders", book, "--format", "fix", "--limit-bps", "25");
    expect(r.code).toBe(0);
    const msgs = r.stdout.split("\n").filter((l) => l !== "");
    const want = trades.filter((t) => t.trade !== 0);
    expect(msgs).toHaveLength(want.length);
    msgs.forEach((line, i) => {
      const m = readFix(line);
      const t = want[i];
      expect(m.order).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 55, 54, 60, 38, 40, 44, 59, 10]);
      expect([m.get(35), m.get(55), m.get(54), Number(m.get(38)), m.get(40), m.get(59), m.get(34)]).toEqual(["D", t.asset, t.trade > 0 ? "1" : "2", Math.abs(t.trade), "2", "0", String(i + 1)]);
      const px = Number(m.get(44)), bound = t.price * (1 + (t.trade > 0 ? 25 : -25) / 1e4);
      if (t.trade > 0) { expect(px).toBeGreaterThanOrEqual(t.price); expect(px).toBeLessThanOrEqual(bound + 1e-9); }
      else { expect(px).toBeLessThanOrEqual(t.price); expect(px).toBeGreaterThanOrEqual(bound - 1e-9); }
      expect(m.get(52)).toMatch(/^\d{8}-\d\d:\d\d:\d\d\.\d{3}$/);
    });
    const csvIds = Papa.parse<string[]>((await rebal("orders", book)).stdout.trim()).data.slice(1).map((x) => x[7]);
    expect(msgs.map((l) => readFix(l).get(11))).toEqual(csvIds);
  });

  test("--fix-separator | for reading; --out through the safe writer", async () => {
    const r = await rebal("orders", book, "--format", "fix", "--fix-separator", "|");
    expect(r.stdout.split("\n")[0]).toMatch(/^8=FIX\.4\.4\|9=\d+\|35=D\|.*\|10=\d{3}\|$/);
    const out = tmp("o.fix");
    expect((await rebal("orders", book, "--out", out)).code).toBe(0);
    expect(readFileSync(out, "utf8").split("\n")[0]).toMatch(/^8=FIX\.4\.4\x01/);
    const again = await rebal("orders", book, "--out", out);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already exists/);
    expect((await rebal("orders", book, "--out", book, "--force")).code).toBe(3);
    expect(existsSync(book)).toBe(true);
    expect((await rebal("orders", book, "--order-type", "MKT", "--limit-offset-bps", "5")).code).toBe(2);
  });
});

describe("rebal orders on a trades CSV", () => {
  test("the same orders as from the sheet; ids from the file's SHA-256; the CSV's formula guard undone for FIX", async () => {
    const h = write("hc.csv", HOLDINGS);
    const csv = tmp("trades.csv");
    expect((await rebal("trades", h, "--cash", "2000", "--policy", POLICY, "--out", csv)).code).toBe(0);
    const trades: { asset: string; trade: number }[] = JSON.parse((await rebal("trades", h, "--cash", "2000", "--policy", POLICY, "--format", "json")).stdout);
    const r = await rebal("orders", csv, "--format", "fix");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/not verified/);
    const msgs = r.stdout.split("\n").filter(Boolean).map(readFix);
    const want = trades.filter((t) => t.trade !== 0);
    expect(msgs.map((m) => [m.get(55), m.get(54), Number(m.get(38))])).toEqual(want.map((t) => [t.asset, t.trade > 0 ? "1" : "2", Math.abs(t.trade)]));
    const fileHash = createHash("sha256").update(readFileSync(csv)).digest("hex"); // the CSV's "inputs hash"; no generated time
    const key = createHash("sha256").update(`${fileHash}|`).digest("hex").slice(0, 12);
    expect(msgs[0].get(11)).toBe(`RB${key}-2`);
    const out = Papa.parse<string[]>((await rebal("orders", csv)).stdout.trim()).data;
    expect(out.slice(1).map((x) => x[1])).toContain("'=BAD"); // neutralised again in the orders CSV
    expect((await rebal("orders", write("notrades.csv", "asset,price\nA,1\n"))).stderr).toMatch(/not a trades CSV of rebal trades \(no trade column/);
  });
});

describe("rebal orders on a pane-layout sheet with accounts, and bad input", () => {
  test("accounts become tag 1 and the CSV's account column", async () => {
    const lines = [
      { account: "IRA-7", asset: "VTI", trade: 12, price: 250.5, weightBefore: 0.5, target: 0.6, weightAfter: 0.6, cost: 0, reason: "r" },
      { account: "TAX-2", asset: "BND", trade: -30, price: 72.1, weightBefore: 0.5, target: 0.4, weightAfter: 0.4, cost: 0, reason: "r" },
      { account: "TAX-2", asset: "CASHX", trade: 0, price: 1, weightBefore: 0, target: 0, weightAfter: 0, cost: 0, reason: "r" },
    ];
    const model = layoutTradeSheet(lines, { buys: 0, sells: 0, netCash: 0, costs: 0, turnover: 0, cashBefore: 0, cashAfter: 0 }, {
      policy: "Core", settings: "s", generated: 46360.25, version: "0.1.0", inputs: "Holdings!A1:D4", hash: "0f".repeat(32), decision: "Rebalance", optimality: "optimal (proven)",
    }, "Orders");
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Holdings").getCell("A1").value = "asset";
    const ws = wb.addWorksheet("Trades 2026-12-04");
    model.values.forEach((row, r) => row.forEach((v, c) => { if (v !== "") ws.getCell(r + 1, c + 1).value = v; }));
    const f = write("pane.xlsx", Buffer.from(await wb.xlsx.writeBuffer()));
    const csv = Papa.parse<string[]>((await rebal("orders", f)).stdout.trim()).data;
    expect(csv.slice(1).map((x) => x.slice(0, 4))).toEqual([["IRA-7", "VTI", "BUY", "12"], ["TAX-2", "BND", "SELL", "30"]]);
    const fix = (await rebal("orders", f, "--format", "fix", "--sender", "ADV", "--target", "PRIME", "--seq", "40")).stdout.split("\n").filter(Boolean).map(readFix);
    expect(fix.map((m) => [m.get(1), m.get(55), m.get(49), m.get(56), m.get(34), m.get(40)])).toEqual([["IRA-7", "VTI", "ADV", "PRIME", "40", "1"], ["TAX-2", "BND", "ADV", "PRIME", "41", "1"]]);
    expect(fix[0].order).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 1, 55, 54, 60, 38, 40, 59, 10]);
  });

  test("not a trade sheet, older format, missing column: exit 1 with a clear message", async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Holdings").addRows([["asset", "quantity"], ["A", 1]]);
    const notSheet = write("holdings.xlsx", Buffer.from(await wb.xlsx.writeBuffer()));
    let r = await rebal("orders", notSheet);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/holdings\.xlsx: sheet "Holdings" is not a Rebal trade sheet/)]);
    const old = new ExcelJS.Workbook();
    old.addWorksheet("Trades").addRows([["Rebal trade sheet"], ["Policy", "x"], [], ["Asset", "Side", "Quantity"]]);
    r = await rebal("orders", write("old.xlsx", Buffer.from(await old.xlsx.writeBuffer())));
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/older format/)]);
    const noQty = new ExcelJS.Workbook();
    noQty.addWorksheet("T").addRows([["Rebal trade sheet: X"], ["."], ["Side", "Qty", "Symbol", "Price"], ["BUY", 1, "A", 2]]);
    r = await rebal("orders", write("noqty.xlsx", Buffer.from(await noQty.xlsx.writeBuffer())));
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/no Quantity column/)]);
    r = await rebal("orders", write("h.txt", HOLDINGS));
    expect(r.code).toBe(2);
  });
});
