/**
 * The pane's Optimize targets computation (src/functions/optimizeTargets.ts) is the formulas chained
 * as a user would chain them in cells: the same weights as REBAL.RETURNS -> REBAL.COV ->
 * [REBAL.BLACKLITTERMAN] -> REBAL.OPTIMIZE, or REBAL.OPTIMIZETAIL, called one by one on the same
 * range (real ETF prices, test/fixtures/compare), with the Date column skipped and the tickers kept;
 * and bad requests are RebalErrors naming the problem.
 */
import { readFileSync } from "fs";
import path from "path";
import { RebalError } from "../../src/core/errors";
import { Workspace } from "../../src/core/workspace";
import { blackLittermanFn } from "../../src/functions/blackLitterman";
import { covFn, optimizeFn, returnsFn } from "../../src/functions/optimization";
import { optimizeTailFn } from "../../src/functions/tail";
import { optimizeTargets } from "../../src/functions/optimizeTargets";

const FX = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "compare", "compare.json"), "utf8")) as { tickers: string[]; dates: number[]; prices: number[][] };
const withDates = [["Date", ...FX.tickers], ...FX.dates.map((d, k) => [d, ...FX.prices[k]])];
const prices = [FX.tickers, ...FX.prices];
const ws = new Workspace();
const N = FX.tickers.length;

function chained(objective: string, options: string, views?: unknown[][], current?: unknown[][]): number[] {
  let mu = returnsFn(prices, null, null, null);
  const cov = covFn(prices, null, null, ws);
  if (views) mu = blackLittermanFn(cov, mu, views, null);
  return optimizeFn(mu, cov, objective, options, null, null, ws, current)[0] as number[];
}

describe("Optimize targets = the formulas chained", () => {
  test.each([
    ["min_volatility", "max_weight=0.4"],
    ["max_sharpe", "risk_free_rate=0.01"],
    ["max_sharpe", "max_assets=2; min_position=0.1"],
    ["efficient_risk", "target_volatility=0.3"],
    ["hrp", ""],
  ])("%s %s", async (objective, options) => {
    const r = await optimizeTargets({ prices: withDates, objective, options }, ws);
    expect(r.names).toEqual(FX.tickers);
    expect(r.weights).toEqual(chained(objective, options));
    expect(r.summary.find((x) => x[0] === "status")?.[1]).toBe("optimal (proven)");
  });

  test("max_assets: the summary reports the search (gap, nodes, held)", async () => {
    const r = await optimizeTargets({ prices, objective: "min_volatility", options: "max_assets=2" }, ws);
    const get = (k: string) => r.summary.find((x) => x[0] === k)?.[1];
    expect(get("gap")).toBe(0);
    expect(get("held")).toBe(r.weights.filter((w) => w > 0).length);
    expect(r.weights.filter((w) => w > 0).length).toBeLessThanOrEqual(2);
    expect(r.weights).toEqual(chained("min_volatility", "max_assets=2"));
  });

  test("Black-Litterman views on the historical prior, and current weights with cost_bps", async () => {
    const views = [[1, null, null, -1, null, 0.02, 0.5]].map((r) => r.map((x) => (x === null ? "" : x)));
    const r = await optimizeTargets({ prices, objective: "max_sharpe", options: "", views }, ws);
    expect(r.weights).toEqual(chained("max_sharpe", "", views));
    const current = [FX.tickers.map(() => 1 / N)];
    const m = await optimizeTargets({ prices, objective: "min_volatility", options: "cost_bps=50", current }, ws);
    expect(m.weights).toEqual(chained("min_volatility", "cost_bps=50", undefined, current));
  });

  test("tail objectives are REBAL.OPTIMIZETAIL on the range", async () => {
    const r = await optimizeTargets({ prices: withDates, objective: "min_cvar", options: "beta=0.9" }, ws);
    expect(r.weights).toEqual((await optimizeTailFn(prices, "min_cvar", "beta=0.9", null, null)).map((x) => x[0]));
    expect(r.summary[0][0]).toBe("cvar");
  });

  test("bad requests name the problem", async () => {
    const fail = async (p: Promise<unknown>, re: RegExp) => { await expect(p).rejects.toThrow(RebalError); await expect(p).rejects.toThrow(re); };
    await fail(optimizeTargets({ prices: FX.prices, objective: "min_volatility", options: "" }, ws), /first row must name every asset \(column 1 is \d/);
    await fail(optimizeTargets({ prices, objective: "maximum", options: "" }, ws), /objective must be one of .*min_cvar/);
    await fail(optimizeTargets({ prices, objective: "min_volatility", options: "output=summary" }, ws), /output is not used here/);
    await fail(optimizeTargets({ prices, objective: "min_cvar", options: "", views: [[1, 0, 0, 0, 0, 0.1]] }, ws), /views and current weights do not apply/);
    await fail(optimizeTargets({ prices, objective: "hrp", options: "max_weight=0.3" }, ws), /objective hrp does not use max_weight/);
    await fail(optimizeTargets({ prices, objective: "max_sharpe", options: "", views: [[1, 0, 0.1]] }, ws), /views has 3 columns/);
  });
});
