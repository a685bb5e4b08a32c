/**
 * REBAL.SELLLOTS and REBAL.HARVEST through their registered entry points, with Excel-shaped
 * arguments (serial dates, text numbers, blanks), including REBAL.TRADESHEET's output as the trades.
 */
import { excelError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
import { isoDateToSerial } from "../../src/core/calendar";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;


const d = (iso: string) => isoDateToSerial(iso, "test")!;
const ASOF = d("2026-12-04");
const LOTS = [
  ["asset", "acquired", "quantity", "cost", "lot_id"],
  ["AAA", d("2025-12-04"), 10, 1200, "st-gain"], // 365 days: short-term
  ["AAA", d("2025-12-03"), 10, 1300, "lt-gain"], // 366 days: long-term
  ["AAA", d("2026-11-20"), 5, 900, "st-loss"],
  ["BBB", d("2020-01-02"), 100, 2000, null],
];

describe("REBAL.SELLLOTS", () => {
  const trades = [["asset", "trade", "price"], ["AAA", -22, 150], ["BBB", 10, 30]];
  test("min_tax: the loss first, then the long-term gain, then the short-term gain in part; totals and tax", () => {
    const out = F.selllots(LOTS, trades, "st_rate=0.4; lt_rate=0.2", ASOF);
    expect(out[0]).toEqual(["asset", "lot_id", "acquired", "quantity", "proceeds", "basis", "gain", "term"]);
    expect(out.slice(1, 4)).toEqual([
      ["AAA", "st-loss", d("2026-11-20"), 5, 750, 900, -150, "ST"],
      ["AAA", "lt-gain", d("2025-12-03"), 10, 1500, 1300, 200, "LT"],
      ["AAA", "st-gain", d("2025-12-04"), 7, 1050, 840, 210, "ST"],
    ]);
    expect(out[4]).toEqual(["TOTAL", "", "", 22, 3300, 3040, 260, ""]);
    expect(out[5][0]).toBe("TOTAL_ST"); expect(out[5][6]).toBeCloseTo(60, 9);
    expect(out[6][0]).toBe("TOTAL_LT"); expect(out[6][6]).toBeCloseTo(200, 9);
    expect(out[7][0]).toBe("EST_TAX"); expect(out[7][6]).toBeCloseTo(0.4 * 60 + 0.2 * 200, 9);
  });
  test("fifo and lifo; lt_days moves the boundary", () => {
    expect(F.selllots(LOTS, trades, "lot_method=fifo", ASOF).slice(1, 3).map((r: unknown[]) => [r[1], r[3]])).toEqual([["lt-gain", 10], ["st-gain", 10]]);
    expect(F.selllots(LOTS, trades, "lot_method=lifo", ASOF).slice(1, 3).map((r: unknown[]) => [r[1], r[3]])).toEqual([["st-loss", 5], ["st-gain", 10]]);
    expect(F.selllots(LOTS, trades, "lot_method=fifo; lt_days=364", ASOF)[2][7]).toBe("LT");
  });
  test("REBAL.TRADESHEET's output is a trades range; lots are checked against a quantity column", () => {
    const holdings = [["asset", "quantity", "price", "target"], ["AAA", 25, 150, 0.2], ["BBB", 100, 30, 0.8]];
    const sheet = F.tradesheet(holdings, 0, "lot=1");
    const sold = sheet.filter((r: unknown[]) => typeof r[2] === "number" && (r[2] as number) < 0);
    expect(sold.length).toBe(1);
    const out = F.selllots(LOTS, sheet, "", ASOF);
    expect(out.find((r: unknown[]) => r[0] === "TOTAL")[3]).toBe(-sold[0][2]);
    expect(excelError(() => F.selllots(LOTS, [["asset", "quantity", "trade", "price"], ["AAA", 24, -1, 150], ["BBB", 100, 0, 30]], "", ASOF)).message).toMatch(/lots of AAA \(from row 2\) add up to 25 but the trades' quantity column holds 24/);
  });
  test("bad input is #VALUE! naming the lot row or the key", () => {
    expect(excelError(() => F.selllots(LOTS, trades, "", null)).message).toMatch(/asof is required/);
    expect(excelError(() => F.selllots(LOTS, trades, "", d("2026-11-19"))).message).toMatch(/lots row 4, column B "acquired".*after asof/);
    const neg = LOTS.map((r, i) => (i === 2 ? [r[0], r[1], -10, r[3], r[4]] : r));
    expect(excelError(() => F.selllots(neg, trades, "", ASOF)).message).toMatch(/lots row 3, column C "quantity".*positive/);
    const negBasis = LOTS.map((r, i) => (i === 4 ? [r[0], r[1], r[2], -1, r[4]] : r));
    expect(excelError(() => F.selllots(negBasis, trades, "", ASOF)).message).toMatch(/lots row 5, column D "cost".*0 or more/);
    expect(excelError(() => F.selllots(LOTS, [["asset", "trade", "price"], ["CCC", -1, 10]], "", ASOF)).message).toMatch(/trades row 2 \(CCC\): CCC is sold but lots has no lots of it/);
    expect(excelError(() => F.selllots(LOTS, [["asset", "trade", "price", "quantity"], ["AAA", -1, 10, 25]], "", ASOF)).message).toMatch(/lots row 5: BBB is not in the trades' quantity column/);
    expect(excelError(() => F.selllots(LOTS, trades, "lot_method=cheapest", ASOF)).message).toMatch(/lot_method must be one of/);
    expect(excelError(() => F.selllots(LOTS, trades, "max_gain=100", ASOF)).message).toMatch(/max_gain .*not supported yet/);
  });
});

describe("REBAL.HARVEST", () => {
  const prices = [["asset", "price"], ["AAA", 110], ["BBB", 15]];
  test("loss candidates, largest first, with the wash-sale flag from the other lots' dates", () => {
    const out = F.harvest(LOTS, prices, "", ASOF);
    expect(out).toEqual([
      ["asset", "lot_id", "quantity", "loss", "term", "wash_sale"],
      ["BBB", 5, 100, 500, "LT", false], // default lot id: its row
      ["AAA", "st-loss", 5, 350, "ST", false], // the other AAA lots are a year old
      ["AAA", "lt-gain", 10, 200, "LT", true], // st-loss was bought 14 days before asof
      ["AAA", "st-gain", 10, 100, "ST", true],
    ]);
  });
  test("wash_days, harvest_min_loss, harvest_min_pct and recent buys", () => {
    expect(F.harvest(LOTS, prices, "wash_days=13", ASOF).filter((r: unknown[]) => r[5] === true)).toEqual([]);
    expect(F.harvest(LOTS, prices, "wash_days=14", ASOF).filter((r: unknown[]) => r[5] === true).length).toBe(2);
    expect(F.harvest(LOTS, prices, "harvest_min_loss=350", ASOF).map((r: unknown[]) => r[1])).toEqual(["lot_id", 5, "st-loss"]);
    expect(F.harvest(LOTS, prices, "harvest_min_pct=0.25", ASOF).map((r: unknown[]) => r[1])).toEqual(["lot_id", 5, "st-loss"]);
    const recent = [["asset", "date", "quantity"], ["BBB", ASOF - 3, 1]];
    expect(F.harvest(LOTS, prices, "", ASOF, recent).map((r: unknown[]) => r[5])).toEqual(["wash_sale", true, false, false, false]);
  });
  test("bad input is #VALUE! naming the lot row", () => {
    expect(excelError(() => F.harvest(LOTS, [["AAA", 110]], "", ASOF)).message).toMatch(/lots row 5: no price for BBB/);
    expect(excelError(() => F.harvest(LOTS, prices, "", d("2020-01-01"))).message).toMatch(/lots row 2, column B "acquired".*after asof/);
  });
});
