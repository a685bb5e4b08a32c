/**
 * Orders and FIX 4.4 messages (core/orders.ts, core/fixMessage.ts, core/tradeSheetRead.ts) checked
 * by a FIX reader written here, independently of the writer: it splits on SOH, checks the tag order
 * of the standard header (8, 9, 35 first) and the trailer (10 last), counts BodyLength from the byte
 * after the 9= field's SOH to the SOH before 10=, and sums every byte before 10= modulo 256.
 * SHA-256 (core/sha256.ts) is checked against node:crypto.
 */
import { createHash, randomBytes } from "node:crypto";
import { sha256Bytes, sha256Hex } from "../../src/core/sha256";
import { encodeFixMessage, fixUtcTimestamp } from "../../src/core/fixMessage";
import { clientOrderId, limitPrice, orderCsvRows, orderFixMessages, ordersOf } from "../../src/core/orders";
import { readTradeSheet } from "../../src/core/tradeSheetRead";
import { OrderLine, SheetStamp, SheetTotals, layoutTradeSheet } from "../../src/core/tradeSheetLayout";

// ---------------------------------------------------------------- an independent FIX reader
interface Parsed { fields: [number, string][]; get: (tag: number) => string | undefined }
function readFix(msg: string): Parsed {
  const bytes = Buffer.from(msg, "utf8");
  expect(bytes[bytes.length - 1]).toBe(1); // every field, the last too, ends with SOH
  const parts = msg.slice(0, -1).split("\x01");
  const fields = parts.map((p): [number, string] => {
    const eq = p.indexOf("=");
    expect(eq).toBeGreaterThan(0);
    expect(p.slice(0, eq)).toMatch(/^[1-9]\d*$/);
    return [Number(p.slice(0, eq)), p.slice(eq + 1)];
  });
  expect(fields.slice(0, 3).map((f) => f[0])).toEqual([8, 9, 35]);
  expect(fields[0][1]).toBe("FIX.4.4");
  expect(fields[fields.length - 1][0]).toBe(10);
  // BodyLength: bytes after "9=nnn<SOH>" up to and including the SOH before "10="
  const afterLength = Buffer.from(`8=${fields[0][1]}\x019=${fields[1][1]}\x01`, "utf8").length;
  const trailerAt = bytes.lastIndexOf(Buffer.from("\x0110=", "utf8")) + 1;
  expect(Number(fields[1][1])).toBe(trailerAt - afterLength);
  let sum = 0;
  for (let i = 0; i < trailerAt; i++) sum += bytes[i];
  expect(fields[fields.length - 1][1]).toMatch(/^\d{3}$/);
  expect(Number(fields[fields.length - 1][1])).toBe(sum % 256);
  const tags = fields.map((f) => f[0]);
  expect(new Set(tags).size).toBe(tags.length); // no repeated tag in a NewOrderSingle
  return { fields, get: (t) => fields.find((f) => f[0] === t)?.[1] };
}

describe("sha256", () => {
  test("equals node:crypto on the FIPS examples and random inputs of every length around the block size", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (let n = 0; n < 200; n++) {
      const b = randomBytes(n);
      expect(Buffer.from(sha256Bytes(b)).toString("hex")).toBe(createHash("sha256").update(b).digest("hex"));
    }
    const text = "Zürich 60/40 — ¥€ " + "x".repeat(1000);
    expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
  });
});

describe("FIX 4.4 encoding", () => {
  test("a hand-checked message: BodyLength and CheckSum", () => {
    // body "35=0<SOH>" is 5 bytes
    const m = encodeFixMessage("0", []);
    expect(m).toMatch(/^8=FIX\.4\.4\x019=5\x0135=0\x0110=\d{3}\x01$/);
    readFix(m);
  });
  test("values with SOH are refused (FIX has no escape)", () => {
    expect(() => encodeFixMessage("D", [[55, "A\x01B"]])).toThrow(/SOH/);
  });
  test("UTCTimestamp", () => {
    expect(fixUtcTimestamp(new Date(Date.UTC(2026, 11, 4, 3, 5, 9, 7)))).toBe("20261204-03:05:09.007");
  });
});

