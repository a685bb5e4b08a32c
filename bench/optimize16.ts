/**
 * Benchmarks of issue 16's optimizers, in one run: Black-Litterman N = 500 with 20 views; min CVaR /
 * min CDaR (T = 1,260; N = 50 and 200) end to end (returns, LP arrays, HiGHS through its model API,
 * solution) next to HiGHS's own `run()` on the same model, freshly passed; max_assets = 15 at N = 100
 * (exact branch and bound at its default budget, genetic, auto) with the proven gaps.
 * Synthetic data: the seeded 5-factor model of bench/optimize.ts (deterministic).
 * `npm run bench -- optimize16` (a group of bench/run.ts; also `npx tsx bench/optimize16.ts`).
 */
import { optimizeDetailed } from "../src/core/optimize";
import { blackLitterman, View } from "../src/core/optimize/blackLitterman";
import { buildTailLp, meanHistorical, optimizeTail, TAIL_LP_TOL } from "../src/core/optimize/tail";
import { loadHighs } from "../src/core/optimize/allocate";
import type { BenchRow } from "./harness";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
function factorReturns(T: number, N: number, seed: number): { T: number; N: number; x: Float64Array } {
  const r = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  const K = 5, B = Array.from({ length: N * K }, () => 0.5 + 0.5 * g());
  const x = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const f = Array.from({ length: K }, (_, k) => 0.01 * g() / (k + 1));
    for (let i = 0; i < N; i++) { let v = 0.0003 + 0.015 * g(); for (let k = 0; k < K; k++) v += B[i * K + k] * f[k]; x[t * N + i] = v; }
  }
  return { T, N, x };
}
function covOf(p: { T: number; N: number; x: Float64Array }): number[][] {
  const { T, N, x } = p, m = new Float64Array(N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) m[i] += x[t * N + i] / T;
  const C: number[][] = Array.from({ length: N }, () => new Array(N).fill(0));
  for (let i = 0; i < N; i++) for (let j = 0; j <= i; j++) { let s = 0; for (let t = 0; t < T; t++) s += (x[t * N + i] - m[i]) * (x[t * N + j] - m[j]); C[i][j] = C[j][i] = (252 * s) / (T - 1); }
  return C;
}
const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function benchOptimize16(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // ---- Black-Litterman -------------------------------------------------------------------
  {
    const N = 500, cov = covOf(factorReturns(300, N, 5));
    const r = rng(9), prior = Array.from({ length: N }, () => 0.05 + 0.05 * r());
    const views: View[] = Array.from({ length: 20 }, (_, k) => {
      const picks = new Array(N).fill(0);
      picks[(k * 37) % N] = 1; if (k % 2) picks[(k * 53 + 11) % N] = -1;
      return { picks, q: 0.02 * (k % 5), confidence: 0.1 + 0.04 * k };
    });
    for (let k = 0; k < 5; k++) blackLitterman(cov, prior, views);
    const ts: number[] = [];
    for (let k = 0; k < 21; k++) { const t0 = performance.now(); blackLitterman(cov, prior, views); ts.push(performance.now() - t0); }
    rows.push({ name: "black_litterman N=500, 20 views (idzorek)", medianMs: mid(ts), note: "cov validation included; target <= 20 ms" });
  }
  // ---- tail LPs ----------------------------------------------------------------------------
  const highs = await loadHighs();
  for (const N of [50, 200]) {
    const panel = factorReturns(1260, N, 7 + N);
    for (const obj of ["min_cvar", "min_cdar"] as const) {
      if (obj === "min_cdar" && N > 50) continue; // minutes per round on 2 shared cores
      await optimizeTail(panel, obj, { returnsData: true });
      const ours: number[] = [], run: number[] = [], ratio: number[] = [];
      const rounds = N <= 50 ? 5 : 3;
      for (let k = 0; k < rounds; k++) {
        let t0 = performance.now();
        await optimizeTail(panel, obj, { returnsData: true });
        const a = performance.now() - t0;
        const lp = buildTailLp(panel, obj, 0.95, new Float64Array(N), new Float64Array(N).fill(1), meanHistorical(panel, 252), null, highs.infinity);
        const m = highs.createModel();
        try {
          m.options.set({ output_flag: false, primal_feasibility_tolerance: TAIL_LP_TOL, dual_feasibility_tolerance: TAIL_LP_TOL });
          m.passModel({ numCols: lp.numCols, numRows: lp.numRows, colCost: lp.colCost, colLower: lp.colLower, colUpper: lp.colUpper, rowLower: lp.rowLower, rowUpper: lp.rowUpper, matrix: { format: "csr", numRows: lp.numRows, numCols: lp.numCols, starts: lp.starts, indices: lp.indices, values: lp.values } });
          t0 = performance.now(); m.run(); run.push(performance.now() - t0);
        } finally { m.dispose(); }
        ours.push(a); ratio.push(a / run[run.length - 1]);
      }
      rows.push({ name: `${obj} T=1260 N=${N}: ours end to end`, medianMs: mid(ours), note: `${mid(ratio).toFixed(2)}x HiGHS run() alone (median per-round ratio; target <= 2x)` });
      rows.push({ name: `${obj} T=1260 N=${N}: HiGHS run() alone`, medianMs: mid(run) });
    }
  }
  // ---- cardinality ---------------------------------------------------------------------------
  {
    const N = 100, p = factorReturns(1260, N, 100), cov = covOf(p);
    const r = rng(N), mu = Array.from({ length: N }, (_, i) => 0.02 + 0.15 * r() + 0.5 * Math.sqrt(cov[i][i]) * (r() - 0.3));
    for (const obj of ["min_volatility", "max_sharpe"]) {
      for (const solver of ["exact", "genetic", "auto"] as const) {
        const t0 = performance.now();
        const res = optimizeDetailed(obj, mu, cov, { maxAssets: 15, riskFreeRate: 0.02, solver });
        const ms = performance.now() - t0;
        const rep = res.report!;
        rows.push({ name: `${obj} N=100 max_assets=15: ${solver}`, medianMs: ms, note: `score ${rep.score.toPrecision(8)}, proven gap ${(rep.gap * 100).toFixed(2)}%, ${rep.nodes} convex solves (one run)` });
      }
    }
  }
  return rows;
}

if (typeof require !== "undefined" && require.main === module) {
  void benchOptimize16().then((rows) => { for (const r of rows) console.log(`${r.name.padEnd(48)} ${r.medianMs.toFixed(2).padStart(10)} ms  ${r.note ?? ""}`); });
}
