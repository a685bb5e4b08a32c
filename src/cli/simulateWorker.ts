/** Worker thread of `rebal simulate` (simulate.ts): runs a chunk of paths and posts progress, then the statistics. */
import { parentPort } from "node:worker_threads";
import { RebalError } from "../core/errors";
import { prepareSimulation, simulatePaths } from "../core/simulate/simulate";
import { Workspace } from "../core/workspace";
import type { ChunkReply, ChunkRequest } from "./simulate";

const ws = new Workspace(); // this thread's one workspace, reused by its chunks

parentPort!.on("message", (msg: ChunkRequest) => {
  const post = (r: ChunkReply, transfer?: ArrayBuffer[]) => parentPort!.postMessage(r, transfer);
  try {
    const i = msg.input;
    const setup = prepareSimulation(i.dates, i.prices, i.n, i.targets, i.policies, i.options);
    const stats = simulatePaths(setup, msg.from, msg.to, { workspace: ws, onProgress: (d) => { if (d % 10 === 0) post({ id: msg.id, progress: d }); } });
    post({ id: msg.id, stats }, [stats.buffer as ArrayBuffer]);
  } catch (e) {
    post({ id: msg.id, error: e instanceof RebalError ? e.message : (e as Error).stack ?? String(e), bad: e instanceof RebalError });
  }
});
