/**
 * `rebal` end to end: the CLI runs as a child process (bin/rebal.js, as `npx rebal` would) on files
 * written here; results are checked against the core engine (parsePolicy + planTrades) and one
 * hand-computed case. Also exit codes and messages, an .xlsx round trip with stored policies
 * (docs/policy-format.md), the trade-sheet .xlsx, batches in worker threads vs sequential, the demo.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import { displayText } from "../../src/core/tradeSheetLayout";
import { unzip } from "../support/zip";
import { parsePolicy } from "../../src/core/policy";
import { planTrades } from "../../src/core/trades";
import { policyBlock, readPolicySheet } from "../../src/core/policyStore";
import { calendarDue, utcToSerial } from "../../src/core/calendar";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "rebal.js");
let dir: string;

function rebal(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };

beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-cli-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

interface Row { account?: string; asset: string; quantity: number; price: number; target: number; trade: number; value: number; weight_before: number; weight_after: number; reason: string; side: string }

describe("rebal trades on a CSV", () => {
  test("hand-computed: 10 AAA @100 + 5,000 cash, 50/50 targets -> buy 20 AAA, 60 BBB (aliases ticker/shares/weight)", () => {
    const f = file("hand.csv", "ticker,shares,price,weight\nAAA,10,100,0.5\nBBB,0,50,0.5\n");
    const r = rebal("trades", f, "--cash", "5000", "--format", "json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => [x.asset, x.trade, x.side, x.value])).toEqual([["AAA", 20, "BUY", 2000], ["BBB", 60, "BUY", 3000]]);
    expect(rows[0].weight_before).toBeCloseTo(1000 / 6000, 12);
    expect(rows[0].weight_after).toBeCloseTo(0.5, 12);
    for (const x of rows) for (const k of ["asset", "quantity", "price", "target", "trade", "value", "weight_before", "weight_after", "reason"]) expect(x).toHaveProperty(k);
  });

  test("trades equal planTrades on the same book and policy", () => {
    const assets = ["A", "B", "C", "D", "E"], q = [120, 40, 0, 300, 75], p = [101.5, 48.2, 12.75, 9.99, 250], t = [0.3, 0.2, 0.1, 0.15, 0.2];
    const f = file("book.csv", "asset,quantity,price,target,sector\n" + assets.map((a, i) => `${a},${q[i]},${p[i]},${t[i]},x`).join("\n") + "\n");
    const policyText = "band_abs=0.05; band_rel=0.25; lot=5; min_trade=200; cost_bps=10; cash_reserve=0.01";
    const r = rebal("trades", f, "--cash", "5000", "--policy", policyText, "--format", "json");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    const plan = planTrades({ quantities: Float64Array.from(q), prices: Float64Array.from(p), targets: Float64Array.from(t), cash: 5000 }, parsePolicy(policyText).policy);
    expect(rows.map((x) => x.trade)).toEqual(Array.from(plan.trades, (x) => x + 0));
    rows.forEach((x, i) => {
      expect(x.weight_before).toBeCloseTo(plan.weightsBefore[i], 12);
      expect(x.weight_after).toBeCloseTo(plan.weightsAfter[i], 12);
    });
  });
});

describe("calendar policies: --asof, --last-rebalance and the stored rebalance log", () => {
  const cal = "name=Cal; trigger=calendar; frequency=quarterly; lot=0";
  const logged = utcToSerial(2026, 9, 1); // 2026-10-01, in the workbook's rebalance log (docs/policy-format.md)
  let book: string;
  let bare: string;
  beforeAll(async () => {
    const make = async (name: string, withLog: boolean) => {
      const wb = new ExcelJS.Workbook();
      const hs = wb.addWorksheet("Book");
      hs.addRow(["asset", "quantity", "price", "target"]);
      hs.addRow(["AAA", 100, 50, 0.5]);
      hs.addRow(["BBB", 10, 200, 0.5]);
      const ps = wb.addWorksheet("Rebal Policies");
      const block = policyBlock(parsePolicy(cal).policy);
      block.forEach((r) => ps.addRow(r));
      if (withLog) {
        ps.getCell("D1").value = "policy"; ps.getCell("E1").value = "last_rebalance"; ps.getCell("F1").value = "trade_sheet";
        ps.getCell("D2").value = "Cal"; ps.getCell("E2").value = logged; ps.getCell("F2").value = "Trades 2026-10-01";
      }
      wb.definedNames.add(`'Rebal Policies'!$A$1:$B$${block.length}`, "REBAL_POLICY_Cal");
      const f = path.join(dir, name);
      await wb.xlsx.writeFile(f);
      return f;
    };
    book = await make("cal.xlsx", true);
    bare = await make("cal-bare.xlsx", false);
  });
  const verdict = (r: { stdout: string }) => JSON.parse(r.stdout)[0].rebalance as boolean;

  test("the logged date decides, with REBAL.CHECK's calendar rule (core calendarDue)", () => {
    for (const [asof, serial] of [["2026-11-21", utcToSerial(2026, 10, 21)], ["2027-01-04", utcToSerial(2027, 0, 4)]] as const) {
      const r = rebal("check", book, "--sheet", "Book", "--policy", "Cal", "--asof", asof, "--format", "json");
      expect(r.code).toBe(0);
      expect(verdict(r)).toBe(calendarDue(serial, logged, "quarterly", "start"));
      expect(JSON.parse(r.stdout)[0].reason).toContain("last rebalance 2026-10-01");
    }
    // the two dates straddle the next scheduled date: one is due, the other not
    expect(calendarDue(utcToSerial(2026, 10, 21), logged, "quarterly", "start")).not.toBe(calendarDue(utcToSerial(2027, 0, 4), logged, "quarterly", "start"));
  });

  test("--last-rebalance overrides the log; no log means never rebalanced (due); bad dates are usage errors", () => {
    const over = rebal("check", book, "--sheet", "Book", "--policy", "Cal", "--asof", "2026-11-21", "--last-rebalance", "2026-06-15", "--format", "json");
    expect(verdict(over)).toBe(calendarDue(utcToSerial(2026, 10, 21), utcToSerial(2026, 5, 15), "quarterly", "start"));
    const none = rebal("check", bare, "--sheet", "Book", "--policy", "Cal", "--asof", "2026-11-21", "--format", "json");
    expect(none.code).toBe(0);
    expect(verdict(none)).toBe(true);
    const bad = rebal("check", book, "--sheet", "Book", "--policy", "Cal", "--asof", "soon");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--asof");
    const before = rebal("check", book, "--sheet", "Book", "--policy", "Cal", "--asof", "2026-09-01");
    expect(before.code).toBe(1);
    expect(before.stderr).toContain("before the last rebalance 2026-10-01");
  });

  test("trades follow the same decision: nothing traded when the calendar is not due", () => {
    const notDue = rebal("trades", book, "--sheet", "Book", "--policy", "Cal", "--asof", "2026-11-21", "--format", "json");
    const due = rebal("trades", book, "--sheet", "Book", "--policy", "Cal", "--asof", "2027-01-04", "--format", "json");
    expect((JSON.parse(notDue.stdout) as Row[]).every((x) => x.trade === 0)).toBe(true);
    expect((JSON.parse(due.stdout) as Row[]).some((x) => x.trade !== 0)).toBe(true);
  });
});

describe("errors: exit codes and messages", () => {
  test("a bad cell names the file, row and column; exit 1", () => {
    const f = file("bad.csv", "asset,quantity,price,target\nAAA,10,100,0.5\nBBB,5,abc,0.5\n");
    const r = rebal("trades", f, "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(f);
    expect(r.stderr).toContain('row 3, column C "price"');
    expect(r.stderr).toContain('"abc" is not a number');
  });
  test("a blank required cell and a missing column", () => {
    const f = file("blank.csv", "asset,quantity,price,target\nAAA,,100,0.5\n");
    expect(rebal("trades", f).stderr).toContain('row 2, column B "quantity" is blank');
    const g = file("nocol.csv", "asset,quantity,target\nAAA,1,0.5\n");
    const r = rebal("trades", g);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no "price" column');
  });
  test("an unknown policy key is named; exit 1", () => {
    const f = file("ok.csv", "asset,quantity,price,target\nAAA,10,100,0.5\n");
    const r = rebal("trades", f, "--policy", "band_abs=0.05; lots=3");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"lots"');
  });
  test("usage errors exit 2, missing files exit 3, --help exits 0 and documents the codes", () => {
    const f = file("ok2.csv", "asset,quantity,price,target\nAAA,10,100,0.5\n");
    expect(rebal("trades", f, "--bogus").code).toBe(2);
    expect(rebal("frobnicate").code).toBe(2);
    expect(rebal("trades", f, "--format", "xml").code).toBe(2);
    const missing = rebal("trades", path.join(dir, "nope.csv"));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("nope.csv: no such file");
    const help = rebal("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0\s+ok[\s\S]*1\s+bad input[\s\S]*2\s+usage/);
    expect(rebal("trades", "--help").stdout).toContain("--cash");
  });
});

describe("workbooks", () => {
  const core = "name=Core; trigger=threshold; band_abs=0.03; lot=1; min_trade=100; cost_bps=5";
  const other = "name=Other 60/40; mode=buy_only; lot=0";
  let book: string;
  beforeAll(async () => {
    const wb = new ExcelJS.Workbook();
    const hs = wb.addWorksheet("Book");
    hs.addRow(["Client holdings"]);
    hs.addRow([]);
    hs.addRow(["Symbol", "Qty", "Price", "Target", "Notes"]);
    hs.addRow(["AAA", 100, 50, 0.4, "x"]);
    hs.addRow(["BBB", 20, 210.5, 0.35, null]);
    hs.addRow(["CCC", 300, 8.25, 0.2, null]);
    hs.getCell("H1").value = 1234.5;
    const ps = wb.addWorksheet("Rebal Policies");
    const b1 = policyBlock(parsePolicy(core).policy), b2 = policyBlock(parsePolicy(other).policy);
    b1.forEach((r) => ps.addRow(r));
    ps.addRow([]);
    b2.forEach((r) => ps.addRow(r));
    wb.definedNames.add(`'Rebal Policies'!$A$1:$B$${b1.length}`, "REBAL_POLICY_Core");
    wb.definedNames.add(`'Rebal Policies'!$A$${b1.length + 2}:$B$${b1.length + 1 + b2.length}`, "REBAL_POLICY_Other_60_40");
    wb.definedNames.add("Book!$A$3:$E$6", "REBAL_BIND_Core_HOLDINGS");
    wb.definedNames.add("Book!$H$1", "REBAL_BIND_Core_CASH");
    book = path.join(dir, "book.xlsx");
    await wb.xlsx.writeFile(book);
  });
  const bookArrays = { quantities: Float64Array.from([100, 20, 300]), prices: Float64Array.from([50, 210.5, 8.25]), targets: Float64Array.from([0.4, 0.35, 0.2]) };

  test("--policy Core reads the stored policy and the bindings (holdings + cash); equals parsePolicy + planTrades", () => {
    const r = rebal("trades", book, "--policy", "Core", "--format", "json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    const plan = planTrades({ ...bookArrays, cash: 1234.5 }, parsePolicy(core).policy);
    expect(rows.map((x) => x.asset)).toEqual(["AAA", "BBB", "CCC"]);
    expect(rows.map((x) => x.trade)).toEqual(Array.from(plan.trades, (x) => x + 0));
    rows.forEach((x, i) => expect(x.weight_after).toBeCloseTo(plan.weightsAfter[i], 12));
  });

  test("a second stored policy by its name (header found on the sheet), --cash overrides; unknown names list the stored ones", () => {
    const r = rebal("trades", book, "--policy", "Other 60/40", "--cash", "20000", "--format", "json");
    expect(r.code).toBe(0);
    const plan = planTrades({ ...bookArrays, cash: 20000 }, parsePolicy(other).policy);
    const rows: Row[] = JSON.parse(r.stdout);
    rows.forEach((x, i) => expect(x.trade).toBeCloseTo(plan.trades[i], 8));
    const bad = rebal("trades", book, "--policy", "Nope");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Core");
    expect(bad.stderr).toContain("Other 60/40");
  });

  test("--format xlsx writes a trade sheet with totals, number formats and a stamp", async () => {
    const out = path.join(dir, "trades.xlsx");
    const r = rebal("trades", book, "--policy", "Core", "--format", "xlsx", "--out", out);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.getWorksheet("Trades")!;
    const text: string[] = [];
    ws.eachRow((row) => row.eachCell((c) => text.push(String(c.value))));
    expect(text).toEqual(expect.arrayContaining(["Symbol", "Side", "Quantity", "Order type", "Price", "Value", "Weight before", "Target", "Weight after", "Reason", "Buys", "Sells", "Turnover (smaller of buys and sells ÷ value)", "Rebal version", "0.1.0", "optimal (proven)"]));
    expect(text.some((s) => /^[0-9a-f]{64}$/.test(s))).toBe(true);
    let pctFormats = 0;
    ws.eachRow((row) => row.eachCell((c) => { if (c.numFmt === "0.00%") pctFormats++; }));
    expect(pctFormats).toBeGreaterThan(3);
    // the pane's layout (core/tradeSheetLayout.ts): an Excel table, frozen header, landscape one page wide
    // with the header row repeated, and no number wider than its column (Excel and LibreOffice show ### then)
    expect(ws.pageSetup).toMatchObject({ orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: "3:3" });
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 3 });
    const tables = unzip(readFileSync(out)).filter((e) => /^xl\/tables\/table\d+\.xml$/.test(e.name)).map((e) => e.data.toString("utf8"));
    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatch(/<table [^>]*name="Orders"[^>]*ref="A3:M\d+"/);
    const merged = (ws.model as { merges?: string[] }).merges ?? [];
    let numbers = 0;
    ws.eachRow((row) => row.eachCell((c, col) => {
      if (typeof c.value !== "number" || merged.some((m) => m.startsWith(`${c.address}:`))) return;
      numbers++;
      expect(displayText(c.value, c.numFmt || "General").length + 1).toBeLessThanOrEqual(ws.getColumn(col).width ?? 8.43);
    }));
    expect(numbers).toBeGreaterThan(20);
  });
});

describe("batches", () => {
  test("an account column: worker threads give exactly the sequential results, and match planTrades", () => {
    const lines = ["account,asset,quantity,price,target,cash"];
    let s = 11;
    const r01 = () => (s = (s * 16807) % 2147483647) / 2147483647;
    for (let a = 0; a < 120; a++) for (let i = 0; i < 4; i++) lines.push(`acct${a},X${i},${Math.floor(r01() * 300)},${(5 + r01() * 100).toFixed(2)},0.24,${i === 0 ? Math.floor(r01() * 5000) : ""}`);
    const f = file("batch.csv", lines.join("\n") + "\n");
    const seq = rebal("trades", f, "--format", "json", "--jobs", "1");
    const par = rebal("trades", f, "--format", "json", "--jobs", "2");
    expect(seq.code).toBe(0);
    expect(par.code).toBe(0);
    expect(par.stderr).toBe(""); // not a TTY: no progress bar
    expect(par.stdout).toBe(seq.stdout);
    const rows: Row[] = JSON.parse(par.stdout);
    expect(rows).toHaveLength(480);
    const acct7 = rows.filter((x) => x.account === "acct7");
    const cash7 = Number(lines[1 + 7 * 4].split(",")[5]);
    const plan = planTrades({ quantities: Float64Array.from(acct7, (x) => x.quantity), prices: Float64Array.from(acct7, (x) => x.price), targets: Float64Array.from(acct7, (x) => x.target), cash: cash7 }, parsePolicy("").policy);
    expect(acct7.map((x) => x.trade)).toEqual(Array.from(plan.trades, (x) => x + 0));
  });

  test("several files are several accounts; a bad account is reported and the others still trade (exit 1)", () => {
    const a = file("acctA.csv", "asset,quantity,price,target\nAAA,10,100,0.5\nBBB,0,50,0.5\n");
    const b = file("acctB.csv", "asset,quantity,price,target\nAAA,10,100,0.7\nBBB,0,50,0.5\n");
    const r = rebal("trades", a, b, "--cash", "5000", "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("account acctB");
    expect(r.stderr).toContain("targets sum to 1.2");
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows.map((x) => [x.account, x.asset, x.trade])).toEqual([["acctA", "AAA", 20], ["acctA", "BBB", 60]]);
  });
});

describe("demo (data/factors_dataset.csv.gz, bundled)", () => {
  test("rebal demo writes a readable workbook (holdings, prices, stored policy, formulas, trade sheet) that rebal reads back", async () => {
    const out = path.join(dir, "demo.xlsx");
    const r = rebal("demo", "--out", out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("MTUM");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Holdings", "Prices", "Rebal Policies", "Trades"]);
    const hs = wb.getWorksheet("Holdings")!;
    expect(hs.getRow(1).values).toEqual(expect.arrayContaining(["asset", "quantity", "price", "target"]));
    expect(String(hs.getCell("E2").formula ?? "")).toContain("REBAL.TRADES(");
    expect(String(hs.getCell("E2").formula)).toContain("REBAL_POLICY_Demo");
    const pol: unknown[][] = [];
    wb.getWorksheet("Rebal Policies")!.eachRow((row) => pol.push([row.getCell(1).value, row.getCell(2).value]));
    expect(readPolicySheet(pol).map((p) => p.name)).toEqual(["Demo"]);
    const names = (wb.definedNames.model as { name: string }[]).map((d) => d.name).sort();
    expect(names).toEqual(["REBAL_BIND_Demo_CASH", "REBAL_BIND_Demo_HOLDINGS", "REBAL_POLICY_Demo"]);
    const back = rebal("trades", out, "--format", "json");
    expect(back.code).toBe(0);
    const rows: Row[] = JSON.parse(back.stdout);
    // E2 holds the array formula (ref E2:E6) and its cached result; E3.. hold the cached values
    const cached = Array.from({ length: rows.length }, (_, i) => { const v = hs.getCell(`E${i + 2}`).value; return typeof v === "number" ? v : (v as { result: number }).result; });
    expect(hs.getCell("E2").value).toMatchObject({ shareType: "array", ref: `E2:E${rows.length + 1}` });
    expect(rows.map((x) => x.trade)).toEqual(cached);
    expect(readFileSync(out).length).toBeGreaterThan(10000);
  });
});
