/**
 * Tax lots on the command line (src/cli/lots.ts): `rebal trades --lots --asof` in every output
 * format, `rebal harvest --prices`, and bad lots -> exit 1 naming the lot row. Runs the real CLI
 * entry point (main) in-process on files in a temporary folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import { main } from "../../src/cli/main";

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-lots-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const file = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };
async function rebal(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

const BOOK = "asset,quantity,price,target\nAAA,25,150,0.2\nBBB,100,30,0.8\n";
// AAA sells 16 at 150: min_tax takes the loss lot (5), the long-term lot (10, held 366 days), then 1 of the 365-day lot (short-term)
const LOTS = "asset,acquired,quantity,cost,lot_id\nAAA,2025-12-04,10,1200,st-gain\nAAA,2025-12-03,10,1300,lt-gain\nAAA,2026-11-20,5,900,=HYPERLINK(\"x\")\nBBB,2020-01-02,100,2000,\n";

describe("rebal trades --lots", () => {
  test("JSON: trades, lot_sales and the tax fields", async () => {
    const r = await rebal("trades", file("book.csv", BOOK), "--lots", file("lots.csv", LOTS), "--asof", "2026-12-04", "--tax", "st_rate=0.4; lt_rate=0.2", "--format", "json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.trades.find((t: { asset: string }) => t.asset === "AAA").trade).toBe(-16);
    expect(out.lot_sales.map((s: { lot_id: unknown; quantity: number; term: string; gain: number }) => [s.lot_id, s.quantity, s.term, s.gain])).toEqual([
      ['=HYPERLINK("x")', 5, "ST", -150], ["lt-gain", 10, "LT", 200], ["st-gain", 1, "ST", 30],
    ]);
    expect(out.lot_sales[0].acquired).toBe("2026-11-20");
    // ST -120 offsets LT 200: 80 long-term at 20%
    expect(out.tax).toEqual({ quantity: 16, proceeds: 2400, basis: 2320, realized_st: -120, realized_lt: 200, gain: 80, est_tax: 16 });
    expect(out.tax_by_asset).toEqual([{ asset: "AAA", quantity: 16, proceeds: 2400, basis: 2320, realized_st: -120, realized_lt: 200, gain: 80, est_tax: 16 }]);
  });

  test("CSV: the sale list goes to FILE.lots.csv, formula-like text neutralised; never over an existing file", async () => {
    const out = path.join(dir, "t.csv");
    const r = await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04", "--tax", "lot_method=fifo", "--out", out);
    expect(r.code).toBe(0);
    const lots = readFileSync(path.join(dir, "t.lots.csv"), "utf8").trim().split("\n");
    expect(lots[0]).toBe("asset,lot_id,acquired,quantity,proceeds,basis,gain,term");
    expect(lots[1]).toBe("AAA,lt-gain,2025-12-03,10,1500,1300,200,LT");
    expect(lots[2]).toBe("AAA,st-gain,2025-12-04,6,900,720,180,ST");
    expect(lots.slice(3).map((l) => l.split(",")[0])).toEqual(["TOTAL", "TOTAL_ST", "TOTAL_LT", "EST_TAX"]);
    const again = await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04", "--out", path.join(dir, "u.csv"));
    expect(again.code).toBe(0);
    writeFileSync(path.join(dir, "v.lots.csv"), "keep");
    const refused = await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04", "--out", path.join(dir, "v.csv"));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/v\.lots\.csv: already exists/);
    expect(existsSync(path.join(dir, "v.csv"))).toBe(false);
    expect(readFileSync(path.join(dir, "v.lots.csv"), "utf8")).toBe("keep");
    const inject = readFileSync(path.join(dir, "u.lots.csv"), "utf8");
    expect(inject).toContain(`"'=HYPERLINK(""x"")"`);
    expect((await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--format", "csv")).code).toBe(2);
  });

  test("xlsx: a Lot sales sheet next to the trade sheet; table: a second table", async () => {
    const out = path.join(dir, "t.xlsx");
    const r = await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04", "--out", out);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.getWorksheet("Lot sales")!;
    expect(ws.getRow(1).values).toEqual([undefined, "asset", "lot_id", "acquired", "quantity", "proceeds", "basis", "gain", "term"]);
    expect(ws.getRow(3).values).toEqual([undefined, "AAA", "lt-gain", "2025-12-03", 10, 1500, 1300, 200, "LT"]);
    const t = await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04");
    expect(t.stdout).toMatch(/lot sales\nasset +lot_id/);
    expect(t.stdout).toMatch(/EST_TAX/);
  });

  test("lots in a workbook sheet (--lots-sheet)", async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Notes").addRow(["nothing here"]);
    const ws = wb.addWorksheet("Lots");
    ws.addRow(["Asset", "Acquired", "Qty", "Unit cost"]);
    ws.addRow(["AAA", new Date(Date.UTC(2020, 0, 2)), 25, 100]);
    ws.addRow(["BBB", "2020-01-02", 100, 20]);
    const f = path.join(dir, "lots.xlsx");
    await wb.xlsx.writeFile(f);
    for (const extra of [[], ["--lots-sheet", "Lots"]]) {
      const r = await rebal("trades", path.join(dir, "book.csv"), "--lots", f, "--asof", "2026-12-04", "--format", "json", ...extra);
      expect(r.stderr).toBe("");
      const out = JSON.parse(r.stdout);
      expect(out.lot_sales).toEqual([{ asset: "AAA", lot_id: 2, acquired: "2020-01-02", quantity: 16, proceeds: 2400, basis: 1600, gain: 800, term: "LT" }]);
    }
    expect((await rebal("trades", path.join(dir, "book.csv"), "--lots", f, "--lots-sheet", "Nope", "--asof", "2026-12-04")).stderr).toMatch(/no sheet "Nope"/);
    expect((await rebal("trades", path.join(dir, "book.csv"), "--lots", path.join(dir, "lots.csv"), "--lots-sheet", "Lots")).code).toBe(2);
  });

  test("batches: lots with an account column match each account's holdings", async () => {
    const book = file("batch.csv", "account,asset,quantity,price,target\nA,AAA,10,100,0\nA,BBB,10,100,1\nB,AAA,10,100,0.5\nB,BBB,10,100,0.5\n");
    const lots = file("batch-lots.csv", "account,asset,acquired,quantity,unit_cost\nA,AAA,2020-01-02,4,50\nA,AAA,2026-12-01,6,120\nA,BBB,2020-01-02,10,1\nB,AAA,2020-01-02,10,10\nB,BBB,2020-01-02,10,1\n");
    const r = await rebal("trades", book, "--lots", lots, "--asof", "2026-12-04", "--format", "json", "--jobs", "1");
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.lot_sales.map((s: { account: string; quantity: number; gain: number }) => [s.account, s.quantity, s.gain])).toEqual([["A", 6, -120], ["A", 4, 200]]);
    expect(out.tax_by_asset.map((a: { account: string; asset: string; gain: number }) => [a.account, a.asset, a.gain])).toEqual([["A", "AAA", 80]]);
  });

  test("bad lots: exit 1 naming the lot row (after asof, negative quantity or basis, not adding up, unknown asset)", async () => {
    const book = path.join(dir, "book.csv");
    const run = async (lots: string, asof = "2026-12-04") => rebal("trades", book, "--lots", file("bad.csv", lots), "--asof", asof);
    const head = "asset,acquired,quantity,cost\n";
    let r = await run(`${head}AAA,2020-01-02,25,100\nBBB,2020-01-02,100,1\n`, "2019-12-31");
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/bad\.csv row 2, column B "acquired": the lot of AAA is dated 2020-01-02, after asof 2019-12-31/)]);
    r = await run(`${head}AAA,2020-01-02,30,100\nAAA,2020-01-02,-5,100\nBBB,2020-01-02,100,1\n`);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/bad\.csv row 3, column C "quantity": a lot's quantity must be positive/)]);
    r = await run(`${head}AAA,2020-01-02,25,-100\nBBB,2020-01-02,100,1\n`);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/bad\.csv row 2, column D "cost": a cost basis must be 0 or more/)]);
    r = await run(`${head}AAA,2020-01-02,20,100\nBBB,2020-01-02,100,1\n`);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/the 1 lot of AAA \(from row 2\) add up to 20 but the holdings .* holds? 25/)]);
    r = await run(`${head}AAA,2020-01-02,25,100\nBBB,2020-01-02,100,1\nCCC,2020-01-02,1,1\n`);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/bad\.csv row 4: CCC is not in the holdings/)]);
    r = await rebal("trades", book, "--lots", path.join(dir, "lots.csv"), "--asof", "2026-12-04", "--tax", "max_gain=100");
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/max_gain .*not supported yet/)]);
    expect((await rebal("trades", book, "--tax", "lot_method=fifo")).code).toBe(2);
  });
});

describe("rebal harvest", () => {
  test("candidates from an asset | price file and from a price history, with the wash-sale flag", async () => {
    const prices = file("prices.csv", "asset,price\nAAA,110\nBBB,15\n");
    const r = await rebal("harvest", path.join(dir, "lots.csv"), "--prices", prices, "--asof", "2026-12-04", "--format", "json");
    expect(r.stderr).toBe("");
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { asset: string; loss: number; term: string; wash_sale: boolean }) => [x.asset, x.loss, x.term, x.wash_sale])).toEqual([
      ["BBB", 500, "LT", false], ["AAA", 350, "ST", false], ["AAA", 200, "LT", true], ["AAA", 100, "ST", true],
    ]);
    const hist = file("hist.csv", "date,AAA,BBB\n2026-12-01,120,14\n2026-12-02,110,\n");
    const h = await rebal("harvest", path.join(dir, "lots.csv"), "--prices", hist, "--asof", "2026-12-04", "--tax", "wash_days=13", "--format", "csv");
    expect(h.code).toBe(0);
    const lines = h.stdout.trim().split("\n");
    expect(lines[0]).toBe("asset,lot_id,quantity,loss,term,wash_sale,acquired,basis,value");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 6).join(","))).toEqual([
      "BBB,5,100,600,LT,false", `AAA,"'=HYPERLINK(""x"")",5,350,ST,false`, "AAA,lt-gain,10,200,LT,false", "AAA,st-gain,10,100,ST,false",
    ]);
  });
  test("--recent-buys decide the wash-sale flag instead of the lots' dates", async () => {
    const buys = file("buys.csv", "asset,date,quantity\nBBB,2026-11-04,3\nAAA,2026-11-03,1\n");
    const r = await rebal("harvest", path.join(dir, "lots.csv"), "--prices", path.join(dir, "prices.csv"), "--asof", "2026-12-04", "--recent-buys", buys, "--format", "json");
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).map((x: { asset: string; wash_sale: boolean }) => [x.asset, x.wash_sale])).toEqual([["BBB", true], ["AAA", false], ["AAA", false], ["AAA", false]]);
    const bad = await rebal("harvest", path.join(dir, "lots.csv"), "--prices", path.join(dir, "prices.csv"), "--recent-buys", file("b2.csv", "asset,date,quantity\nAAA,2026-13-01,1\n"));
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/b2\.csv row 2, column B.*no such day/)]);
  });
  test("usage and bad input", async () => {
    expect((await rebal("harvest", path.join(dir, "lots.csv"))).code).toBe(2);
    const r = await rebal("harvest", path.join(dir, "lots.csv"), "--prices", file("p2.csv", "asset,price\nAAA,1\n"), "--asof", "2026-12-04");
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/lots\.csv row 5: no price for BBB/)]);
  });
});
