/**
 * core/auditChain.ts on cells built here: canonical tokens (a date-time reads the same as a Date or
 * as a serial with a date format), sheet digests and the index that names a changed cell (also when
 * rows are grouped to fit one Excel cell), and recordWrites + verifyChain on a log built from them:
 * independent of exceljs (test/cli/audit.test.ts covers the files).
 */
import { createHash } from "node:crypto";
import {
  AuditCell, CHAIN_FIRST_COLUMN, EXCEL_CELL_MAX_CHARS, GENESIS_HASH, HEAD_VALUE_COLUMN, LOG_FIRST_COLUMN, cellToken, locateChange, logRowHash,
  recordWrites, sheetDigest, verifyChain,
} from "../../src/core/auditChain";

const grid = (values: unknown[][]): AuditCell[][] => values.map((r) => r.map((value) => ({ value })));

describe("cell tokens", () => {
  test("types, and date-times read as Dates or as formatted serials agree to the second", () => {
    expect(cellToken({ value: "" })).toBeNull();
    expect(cellToken({ value: null })).toBeNull();
    expect(cellToken({ value: "BUY" })).toBe("s:BUY");
    expect(cellToken({ value: 0.1 + 0.2 })).toBe("n:0.3"); // 15 significant digits, as Excel and LibreOffice write numbers
    expect(cellToken({ value: 0.003217991940639986 })).toBe(cellToken({ value: 0.00321799194063999 }));
    expect(cellToken({ value: 19579.524999999998 })).toBe("n:19579.525");
    expect(cellToken({ value: 1.00000000000001 })).not.toBe(cellToken({ value: 1 }));
    expect(cellToken({ value: true })).toBe("b:TRUE");
    expect(cellToken({ value: { formula: "SUM(A1:A2)" } })).toBe("f:SUM(A1:A2)");
    const serial = 46360.5 + 17 / 86400; // 2026-12-04 12:00:17 UTC
    const t = "t:2026-12-04T12:00:17Z";
    expect(cellToken({ value: serial, format: "yyyy-mm-dd hh:mm:ss" })).toBe(t);
    expect(cellToken({ value: new Date(Date.UTC(2026, 11, 4, 12, 0, 17)) })).toBe(t);
    expect(cellToken({ value: serial, format: "0.00%" })).toBe(`n:${Number(serial.toPrecision(15))}`);
    expect(cellToken({ value: 5, format: '#,##0 "days"' })).toBe("n:5"); // quoted text is not a date code
  });
});

describe("sheet digests", () => {
  const cells = grid([["Rebal trade sheet: X", ""], ["", ""], ["Side", "Quantity"], ["BUY", 5], ["SELL", 3]]);
  test("sha256 is of the documented lines", () => {
    const lines = ["rebal-sheet/1", "A1\ts:Rebal trade sheet: X", "A3\ts:Side", "B3\ts:Quantity", "A4\ts:BUY", "B4\tn:5", "A5\ts:SELL", "B5\tn:3"];
    expect(sheetDigest(cells).sha256).toBe(createHash("sha256").update(lines.join("\n")).digest("hex"));
  });
  test("the index names one changed, added or cleared cell", () => {
    const { index } = sheetDigest(cells);
    const edit = (r: number, c: number, v: unknown) => { const g = cells.map((row) => row.map((x) => ({ ...x }))); while (g.length <= r) g.push([]); g[r][c] = { value: v }; return g; };
    expect(locateChange(edit(3, 1, 6), index)).toBe("cell B4");
    expect(locateChange(edit(4, 0, ""), index)).toBe("cell A5");
    expect(locateChange(edit(9, 4, "x"), index)).toBe("cell E10");
    expect(locateChange(cells, index)).toBeNull();
  });
  test("a sheet too tall for one cell's index groups rows and still names the column and rows", () => {
    const n = 5000;
    const big = grid(Array.from({ length: n }, (_, i) => ["BUY", i, `S${i}`]));
    const { index } = sheetDigest(big);
    expect(index.length).toBeLessThanOrEqual(EXCEL_CELL_MAX_CHARS);
    const k = Number(index.split("|")[1]);
    expect(k).toBeGreaterThan(1);
    big[4321][2] = { value: "changed" };
    const r0 = Math.floor(4321 / k) * k + 1;
    expect(locateChange(big, index)).toBe(`column C, rows ${r0}-${r0 + k - 1}`);
  });
});

