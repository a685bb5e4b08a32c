/**
 * `rebal simulate`: REBAL.SIMULATE's Monte Carlo (core simulate.ts) on worker threads. The paths are
 * cut into chunks (from..to ranges) handed to a pool of workers as they free up; each worker
 * prepares the same setup from the same inputs and runs its paths (path k always draws from the
 * stream (seed, k), random.ts), and the chunks' statistics are stitched back in path order, so the
 * table equals the one-thread result exactly. Workers are the compiled simulateWorker.js next to
 * this file in a package (build/cli), else the TypeScript through simulate-worker-boot.cjs (tsx),
 * as batch.ts does for trades. Progress (paths done) goes to `onProgress`.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { Policy } from "../core/policy";
import { prepareSimulation, simulatePaths, SimulateOptions, summarize, SummaryRow, SIMULATE_STATISTICS } from "../core/simulate/simulate";
import { Workspace } from "../core/workspace";

const WORKER_ENTRY = path.join(__dirname, __filename.endsWith(".js") ? "simulateWorker.js" : "simulate-worker-boot.cjs");

/** What every worker needs to rebuild the setup. */
export interface SimulationInput {
  dates: Float64Array;
  prices: Float64Array;
  n: number;
  targets: Float64Array;
  policies: Policy[];
  options: SimulateOptions;
}

/** A chunk request to a worker, and its answers (progress messages, then the result or a failure). */
export interface ChunkRequest { id: number; from: number; to: number; input: SimulationInput }
export type ChunkReply = { id: number; progress: number } | { id: number; stats: Float64Array } | { id: number; error: string; bad: boolean };

/** The whole simulation in this thread. */
export function simulateHere(input: SimulationInput, onProgress?: (done: number, total: number) => void): { stats: Float64Array; summary: SummaryRow[] } {
  const setup = prepareSimulation(input.dates, input.prices, input.n, input.targets, input.policies, input.options);
  const P = input.options.paths;
  const stats = simulatePaths(setup, 0, P, { workspace: new Workspace(), onProgress: onProgress ? (d) => { if (d % 10 === 0 || d === P) onProgress(d, P); } : null });
  return { stats, summary: summarize(stats, P, input.policies.length) };
}

/** The simulation in `jobs` worker threads (chunks of `chunk` paths; 0 = about 8 chunks per worker). */
export async function simulateInWorkers(input: SimulationInput, jobs: number, onProgress?: (done: number, total: number) => void, chunk = 0): Promise<{ stats: Float64Array; summary: SummaryRow[] }> {
  // the inputs are validated here first, so a bad input is a RebalError of this thread (not a worker failure)
  prepareSimulation(input.dates, input.prices, input.n, input.targets, input.policies, input.options);
  const P = input.options.paths;
  const size = chunk > 0 ? chunk : Math.max(1, Math.ceil(P / (jobs * 8)));
  const chunks: { from: number; to: number }[] = [];
  for (let a = 0; a < P; a += size) chunks.push({ from: a, to: Math.min(P, a + size) });
  const width = input.policies.length * SIMULATE_STATISTICS.length;
  const stats = new Float64Array(P * width);
  const doneBy = new Float64Array(chunks.length);
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const send = (w: Worker) => {
        if (next >= chunks.length) return;
        const id = next++;
        const req: ChunkRequest = { id, ...chunks[id], input };
        w.postMessage(req);
      };
      for (let k = 0; k < Math.min(jobs, chunks.length); k++) {
        const w = new Worker(WORKER_ENTRY);
        workers.push(w);
        w.on("message", (msg: ChunkReply) => {
          if ("progress" in msg) {
            doneBy[msg.id] = msg.progress;
            onProgress?.(doneBy.reduce((s, x) => s + x, 0), P);
            return;
          }
          if ("error" in msg) { reject(msg.bad ? new WorkerInputError(msg.error) : new Error(`worker failed: ${msg.error}`)); return; }
          stats.set(msg.stats, chunks[msg.id].from * width);
          doneBy[msg.id] = chunks[msg.id].to - chunks[msg.id].from;
          onProgress?.(doneBy.reduce((s, x) => s + x, 0), P);
          if (++finished === chunks.length) resolve();
          else send(w);
        });
        w.on("error", reject);
        w.on("exit", (code) => { if (code !== 0 && finished < chunks.length) reject(new Error(`worker exited with code ${code}`)); });
        send(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { stats, summary: summarize(stats, P, input.policies.length) };
}

/** A bad-input error raised in a worker (a path's backtest failed): reported like a RebalError. */
export class WorkerInputError extends Error {}
