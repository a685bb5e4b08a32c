/** Worker thread of `rebal` batches: plans packed accounts (plan.ts) and posts the packed results back. */
import { parentPort } from "node:worker_threads";
import { Policy } from "../core/policy";
import { Packed, planPacked, resultBuffers } from "./plan";

parentPort!.on("message", (msg: { id: number; pack: Packed; policy: Policy; calendarDue: boolean | null }) => {
  try {
    const result = planPacked(msg.pack, msg.policy, msg.calendarDue);
    parentPort!.postMessage({ id: msg.id, result }, resultBuffers(result));
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, crash: (e as Error).stack ?? String(e) });
  }
});
