/** core/tradeSheetLayout.ts (the one trade-sheet layout), reasonText.ts, driftView.ts, tradeRequest.ts. */
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { driftRows } from "../../src/core/driftView";
import { plainReason, policySummary } from "../../src/core/reasonText";
import { describeGap as optimalityText } from "../../src/core/trades";
import { applyRequest } from "../../src/core/tradeRequest";
import { FMT, HEADER_ROW, OrderLine, SheetStamp, SheetTotals, displayText, layoutTradeSheet, rectA1, tableNameFor } from "../../src/core/tradeSheetLayout";
import { planTrades } from "../../src/core/trades";

const stamp: SheetStamp = {
  policy: "Core", settings: "when outside bands ± 5 points", generated: 46347.395, version: "1.2.3", inputs: "book.csv",
  hash: "a".repeat(64), decision: "Rebalance: band breached (2 assets)", optimality: "optimal (proven)",
};
const totals: SheetTotals = { buys: 1, sells: 2, netCash: 1, costs: 0, turnover: 0.01, cashBefore: 5, cashAfter: 6 };
const line = (o: Partial<OrderLine>): OrderLine => ({ asset: "X", trade: 0, price: 10, weightBefore: 0.5, target: 0.5, weightAfter: 0.5, cost: 0, reason: "at its destination", ...o });

describe("layoutTradeSheet", () => {
  test("every shown value fits its column (no ###), for large amounts too", () => {
    const lines = [
      line({ asset: "BRK.A", trade: -1234567, price: 612345.67, cost: 987654.32 }),
      line({ asset: "T", trade: 0.12345678, price: 1 }),
    ];
    const big: SheetTotals = { ...totals, buys: 987654321098.76, sells: 755994823456.01, netCash: -231659497642.75, cashBefore: 1e12, cashAfter: 7.6e11 };
    const m = layoutTradeSheet(lines, big, stamp, "Orders");
    const mergedWidth = (r: number, c: number) => {
      const g = m.merges.find((x) => r >= x.r0 && r <= x.r1 && c >= x.c0 && c <= x.c1);
      return g ? m.widths.slice(g.c0, g.c1 + 1).reduce((a, b) => a + b, 0) : m.widths[c];
    };
    let numbers = 0;
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) {
      const v = m.values[r][c];
      if (typeof v !== "number") continue;
      numbers++;
      // Excel shows ### when a number's text is wider than its cell: keep one character of slack
      expect(displayText(v, m.formats[r][c]).length + 1).toBeLessThanOrEqual(mergedWidth(r, c));
    }
    expect(numbers).toBeGreaterThan(20);
    // the stamp's and totals' labels fit their merged cells (a section title alone on its row may
    // overflow into the empty cells beside it); the hash does not widen a table column
    for (let r = m.at.totals + 1; r < m.rows; r++) if (m.values[r][0] !== "" && m.values[r].slice(1).some((x) => x !== "")) {
      expect(String(m.values[r][0]).length).toBeLessThanOrEqual(mergedWidth(r, 0));
    }
    expect(Math.max(...m.widths.slice(0, -1))).toBeLessThan(30);
  });

  test("unsigned quantities and values beside the side; drift residue written as 0 (never -0.00%)", () => {
    const m = layoutTradeSheet([line({ trade: -3, price: 7, weightBefore: 0.50001, weightAfter: 0.499993 }), line({ asset: "Y", trade: 2 })], totals, stamp, "Orders");
    const [a, b] = [m.values[HEADER_ROW + 1], m.values[HEADER_ROW + 2]];
    expect(a.slice(0, 6)).toEqual(["SELL", 3, "X", "Market", 7, 21]);
    expect(b.slice(0, 4)).toEqual(["BUY", 2, "Y", "Market"]);
    expect(a[9]).toBe(0);
    expect(a[10]).toBe(0);
    expect(displayText(-0.00004, FMT.drift)).toBe("-0.00%"); // what the raw residue would have shown
    expect(m.table).toEqual({ name: "Orders", rect: { r0: HEADER_ROW, c0: 0, r1: HEADER_ROW + 2, c1: 12 }, header: expect.arrayContaining(["Side", "Quantity", "Symbol"]) });
    expect(m.print).toEqual({ area: { r0: 0, c0: 0, r1: m.rows - 1, c1: 12 }, titleRows: { r0: HEADER_ROW, r1: HEADER_ROW }, orientation: "landscape", fitToPagesWide: 1 });
    expect(rectA1(m.chart.values)).toBe(`J${HEADER_ROW + 1}:K${HEADER_ROW + 3}`);
    expect(rectA1(m.chart.categories)).toBe(`C${HEADER_ROW + 2}:C${HEADER_ROW + 3}`);
    expect(m.chart.anchor.c0).toBeGreaterThan(m.table.rect.c1);
  });

  test("an Account column when accounts are known; the stamp holds the optimality and an Excel date-time", () => {
    const m = layoutTradeSheet([line({ account: "IRA" }), line({ account: "Taxable", asset: "Y" })], { ...totals, accounts: { count: 2, errors: 0 } }, { ...stamp, optimality: optimalityText(0.00012) }, "Orders");
    expect(m.values[HEADER_ROW].slice(0, 5)).toEqual(["Side", "Quantity", "Symbol", "Account", "Order type"]);
    expect(m.values[HEADER_ROW + 1][3]).toBe("IRA");
    expect(m.values[m.at.generated.r][m.at.generated.c]).toBe(46347.395);
    expect(m.formats[m.at.generated.r][m.at.generated.c]).toBe("yyyy-mm-dd hh:mm:ss");
    expect(m.values.flat()).toContain("within 0.012% of optimal (search budget reached)");
    expect(m.values.flat()).toContain("Accounts");
    expect(m.values[m.at.hash.r][m.at.hash.c]).toBe("a".repeat(64));
  });

  test("table names are valid Excel names", () => {
    expect(tableNameFor("Trades 2026-11-21 (2)")).toBe("Orders_2026_11_21_2");
    expect(tableNameFor("Trades")).toBe("Orders");
  });
});

