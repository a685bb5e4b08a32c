/**
 * `npm run bench`: every benchmark side by side in one run; `npm run bench -- trades` (or optimize,
 * backtest, cli) runs one group. Figures are recorded in BENCHMARKS.md. Medians of repeated runs
 * after warm-up: compare ratios within one run, not across machines.
 */
import { BenchRow, printTable } from "./harness";

type Group = { name: string; title: string; load: () => Promise<() => BenchRow[] | Promise<BenchRow[]>> };

const groups: Group[] = [
  { name: "trades", title: "Trades: 10,000 holdings (foundation)", load: async () => (await import("./trades")).benchTrades },
  { name: "optimize", title: "Estimators and optimizers", load: async () => (await import("./optimize")).benchOptimize },
  { name: "backtest", title: "Backtests: 5,040 days x 500 assets", load: async () => (await import("./backtest")).benchBacktest },
  { name: "cli", title: "Command line: batch of 10,000 accounts x 20 holdings", load: async () => (await import("./cli")).benchCli },
  { name: "parsing", title: "Range parsing vs the core: REBAL.COV 1,260 x 500, REBAL.BACKTEST 5,040 x 500", load: async () => (await import("./parsing")).benchParsing },
];

async function main(): Promise<void> {
  const only = process.argv[2];
  console.log(`# Rebal benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  for (const g of groups) {
    if (only && only !== g.name) continue;
    const fn = await g.load();
    printTable(g.title, await fn());
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
