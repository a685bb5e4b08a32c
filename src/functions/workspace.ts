/**
 * The custom-functions runtime's Workspace (src/core/workspace.ts): one per runtime, owned by the
 * formulas layer. functions.ts (the entry module Excel loads) passes it to every formula body that
 * runs a kernel with reusable memory (COV, OPTIMIZE, FRONTIER, BACKTEST, EQUITY); a body called
 * directly (tests, benchmarks) uses it too unless given another, so it behaves as in Excel. Custom
 * functions run one at a time in the runtime, so one workspace serves them all; what it keeps is
 * bounded by the workspace's one retention cap (RETAIN_BYTES, 64 MiB per buffer) in the runtime it
 * shares with the task pane.
 */
import { Workspace } from "../core/workspace";

export const runtimeWorkspace = new Workspace();
