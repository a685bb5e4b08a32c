/**
 * Orders from a trade sheet (product.md, "Orders, approvals and the audit trail"): the BUY and SELL
 * rows of a sheet read by tradeSheetRead.ts become broker-neutral orders, written as the CSV rows
 * `account, symbol, side, quantity, order_type, limit_price, time_in_force, client_order_id` or as
 * FIX 4.4 NewOrderSingle messages (fixMessage.ts). HOLD rows and zero quantities produce no order.
 *
 * - Client order id (FIX ClOrdID, 11): `RB` + the first CLORDID_HASH_DIGITS hex digits of
 *   SHA-256("<inputs SHA-256>|<generated, ISO UTC seconds>") + `-` + the sheet row. Stable (the same
 *   sheet always gives the same ids, whoever exports it, however often), unique within the sheet (one
 *   row, one id) and across sheets (two sheets differ in their inputs or their generation time).
 * - Market orders (MKT) carry no price. Limit orders (LMT) are priced `limit_offset_bps` from the
 *   sheet's price, in the direction that lets the order fill: a buy at price × (1 + bps/10,000), a
 *   sell at price × (1 − bps/10,000), rounded to the tick towards the sheet's price (a buy down, a sell
 *   up), so the limit never gives away more than the offset. Tick: $0.01, or $0.0001 for prices below
 *   $1.00 (SEC Regulation NMS Rule 612, the minimum pricing increment). Time in force: DAY.
 */
import { RebalError } from "./errors";
import { FixOrder, FixSession, newOrderSingles } from "./fixMessage";
import { sha256Hex } from "./sha256";
import { ReadTradeSheet } from "./tradeSheetRead";

export type OrderType = "MKT" | "LMT";

export const ORDER_CSV_HEADER = ["account", "symbol", "side", "quantity", "order_type", "limit_price", "time_in_force", "client_order_id"] as const;
export const TIME_IN_FORCE_DAY = "DAY";
export const CLORDID_PREFIX = "RB";
export const CLORDID_HASH_DIGITS = 12;
const BPS = 10_000;
/** Rule 612: quotes at or above $1.00 in $0.01, below $1.00 in $0.0001. */
const SUB_DOLLAR = 1;
const TICK_DECIMALS = { dollar: 2, subDollar: 4 } as const;
/** Largest offset accepted: beyond it a sell limit would be at or below zero. */
export const MAX_LIMIT_OFFSET_BPS = 5_000;
/** Excel serial of 1970-01-01 and seconds per day (the sheet's Generated cell). */
const EXCEL_UNIX_EPOCH = 25569;
const SECONDS_PER_DAY = 86_400;

export interface OrderOptions {
  orderType: OrderType;
  /** Limit orders: offset from the sheet's price in basis points (≥ 0). */
  limitOffsetBps: number;
}

export interface Order extends FixOrder {
  /** The sheet row the order comes from (1-based). */
  row: number;
}

/** ISO UTC time to the second of an Excel serial date-time. */
export function serialToIsoSeconds(serial: number): string {
  const seconds = Math.round((serial - EXCEL_UNIX_EPOCH) * SECONDS_PER_DAY);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The stable client order id of a sheet row (see the header). */
export function clientOrderId(inputsHash: string, generated: number | null, row: number): string {
  const key = sha256Hex(`${inputsHash}|${generated === null ? "" : serialToIsoSeconds(generated)}`);
  return `${CLORDID_PREFIX}${key.slice(0, CLORDID_HASH_DIGITS)}-${row}`;
}

/** The limit price of an order `bps` from `price` (see the header for direction and rounding). */
export function limitPrice(side: "BUY" | "SELL", price: number, bps: number): number {
  const decimals = price < SUB_DOLLAR ? TICK_DECIMALS.subDollar : TICK_DECIMALS.dollar;
  const scale = 10 ** decimals;
  const raw = price * (side === "BUY" ? 1 + bps / BPS : 1 - bps / BPS) * scale;
  // a representation error of the product must not move the limit a tick (100.07 * 100 = 10006.999...)
  const nearest = Math.round(raw);
  const ticks = Math.abs(raw - nearest) < 1e-6 ? nearest : side === "BUY" ? Math.floor(raw) : Math.ceil(raw);
  return Number((ticks / scale).toFixed(decimals));
}

/** The orders of a read trade sheet: one per BUY or SELL row with a quantity above 0, sheet order. */
export function ordersOf(sheet: ReadTradeSheet, opts: OrderOptions): Order[] {
  if (!(opts.limitOffsetBps >= 0 && opts.limitOffsetBps <= MAX_LIMIT_OFFSET_BPS)) {
    throw new RebalError(`the limit offset must be between 0 and ${MAX_LIMIT_OFFSET_BPS} bps, got ${opts.limitOffsetBps}`);
  }
  const out: Order[] = [];
  for (const l of sheet.lines) {
    if (l.side === "HOLD" || l.quantity === 0) continue;
    const o: Order = {
      row: l.row, clOrdId: clientOrderId(sheet.inputsHash, sheet.generated, l.row), symbol: l.symbol, side: l.side, quantity: l.quantity,
      orderType: opts.orderType, ...(l.account ? { account: l.account } : {}),
    };
    if (opts.orderType === "LMT") o.limitPrice = limitPrice(l.side, l.price, opts.limitOffsetBps);
    out.push(o);
  }
  return out;
}

/** CSV rows (ORDER_CSV_HEADER order) of orders; the CSV writer neutralises formula-like text. */
export function orderCsvRows(orders: readonly Order[]): (string | number)[][] {
  return orders.map((o) => [o.account ?? "", o.symbol, o.side, o.quantity, o.orderType, o.limitPrice ?? "", TIME_IN_FORCE_DAY, o.clOrdId]);
}

/** FIX 4.4 NewOrderSingle messages of orders (fixMessage.ts). */
export function orderFixMessages(orders: readonly Order[], session: FixSession): string[] {
  return newOrderSingles(orders, session);
}
