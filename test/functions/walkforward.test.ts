/**
 * REBAL.BACKTEST / REBAL.EQUITY with walk-forward targets and REBAL.TARGETSHISTORY: the formulas give
 * core's walk-forward numbers (src/core/backtest/walkForward.ts), shape them (header row of tickers,
 * dates from the first estimation on) and turn every bad input into #VALUE! naming it.
 */
import { excelError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
import { parseTargetsSpec, runWalkForward } from "../../src/core/backtest/walkForward";
import { parsePolicy } from "../../src/core/policy";
import fixture from "../fixtures/walkforward/walkforward.json";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;


const T = 400;
const n = fixture.assets.length;
const dates = [["Date"], ...fixture.dates.slice(0, T).map((d) => [d])];
const prices = [fixture.assets, ...fixture.prices.slice(0, T)];
const SPEC = "optimize: objective=min_volatility; cov=ledoit_wolf; window=120; every=monthly";
const POLICY = "trigger=calendar; frequency=monthly; lot=0";

function core() {
  const flat = Float64Array.from(fixture.prices.slice(0, T).flat());
  return runWalkForward(Float64Array.from(fixture.dates.slice(0, T)), flat, n, parseTargetsSpec(SPEC), parsePolicy(POLICY).policy);
}

describe("walk-forward targets in the formulas", () => {
  test("TARGETSHISTORY: header of tickers, one dated row per estimation", () => {
    const out = F.targetshistory(dates, prices, [[SPEC]]);
    const wf = core();
    expect(out[0]).toEqual(["date", ...fixture.assets]);
    expect(out.length).toBe(wf.history.rows.length + 1);
    out.slice(1).forEach((r: number[], j: number) => {
      expect(r[0]).toBe(fixture.dates[wf.history.rows[j]]);
      expect(r.slice(1)).toEqual(Array.from(wf.history.targets.subarray(j * n, j * n + n)));
    });
  });
  test("EQUITY starts on the first estimation and equals core", () => {
    const out = F.equity(dates, prices, [[SPEC]], [[POLICY]]);
    const wf = core();
    expect(out.length).toBe(T - wf.start);
    expect(out[0][0]).toBe(fixture.dates[wf.start]);
    expect(out.map((r: number[]) => r[1])).toEqual(Array.from(wf.result.values));
  });
  test("BACKTEST: final_value and start_date of the walk-forward run", () => {
    const out = F.backtest(dates, prices, SPEC, POLICY);
    const wf = core();
    const get = (k: string) => out.find((r: unknown[]) => r[0] === k)[1];
    expect(get("final_value")).toBe(wf.result.values[wf.result.values.length - 1]);
    expect(get("start_date")).toBe(fixture.dates[wf.start]);
    expect(get("rebalances")).toBe(wf.result.rebalances);
  });
  const bad: [string, () => unknown, RegExp][] = [
    ["unknown spec key", () => F.backtest(dates, prices, "optimize: objective=min_volatility; windw=3"), /unknown targets key "windw"/],
    ["history too short", () => F.equity(dates, prices, "optimize: window=504"), /at least 505 dates; there are 400/],
    ["spec blank", () => F.targetshistory(dates, prices, [[null]]), /spec is blank/],
    ["spec a number", () => F.targetshistory(dates, prices, [[3]]), /spec must be a text/],
    ["bad objective option", () => F.targetshistory(dates, prices, "optimize: objective=equal; max_weight=0.5"), /equal does not use max_weight/],
    ["infeasible on a date", () => F.targetshistory(dates, prices, "optimize: objective=efficient_return; target_return=9; window=100"), /^targets on \d{4}-\d\d-\d\d: /],
    ["bad price row", () => F.targetshistory(dates, [fixture.assets, ...fixture.prices.slice(0, T - 1), [1, 2, "x", 4, 5]], SPEC), /prices row 401 column 3/],
  ];
  for (const [name, f, re] of bad) test(`#VALUE! naming it: ${name}`, () => expect(excelError(f).message).toMatch(re));
});
