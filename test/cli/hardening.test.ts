/**
 * Issue 11: the command line and its inputs, hardened. Each input of the issue (test/fixtures/cli,
 * copied from the cases) gives the right numbers or a clear error; outputs never replace an
 * input or an existing file without --force and never appear half-written; formula-like text is
 * neutralised in CSV; hostile .xlsx files (zip bombs, lying or damaged entries) are refused before
 * exceljs inflates them; options are honoured or refused. Most runs call the CLI's main() in this
 * process (the same code as bin/rebal.js, with its exit code and messages); the cases also
 * run through the real launcher as a child process (no stack trace, documented exit codes).
 * Everything is written under a temporary folder.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { main } from "../../src/cli/main";
import { bombSheet, unzip, zip } from "../support/zip";
import { rng, randomWalk } from "../support/priceWalk";
import { serialToISO } from "../../src/core/calendar";
import { parsePolicy } from "../../src/core/policy";
import { planTrades } from "../../src/core/trades";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "rebal.js");
const CASES = path.join(ROOT, "test", "fixtures", "cli");
let dir: string;

interface Run { code: number; stdout: string; stderr: string }
async function rebal(...args: string[]): Promise<Run> {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}
function spawnRebal(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 120000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const tmp = (name: string) => path.join(dir, name);
const write = (name: string, text: string | Buffer) => { writeFileSync(tmp(name), text); return tmp(name); };
const copyCase = (name: string) => { copyFileSync(path.join(CASES, name), tmp(name)); return tmp(name); };
const bytes = (f: string) => readFileSync(f);
const noNonFinite = (s: string) => expect(s).not.toMatch(/NaN|Infinity|\bnull\b/);

beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-hard-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

async function demoBook(name: string): Promise<string> {
  const f = tmp(name);
  const r = await rebal("demo", "--out", f);
  expect(r.code).toBe(0);
  return f;
}

describe("output safety (issue 11, build 1)", () => {
  test("--out naming the input workbook is refused, even with --force, and the workbook is unchanged (also through a symlink and a hard link)", async () => {
    const book = await demoBook("book.xlsx");
    const before = bytes(book);
    symlinkSync(book, tmp("book-link.xlsx"));
    linkSync(book, tmp("book-hard.xlsx"));
    for (const out of [book, tmp("book-link.xlsx"), tmp("book-hard.xlsx")]) {
      for (const force of [[], ["--force"]]) {
        const r = await rebal("trades", book, "--policy", "Demo", "--out", out, ...force);
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/refusing to write over an input \(even with --force\)/);
        expect(r.stderr).toContain(out);
      }
    }
    expect(bytes(book).equals(before)).toBe(true);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(book);
    expect(wb.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(["Holdings", "Prices", "Rebal Policies"]));
  });

  test("the --policies workbook and a CSV input are inputs too", async () => {
    const book = await demoBook("pol.xlsx");
    const csv = copyCase("good.csv");
    const before = bytes(book), csvBefore = bytes(csv);
    expect((await rebal("trades", csv, "--policy", "Demo", "--policies", book, "--out", book, "--force")).code).toBe(3);
    expect((await rebal("trades", csv, "--out", csv, "--force")).code).toBe(3);
    expect(bytes(book).equals(before)).toBe(true);
    expect(bytes(csv).equals(csvBefore)).toBe(true);
  });

  test("an existing --out is kept unless --force; with --force it is replaced; no temporary file is left behind", async () => {
    const csv = copyCase("good.csv");
    const out = write("existing.csv", "keep me\n");
    const r = await rebal("trades", csv, "--out", out);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/already exists; refusing to overwrite it \(add --force to replace it\)/);
    expect(readFileSync(out, "utf8")).toBe("keep me\n");
    const f = await rebal("trades", csv, "--out", out, "--force");
    expect(f.code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^asset,side,quantity,price/);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  test("the format follows the extension; --format that disagrees is a usage error; unknown extensions need --format", async () => {
    const csv = copyCase("good.csv");
    expect((await rebal("trades", csv, "--out", tmp("t.csv"))).code).toBe(0);
    expect(readFileSync(tmp("t.csv"), "utf8").split("\n")[0]).toBe("asset,side,quantity,price,target,trade,value,quantity_after,weight_before,weight_after,destination,cost,optimality_gap,reason");
    expect((await rebal("trades", csv, "--out", tmp("t.json"))).code).toBe(0);
    expect(JSON.parse(readFileSync(tmp("t.json"), "utf8"))[0].asset).toBe("VTI");
    expect((await rebal("trades", csv, "--out", tmp("t.xlsx"))).code).toBe(0);
    expect(readFileSync(tmp("t.xlsx")).subarray(0, 2).toString()).toBe("PK");
    const bad = await rebal("trades", csv, "--out", tmp("u.csv"), "--format", "json");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is a \.csv file but --format is json/);
    expect(existsSync(tmp("u.csv"))).toBe(false);
    const unknown = await rebal("trades", csv, "--out", tmp("u.md"));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/cannot tell the format/);
    expect((await rebal("trades", csv, "--out", tmp("u.md"), "--format", "table")).code).toBe(0);
  });

  test("rebal demo: only an .xlsx name, never over an existing file without --force", async () => {
    const r = await rebal("demo", "--out", tmp("demo.csv"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/use a name ending in \.xlsx/);
    expect(existsSync(tmp("demo.csv"))).toBe(false);
    const f = write("taken.xlsx", "mine");
    expect((await rebal("demo", "--out", f)).code).toBe(3);
    expect(readFileSync(f, "utf8")).toBe("mine");
    expect((await rebal("demo", "--out", f, "--force")).code).toBe(0);
    expect(statSync(f).size).toBeGreaterThan(1000);
  });

  test("a write that fails leaves nothing: a missing folder is exit 3 and no file appears", async () => {
    const csv = copyCase("good.csv");
    const out = path.join(dir, "no-such-folder", "t.csv");
    const r = await rebal("trades", csv, "--out", out);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/does not exist/);
  });
});

describe("the planner's optimality gap in every trade output", () => {
  test("JSON and CSV rows carry optimality_gap (planTrades' optimalityGap); the xlsx totals name it", async () => {
    const csv = write("gap.csv", "asset,quantity,price,target\nAAA,13,97.3,0.3\nBBB,7,251.9,0.3\nCCC,40,12.35,0.4\n");
    const policy = "lot=1; min_trade=50; cost_bps=10";
    const j = await rebal("trades", csv, "--cash", "777", "--policy", policy, "--format", "json");
    expect(j.code).toBe(0);
    const plan = planTrades({ quantities: Float64Array.from([13, 7, 40]), prices: Float64Array.from([97.3, 251.9, 12.35]), targets: Float64Array.from([0.3, 0.3, 0.4]), cash: 777 }, parsePolicy(policy).policy);
    const rows = JSON.parse(j.stdout) as { optimality_gap: number }[];
    expect(rows.map((r) => r.optimality_gap)).toEqual([0, 1, 2].map(() => Number(plan.optimalityGap.toPrecision(15))));
    const c = await rebal("trades", csv, "--cash", "777", "--policy", policy, "--format", "csv");
    const parsed = Papa.parse<Record<string, string>>(c.stdout.trim(), { header: true }).data;
    expect(parsed.map((r) => Number(r.optimality_gap))).toEqual(rows.map((r) => r.optimality_gap));
    const out = tmp("gap.xlsx");
    expect((await rebal("trades", csv, "--cash", "777", "--policy", policy, "--out", out)).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    let found: unknown = undefined;
    // the totals block: the label (merged over the columns left of Value), the number in the Value column
    wb.worksheets[0].eachRow((row) => { if (String(row.getCell(1).value).startsWith("Optimality gap")) found = row.getCell(6).value; });
    expect(found).toBe(rows[0].optimality_gap);
  });
});

describe("numbers read strictly (build 2)", () => {
  const json = (r: Run) => JSON.parse(r.stdout) as { asset: string; quantity: number; price: number; target: number; value: number }[];

  test("european_pct.csv (; delimiter, 250,5, 60%): detected decimal comma, exact values", async () => {
    const r = await rebal("trades", copyCase("european_pct.csv"), "--cash", "1000", "--format", "json");
    expect(r.code).toBe(0);
    expect(json(r).map((x) => [x.asset, x.quantity, x.price, x.target])).toEqual([["VTI", 100, 250.5, 0.6], ["BND", 200, 72.1, 0.4]]);
  });

  test.each([
    ["comma_decimal_qty.csv", /row 2, column B "1,5" reads only with a decimal comma, row 2, column C "250\.5" only with a decimal point/],
    ["de_thousands.csv", /row 2, column B "1\.234,50" reads only with a decimal comma, row 2, column C "250\.5" only with a decimal point/],
    ["comma_price2.csv", /row 2, column C "25,05" reads only with a decimal comma, row 2, column D "0\.6" only with a decimal point/],
  ])("%s: mixed decimal marks are an error naming both cells (exit 1)", async (name, msg) => {
    const r = await rebal("trades", copyCase(name), "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(name);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toMatch(/--decimal/);
    expect(r.stdout).toBe("");
  });

  test("--decimal decides: a cell that does not fit is named with what it would be under the other mark", async () => {
    const r = await rebal("trades", copyCase("de_thousands.csv"), "--decimal", ",", "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/row 2, column C "price": "250\.5" is not a number with the decimal comma "," \(it would be 250\.5 with the decimal point\)/);
    const de = write("de.csv", "asset;quantity;price;target\nVTI;\"1.234,50\";250,5;60%\nBND;200;72,1;0,4\n");
    const ok = await rebal("trades", de, "--format", "json");
    expect(ok.code).toBe(0);
    expect(json(ok).map((x) => [x.quantity, x.price, x.target])).toEqual([[1234.5, 250.5, 0.6], [200, 72.1, 0.4]]);
    const dot = await rebal("trades", copyCase("comma_decimal_qty.csv"), "--decimal", ".");
    expect(dot.code).toBe(1);
    expect(dot.stderr).toMatch(/row 2, column B "quantity": "1,5" is not a number with the decimal point "\." \(it would be 1\.5 with the decimal comma\)/);
  });

  test("a cell that reads two ways with no other evidence is an error, not a guess; thousands separators still read", async () => {
    const amb = write("amb.csv", "asset;quantity;price;target\nVTI;1.234;250;60%\nBND;200;72;40%\n");
    const r = await rebal("trades", amb);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/row 2, column B "quantity": "1\.234" could be 1\.234 \(decimal point\) or 1234 \(decimal comma\)/);
    const th = write("th.csv", 'asset,quantity,price,target\nVTI,"1,234",250.5,0.6\nBND,200,"$1,072.10",40%\n');
    const ok = await rebal("trades", th, "--format", "json");
    expect(ok.code).toBe(0);
    expect(json(ok).map((x) => [x.quantity, x.price, x.target])).toEqual([[1234, 250.5, 0.6], [200, 1072.1, 0.4]]);
  });

  test("an unquoted decimal comma in a comma-delimited file splits a number: an error naming the row, not shifted columns", async () => {
    const f = write("split.csv", "asset,quantity,price,target\nVTI,100,250,5,0.6\nBND,200,72.1,0.4\n");
    const r = await rebal("trades", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/split\.csv row 2, column E: 5 fields but the header row has 4/);
  });

  test.each([["big_qty.csv", "B", "quantity"], ["big_price.csv", "C", "price"]])("%s (1e308): exit 1 naming the cell, in trades and check; no NaN anywhere", async (name, col, header) => {
    const f = copyCase(name);
    for (const cmd of ["trades", "check"]) {
      for (const fmt of cmd === "trades" ? ["json", "csv", "table"] : ["json", "table"]) {
        const r = await rebal(cmd, f, "--format", fmt);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`${name} row 2, column ${col} "${header}": 1.0000e+308 is beyond the largest amount`);
        expect(r.stdout).toBe("");
      }
    }
    expect((await rebal("trades", f, "--out", tmp(`${name}.xlsx`))).code).toBe(1);
    expect(existsSync(tmp(`${name}.xlsx`))).toBe(false);
  });

  test("a value that overflows float64, and a book whose total passes the limit, are errors naming them", async () => {
    const inf = write("inf.csv", "asset,quantity,price,target\nVTI,1e999,250.5,0.6\nBND,200,72.1,0.4\n");
    const r = await rebal("trades", inf);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inf\.csv row 2, column B "quantity": "1e999" is too large to compute with/);
    const total = write("total.csv", "asset,quantity,price,target\nVTI,1000000,5000000000,0.6\nBND,1000000,5000000000,0.4\n");
    const t = await rebal("trades", total);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/total\.csv: the book's total value \(positions \+ cash\) 1\.0000e\+16 is beyond the largest amount/);
  });

  test("float noise is not written: values and weights are rounded to 15 significant digits", async () => {
    const r = await rebal("trades", copyCase("good.csv"), "--cash", "1000", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(",1730.4,");
    expect(r.stdout).not.toMatch(/\d{16,}/);
  });

  test("--cash -5000 is a negative number, not an ambiguous option", async () => {
    const r = await rebal("trades", copyCase("good.csv"), "--cash", "-5000", "--format", "json");
    expect(r.stderr).not.toMatch(/ambiguous/);
    expect(r.code).not.toBe(2);
  });

  test("empty.csv and header_only.csv say what is missing, in Rebal's words", async () => {
    const e = await rebal("trades", copyCase("empty.csv"));
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/empty\.csv: the file is empty \(expected a header row, then one row per holding\)/);
    expect(e.stderr).not.toMatch(/auto-detect/i);
    const h = await rebal("trades", copyCase("header_only.csv"));
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/header_only\.csv has a header row but no holdings/);
  });
});

describe("dates read strictly (build 2)", () => {
  test.each(["2026-02-31", "2026-13-45", "2026-2-3", "20260203", "46000"])("--asof %s is refused (exit 2), never rolled over", async (d) => {
    const r = await rebal("check", copyCase("good.csv"), "--policy", "trigger=calendar; frequency=quarterly", "--asof", d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--asof/);
  });

  test("baddate.csv: the row dated 2014-01-32 is named (row 22, column A), exit 1; real dates still backtest", async () => {
    const f = copyCase("baddate.csv");
    const r = await rebal("backtest", f, "--targets", "MTUM=0.5, USMV=0.5");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/baddate\.csv row 22, column A \(date\): 2014-01-32 is not a date \(no such day\)/);
    const lines = readFileSync(f, "utf8").split(/\r?\n/).filter((l) => l && !l.startsWith("2014-01-32"));
    const ok = await rebal("backtest", write("gooddates.csv", lines.join("\n") + "\n"), "--targets", "MTUM=0.5, USMV=0.5", "--format", "json");
    expect(ok.code).toBe(0);
    noNonFinite(ok.stdout);
  });

  test("dates must increase", async () => {
    const f = write("order.csv", "date,A,B\n2024-01-02,10,20\n2024-01-04,11,21\n2024-01-03,12,22\n");
    const r = await rebal("backtest", f, "--targets", "0.5, 0.5");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/order\.csv row 4, column A \(date\): 2024-01-03 is not after the previous row's 2024-01-04/);
  });
});

describe("formula injection in CSV output (build 3)", () => {
  test.each(["inject2.csv", "inject_quoted.csv"])("%s: every text cell starting with = + - @ tab or CR gets a ' prefix; numbers (negative trades) stay numbers", async (name) => {
    const r = await rebal("trades", copyCase(name), "--format", "csv");
    expect(r.code).toBe(0);
    const rows = Papa.parse<string[]>(r.stdout.trim()).data;
    const header = rows[0];
    const assets = rows.slice(1).map((x) => x[0]);
    expect(assets.every((a) => a.startsWith("'"))).toBe(true);
    for (const row of rows.slice(1)) {
      row.forEach((cell, j) => {
        if (/^[=+\-@\t\r]/.test(cell)) expect(Number.isFinite(Number(cell))).toBe(true);
        if (header[j] === "trade" && cell.startsWith("-")) expect(Number(cell)).toBeLessThan(0);
      });
    }
    if (name === "inject2.csv") expect(assets).toEqual(["'=1+2", "'@SUM(1)", "'+1+1", "'-2+3", "'=3+4"]);
    else expect(assets).toEqual(["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(1)"]);
    // the xlsx writer stores text as text (no formula cells)
    const out = tmp(`${name}.xlsx`);
    expect((await rebal("trades", copyCase(name), "--out", out)).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    wb.worksheets[0].eachRow((row) => row.eachCell((c) => expect(c.formula).toBeUndefined()));
  });

  test("backtest and optimize CSV metrics are neutralised too (asset names from a price header)", async () => {
    const f = write("inj-prices.csv", "date,=A1,B\n2024-01-02,10,20\n2024-01-03,11,21\n2024-01-04,12,19\n2024-01-05,11,22\n");
    const r = await rebal("optimize", f, "--objective", "equal", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[1]).toBe(`"'=A1",0.5`);
  });
});

describe("hostile .xlsx files (build 3)", () => {
  let base: { name: string; data: Buffer }[];
  beforeAll(async () => { base = unzip(readFileSync(await demoBook("base.xlsx"))); });
  const withSheet1 = (e: Partial<Parameters<typeof zip>[0][number]>) => zip(base.map((x) => (x.name === "xl/worksheets/sheet1.xml" ? { name: x.name, ...e } : x)));

  test("a zip bomb (about 400 MiB inflated, as the issue's make_bomb.py builds) is refused from its directory before inflating: exit 1 naming the limit, in seconds", () => {
    const e = base.find((x) => x.name === "xl/worksheets/sheet1.xml")!;
    // declared size of the bomb; the body is the real sheet (the check must not need to inflate it)
    const f = write("bomb400.xlsx", withSheet1({ data: e.data, declaredSize: 401 * 2 ** 20 }));
    const t0 = Date.now();
    const r = spawnRebal("trades", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bomb400\.xlsx: its contents declare 401\.\d MiB, more than the limit of 200 MiB uncompressed .*--max-input-mib/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - t0).toBeLessThan(30000);
  });

  test("a real 24 MiB bomb: refused under --max-input-mib 16, and its cells counted under --max-cells", async () => {
    const f = write("bomb24.xlsx", withSheet1({ raw: bombSheet(24) }));
    const r = await rebal("trades", f, "--max-input-mib", "16");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/more than the limit of 16 MiB uncompressed/);
    const c = await rebal("trades", f, "--max-cells", "100000");
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/more than the limit of 100,000 cells and rows .*--max-cells/);
  });

  test("an entry that inflates beyond its declared size stops at the cap; a damaged entry fails its CRC", async () => {
    const liar = bombSheet(8);
    const f = write("liar.xlsx", withSheet1({ raw: liar, declaredSize: 4096 }));
    const r = await rebal("trades", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/liar\.xlsx: not a readable \.xlsx workbook \(entry xl\/worksheets\/sheet1\.xml inflates to more than its declared 4096 bytes\)/);
    const e = base.find((x) => x.name === "xl/worksheets/sheet1.xml")!;
    const g = write("crc.xlsx", withSheet1({ data: e.data, declaredCrc: 12345 }));
    const d = await rebal("trades", g);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/crc\.xlsx: not a readable \.xlsx workbook \(entry xl\/worksheets\/sheet1\.xml is damaged/);
  });

  test("a truncated workbook and a file that is not a zip are exit 1, not a crash", async () => {
    const good = readFileSync(tmp("base.xlsx"));
    for (const [name, data] of [["cut.xlsx", good.subarray(0, good.length >> 1)], ["text.xlsx", Buffer.from("asset,quantity\n")]] as const) {
      const r = await rebal("trades", write(name, data));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${name.replace(".", "\\.")}: not a readable \\.xlsx workbook`));
    }
  });

  test("within the limits the demo workbook still reads (the check passes honest files)", async () => {
    const r = await rebal("trades", tmp("base.xlsx"), "--policy", "Demo", "--format", "json");
    expect(r.code).toBe(0);
    noNonFinite(r.stdout);
  });
});

describe("every option honoured or refused (build 5)", () => {
  let prices: string;
  beforeAll(() => {
    const n = 20, T = 300;
    const { dates, prices: p } = randomWalk(T, n, rng(11), { base: 50, span: 100, vol: 0.03, market: 0.01 });
    const names = Array.from({ length: n }, (_, i) => `S${i + 1}`);
    const lines = [["date", ...names].join(",")];
    for (let t = 0; t < T; t++) lines.push([serialToISO(dates[t]), ...Array.from({ length: n }, (_, i) => p[t * n + i].toFixed(4))].join(","));
    prices = write("prices20.csv", lines.join("\n") + "\n");
  });
  const weights = (r: Run) => (JSON.parse(r.stdout) as { name: string; value: number }[]).filter((x) => /^S\d+$/.test(x.name)).map((x) => x.value);

  test.each(["hrp", "equal", "inverse_variance", "risk_parity"])("%s does not take max_weight: exit 1 naming it and the objectives that do", async (obj) => {
    const r = await rebal("optimize", prices, "--objective", obj, "--options", "max_weight=0.05", "--format", "json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`objective ${obj} does not use max_weight .*objectives that do: min_volatility, max_sharpe`));
  });

  test("max_weight is applied where accepted (every weight <= 6%), and an infeasible one names the limit", async () => {
    const r = await rebal("optimize", prices, "--objective", "min_volatility", "--options", "max_weight=0.06", "--format", "json");
    expect(r.code).toBe(0);
    const w = weights(r);
    expect(w).toHaveLength(20);
    expect(Math.max(...w)).toBeLessThanOrEqual(0.06 + 1e-12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const bad = await rebal("optimize", prices, "--objective", "min_volatility", "--options", "max_weight=0.01");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/max_weight 0\.01 x 20 assets: the upper bounds sum to 0\.2, below the budget 1/);
  });

  test("options an objective or estimator would ignore are refused: target_return for min_volatility, span without ema", async () => {
    const t = await rebal("optimize", prices, "--objective", "min_volatility", "--options", "target_return=0.1");
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/does not use target_return.*efficient_return/);
    const s = await rebal("optimize", prices, "--options", "span=100");
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/span is used only by --returns ema and --cov exp_cov/);
    expect((await rebal("optimize", prices, "--returns", "ema", "--options", "span=100", "--format", "json")).code).toBe(0);
    expect((await rebal("optimize", prices, "--objective", "nope")).code).toBe(2);
  });

  test("trades: --sheet on CSV inputs, --policies without a stored policy name and --force without --out are usage errors", async () => {
    const csv = copyCase("good.csv");
    expect((await rebal("trades", csv, "--sheet", "Holdings")).stderr).toMatch(/--sheet applies to \.xlsx inputs only/);
    expect((await rebal("trades", csv, "--policies", tmp("base.xlsx"), "--policy", "lot=1")).code).toBe(2);
    expect((await rebal("trades", csv, "--force")).code).toBe(2);
    const w = await rebal("trades", csv, "--asof", "2026-01-05");
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/warning: --asof is not used: policy \(defaults\) has no calendar/);
  });
});

describe("the issue's cases through the real launcher (bin/rebal.js)", () => {
  const expected: Record<string, [number, RegExp]> = {
    "good.csv": [0, /^$/],
    "european_pct.csv": [0, /^$/],
    "comma_decimal_qty.csv": [1, /row 2, column B "1,5"/],
    "de_thousands.csv": [1, /row 2, column B "1\.234,50"/],
    "comma_price2.csv": [1, /row 2, column C "25,05"/],
    "big_qty.csv": [1, /row 2, column B "quantity"/],
    "big_price.csv": [1, /row 2, column C "price"/],
    "inject2.csv": [0, /^$/],
    "inject_quoted.csv": [0, /^$/],
    "empty.csv": [1, /the file is empty/],
    "header_only.csv": [1, /header row but no holdings/],
  };
  test.each(Object.keys(expected))("%s", (name) => {
    const [code, msg] = expected[name];
    const r = spawnRebal("trades", copyCase(name), "--cash", "1000", "--format", "csv");
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    noNonFinite(r.stdout);
  });
});
