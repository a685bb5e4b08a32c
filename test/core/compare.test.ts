/**
 * src/core/backtest/compare.ts: price tables, ticker matching, and the runs' progress and
 * cancellation (the pane's worker relies on them). Numbers are checked in test/workbook/compare.test.ts
 * against the independent fixture.
 */
import { readFileSync } from "fs";
import path from "path";
import { isCancelled } from "../../src/core/backtest";
import { CompareJob, drawdownSeries, matchPolicies, readPriceTable, runComparison } from "../../src/core/backtest/compare";
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";

const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as {
  tickers: string[]; dates: number[]; prices: number[][];
};
const cells = [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])];
const T = FX.dates.length;
const always: Policy = { ...DEFAULT_POLICY, name: "Daily", trigger: "always", lot: 0 };
const hold: Policy = { ...DEFAULT_POLICY, name: "Hold", trigger: "none", lot: 0 };

function job(): CompareJob {
  const t = readPriceTable(cells, "prices");
  const runs = matchPolicies(t.tickers, [
    { name: "Daily", policy: always, assets: ["usmv", " MTUM "], targets: [0.5, 0.5] },
    { name: "Hold", policy: hold, assets: ["VLUE"], targets: [1] },
  ]);
  return { dates: t.dates, prices: t.prices, tickers: t.tickers, runs, options: { initialValue: 1000 } };
}

describe("readPriceTable", () => {
  test("skips fully blank rows, keeps blank prices as missing, names sheet cells from the origin", () => {
    const withGaps = [cells[0], cells[1], ["", "", "", "", "", ""], [cells[2][0], "", ...cells[2].slice(2)], ...cells.slice(3, 5)];
    const t = readPriceTable(withGaps, "p");
    expect(t.dates.length).toBe(4);
    expect(Number.isNaN(t.prices[5])).toBe(true);
    const broken = cells.slice(0, 4).map((r) => [...r]);
    broken[2][3] = "x";
    expect(() => readPriceTable(broken, "p", { row: 9, col: 2 })).toThrow(/p: F12 \(SIZE\): "x" is not a number/);
  });
});

describe("matchPolicies", () => {
  test("matches tickers ignoring case and spaces; refuses an asset listed twice", () => {
    const runs = job().runs;
    expect(Array.from(runs[0].columns)).toEqual([FX.tickers.indexOf("USMV"), FX.tickers.indexOf("MTUM")]);
    expect(() => matchPolicies(FX.tickers, [{ name: "X", policy: hold, assets: ["VLUE", "vlue"], targets: [0.5, 0.5] }])).toThrow(/policy "X": the asset "vlue" is listed twice/);
  });
});

describe("runComparison", () => {
  test("progress counts rows over all policies, strictly increasing, ending at dates x policies", () => {
    const calls: [number, number][] = [];
    const r = runComparison(job(), (done, total) => { calls.push([done, total]); });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every(([, total]) => total === 2 * T)).toBe(true);
    expect(calls.every(([d], i) => i === 0 || d > calls[i - 1][0])).toBe(true);
    expect(calls[calls.length - 1][0]).toBe(2 * T);
    expect(calls.some(([d]) => d === T)).toBe(true); // the first policy's last report
    expect(r.runs.map((x) => x.name)).toEqual(["Daily", "Hold"]);
  });

  test("returning false cancels with BacktestCancelled (not wrapped as a policy error)", () => {
    let calls = 0;
    let err: unknown;
    try {
      runComparison(job(), () => ++calls < 2);
    } catch (e) {
      err = e;
    }
    expect(isCancelled(err)).toBe(true);
    expect(calls).toBe(2);
  });

  test("buy and hold of one asset: the equity is the price scaled, the drawdown its running-max ratio", () => {
    const r = runComparison(job());
    const j = FX.tickers.indexOf("VLUE");
    const p = FX.prices.map((row) => row[j]);
    r.runs[1].values.forEach((v, t) => expect(Math.abs(v / ((1000 * p[t]) / p[0]) - 1)).toBeLessThan(1e-9));
    let peak = -Infinity;
    r.runs[1].drawdown.forEach((d, t) => {
      peak = Math.max(peak, p[t]);
      expect(d).toBeCloseTo(p[t] / peak - 1, 9);
    });
    expect(Array.from(drawdownSeries([1, 2, 1, 3]))).toEqual([0, 0, -0.5, 0]);
  });
});
