/**
 * Range parsing against the maths: REBAL.COV on 1,260 days x 500 assets and REBAL.BACKTEST on 5,040
 * days x 500 assets, end to end (Excel-shaped any[][] with a header row of tickers: range parsing,
 * options, core, result shaping) next to the core call alone on the same data already in a
 * Float64Array:
 * - COV core: returnsPanel + riskMatrixPanel("sample", fix_psd default) on the price panel;
 * - BACKTEST core: runBacktest on the prices in backtestPrices' matrix (as REBAL.BACKTEST passes
 *   them), 5/25 bands, fractional shares.
 * The ratio end to end / core is what issue 10 targets (COV <= 1.3x, BACKTEST <= 4x). Rounds are
 * interleaved (core, formula, core, ...) so load drift on a shared machine hits both alike; the
 * ratio reported is the median of the per-round ratios. COV is also timed through the generic reader
 * it used before (tableArg, then core's toPanel on the cells), for the before/after in one run. The core side has its own Workspace, the
 * formulas run on the runtime's (src/functions/workspace.ts), as in Excel. Synthetic seeded prices (deterministic). No thresholds here.
 */
import { backtestPrices, runBacktest } from "../src/core/backtest";
import { riskMatrix, riskMatrixPanel } from "../src/core/estimators/covariance";
import { returnsPanel } from "../src/core/estimators/panel";
import { parsePolicy } from "../src/core/policy";
import { Workspace } from "../src/core/workspace";
import { backtestFn } from "../src/functions/backtest";
import { covFn, tableArg } from "../src/functions/optimization";
import { runtimeWorkspace } from "../src/functions/workspace";
import { makeHistory } from "./backtest";
import { BenchRow } from "./harness";

const median = (a: number[]): number => { const b = [...a].sort((x, y) => x - y); return b[b.length >> 1]; };

/** Interleaved rounds of `fns` (the first is the core); medians and the median per-round ratio to the core. */
function rounds(fns: Array<() => unknown>, count: number): { ms: number[]; ratio: number[] } {
  for (let k = 0; k < 3; k++) for (const f of fns) f();
  const ms: number[][] = fns.map(() => []), ratio: number[][] = fns.map(() => []);
  for (let k = 0; k < count; k++) {
    const t = fns.map((f) => { const t0 = performance.now(); f(); return performance.now() - t0; });
    t.forEach((v, j) => { ms[j].push(v); ratio[j].push(v / t[0]); });
  }
  return { ms: ms.map(median), ratio: ratio.map(median) };
}

/** Excel-shaped prices: a header row of tickers, then one row of numbers per day. */
function excelRows(prices: Float64Array, T: number, n: number): unknown[][] {
  const rows: unknown[][] = [Array.from({ length: n }, (_, i) => `A${i + 1}`)];
  for (let t = 0; t < T; t++) rows.push(Array.from(prices.subarray(t * n, (t + 1) * n)));
  return rows;
}

export function benchParsing(): BenchRow[] {
  const out: BenchRow[] = [];
  // ---- REBAL.COV 1,260 x 500 ---------------------------------------------------------------
  {
    const T = 1260, n = 500;
    const { prices } = makeHistory(T, n, 7);
    const xPrices = excelRows(prices, T, n);
    const ws = new Workspace();
    const panel = { T, N: n, x: prices };
    // the generic path COV took before panelArg: tableArg's per-cell copies, then core's toPanel
    const generic = () => { const t = tableArg(xPrices, "prices"); return riskMatrix(t.rows, "sample", { names: t.names, workspace: runtimeWorkspace }); };
    const m = rounds([() => riskMatrixPanel(returnsPanel(panel), "sample", { workspace: ws }), () => covFn(xPrices, null, null, runtimeWorkspace), generic], 15);
    out.push({ name: `core returnsPanel + riskMatrixPanel sample, ${T} x ${n} Float64Array`, medianMs: m.ms[0], runs: 15 });
    out.push({ name: `REBAL.COV end to end, ${T + 1} x ${n} any[][] with header`, medianMs: m.ms[1], runs: 15, note: `${m.ratio[1].toFixed(2)}x core (target <= 1.3x)` });
    out.push({ name: `same through the generic reader (tableArg + riskMatrix; COV before panelArg)`, medianMs: m.ms[2], runs: 15, note: `${m.ratio[2].toFixed(2)}x core` });
  }
  // ---- REBAL.BACKTEST 5,040 x 500 ----------------------------------------------------------
  {
    const T = 5040, n = 500;
    const { dates, prices, targets } = makeHistory(T, n);
    const text = "band_abs=0.05; band_rel=0.25; lot=0";
    const policy = parsePolicy(text).policy;
    const ws = new Workspace();
    const own = backtestPrices(T, n, null, ws);
    own.set(prices);
    const input = { dates, prices: own, nAssets: n, targets };
    const xDates: unknown[][] = [["Date"], ...Array.from(dates, (d) => [d])];
    const xPrices = excelRows(prices, T, n);
    const xTargets = Array.from(targets, (x) => [x]);
    const m = rounds([() => runBacktest(input, policy, { workspace: ws }), () => backtestFn(xDates, xPrices, xTargets, text, null, runtimeWorkspace)], 10);
    out.push({ name: `core runBacktest, ${T} x ${n}, 5/25 fractional, prices in backtestPrices' matrix`, medianMs: m.ms[0], runs: 10 });
    out.push({ name: `REBAL.BACKTEST end to end, ${T + 1} x ${n} any[][] with header`, medianMs: m.ms[1], runs: 10, note: `${m.ratio[1].toFixed(2)}x core (target <= 4x)` });
  }
  return out;
}
