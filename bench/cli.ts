/**
 * `rebal` batches: 10,000 accounts x 20 holdings in one CSV with an account column (target: <= 2 s
 * end to end). Rows: reading + grouping the CSV (papaparse, holdings parsing), planning in this
 * thread, planning in worker threads (the same packed code path), and building the trade rows.
 * Async (worker threads), so it returns a Promise; run alone with `npx tsx bench/cli.ts [accounts]`.
 * Single runs (minRuns 1): one pass is several seconds on these machines.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadInputs } from "../src/cli/inputs";
import { defaultJobs, planInWorkers, planSequential } from "../src/cli/batch";
import { tradeRows } from "../src/cli/plan";
import { BenchRow, measure, measureAsync, printTable, rng } from "./harness";

export function batchCsv(accounts: number, holdings: number, seed = 7): string {
  const r = rng(seed);
  const out = ["account,asset,quantity,price,target,cash"];
  const t = (0.98 / holdings).toFixed(6);
  for (let a = 0; a < accounts; a++) for (let i = 0; i < holdings; i++) out.push(`A${a},X${i},${Math.floor(r() * 500)},${(5 + r() * 200).toFixed(2)},${t},${i === 0 ? Math.floor(r() * 10000) : ""}`);
  return out.join("\n") + "\n";
}

export async function benchCli(accounts = 10000, holdings = 20): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rebal-bench-"));
  const file = path.join(dir, "batch.csv");
  writeFileSync(file, batchCsv(accounts, holdings));
  const once = { minRuns: 1, minMs: 0, warmup: 0 };
  const rows: BenchRow[] = [];
  try {
    const opts = { cash: null, policy: "lot=1", policiesFile: null, sheet: null };
    const input = await loadInputs([file], opts);
    const label = `${accounts} accounts x ${holdings} holdings`;
    rows.push(await measureAsync(`read + group CSV, ${label}`, () => loadInputs([file], opts), once));
    let seq = planSequential(input.accounts, input.policy);
    rows.push(measure(`plan, 1 thread, ${label}`, () => (seq = planSequential(input.accounts, input.policy)), once));
    const jobs = defaultJobs();
    rows.push(await measureAsync(`plan, ${jobs} worker threads (incl. start-up), ${label}`, () => planInWorkers(input.accounts, input.policy, jobs), { ...once, note: `${os.availableParallelism()} CPUs` }));
    rows.push(measure(`trade rows (reasons, weights), ${label}`, () => tradeRows(input.accounts, seq, true), once));
    const total = rows[0].medianMs + Math.min(rows[1].medianMs, rows[2].medianMs) + rows[3].medianMs;
    rows.push({ name: `end to end (read + best plan + rows), ${label}; target <= 2000 ms`, medianMs: total, note: "sum of the rows above" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 10000);
  benchCli(n).then((r) => printTable("rebal CLI batches", r), (e) => { console.error(e); process.exit(1); });
}
