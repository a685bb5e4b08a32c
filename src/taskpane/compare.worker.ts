/**
 * The "Compare policies" Web Worker: runs the backtests of a comparison (core runComparison) off the
 * pane's UI thread, so the pane stays responsive. Imports src/core only (no Office, no DOM).
 *
 * Protocol (one job per worker; the pane creates a worker per run and cancels by terminating it):
 *   in:  { type: "run", job: CompareJob }
 *   out: { type: "progress", done, total }   rows done over all policies (core's hook, every 256 rows)
 *        { type: "done", result: CompareResult }   typed arrays transferred, not copied
 *        { type: "error", message }            a RebalError's message (bad input in a policy), or
 *                                              "internal error: ..." for anything else
 */
import { CompareJob, CompareResult, runComparison } from "../core/backtest/compare";
import { RebalError } from "../core/errors";
import { Workspace } from "../core/workspace";

export type CompareRequest = { type: "run"; job: CompareJob };
export type CompareReply =
  | { type: "progress"; done: number; total: number }
  | { type: "done"; result: CompareResult }
  | { type: "error"; message: string };

interface WorkerScope {
  onmessage: ((ev: MessageEvent<CompareRequest>) => void) | null;
  postMessage(message: CompareReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
/** This worker's Workspace (core/workspace.ts): the scan memory its backtests reuse. */
const workspace = new Workspace();

scope.onmessage = (ev) => {
  if (!ev.data || ev.data.type !== "run") return;
  try {
    const result = runComparison(ev.data.job, (done, total) => {
      scope.postMessage({ type: "progress", done, total });
    }, workspace);
    const buffers = new Set<ArrayBuffer>();
    for (const r of result.runs) {
      buffers.add(r.values.buffer as ArrayBuffer);
      buffers.add(r.drawdown.buffer as ArrayBuffer);
    }
    scope.postMessage({ type: "done", result }, [...buffers]);
  } catch (e) {
    const message = e instanceof RebalError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    scope.postMessage({ type: "error", message });
  }
};
