/**
 * A holdings range with a header row (as Excel passes it) -> a Book for the trade engine.
 *
 * The table rules live in holdingsTable.ts (header aliases, blank rows skipped, every problem named
 * by row, column letter and header): this module only turns an Excel range argument into cells.
 */
import { matrixArg } from "./cells";
import { HoldingsTable, readHoldingsTable } from "./holdingsTable";

export type Holdings = HoldingsTable;

/** Reads a holdings range whose first row is its header; `arg` names it in messages (header = row 1). */
export function readHoldings(value: unknown, arg: string): Holdings {
  return readHoldingsTable(matrixArg(value, arg), arg, 1);
}
