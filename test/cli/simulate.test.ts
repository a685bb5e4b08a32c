/**
 * `rebal simulate` and `rebal backtest --targets "optimize: ..."` through bin/rebal.js: the worker
 * threads give exactly the one-thread table and core's numbers; walk-forward backtests give core's
 * walk-forward numbers; bad input exits 1 with a message naming it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serialToISO } from "../../src/core/calendar";
import { parsePolicy } from "../../src/core/policy";
import { parseSimulateOptions, simulate } from "../../src/core/simulate/simulate";
import { parseTargetsSpec, runWalkForward } from "../../src/core/backtest/walkForward";
import fixture from "../fixtures/walkforward/walkforward.json";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "rebal.js");
let dir: string;
let csv: string;
const T = 300;
const n = fixture.assets.length;

function rebal(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rebal-sim-"));
  csv = path.join(dir, "prices.csv");
  const lines = ["date," + fixture.assets.join(",")];
  for (let t = 0; t < T; t++) lines.push(serialToISO(fixture.dates[t]) + "," + fixture.prices[t].join(","));
  writeFileSync(csv, lines.join("\n") + "\n");
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const POLS = ["trigger=calendar; frequency=quarterly; lot=0", "band_rel=0.2; lot=0"];
const OPTS = "paths=24; years=1; block=5; seed=9";
const TARGETS = "0.3, 0.2, 0.2, 0.2, 0.1";

describe("rebal simulate", () => {
  test("--jobs 2 gives exactly the --jobs 1 table, which is core's", () => {
    const args = ["simulate", csv, "--targets", TARGETS, "--policy", POLS[0], "--policy", POLS[1], "--options", OPTS, "--format", "json", "--quiet"];
    const one = rebal(...args, "--jobs", "1");
    const two = rebal(...args, "--jobs", "2");
    expect(one.stderr).toBe("");
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const rows = JSON.parse(one.stdout) as Record<string, string | number>[];
    const core = simulate(Float64Array.from(fixture.dates.slice(0, T)), Float64Array.from(fixture.prices.slice(0, T).flat()), n,
      Float64Array.from([0.3, 0.2, 0.2, 0.2, 0.1]), POLS.map((p) => parsePolicy(p).policy), parseSimulateOptions(OPTS));
    expect(rows.length).toBe(core.summary.length);
    core.summary.forEach((r, k) => {
      expect(rows[k].policy).toBe(POLS[r.policy]);
      expect(rows[k].statistic).toBe(r.statistic);
      // the CLI prints numbers tidied to 15 significant digits (plan.ts tidy)
      expect(Math.abs((rows[k].p50 as number) - r.percentiles[2])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(r.percentiles[2])));
      expect(Math.abs((rows[k].mean as number) - r.mean)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(r.mean)));
    });
  });
  test("bad input exits 1 naming it; usage errors exit 2", () => {
    const r = rebal("simulate", csv, "--targets", TARGETS, "--policy", "band_rel=wide", "--jobs", "1");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/band_rel/);
    const o = rebal("simulate", csv, "--targets", TARGETS, "--policy", "lot=0", "--options", "paths=0", "--jobs", "1");
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/paths must be a whole number/);
    expect(rebal("simulate", csv, "--targets", TARGETS).code).toBe(2);
  });
});

describe("rebal backtest with walk-forward targets", () => {
  test("the final value and start date of core's walk-forward backtest", () => {
    const spec = "optimize: objective=min_volatility; window=120; every=monthly";
    const r = rebal("backtest", csv, "--targets", spec, "--policy", "trigger=calendar; frequency=monthly; lot=0", "--format", "json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; value: number | string }[];
    const wf = runWalkForward(Float64Array.from(fixture.dates.slice(0, T)), Float64Array.from(fixture.prices.slice(0, T).flat()), n, parseTargetsSpec(spec), parsePolicy("trigger=calendar; frequency=monthly; lot=0").policy);
    expect(rows.find((x) => x.name === "start_date")!.value).toBe(serialToISO(fixture.dates[wf.start]));
    expect(rows.find((x) => x.name === "final_value")!.value as number).toBeCloseTo(wf.result.values[wf.result.values.length - 1], 6);
    const bad = rebal("backtest", csv, "--targets", "optimize: window=999");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/at least 1000 dates; there are 300/);
  });
});
