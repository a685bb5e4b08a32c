/**
 * REBAL.SIMULATE and REBAL.SWEEP: the formulas give core's numbers (src/core/simulate), in the
 * documented shapes (header rows, percentile columns, grids), and every bad input is #VALUE!
 * naming the argument, the position or the key.
 */
import { ErrorCode, excelError, StubCustomFunctionsError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
import { parseSimulateOptions, simulate } from "../../src/core/simulate/simulate";
import { runBacktest, backtestSummary } from "../../src/core/backtest";
import { parsePolicy } from "../../src/core/policy";
import { parseTargetsSpec, runWalkForward } from "../../src/core/backtest/walkForward";
import fixture from "../fixtures/walkforward/walkforward.json";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;


const T = 300;
const n = fixture.assets.length;
const dates = [["Date"], ...fixture.dates.slice(0, T).map((d) => [d])];
const prices = [fixture.assets, ...fixture.prices.slice(0, T)];
const targets = [[0.3, 0.2, 0.2, 0.2, 0.1]];
const POLS = [["trigger=calendar; frequency=quarterly; lot=0"], ["name=Bands; band_rel=0.25; lot=0"]];
const OPTS = "paths=20; years=1; block=5; seed=3";

describe("REBAL.SIMULATE", () => {
  test("header, one row per policy and statistic, core's numbers", () => {
    const out = F.simulate(dates, prices, targets, POLS, OPTS);
    expect(out[0]).toEqual(["policy", "statistic", "mean", "p5", "p25", "p50", "p75", "p95"]);
    expect(out.length).toBe(1 + 2 * 8);
    const core = simulate(Float64Array.from(fixture.dates.slice(0, T)), Float64Array.from(fixture.prices.slice(0, T).flat()), n, Float64Array.from(targets[0]),
      POLS.map((p) => parsePolicy(p[0]).policy), parseSimulateOptions(OPTS));
    core.summary.forEach((r, k) => expect(out[k + 1].slice(2)).toEqual([r.mean, ...r.percentiles]));
    expect(out[1][0]).toBe("trigger=calendar; frequency=quarterly; lot=0");
    expect(out[9][0]).toBe("Bands");
    expect(out.slice(1).map((r: unknown[]) => r[1]).slice(0, 8)).toEqual(["cagr", "volatility", "max_drawdown", "turnover", "rebalances", "costs", "final_value", "sharpe"]);
  });
  test("same seed, same table", () => {
    expect(F.simulate(dates, prices, targets, POLS, OPTS)).toEqual(F.simulate(dates, prices, targets, POLS, OPTS));
  });
  const bad: [string, () => unknown, RegExp][] = [
    ["unknown option", () => F.simulate(dates, prices, targets, POLS, "pathz=3"), /unknown options key "pathz"/],
    ["bad policy names its row", () => F.simulate(dates, prices, targets, [["lot=0"], ["band_rel=x"]], OPTS), /policies row 2.*band_rel/],
    ["policies blank", () => F.simulate(dates, prices, targets, [[null]], OPTS), /policies is blank/],
    ["a number as a policy", () => F.simulate(dates, prices, targets, [[3]], OPTS), /policies row 1 must be a policy text/],
    ["targets length", () => F.simulate(dates, prices, [[0.5, 0.5]], POLS, OPTS), /targets has 2 values but prices has 5/],
    ["walk-forward targets", () => F.simulate(dates, prices, "optimize: window=50", POLS, OPTS), /REBAL.SIMULATE takes fixed target weights/],
    ["dates mismatch", () => F.simulate(dates.slice(0, 100), prices, targets, POLS, OPTS), /prices has 300 rows of data but dates has 99/],
  ];
  for (const [name, f, re] of bad) test(`#VALUE!: ${name}`, () => expect(excelError(f).message).toMatch(re));
});

describe("REBAL.SWEEP", () => {
  const fixedBacktest = (policy: string) => {
    const r = runBacktest({ dates: Float64Array.from(fixture.dates.slice(0, T)), prices: Float64Array.from(fixture.prices.slice(0, T).flat()), nAssets: n, targets: Float64Array.from(targets[0]) }, parsePolicy(policy).policy);
    return backtestSummary(r, 1e6, { frequency: 252, riskFreeRate: 0 });
  };
  test("one key: header and one row per value, each the backtest of base + key=value", () => {
    const out = F.sweep(dates, prices, targets, "lot=0; cost_bps=5", "band_abs", [[0.02], [0.05]], null, null, "turnover");
    expect(out[0]).toEqual(["band_abs", "turnover"]);
    expect(out[1][0]).toBe(0.02);
    expect(out[1][1]).toBe(fixedBacktest("lot=0; cost_bps=5; band_abs=0.02").find((r) => r.name === "turnover")!.value);
    expect(out[2][1]).toBe(fixedBacktest("lot=0; cost_bps=5; band_abs=0.05").find((r) => r.name === "turnover")!.value);
  });
  test("two keys: a grid, key2 across; a swept key replaces the base policy's", () => {
    const out = F.sweep(dates, prices, targets, "trigger=hybrid; band_abs=0.3; lot=0", "band_abs", "0.01, 0.03", "frequency", [["monthly", "quarterly", "annual"]]);
    expect(out[0]).toEqual(["band_abs \\ frequency", "monthly", "quarterly", "annual"]);
    expect(out.map((r: unknown[]) => r[0]).slice(1)).toEqual(["0.01", "0.03"]);
    expect(out[2][2]).toBe(fixedBacktest("trigger=hybrid; lot=0; band_abs=0.03; frequency=quarterly").find((r) => r.name === "sharpe")!.value);
  });
  test("walk-forward targets: every cell is the walk-forward backtest of base + key=value", () => {
    const spec = "optimize: objective=min_volatility; window=100; every=quarterly";
    const out = F.sweep(dates, prices, [[spec]], "lot=0", "band_abs", [[0.01], [0.04]], null, null, "final_value");
    for (const [k, b] of [[1, 0.01], [2, 0.04]] as const) {
      const wf = runWalkForward(Float64Array.from(fixture.dates.slice(0, T)), Float64Array.from(fixture.prices.slice(0, T).flat()), n, parseTargetsSpec(spec), parsePolicy(`lot=0; band_abs=${b}`).policy);
      expect(out[k][1]).toBe(wf.result.values[wf.result.values.length - 1]);
    }
  });
  test("an undefined statistic is #DIV/0! with the reason", () => {
    const flat = [fixture.assets, ...Array.from({ length: 30 }, () => [1, 1, 1, 1, 1])];
    const out = F.sweep(dates.slice(0, 31), flat, targets, "lot=0", "band_abs", [[0.02]], null, null, "sharpe");
    expect(out[1][1]).toBeInstanceOf(StubCustomFunctionsError);
    expect((out[1][1] as StubCustomFunctionsError).code).toBe(ErrorCode.divisionByZero);
  });
  const bad: [string, () => unknown, RegExp][] = [
    ["not a policy key", () => F.sweep(dates, prices, targets, "", "band", [[0.1]]), /key: "band" is not a policy key/],
    ["bad value names its position", () => F.sweep(dates, prices, targets, "", "band_abs", [[0.1], ["wide"]]), /values row 2: band_abs must be a number/],
    ["same key twice", () => F.sweep(dates, prices, targets, "", "band_abs", [[0.1]], "band_abs", [[0.2]]), /key2 is the same key as key/],
    ["duplicate value", () => F.sweep(dates, prices, targets, "", "frequency", "monthly, monthly"), /values item 2: frequency=monthly is given twice/],
    ["unknown statistic", () => F.sweep(dates, prices, targets, "", "band_abs", [[0.1]], null, null, "sharp"), /statistic must be one of/],
    ["key blank", () => F.sweep(dates, prices, targets, "", null, [[0.1]]), /key is blank/],
    ["values2 without key2", () => F.sweep(dates, prices, targets, "", "band_abs", [[0.1]], null, [[1]]), /values2 is given but key2 is blank/],
    ["bad base policy key", () => F.sweep(dates, prices, targets, "lott=1", "band_abs", [[0.1]]), /unknown base_policy key "lott"/],
  ];
  for (const [name, f, re] of bad) test(`#VALUE!: ${name}`, () => expect(excelError(f).message).toMatch(re));
});
