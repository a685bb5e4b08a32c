/**
 * Batches: many accounts planned in parallel worker_threads (or in this thread). Accounts are cut
 * into chunks, packed (plan.ts) and handed to a pool of workers as they free up; the results are
 * stitched back in account order, so the output equals the sequential one exactly.
 * Workers run the same code as this thread: compiled worker.js next to this file in a package
 * (build/cli), else the TypeScript through worker-boot.cjs (tsx), as bin/rebal.js chooses.
 * Progress (accounts done) goes to `onProgress`; the CLI draws a bar on a TTY stderr only.
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { Policy } from "../core/policy";
import type { Account } from "./inputs";
import { Packed, PackedResult, pack, packBuffers, planPacked } from "./plan";

/** The worker's entry: the compiled worker.js when this module is compiled JavaScript, else the tsx boot file. */
const WORKER_ENTRY = path.join(__dirname, __filename.endsWith(".js") ? "worker.js" : "worker-boot.cjs");

export const defaultJobs = (): number => Math.max(1, Math.min(8, (os.availableParallelism?.() ?? os.cpus().length)));

/** Concatenates chunk results (in order) into one result. */
export function concatResults(parts: PackedResult[]): PackedResult {
  const cat = <T extends Float64Array | Uint8Array>(xs: T[], make: (n: number) => T): T => {
    const out = make(xs.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of xs) { out.set(x, o); o += x.length; }
    return out;
  };
  const f = (k: keyof PackedResult) => parts.map((p) => p[k] as Float64Array);
  return {
    trades: cat(f("trades"), (n) => new Float64Array(n)), wBefore: cat(f("wBefore"), (n) => new Float64Array(n)),
    wAfter: cat(f("wAfter"), (n) => new Float64Array(n)), dest: cat(f("dest"), (n) => new Float64Array(n)), costs: cat(f("costs"), (n) => new Float64Array(n)),
    reasons: parts.flatMap((p) => p.reasons), summary: cat(f("summary"), (n) => new Float64Array(n)),
    due: cat(parts.map((p) => p.due), (n) => new Uint8Array(n)), decision: parts.flatMap((p) => p.decision), errors: parts.flatMap((p) => p.errors),
  };
}

/** Plans in this thread. */
export function planSequential(accounts: readonly Account[], policy: Policy, calendarDue: boolean | null = null): PackedResult {
  return planPacked(pack(accounts), policy, calendarDue);
}

/** Plans in `jobs` worker threads, `chunk` accounts per message. */
export async function planInWorkers(accounts: readonly Account[], policy: Policy, jobs = defaultJobs(), onProgress?: (done: number, total: number) => void, chunk = 0, calendarDue: boolean | null = null): Promise<PackedResult> {
  const total = accounts.length;
  if (total === 0) return planPacked(pack([]), policy, calendarDue);
  const size = chunk > 0 ? chunk : Math.max(50, Math.ceil(total / (jobs * 8)));
  const chunks: { from: number; to: number }[] = [];
  for (let a = 0; a < total; a += size) chunks.push({ from: a, to: Math.min(total, a + size) });
  const results: PackedResult[] = new Array(chunks.length);
  const nWorkers = Math.min(jobs, chunks.length);
  const workers: Worker[] = [];
  let next = 0, done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const send = (w: Worker) => {
        if (next >= chunks.length) return;
        const id = next++;
        const c = chunks[id];
        const P: Packed = pack(accounts.slice(c.from, c.to));
        w.postMessage({ id, pack: P, policy, calendarDue }, packBuffers(P));
      };
      for (let k = 0; k < nWorkers; k++) {
        const w = new Worker(WORKER_ENTRY);
        workers.push(w);
        w.on("message", (msg: { id: number; result?: PackedResult; crash?: string }) => {
          if (msg.crash || !msg.result) { reject(new Error(`worker failed: ${msg.crash}`)); return; }
          results[msg.id] = msg.result;
          done += chunks[msg.id].to - chunks[msg.id].from;
          onProgress?.(done, total);
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
  return concatResults(results);
}

/** A progress bar on stderr, drawn only when stderr is a TTY. */
export function progressBar(label: string): { update: (done: number, total: number) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  return {
    update(done, total) {
      if (!tty) return;
      const pct = Math.floor((100 * done) / total);
      if (pct === last) return;
      last = pct;
      const width = 30, fill = Math.round((width * done) / total);
      process.stderr.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${done}/${total}`);
    },
    end() { if (tty && last >= 0) process.stderr.write("\n"); },
  };
}
