/**
 * `rebal optimize` with the issue-16 objectives and options (src/cli/optimizeExtras.ts), through the
 * CLI's main() in process: tail objectives on the prices, max_assets with the search's report,
 * --current with cost_bps, and the errors for options an objective does not use.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli/main";
import { optimizeTail } from "../../src/core/optimize/tail";
import { optimize } from "../../src/core/optimize";
import fx from "../fixtures/tail/tail.json";
import bl from "../fixtures/blacklitterman/blacklitterman.json";

let dir = "", file = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rebal-opt-"));
  file = path.join(dir, "prices.csv");
  writeFileSync(file, ["Date," + fx.names.join(","), ...fx.prices.map((r, i) => `${fx.dates[i]},${r.join(",")}`)].join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: Map<string, string>; err: string }> {
  let so = "", se = "";
  const code = await main(["optimize", file, "--format", "csv", ...args], { stdout: (s) => { so += s; }, stderr: (s) => { se += s; } });
  const out = new Map(so.trim().split("\n").filter(Boolean).map((l) => { const k = l.indexOf(","); return [l.slice(0, k), l.slice(k + 1)] as [string, string]; }));
  return { code, out, err: se };
}

describe("rebal optimize: issue 16 objectives", () => {
  test("min_cvar prints the weights and the CVaR of the core's LP", async () => {
    const r = await run("--objective", "min_cvar", "--options", "beta=0.9; max_weight=0.15");
    expect(r.code).toBe(0);
    const T = fx.prices.length, N = fx.names.length;
    const core = await optimizeTail({ T, N, x: Float64Array.from(fx.prices.flat()) }, "min_cvar", { beta: 0.9, maxWeight: 0.15 });
    expect(Number(r.out.get("cvar"))).toBeCloseTo(core.risk, 12);
    const c = fx.cases.find((x) => x.name === "min_cvar beta 0.9 max 0.15")!;
    expect(Math.abs(Number(r.out.get("cvar")) - c.objective) / c.objective).toBeLessThan(1e-6);
  });
  test("max_assets reports a proven optimum; --current with cost_bps", async () => {
    const r = await run("--objective", "max_sharpe", "--options", "max_assets=4; risk_free_rate=0.02");
    expect(r.code).toBe(0);
    expect(r.out.get("status")).toBe("optimal (proven)");
    expect(fx.names.filter((n) => Number(r.out.get(n)) > 0)).toHaveLength(4);
    const m = await run("--options", "cost_bps=10; max_turnover=0.3", "--current", "AAPL=0.5; MSFT=0.5");
    expect(m.code).toBe(0);
    const turnover = fx.names.reduce((s, n) => s + Math.abs(Number(m.out.get(n)) - (n === "AAPL" || n === "MSFT" ? 0.5 : 0)), 0);
    expect(turnover).toBeLessThanOrEqual(0.3 + 1e-9);
  });
  test("--views / --caps: the Black-Litterman posterior (numpy fixture) feeds the optimizer", async () => {
    const pf = path.join(dir, "bl.csv"), vf = path.join(dir, "views.csv");
    writeFileSync(pf, ["Date," + bl.names.join(","), ...bl.prices.map((r, i) => `${bl.dates[i]},${r.join(",")}`)].join("\n") + "\n");
    writeFileSync(vf, [[...bl.names, "Q"].join(","), ...bl.P.slice(0, 3).map((p, k) => [...p.map((x) => (x === 0 ? "" : x)), bl.Q[k]].join(","))].join("\n") + "\n");
    const caps = bl.names.map((n, i) => `${n}=${bl.caps[i]}`).join("; ");
    let so = "", se = "";
    const code = await main(["optimize", pf, "--format", "csv", "--objective", "max_utility", "--views", vf, "--caps", caps, "--options", `delta=${bl.risk_aversion}; risk_free_rate=${bl.risk_free_rate}; risk_aversion=5`], { stdout: (s) => { so += s; }, stderr: (s) => { se += s; } });
    expect(se).toBe("");
    expect(code).toBe(0);
    const out = new Map(so.trim().split("\n").map((l) => [l.slice(0, l.indexOf(",")), Number(l.slice(l.indexOf(",") + 1))] as [string, number]));
    const ref = optimize("max_utility", bl.cases.default.returns, bl.cov, { riskAversion: 5 });
    bl.names.forEach((n, i) => expect(Math.abs(out.get(n)! - ref[i])).toBeLessThan(1e-6));
    expect((await run("--options", "tau=0.1")).err).toMatch(/tau applies only with --views/);
  });
  test("options an objective does not use are errors", async () => {
    expect((await run("--objective", "min_cvar", "--options", "max_assets=3")).err).toMatch(/max_assets is not used by min_cvar/);
    expect((await run("--objective", "max_sharpe", "--options", "cost_bps=5", "--current", "AAPL=1")).err).toMatch(/max_sharpe does not use current, cost_bps/);
    expect((await run("--options", "beta=0.9")).err).toMatch(/beta is used only by the tail objectives/);
    expect((await run("--options", "cost_bps=5", "--current", "ZZZ=1")).err).toMatch(/"zzz" is not an asset/);
    expect((await run("--objective", "min_cdar", "--cov", "ledoit_wolf")).err).toMatch(/--returns, --cov, --views and --current do not apply/);
  });
});
