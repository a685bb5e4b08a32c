/**
 * A trade request on top of a stored policy: what the adviser asked for in the pane's preview,
 * applied to the book and the policy before planning (pure; the pane and the trade sheet both plan
 * through it, so the preview and the written sheet are the same plan).
 * - `exclude`: assets (by index) not to trade this time: planned as restricted (trades.ts: never
 *   traded; the others are re-planned around them, which is what dropping one order means).
 * - `cashFlow`: a deposit (> 0) or withdrawal (< 0) of cash with this rebalance, added to the
 *   cash. Cash-flow rebalancing: the flow is invested (a deposit: buys only) or raised (a
 *   withdrawal: sales only) toward the targets whether or not a band is breached, so the request is
 *   planned as due (trigger always) with mode buy_only / sell_only; a policy that already forbids
 *   the needed side keeps its mode (the planner then says so per asset). A withdrawal larger than
 *   the cash leaves the cash negative before trading: the planner sells to bring it back to the reserve.
 */
import { RebalError } from "./errors";
import { Policy } from "./policy";
import { Book } from "./trades";

export interface TradeRequest {
  cashFlow?: number;
  exclude?: readonly number[];
}

export interface AppliedRequest {
  book: Book;
  policy: Policy;
  /** What the request changed, in words ("" when nothing): for the stamp and the preview. */
  note: string;
}

const money = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function applyRequest(book: Book, policy: Policy, request: TradeRequest, assets: readonly string[]): AppliedRequest {
  const flow = request.cashFlow ?? 0;
  if (!Number.isFinite(flow)) throw new RebalError(`deposit / withdrawal must be a number, got ${flow}`);
  const notes: string[] = [];
  let b: Book = book;
  let p: Policy = policy;
  const exclude = request.exclude ?? [];
  if (exclude.length) {
    const restricted = new Uint8Array(book.quantities.length);
    if (book.restricted) restricted.set(book.restricted);
    for (const i of exclude) {
      if (!(Number.isInteger(i) && i >= 0 && i < restricted.length)) throw new RebalError(`excluded asset ${i} is not a holding`);
      restricted[i] = 1;
    }
    b = { ...b, restricted };
    notes.push(`excluded from this rebalance: ${exclude.map((i) => assets[i] ?? `row ${i + 1}`).join(", ")}`);
  }
  if (flow !== 0) {
    b = { ...b, cash: book.cash + flow };
    const mode = flow > 0 ? (policy.mode === "sell_only" ? policy.mode : "buy_only") : (policy.mode === "buy_only" ? policy.mode : "sell_only");
    p = { ...policy, trigger: "always", mode };
    notes.push(flow > 0 ? `deposit of ${money(flow)} invested (buys only)` : `withdrawal of ${money(-flow)} raised (sales only)`);
  }
  return { book: b, policy: p, note: notes.join("; ") };
}
