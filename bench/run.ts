/**
 * `npm run bench`: every benchmark side by side in one run. Figures are recorded in BENCHMARKS.md.
 * Medians of repeated runs after warm-up; compare ratios within one run, not across machines.
 */
import { printTable } from "./harness";
import { benchTrades } from "./trades";

async function main(): Promise<void> {
  const only = process.argv[2];
  console.log(`# Rebal benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  if (!only || only === "trades") printTable("Trades (issue: foundation)", benchTrades());
  if (!only || only === "optimize") {
    const mod = await import("./optimize").catch(() => null);
    if (mod && typeof mod.benchOptimize === "function") printTable("Estimators and optimizers", await mod.benchOptimize());
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
