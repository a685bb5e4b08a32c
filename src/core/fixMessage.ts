/**
 * FIX 4.4 tag=value messages: the NewOrderSingle (MsgType 35=D) of one order, with the standard
 * header and trailer computed as the FIX 4.4 specification (Volume 2, "Message format"; Volume 1,
 * "CheckSum calculation") defines them. Pure: the sending time is passed in.
 *
 * Message = header, body, trailer, every field `tag=value` followed by SOH (0x01):
 *   8=FIX.4.4 | 9=BodyLength | 35=D | 49 SenderCompID | 56 TargetCompID | 34 MsgSeqNum | 52 SendingTime
 *   | 11 ClOrdID | 1 Account (only when known) | 55 Symbol | 54 Side (1 buy, 2 sell) | 60 TransactTime
 *   | 38 OrderQty | 40 OrdType (1 market, 2 limit) | 44 Price (limit orders only) | 59 TimeInForce (0 day)
 *   | 10=CheckSum
 * - BodyLength (9): the number of bytes after the SOH that ends the 9= field, up to and including the
 *   SOH before `10=` (so from `35=` through the body's last delimiter).
 * - CheckSum (10): the sum of every byte before `10=` (from `8=` through the SOH before it) modulo
 *   256, written as exactly three digits (`007`).
 * - Times (52, 60): UTCTimestamp `YYYYMMDD-HH:MM:SS.sss`.
 * - Values never contain SOH (a field value with SOH, or `=` in a tag, is refused): FIX has no escape.
 * Lengths and sums count UTF-8 bytes (symbols and accounts are ASCII in practice; a non-ASCII one
 * counts as its bytes, which is what a FIX engine reading the bytes counts).
 */
export const SOH = "\u0001";
export const FIX_BEGIN_STRING = "FIX.4.4";
export const MSG_TYPE_NEW_ORDER_SINGLE = "D";

/** FIX 4.4 tags used here. */
export const TAG = {
  BeginString: 8, BodyLength: 9, MsgType: 35, SenderCompID: 49, TargetCompID: 56, MsgSeqNum: 34, SendingTime: 52,
  ClOrdID: 11, Account: 1, Symbol: 55, Side: 54, TransactTime: 60, OrderQty: 38, OrdType: 40, Price: 44, TimeInForce: 59,
  CheckSum: 10,
} as const;

/** Side (54). */
export const FIX_SIDE = { BUY: "1", SELL: "2" } as const;
/** OrdType (40). */
export const FIX_ORD_TYPE = { MKT: "1", LMT: "2" } as const;
/** TimeInForce (59): 0 = Day. */
export const FIX_TIF_DAY = "0";

const CHECKSUM_MODULUS = 256;
const CHECKSUM_DIGITS = 3;

export type FixField = [tag: number, value: string];

const utf8 = (s: string) => new TextEncoder().encode(s);

function field(tag: number, value: string): string {
  if (!Number.isInteger(tag) || tag <= 0) throw new Error(`internal error: FIX tag ${tag} is not a positive integer`);
  if (value === "" || value.includes(SOH)) throw new Error(`FIX tag ${tag}: a value must be non-empty and hold no SOH character, got ${JSON.stringify(value)}`);
  return `${tag}=${value}${SOH}`;
}

/** The CheckSum (10) value of the bytes before `10=`: their sum modulo 256, three digits. */
export function fixChecksum(text: string): string {
  let sum = 0;
  for (const b of utf8(text)) sum += b;
  return String(sum % CHECKSUM_MODULUS).padStart(CHECKSUM_DIGITS, "0");
}

/**
 * A complete message: `8=FIX.4.4`, `9=<BodyLength>`, `35=<msgType>`, the other header and body
 * fields in the order given, then `10=<CheckSum>`; SOH after every field.
 */
export function encodeFixMessage(msgType: string, fields: readonly FixField[]): string {
  const body = field(TAG.MsgType, msgType) + fields.map(([t, v]) => field(t, v)).join("");
  const head = field(TAG.BeginString, FIX_BEGIN_STRING) + field(TAG.BodyLength, String(utf8(body).length));
  const text = head + body;
  return text + field(TAG.CheckSum, fixChecksum(text));
}

/** UTCTimestamp (52, 60) of a time: YYYYMMDD-HH:MM:SS.sss. */
export function fixUtcTimestamp(d: Date): string {
  const p = (x: number, n = 2) => String(x).padStart(n, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

/** A FIX decimal (Qty, Price): plain digits, no exponent, no trailing zeros. */
export function fixDecimal(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`internal error: a non-finite FIX number (${x})`);
  const s = x.toFixed(10).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

export interface FixOrder {
  clOrdId: string;
  account?: string;
  symbol: string;
  side: "BUY" | "SELL";
  quantity: number;
  orderType: "MKT" | "LMT";
  /** Limit orders only. */
  limitPrice?: number;
}

export interface FixSession {
  senderCompId: string;
  targetCompId: string;
  /** MsgSeqNum (34) of the first message; one more for each following message. */
  firstSeqNum: number;
  /** SendingTime (52) and TransactTime (60). */
  time: Date;
}

/** The NewOrderSingle (35=D) of one order (see the header for the tags and their order). */
export function newOrderSingle(o: FixOrder, session: FixSession, seqNum: number): string {
  const ts = fixUtcTimestamp(session.time);
  const fields: FixField[] = [
    [TAG.SenderCompID, session.senderCompId], [TAG.TargetCompID, session.targetCompId], [TAG.MsgSeqNum, String(seqNum)], [TAG.SendingTime, ts],
    [TAG.ClOrdID, o.clOrdId],
    ...(o.account ? [[TAG.Account, o.account] as FixField] : []),
    [TAG.Symbol, o.symbol], [TAG.Side, FIX_SIDE[o.side]], [TAG.TransactTime, ts], [TAG.OrderQty, fixDecimal(o.quantity)],
    [TAG.OrdType, FIX_ORD_TYPE[o.orderType]],
  ];
  if (o.orderType === "LMT") {
    if (o.limitPrice === undefined) throw new Error(`internal error: limit order ${o.clOrdId} without a price`);
    fields.push([TAG.Price, fixDecimal(o.limitPrice)]);
  }
  fields.push([TAG.TimeInForce, FIX_TIF_DAY]);
  return encodeFixMessage(MSG_TYPE_NEW_ORDER_SINGLE, fields);
}

/** One NewOrderSingle per order, sequence numbers from session.firstSeqNum. */
export function newOrderSingles(orders: readonly FixOrder[], session: FixSession): string[] {
  return orders.map((o, i) => newOrderSingle(o, session, session.firstSeqNum + i));
}
