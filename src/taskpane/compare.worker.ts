/**
 * The "Compare policies" Web Worker: runs the backtests of a comparison (core runComparison) off the
 * pane's UI thread, so the pane stays responsive. Imports src/core only (no Office, no DOM).
 *
 * Protocol (one job per worker; the pane creates a worker per run and cancels by terminating it):
 *   in:  { type: "run", job: CompareJob }  or  { type: "simulate", job: SimulationJob } (Monte Carlo,
 *        core simulate/compareSimulation.ts)  or  { type: "sweep", job: SweepJob } (compareSweep.ts)
 *   out: { type: "progress", done, total }   rows done over all policies (core's hook, every 256 rows),
 *                                            or paths done (simulations, after every path)
 *        { type: "done", result: CompareResult }   typed arrays transferred, not copied
 *        { type: "simulated", result: SimulationResult }
 *        { type: "swept", result: SweepJobResult }     (progress: grid cells done over all policies)
 *        { type: "error", message }            a RebalError's message (bad input in a policy), or
 *                                              "internal error: ..." for anything else
 */
import { CompareJob, CompareResult, runComparison } from "../core/backtest/compare";
import { runSimulation, SimulationJob, SimulationResult } from "../core/simulate/compareSimulation";
import { runSweepJob, SweepJob, SweepJobResult } from "../core/simulate/compareSweep";
import { RebalError } from "../core/errors";
import { Workspace } from "../core/workspace";

export type CompareRequest = { type: "run"; job: CompareJob } | { type: "simulate"; job: SimulationJob } | { type: "sweep"; job: SweepJob };
export type CompareReply =
  | { type: "progress"; done: number; total: number }
  | { type: "done"; result: CompareResult }
  | { type: "simulated"; result: SimulationResult }
  | { type: "swept"; result: SweepJobResult }
  | { type: "error"; message: string };

interface WorkerScope {
  onmessage: ((ev: MessageEvent<CompareRequest>) => void) | null;
  postMessage(message: CompareReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
/** This worker's Workspace (core/workspace.ts): the scan memory its backtests reuse. */
const workspace = new Workspace();

scope.onmessage = (ev) => {
  if (!ev.data || (ev.data.type !== "run" && ev.data.type !== "simulate" && ev.data.type !== "sweep")) return;
  try {
    if (ev.data.type === "sweep") {
      const swept = runSweepJob(ev.data.job, (done, total) => {
        scope.postMessage({ type: "progress", done, total });
      }, workspace);
      scope.postMessage({ type: "swept", result: swept });
      return;
    }
    if (ev.data.type === "simulate") {
      const sim = runSimulation(ev.data.job, (done, total) => {
        scope.postMessage({ type: "progress", done, total });
      }, workspace);
      scope.postMessage({ type: "simulated", result: sim }, [sim.fan.buffer as ArrayBuffer, sim.fanDates.buffer as ArrayBuffer]);
      return;
    }
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
