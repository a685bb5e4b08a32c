/**
 * REBAL.OPTIMIZE refuses an option its objective would ignore (core rejectUnusedOptions, as the CLI
 * and walk-forward targets do): #VALUE! naming the option and the objectives that take it, for every
 * objective and every option it does not use; output=summary may take risk_free_rate (its Sharpe row).
 */
import fc from "fast-check";
import { excelError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
import { OBJECTIVE_OPTIONS, OBJECTIVES, OPTION_NAMES } from "../../src/core/optimize";
import fx from "../fixtures/optimize/optimize.json";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;

const n = fx.mu.length;
const mu = [fx.mu];
const cov = fx.cov;
/** a value each option parses (so that only its use, not its value, can be refused) */
const VALUE: Record<string, string> = {
  risk_free_rate: "0.01", target_return: "0.1", target_volatility: "0.3", risk_aversion: "2", min_weight: "0", max_weight: "0.5",
  gamma: "0.1", market_neutral: "TRUE", max_assets: "5", min_position: "0.02", max_nodes: "50", solver: "genetic", seed: "3",
  cost_bps: "10", max_turnover: "0.5",
};
/** options read from the options argument (lower, upper, risk_budget and current are ranges or not formula options) */
const TEXT_KEYS = Object.keys(VALUE);

describe("REBAL.OPTIMIZE: options the objective does not use are #VALUE!", () => {
  test("examples name the option and who takes it", () => {
    expect(excelError(() => F.optimize(mu, cov, "hrp", "max_weight=0.2")).message).toMatch(/objective hrp does not use max_weight \(it takes no options\)/);
    expect(excelError(() => F.optimize(mu, cov, "min_volatility", "target_return=0.1")).message)
      .toMatch(/objective min_volatility does not use target_return .*objectives that do: efficient_return/);
    expect(excelError(() => F.optimize(mu, cov, "max_sharpe", "cost_bps=10")).message).toMatch(/max_sharpe does not use cost_bps.*min_volatility, efficient_return, max_utility/);
    expect(excelError(() => F.optimize(mu, cov, "equal", null, [new Array(n).fill(0.01)])).message).toMatch(/objective equal does not use lower/);
    expect(excelError(() => F.optimize(mu, cov, "min_volatility", "risk_free_rate=0.02")).message).toMatch(/does not use risk_free_rate/);
  });

  test("every objective x every option it does not use", () => {
    for (const ob of OBJECTIVES) {
      const used = new Set(OBJECTIVE_OPTIONS[ob].map((k) => OPTION_NAMES[k]));
      for (const key of TEXT_KEYS.filter((k) => !used.has(k))) {
        expect(excelError(() => F.optimize(mu, cov, ob, `${key}=${VALUE[key]}`)).message).toContain(`objective ${ob} does not use ${key}`);
      }
    }
  });

  test("options an objective uses still work; summary reads risk_free_rate for its Sharpe row", () => {
    const w = F.optimize(mu, cov, "efficient_return", "target_return=0.1; max_weight=0.5");
    expect(w).toHaveLength(1); // a row, as expected_returns
    expect(w[0]).toHaveLength(n);
    expect(Math.abs(w[0].reduce((s: number, x: number) => s + x, 0) - 1)).toBeLessThan(1e-9);
    const rows = F.optimize(mu, cov, "min_volatility", "output=summary; risk_free_rate=0.02") as [string, number][];
    const vol = rows.find((r) => r[0] === "volatility")![1], ret = rows.find((r) => r[0] === "expected_return")![1];
    expect(rows.find((r) => r[0] === "sharpe")![1]).toBeCloseTo((ret - 0.02) / vol, 12);
  });

  test("fast-check: random option sets are weights or #VALUE! naming an option, never silently ignored", () => {
    fc.assert(fc.property(fc.constantFrom(...OBJECTIVES), fc.subarray(TEXT_KEYS, { minLength: 1, maxLength: 4 }), (ob, keys) => {
      const used = new Set(OBJECTIVE_OPTIONS[ob].map((k) => OPTION_NAMES[k]));
      const unused = keys.filter((k) => !used.has(k));
      const text = keys.map((k) => `${k}=${VALUE[k]}`).join("; ");
      if (unused.length > 0) {
        const msg = excelError(() => F.optimize(mu, cov, ob, text)).message;
        expect(msg).toContain(`does not use ${unused.join(", ")}`);
      } else {
        // every option is used: weights, or #VALUE! for another reason (an infeasible target, a solver limit)
        let out: unknown;
        try { out = F.optimize(mu, cov, ob, text); } catch (e) { expect(String((e as Error).message)).not.toMatch(/does not use/); return; }
        expect(Array.isArray(out)).toBe(true);
      }
    }), { numRuns: 200 });
  });
});
