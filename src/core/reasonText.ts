/**
 * Trade reasons and policy settings in an adviser's words, for trade sheets (pane and CLI) and the
 * pane's preview: the same facts as trades.ts describeReason (which REBAL.TRADESHEET keeps, with
 * its policy keys), without storage keys ("min_trade", "buy_only") and with the band written as
 * "± x points". The optimality statement is trades.ts's (describeOptimality for a plan, describeGap
 * for a gap alone).
 */
import { Policy } from "./policy";
import { Reason, TradePlan } from "./trades";

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const points = (x: number): string => `${(x * 100).toFixed(2).replace(/\.?0+$/, "")} points`;
const money = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 2 });

const DESTINATION_WORDS: Record<Policy["destination"], string> = { target: "the target", edge: "the band edge", midpoint: "halfway to the target" };

/** Why asset i trades (or not), in plain words. */
export function plainReason(plan: TradePlan, i: number, policy: Policy): string {
  const w = plan.weightsBefore[i];
  const d = plan.destination[i];
  const h = plan.halfWidths[i];
  const band = h > 0 ? ` (band ± ${points(h)})` : "";
  switch (plan.reasons[i] as Reason) {
    case Reason.BreachBuy: return `below its band at ${pct(w)}${band}: buy back to ${DESTINATION_WORDS[policy.destination]} ${pct(d)}`;
    case Reason.BreachSell: return `above its band at ${pct(w)}${band}: sell back to ${DESTINATION_WORDS[policy.destination]} ${pct(d)}`;
    case Reason.Buy: return `underweight: ${pct(w)} now, ${pct(d)} after`;
    case Reason.Sell: return `overweight: ${pct(w)} now, ${pct(d)} after`;
    case Reason.CashReserve: return "sold to keep the cash the policy requires";
    case Reason.Restricted: return "restricted: never traded";
    case Reason.BelowMinTrade: return `trade smaller than the minimum of ${money(policy.minTrade)}: not made`;
    case Reason.BlockedByMode: return policy.mode === "buy_only" ? "would need a sale, but the policy only buys" : "would need a purchase, but the policy only sells";
    case Reason.BelowLot: return "trade smaller than one lot: not made";
    case Reason.NotDue: return "outside its band, but the policy is not due";
    case Reason.InBand: return plan.decision.due ? "inside its band: no trade needed" : "not due: no trade";
    default: return "at its destination: no trade needed";
  }
}

/** The policy's settings in words, e.g. "5/25 bands (± 5 points or 25% of target), back to target". */
export function policySummary(p: Policy): string {
  const parts: string[] = [];
  const band = p.bandAbs !== null && p.bandRel !== null
    ? `bands ± ${points(p.bandAbs)} or ${(p.bandRel * 100).toFixed(0)}% of target, whichever is tighter`
    : p.bandAbs !== null ? `bands ± ${points(p.bandAbs)}` : p.bandRel !== null ? `bands ± ${(p.bandRel * 100).toFixed(0)}% of target` : "";
  switch (p.trigger) {
    case "threshold": parts.push(`when outside ${band}`); break;
    case "calendar": parts.push(`${p.frequency ?? ""} calendar`); break;
    case "hybrid": parts.push(`${p.frequency ?? ""} review, trading only when outside ${band}`); break;
    case "either": parts.push(`${p.frequency ?? ""} calendar, or whenever outside ${band || "the bands"}`); break;
    case "always": parts.push("every time"); break;
    case "none": parts.push("buy and hold"); break;
  }
  parts.push(`back to ${DESTINATION_WORDS[p.destination]}`);
  if (p.mode === "buy_only") parts.push("buys only");
  if (p.mode === "sell_only") parts.push("sells only");
  if (p.lot === 0) parts.push("fractional shares");
  else if (p.lot !== 1) parts.push(`lots of ${p.lot}`);
  if (p.minTrade > 0) parts.push(`minimum trade ${money(p.minTrade)}`);
  if (p.cashReserve > 0) parts.push(`keep ${pct(p.cashReserve)} cash`);
  if (p.costBps > 0 || p.costFixed > 0) parts.push(`costs ${[p.costBps > 0 ? `${p.costBps} bp` : "", p.costFixed > 0 ? `${money(p.costFixed)} per trade` : ""].filter(Boolean).join(" + ")}`);
  if (p.allowShort) parts.push("shorts allowed");
  return parts.join("; ");
}