const stamp = (hash: string): SheetStamp => ({
  policy: "Core", settings: "s", generated: 46360.5, version: "0.1.0", inputs: "h.csv", hash, decision: "Rebalance: breach", optimality: "optimal (proven)",
});
const totals: SheetTotals = { buys: 1, sells: 1, netCash: 0, costs: 0, turnover: 0, cashBefore: 0, cashAfter: 0 };
const line = (asset: string, trade: number, price: number, account?: string): OrderLine => ({
  asset, trade, price, weightBefore: 0.2, target: 0.25, weightAfter: 0.25, cost: 0, reason: "r", ...(account !== undefined ? { account } : {}),
});
const HASH = "ab".repeat(32);

describe("orders from a trade sheet's cells", () => {
  const lines = [line("AAA", 25, 100.07, "ACC-1"), line("=cmd", -10, 0.5123, "ACC-1"), line("HLD", 0, 10, "ACC-2"), line("CCC", 2.5, 20, "ACC-2")];
  const model = layoutTradeSheet(lines, totals, stamp(HASH), "Orders");
  const sheet = readTradeSheet(model.values, "Trades");

  test("the sheet reads back as written: every line, the stamp's hash and time", () => {
    expect(sheet.lines.map((l) => [l.side, l.quantity, l.symbol, l.account, l.price])).toEqual([
      ["BUY", 25, "AAA", "ACC-1", 100.07], ["SELL", 10, "=cmd", "ACC-1", 0.5123], ["HOLD", 0, "HLD", "ACC-2", 10], ["BUY", 2.5, "CCC", "ACC-2", 20],
    ]);
    expect(sheet.inputsHash).toBe(HASH);
    expect(sheet.generated).toBe(46360.5);
  });

  test("market orders: HOLD gives none; ids unique, stable, derived from the hash, time and row", () => {
    const a = ordersOf(sheet, { orderType: "MKT", limitOffsetBps: 0 });
    expect(a.map((o) => [o.symbol, o.side, o.quantity, o.account])).toEqual([["AAA", "BUY", 25, "ACC-1"], ["=cmd", "SELL", 10, "ACC-1"], ["CCC", "BUY", 2.5, "ACC-2"]]);
    expect(new Set(a.map((o) => o.clOrdId)).size).toBe(3);
    expect(ordersOf(readTradeSheet(model.values, "Renamed"), { orderType: "MKT", limitOffsetBps: 0 }).map((o) => o.clOrdId)).toEqual(a.map((o) => o.clOrdId));
    const other = readTradeSheet(layoutTradeSheet(lines, totals, stamp("cd".repeat(32)), "Orders").values, "Trades");
    const b = ordersOf(other, { orderType: "MKT", limitOffsetBps: 0 });
    for (const o of b) expect(a.map((x) => x.clOrdId)).not.toContain(o.clOrdId);
    const expectId = "RB" + createHash("sha256").update(`${HASH}|2026-12-04T12:00:00Z`).digest("hex").slice(0, 12) + "-" + a[0].row;
    expect(a[0].clOrdId).toBe(expectId);
    expect(a[0].row).toBe(4); // the first line under the header on row 3
    expect(clientOrderId(HASH, 46360.5, 4)).toBe(expectId);
  });

  test("limit prices: buys above, sells below, on the tick, never beyond the offset", () => {
    expect(limitPrice("BUY", 100.07, 0)).toBe(100.07);
    expect(limitPrice("BUY", 100, 25)).toBe(100.25);
    expect(limitPrice("BUY", 50, 25)).toBe(50.12); // 50.125 rounded towards the price
    expect(limitPrice("SELL", 50, 25)).toBe(49.88); // 49.875 up
    expect(limitPrice("SELL", 0.5123, 10)).toBe(0.5118); // sub-dollar: $0.0001 tick (0.51178… up)
    for (let k = 0; k < 500; k++) {
      const p = Math.round((0.5 + k * 1.37) * 100) / 100, bps = k % 60;
      const b = limitPrice("BUY", p, bps), s = limitPrice("SELL", p, bps);
      expect(b).toBeGreaterThanOrEqual(p - 1e-9);
      expect(b).toBeLessThanOrEqual(p * (1 + bps / 1e4) + 1e-9);
      expect(s).toBeLessThanOrEqual(p + 1e-9);
      expect(s).toBeGreaterThanOrEqual(p * (1 - bps / 1e4) - 1e-9);
    }
  });

  test("FIX NewOrderSingles parse back and match the orders", () => {
    const orders = ordersOf(sheet, { orderType: "LMT", limitOffsetBps: 20 });
    const time = new Date(Date.UTC(2026, 11, 4, 9, 30, 0, 0));
    const msgs = orderFixMessages(orders, { senderCompId: "REBAL", targetCompId: "BROKER", firstSeqNum: 7, time });
    expect(msgs).toHaveLength(orders.length);
    msgs.forEach((m, i) => {
      const p = readFix(m);
      const o = orders[i];
      expect(p.fields.map((f) => f[0])).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 1, 55, 54, 60, 38, 40, 44, 59, 10]);
      expect(p.get(35)).toBe("D");
      expect(p.get(34)).toBe(String(7 + i));
      expect(p.get(11)).toBe(o.clOrdId);
      expect(p.get(1)).toBe(o.account);
      expect(p.get(55)).toBe(o.symbol);
      expect(p.get(54)).toBe(o.side === "BUY" ? "1" : "2");
      expect(Number(p.get(38))).toBe(o.quantity);
      expect(p.get(40)).toBe("2");
      expect(Number(p.get(44))).toBe(o.limitPrice);
      expect(p.get(59)).toBe("0");
      expect(p.get(60)).toBe("20261204-09:30:00.000");
    });
    // market, no account: no 1, no 44
    const plain = readTradeSheet(layoutTradeSheet([line("AAA", 3, 10)], totals, stamp(HASH), "Orders").values, "T");
    const [m] = orderFixMessages(ordersOf(plain, { orderType: "MKT", limitOffsetBps: 0 }), { senderCompId: "S", targetCompId: "T", firstSeqNum: 1, time });
    const p = readFix(m);
    expect(p.fields.map((f) => f[0])).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 55, 54, 60, 38, 40, 59, 10]);
    expect(p.get(40)).toBe("1");
  });

  test("CSV rows", () => {
    const rows = orderCsvRows(ordersOf(sheet, { orderType: "LMT", limitOffsetBps: 0 }));
    expect(rows[0]).toEqual(["ACC-1", "AAA", "BUY", 25, "LMT", 100.07, "DAY", expect.stringMatching(/^RB[0-9a-f]{12}-\d+$/)]);
  });

  test("bad sheets: not a trade sheet, older format, missing columns, a bad cell", () => {
    expect(() => readTradeSheet([["Holdings"]], "S")).toThrow(/"S" is not a Rebal trade sheet/);
    expect(() => readTradeSheet([["Rebal trade sheet"], ["Policy", "x"]], "Old")).toThrow(/older format/);
    const noPrice = model.values.map((r) => r.map((v) => (v === "Price" ? "Cost" : v)));
    expect(() => readTradeSheet(noPrice, "T")).toThrow(/no Price column/);
    const bad = model.values.map((r) => r.slice());
    bad[model.at.firstLine][0] = "BUYY";
    expect(() => readTradeSheet(bad, "T")).toThrow(`sheet "T" A${model.at.firstLine + 1}: Side must be BUY, SELL or HOLD`);
  });
});
