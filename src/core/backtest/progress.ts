/**
 * Progress reporting and cancellation of a backtest (runBacktest's `onProgress` option).
 *
 * - `onProgress(rowsDone, rowsTotal)` is called after every 256th row of the price history
 *   (rowsDone = 256, 512, ...) and once at the end (rowsDone = rowsTotal); rowsDone is strictly
 *   increasing and the last call has rowsDone === rowsTotal. At most every 256 rows, so the hook may
 *   do real work (post a message, check a flag or a deadline).
 * - Returning `false` (exactly false; undefined or true continue) cancels: the engine throws a
 *   `BacktestCancelled` (a RebalError with the message "backtest cancelled") and returns nothing.
 *   Returning false on the final call also cancels.
 * - The engine is synchronous: a cancel flag set by a UI event can only be seen if the caller runs the
 *   backtest off the UI thread (a worker) or the hook itself decides (a deadline, a counter).
 * - Without the hook the day loop does not test anything per row for it (it is free when absent).
 * Pure TypeScript: no Office, DOM or Node APIs.
 */
import { RebalError } from "../errors";

/** Reports rows done out of rows total; return false to cancel the backtest. */
export type BacktestProgress = (rowsDone: number, rowsTotal: number) => boolean | void;

/** Rows between two progress reports. */
export const PROGRESS_EVERY = 256;

/** Thrown by runBacktest when its `onProgress` hook returns false. */
export class BacktestCancelled extends RebalError {
  constructor() {
    super("backtest cancelled");
    this.name = "BacktestCancelled";
  }
}

/** Was this error a cancelled backtest (as opposed to bad input or a bug)? */
export function isCancelled(err: unknown): err is BacktestCancelled {
  return err instanceof BacktestCancelled;
}
