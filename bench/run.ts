/**
 * `npm run bench`: every benchmark side by side in one run; `npm run bench -- trades` (or optimize, optimize16,
 * backtest, cli, simulate, parsing) runs one group; `--quick` (or REBAL_BENCH_QUICK=1) makes a smoke run of the groups
 * that support it (trades). Figures are recorded in BENCHMARKS.md. Medians of repeated runs
 * after warm-up: compare ratios within one run, not across machines. A group returns rows (one
 * median table) or markdown tables (harness.ts `Table`), printed ready to paste.
 */
import { BenchRow, isTableList, printMarkdown, printTable, QUICK, Table } from "./harness";

type Result = BenchRow[] | Table[];
type Group = { name: string; title: string; load: () => Promise<() => Result | Promise<Result>> };

const groups: Group[] = [
  { name: "trades", title: "Trades: the grid, whole-share backtests, 10,000 holdings", load: async () => (await import("./trades")).benchTrades },
  { name: "optimize", title: "Estimators and optimizers", load: async () => (await import("./optimize")).benchOptimize },
  { name: "optimize16", title: "Optimizers beyond mean-variance (issue 16): Black-Litterman, CVaR/CDaR vs HiGHS, max_assets", load: async () => (await import("./optimize16")).benchOptimize16 },
  { name: "backtest", title: "Backtests: 5,040 days x 500 assets", load: async () => (await import("./backtest")).benchBacktest },
  { name: "cli", title: "Command line: batch of 10,000 accounts x 20 holdings", load: async () => (await import("./cli")).benchCli },
  { name: "simulate", title: "Monte Carlo and walk-forward (issue 17)", load: async () => (await import("./simulate")).benchSimulate },
  { name: "parsing", title: "Range parsing vs the core: REBAL.COV 1,260 x 500, REBAL.BACKTEST 5,040 x 500", load: async () => (await import("./parsing")).benchParsing },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2).find((a) => !a.startsWith("-"));
  if (only && !groups.some((g) => g.name === only)) throw new Error(`unknown group ${only}: ${groups.map((g) => g.name).join(" | ")}`);
  console.log(`# Rebal benchmarks — node ${process.version}, ${new Date().toISOString()}${QUICK ? " (quick mode: smoke run, not figures)" : ""}`);
  for (const g of groups) {
    if (only && only !== g.name) continue;
    const fn = await g.load();
    const res = await fn();
    if (isTableList(res)) for (const t of res) printMarkdown(t);
    else {
      printTable(g.title, res);
      console.log(`\nReproduce: \`npm run bench -- ${g.name}\``);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