describe("reasons and settings in plain words", () => {
  const policy: Policy = { ...DEFAULT_POLICY, name: "P", trigger: "threshold", bandAbs: 0.05, bandRel: 0.25, minTrade: 500, mode: "buy_only" };
  test("no storage keys in reasons or the settings line", () => {
    const book = { quantities: Float64Array.from([100, 400, 50]), prices: Float64Array.from([250, 75, 60]), targets: Float64Array.from([0.5, 0.4, 0.08]), cash: 5000 };
    const plan = planTrades(book, policy);
    const reasons = [0, 1, 2].map((i) => plainReason(plan, i, policy));
    for (const r of [...reasons, policySummary(policy)]) expect(r).not.toMatch(/_|band_abs|min_trade|buy_only/);
    expect(policySummary(policy)).toBe("when outside bands ± 5 points or 25% of target, whichever is tighter; back to the target; buys only; minimum trade 500");
    expect(optimalityText(0)).toBe("optimal (proven)");
  });
});

describe("driftRows", () => {
  test("sorted by share of band used; relative drift; no band = no band status, never breached", () => {
    const rows = driftRows(["A", "B", "C"], [0.42, 0.13, 0.45], [0.4, 0.1, 0.5], { bandAbs: 0.05, bandRel: 0.25 });
    expect(rows.map((r) => [r.asset, r.status])).toEqual([["B", "breached"], ["C", "inside"], ["A", "inside"]]);
    expect(rows[0].band).toBeCloseTo(0.025, 12);
    expect(rows[0].relDrift).toBeCloseTo(0.3, 12);
    const none = driftRows(["A", "B"], [0.3, 0.7], [0.5, 0.5], { bandAbs: null, bandRel: null });
    expect(none.map((r) => r.status)).toEqual(["no band", "no band"]);
  });
});

describe("applyRequest", () => {
  const book = { quantities: Float64Array.from([1, 2]), prices: Float64Array.from([10, 10]), targets: Float64Array.from([0.5, 0.5]), cash: 0 };
  test("exclusions become restricted; a deposit plans as due with buys only; a withdrawal with sales only", () => {
    const p: Policy = { ...DEFAULT_POLICY, name: "P", trigger: "threshold", bandAbs: 0.05 };
    const ex = applyRequest(book, p, { exclude: [1] }, ["A", "B"]);
    expect(Array.from(ex.book.restricted!)).toEqual([0, 1]);
    expect(ex.policy).toBe(p);
    const dep = applyRequest(book, p, { cashFlow: 100 }, ["A", "B"]);
    expect([dep.book.cash, dep.policy.trigger, dep.policy.mode, dep.note]).toEqual([100, "always", "buy_only", "deposit of 100.00 invested (buys only)"]);
    const wd = applyRequest(book, p, { cashFlow: -5 }, ["A", "B"]);
    expect([wd.book.cash, wd.policy.mode]).toEqual([-5, "sell_only"]);
    expect(() => applyRequest(book, p, { exclude: [2] }, ["A", "B"])).toThrow(/not a holding/);
    expect(book.cash).toBe(0);
  });
});