describe("recordWrites and verifyChain", () => {
  const tradeSheet = (q: number) => grid([["Rebal trade sheet: P"], [""], ["Side", "Quantity"], ["BUY", q], [""], ["Inputs SHA-256", "", "", "ab".repeat(32)]]);
  const sheets = new Map<string, AuditCell[][]>([["T1", tradeSheet(1)], ["T2", tradeSheet(2)]]);
  const apply = (cells: AuditCell[][], writes: ReturnType<typeof recordWrites>) => {
    const out = cells.map((r) => r.slice());
    for (const w of writes) { while (out.length <= w.r) out.push([]); while (out[w.r].length <= w.c) out[w.r].push({ value: null }); out[w.r][w.c] = { value: w.value, format: w.format }; }
    return out;
  };
  const fields = (policy: string, sheet: string) => {
    const d = sheetDigest(sheets.get(sheet)!);
    return {
      policy: { value: policy }, lastRebalance: { value: 46360, format: "yyyy-mm-dd" }, tradeSheet: { value: sheet }, status: { value: "prepared" },
      inputsSha256: { value: "ab".repeat(32) }, sheetSha256: { value: d.sha256 }, sheetIndex: { value: d.index },
    };
  };
  const header = (): AuditCell[][] => grid([["name", "A", "", "policy", "last_rebalance", "trade_sheet"]]);
  const verify = (cells: AuditCell[][]) => verifyChain({ policySheet: cells, policySheetName: "Rebal Policies", sheet: (n) => sheets.get(n) ?? null });

  test("two rows chain from the genesis hash; an update in place re-links the next row", () => {
    let log = apply(header(), recordWrites(header(), 1, fields("A", "T1")));
    log = apply(log, recordWrites(log, 2, fields("B", "T2")));
    const v = verify(log);
    expect(v).toMatchObject({ intact: true, rows: 2 });
    expect(log[1][LOG_FIRST_COLUMN + 7].value).toBe(GENESIS_HASH);
    expect(log[2][LOG_FIRST_COLUMN + 7].value).toBe(log[1][LOG_FIRST_COLUMN + 8].value);
    expect(log[0][HEAD_VALUE_COLUMN].value).toBe(log[2][LOG_FIRST_COLUMN + 8].value);
    expect(log[0][CHAIN_FIRST_COLUMN].value).toBe("status");
    const rowHash = logRowHash({ ...fields("A", "T1"), prevHash: { value: GENESIS_HASH } });
    expect(log[1][LOG_FIRST_COLUMN + 8].value).toBe(rowHash);
    sheets.set("T3", tradeSheet(3));
    const updated = apply(log, recordWrites(log, 1, fields("A", "T3")));
    expect(verify(updated)).toMatchObject({ intact: true, rows: 2 });
    expect(updated[2][LOG_FIRST_COLUMN + 7].value).toBe(updated[1][LOG_FIRST_COLUMN + 8].value);
    // rows written before the trail are notes, not failures, when they come first
    const legacy = grid([["name", "A", "", "policy", "last_rebalance", "trade_sheet"], ["", "", "", "Old", 46000, "Trades old"]]);
    const withLegacy = apply(legacy, recordWrites(legacy, 2, fields("A", "T1")));
    const lv = verify(withLegacy);
    expect(lv.intact).toBe(true);
    expect(lv.notes[0]).toMatch(/log row 2 \(Old\) has no hash/);
  });

  test("a changed trade cell, a changed field, a missing sheet", () => {
    let log = apply(header(), recordWrites(header(), 1, fields("A", "T1")));
    log = apply(log, recordWrites(log, 2, fields("B", "T2")));
    sheets.set("T2", tradeSheet(20));
    expect(verify(log).problem).toBe('sheet "T2" cell B4 changed since log row 3 recorded it');
    sheets.set("T2", tradeSheet(2));
    const f = log.map((r) => r.slice());
    f[1][LOG_FIRST_COLUMN + 3] = { value: "approved" };
    expect(verify(f).problem).toMatch(/^log row 2: its fields .* no longer match its hash/);
    sheets.delete("T1");
    expect(verify(log).problem).toBe('trade sheet "T1" of log row 2 is missing: deleted or renamed since it was recorded');
  });
});
