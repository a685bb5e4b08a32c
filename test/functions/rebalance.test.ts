/**
 * The rebalancing formulas through their registered entry points (src/functions/functions.ts),
 * with Excel-shaped arguments: any[][] columns and rows, null and "" blanks, text numbers, booleans.
 */
import { ErrorCode, excelError, StubCustomFunctionsError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
// Excel may pass any value in any argument and these tests do too; the TypeScript signatures only
// shape the generated metadata, so the functions are called through a loosely typed view.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;

const col = (...xs: unknown[]) => xs.map((x) => [x]);
const row = (...xs: unknown[]) => [xs];
const close = (got: unknown[][], want: number[][]) => {
  expect(got.length).toBe(want.length);
  got.forEach((r, i) => { expect(r.length).toBe(want[i].length); r.forEach((c, j) => expect(c as number).toBeCloseTo(want[i][j], 12)); });
};

describe("WEIGHTS", () => {
  test("a column gives a column, a row gives a row", () => {
    close(F.weights(col(1, 3)), [[0.25], [0.75]]);
    close(F.weights(row(1, 3)), [[0.25, 0.75]]);
  });
  test("text numbers are numbers", () => close(F.weights(col("1,000", "3000")), [[0.25], [0.75]]));
  test("a blank is an error naming the argument and row (null and \"\")", () => {
    expect(excelError(() => F.weights(col(1, null, 2))).message).toMatch(/values row 2.*blank/);
    expect(excelError(() => F.weights(row(1, 2, ""))).message).toMatch(/values column 3.*blank/);
  });
  test("booleans and words are not numbers", () => {
    expect(excelError(() => F.weights(col(1, true))).message).toMatch(/values row 2/);
    expect(excelError(() => F.weights(col("abc", 1))).message).toMatch(/values row 1/);
  });
  test("a 2-D range is an error", () => expect(excelError(() => F.weights([[1, 2], [3, 4]])).message).toMatch(/values/));
  test("a zero total is an error, not NaN", () => expect(excelError(() => F.weights(col(0, 0))).message).toMatch(/total/));
});

describe("DRIFT", () => {
  test("abs drift in the orientation of values (targets may be the other way round)", () => {
    close(F.drift(row(60, 40), col(0.5, 0.5)), [[0.1, -0.1]]);
    close(F.drift(col(60, 40), row(0.5, 0.5)), [[0.1], [-0.1]]);
  });
  test("rel drift; a zero target gives a #DIV/0! cell, not NaN", () => {
    const out = F.drift(col(60, 30, 10), col(0.5, 0.5, 0), "measure=rel");
    expect(out[0][0]).toBeCloseTo(0.2, 12);
    expect(out[1][0]).toBeCloseTo(-0.4, 12);
    expect(out[2][0]).toBeInstanceOf(StubCustomFunctionsError);
    expect((out[2][0] as StubCustomFunctionsError).code).toBe(ErrorCode.divisionByZero);
  });
  test("rel drift of a subnormal target overflows: must be an explained #VALUE! (or a finite number), not an internal error", () => {
    // (1 - 5e-324) / 5e-324 = Infinity; found by the fuzz in properties.test.ts
    let out: unknown;
    try { out = F.drift(col(1), col(5e-324), "measure=rel"); } catch (e) { out = e; }
    const cell = out instanceof StubCustomFunctionsError ? out : (out as unknown[][])[0][0];
    if (cell instanceof StubCustomFunctionsError) {
      expect(cell.message).not.toMatch(/internal error/);
      expect(cell.message).toMatch(/targets row 1/);
    } else expect(Number.isFinite(cell as number)).toBe(true);
  });
  test("cash option adds to the total", () => close(F.drift(col(50, 30), col(0.5, 0.3), [["cash", 20]]), [[0], [0]]));
  test("targets summing over 1 are an error", () => expect(excelError(() => F.drift(col(1, 1), col(0.6, 0.5))).message).toMatch(/targets.*more than 1/));
  test("mismatched lengths name both arguments", () => {
    const m = excelError(() => F.drift(col(1, 2, 3), col(0.5, 0.5))).message;
    expect(m).toMatch(/targets/);
    expect(m).toMatch(/values/);
  });
  test("unknown option key is named", () => expect(excelError(() => F.drift(col(1, 1), col(0.5, 0.5), "mesure=rel")).message).toContain("mesure"));
  test("bad measure value is named", () => expect(excelError(() => F.drift(col(1, 1), col(0.5, 0.5), "measure=pct")).message).toMatch(/measure/));
  test("blank target names targets and the row", () => expect(excelError(() => F.drift(col(1, 1), col(0.5, ""))).message).toMatch(/targets row 2/));
});

describe("BANDS", () => {
  test("5/25 rule bounds, n x 2", () => close(F.bands(col(0.6, 0.1), "band_abs=0.05; band_rel=0.25"), [[0.55, 0.65], [0.075, 0.125]]));
  test("a row of targets also gives n x 2", () => close(F.bands(row(0.6, 0.1), [["band_abs", 0.05]]), [[0.55, 0.65], [0.05, 0.15]]));
  test("a 2-row policy range works", () => close(F.bands(col(0.4), [["band_rel"], [0.25]]), [[0.3, 0.5]]));
  test("unknown policy key named", () => expect(excelError(() => F.bands(col(0.5), "band_abs=0.05; band=0.1")).message).toContain("band"));
  test("negative band named", () => expect(excelError(() => F.bands(col(0.5), "band_abs=-0.05")).message).toContain("band_abs"));
});

describe("CHECK", () => {
  test("threshold: breached -> TRUE, inside -> FALSE", () => {
    expect(F.check(col(60, 40), col(0.5, 0.5), "band_abs=0.05")).toBe(true);
    expect(F.check(col(52, 48), col(0.5, 0.5), "band_abs=0.05")).toBe(false);
  });
  test("calendar: due from the next scheduled date (monthly after 2024-01-02 -> 2024-02-01 = 45323)", () => {
    const p = "trigger=calendar; frequency=monthly";
    expect(F.check(col(50, 50), col(0.5, 0.5), p, 45322, 45293)).toBe(false);
    expect(F.check(col(50, 50), col(0.5, 0.5), p, 45323, 45293)).toBe(true);
  });
  test("calendar without asof is an error naming asof", () => {
    expect(excelError(() => F.check(col(50, 50), col(0.5, 0.5), "trigger=calendar; frequency=monthly", null, null)).message).toMatch(/asof/);
  });
  test("hybrid needs both", () => {
    const p = "trigger=hybrid; frequency=monthly; band_abs=0.05";
    expect(F.check(col(60, 40), col(0.5, 0.5), p, 45322, 45293)).toBe(false);
    expect(F.check(col(60, 40), col(0.5, 0.5), p, 45323, 45293)).toBe(true);
    expect(F.check(col(52, 48), col(0.5, 0.5), p, 45323, 45293)).toBe(false);
  });
  test("a date that is text is an error naming the argument", () => {
    expect(excelError(() => F.check(col(50, 50), col(0.5, 0.5), "trigger=calendar; frequency=monthly", "2024-01-01", null)).message).toMatch(/asof/);
  });
});

describe("NEXTDATE", () => {
  test("frequency text, 1x1 ranges, policy text", () => {
    expect(F.nextdate(45293, "quarterly")).toBe(45383); // 2024-01-02 -> 2024-04-01
    expect(F.nextdate([[45427]], [["monthly"]])).toBe(45446); // 2024-05-15 -> 2024-06-03
    expect(F.nextdate(45427, "frequency=monthly; anchor=end")).toBe(45443); // -> 2024-05-31
  });
  test("blank last_rebalance uses asof", () => expect(F.nextdate(null, "monthly", 45444)).toBe(45446)); // 2024-06-01 (Sat) -> 06-03
  test("errors name the argument", () => {
    expect(excelError(() => F.nextdate(45293, "fortnightly")).message).toMatch(/frequency/);
    expect(excelError(() => F.nextdate(null, "monthly", null)).message).toMatch(/last_rebalance/);
    expect(excelError(() => F.nextdate("x", "monthly")).message).toMatch(/last_rebalance/);
    expect(excelError(() => F.nextdate(45293, "lot=1")).message).toMatch(/frequency/);
  });
});

describe("TRADES", () => {
  test("orientation follows quantities", () => {
    expect(F.trades(col(0, 0), row(300, 300), row(0.5, 0.4), 1000)).toEqual([[2], [1]]);
    expect(F.trades(row(0, 0), col(300, 300), col(0.5, 0.4), [[1000]])).toEqual([[2, 1]]);
  });
  test("text numbers and a blank cash (0)", () => {
    expect(F.trades(col("10", "0"), col("100", "100"), col("50%", "50%"), null)).toEqual([[-5], [5]]);
    expect(F.trades(col(10, 0), col(100, 100), col(0.5, 0.5), "")).toEqual([[-5], [5]]);
  });
  test("policy as a 2-column range", () => {
    expect(F.trades(col(0), col(100), col(1), 1000, [["cash_reserve", 0.05], ["lot", 1]])).toEqual([[9]]);
  });
  test.each([
    [() => F.trades(col(1, null), col(10, 10), col(0.5, 0.5), 0), /quantities row 2.*blank/],
    [() => F.trades(col(1, 1), col(10, ""), col(0.5, 0.5), 0), /prices row 2.*blank/],
    [() => F.trades(col(1, 1), col(10, -10), col(0.5, 0.5), 0), /prices row 2.*positive|row 2.*price/],
    [() => F.trades(col(1, 1), col(10, 10), col(0.6, 0.5), 0), /targets.*more than 1/],
    [() => F.trades(col(1, 1), col(10, 10, 10), col(0.5, 0.5), 0), /prices.*quantities|quantities.*prices/],
    [() => F.trades(col(1, 1), col(10, 10), col(0.5, 0.5), 0, "lot=1; lots=2"), /lots/],
    [() => F.trades(col(1, 1), col(10, 10), col(0.5, 0.5), "cash"), /cash/],
    [() => F.trades(col(1, 1), col(10, 10), col(0.5, 0.5), [[1, 2]]), /cash/],
    [() => F.trades(col(-1, 1), col(10, 10), col(0.5, 0.5), 100), /row 1.*short/],
    [() => F.trades(col(1, true), col(10, 10), col(0.5, 0.5), 100), /quantities row 2/],
  ])("error %#", (f, re) => expect(excelError(f).message).toMatch(re));
});

describe("TRADESHEET", () => {
  const holdings = [
    ["Ticker", "Shares", "Price", "Target", "Sector"],
    ["AAA", 10, 100, 0.5, "x"],
    ["BBB", 0, 100, 0.5, "y"],
    [null, null, null, null, null],
  ];
  test("a header row, one row per asset, CASH, TOTAL and OPTIMALITY", () => {
    const out = F.tradesheet(holdings, 1000);
    expect(out[0]).toEqual(["asset", "side", "trade", "price", "value", "weight_before", "target", "weight_after", "cost", "reason"]);
    expect(out.length).toBe(1 + 2 + 3);
    expect(out[5][0]).toBe("OPTIMALITY");
    expect(out[5][8]).toBe(0); // proven: BBB +10 puts the book exactly on target
    expect(out[5][9]).toBe("optimal (proven)");
    expect(out[1].slice(0, 5)).toEqual(["AAA", "HOLD", 0, 100, 0]);
    expect(out[2].slice(0, 5)).toEqual(["BBB", "BUY", 10, 100, 1000]);
    expect(out[3][0]).toBe("CASH");
    expect(out[4][0]).toBe("TOTAL");
    expect(out[1][5]).toBeCloseTo(0.5, 12);
    expect(out[2][7]).toBeCloseTo(0.5, 12);
  });
  test("columns are found by name in any order", () => {
    const h = [["target", "price", "qty", "symbol"], [1, 100, 0, "AAA"]];
    expect(F.tradesheet(h, 500)[1].slice(0, 3)).toEqual(["AAA", "BUY", 5]);
  });
  test("errors name the row and column", () => {
    expect(excelError(() => F.tradesheet([["asset", "quantity", "price", "target"], ["A", 1, null, 0.5]], 0)).message).toMatch(/holdings row 2.*price.*blank/);
    // "" (how some hosts pass an empty cell) is reported as '"" is not a number': row and column are named
    expect(excelError(() => F.tradesheet([["asset", "quantity", "price", "target"], ["A", 1, "", 0.5]], 0)).message).toMatch(/holdings row 2.*price/);
    expect(excelError(() => F.tradesheet([["asset", "quantity", "price"], ["A", 1, 10]], 0)).message).toMatch(/target/);
    expect(excelError(() => F.tradesheet([["asset", "quantity", "price", "target"], ["A", 1, 10, 0.5], ["a", 1, 10, 0.5]], 0)).message).toMatch(/row 3.*twice/);
    expect(excelError(() => F.tradesheet([["asset", "quantity", "price", "target"], ["A", 1, -10, 0.5]], 0)).message).toMatch(/row 2.*price/);
    expect(excelError(() => F.tradesheet(holdings, 0, "mode=buy")).message).toMatch(/mode/);
  });
});
