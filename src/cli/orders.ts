/**
 * `rebal orders <trades.xlsx>`: the orders of a trade sheet (core/orders.ts) as the broker-neutral
 * CSV (header account, symbol, side, quantity, order_type, limit_price, time_in_force,
 * client_order_id; formula-like text neutralised by the one CSV writer, output.ts toCsv) or FIX 4.4
 * NewOrderSingle messages (core/fixMessage.ts), one message per line. The sheet is read back from its
 * cells (core/tradeSheetRead.ts): the workbook's only trade sheet, or --sheet NAME. Files are written
 * through outFile.ts only (never over the input, never over a file without --force).
 * A trades CSV (`rebal trades --format csv`: asset, side, price, trade (signed), optional account)
 * is read too; its ids derive from the SHA-256 of the file's bytes (it has no stamp) and the row, and a
 * leading "'" the CSV writer put before = + - @ is removed from symbols again.
 * A workbook whose rebalance log is hash-chained (rebal trades --record) is verified first
 * (cli/audit.ts): orders are never exported from a changed workbook (exit 1 naming the change); a
 * sheet the chain does not cover is exported with a note saying it was not verified.
 *
 * --fix-separator '|' writes `|` instead of SOH for reading; BodyLength and CheckSum are always those
 * of the SOH message (what a FIX engine receives), so a `|` file is for eyes, not for sending.
 */
import { RebalError } from "../core/errors";
import { SOH } from "../core/fixMessage";
import { MAX_LIMIT_OFFSET_BPS, ORDER_CSV_HEADER, Order, OrderType, orderCsvRows, orderFixMessages, ordersOf } from "../core/orders";
import { createHash } from "node:crypto";
import { parseNumberText } from "../core/numberText";
import { ReadTradeSheet, SheetLine, isTradeSheet, readTradeSheet } from "../core/tradeSheetRead";
import { UsageError } from "./errors";
import { ReadOptions, readBytes, readCsv, readWorkbook, sheetCells } from "./inputs";
import { writeOutput, checkOutput } from "./outFile";
import { toCsv } from "./output";
import { verifyWorkbook } from "./audit";

export const ORDERS_HELP = `rebal orders <trades.xlsx|trades.csv> [--sheet NAME] [--format csv|fix] [--order-type MKT|LMT] [--limit-offset-bps N] [--out FILE [--force]]
The orders of a trade sheet (written by rebal trades --format xlsx, --record, or the pane): one per BUY / SELL row
(HOLD rows and zero quantities produce none), client order ids stable for the sheet (from its inputs' SHA-256,
its generation time and the row).
  --sheet NAME          the trade sheet (default: the workbook's only trade sheet)
  --format F            csv (default; also from an --out ending in .csv) or fix (FIX 4.4 NewOrderSingle, 35=D; .fix)
  --order-type T        MKT (default) or LMT
  --limit-offset-bps N  limit orders: N basis points from the sheet's price (buys above, sells below; implies LMT;
                        alias --limit-bps)
  --fix-separator S     SOH (default) or "|" (for reading; checksums stay those of the SOH message)
  --sender ID / --target ID   SenderCompID (49) / TargetCompID (56) (default REBAL / BROKER)
  --seq N               MsgSeqNum (34) of the first message (default 1)
  --out FILE [--force]  write to FILE (never the input; an existing FILE only with --force)
Exit codes: 0 ok, 1 bad input (not a trade sheet, missing columns, older format), 2 usage, 3 file.
`;

export const ORDERS_OPTIONS = {
  sheet: { type: "string" }, format: { type: "string" }, "order-type": { type: "string" }, "limit-offset-bps": { type: "string" }, "limit-bps": { type: "string" },
  "fix-separator": { type: "string" }, sender: { type: "string" }, target: { type: "string" }, seq: { type: "string" },
  out: { type: "string" }, force: { type: "boolean" },
} as const;

const FORMAT_OF_EXT: Record<string, "csv" | "fix"> = { ".csv": "csv", ".fix": "fix" };
const DEFAULT_SENDER = "REBAL";
const DEFAULT_TARGET = "BROKER";

export interface OrdersArgs {
  file: string;
  values: Record<string, string | undefined>;
  force: boolean;
  read: ReadOptions;
  number: (v: string | undefined, name: string) => number | null;
  now: Date;
}

/** The CSV writer's formula guard: "'" before = + - @, tab or CR (output.ts toCsv). */
const ESCAPED_FORMULA = /^'[=+\-@\t\r]/;
const TRADES_CSV_COLUMNS = ["asset", "price", "trade"] as const;

/** A `rebal trades --format csv` file as the lines of a trade sheet (see the header). */
export function readTradesCsv(file: string, bytes: Buffer, ro: ReadOptions): ReadTradeSheet {
  const cells = readCsv(file, bytes, ro).cells;
  const header = (cells[0] ?? []).map((v) => String(v ?? "").trim().toLowerCase());
  const missing = TRADES_CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new RebalError(`${file}: not a trades CSV of rebal trades (no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""} in row 1)`);
  const col = (n: string) => header.indexOf(n);
  const num = (v: unknown, r: number, name: string): number => {
    const x = typeof v === "number" ? v : parseNumberText(String(v ?? ""), ".", `${file} row ${r + 1}, ${name}`);
    if (x === null || !Number.isFinite(x)) throw new RebalError(`${file} row ${r + 1}: ${name} must be a number, got ${JSON.stringify(v ?? "")}`);
    return x;
  };
  const lines: SheetLine[] = [];
  for (let r = 1; r < cells.length; r++) {
    const row = cells[r];
    if (row.every((v) => v === null || String(v).trim() === "")) continue;
    const trade = num(row[col("trade")], r, "trade"), price = num(row[col("price")], r, "price");
    if (!(price > 0)) throw new RebalError(`${file} row ${r + 1}: price must be positive, got ${price}`);
    const raw = String(row[col("asset")] ?? "").trim();
    if (raw === "") throw new RebalError(`${file} row ${r + 1}: asset is blank`);
    const symbol = ESCAPED_FORMULA.test(raw) ? raw.slice(1) : raw;
    const account = col("account") >= 0 ? String(row[col("account")] ?? "").trim() : "";
    lines.push({ row: r + 1, side: trade > 0 ? "BUY" : trade < 0 ? "SELL" : "HOLD", quantity: Math.abs(trade), symbol, account: ESCAPED_FORMULA.test(account) ? account.slice(1) : account, orderType: "", price });
  }
  return { sheet: file, policy: "", lines, inputsHash: createHash("sha256").update(bytes).digest("hex"), inputsHashCell: "", generated: null, stampRows: { first: 0, last: 0 } };
}

function formatOf(opt: string | undefined, out: string | undefined): "csv" | "fix" {
  const ext = out ? (/\.[^./\\]+$/.exec(out)?.[0] ?? "").toLowerCase() : "";
  const byExt = FORMAT_OF_EXT[ext];
  if (opt !== undefined && opt !== "csv" && opt !== "fix") throw new UsageError(`--format must be one of csv, fix, got "${opt}"`);
  if (opt !== undefined && byExt !== undefined && opt !== byExt) throw new UsageError(`--out ${out} is a ${ext} file but --format is ${opt}`);
  return (opt as "csv" | "fix" | undefined) ?? byExt ?? "csv";
}

/** Runs `rebal orders`; returns the text written (stdout when no --out) and a note for stderr. */
export async function runOrders(a: OrdersArgs): Promise<{ text: string | null; note: string }> {
  const o = a.values;
  const isCsv = /\.csv$/i.test(a.file);
  if (!/\.xlsx$/i.test(a.file) && !isCsv) throw new UsageError(`orders reads a trade sheet (.xlsx) or a trades CSV of rebal trades (.csv), got ${a.file}`);
  if (isCsv && o.sheet !== undefined) throw new UsageError("--sheet applies to .xlsx inputs only");
  const format = formatOf(o.format, o.out);
  const bpsText = o["limit-offset-bps"] ?? o["limit-bps"];
  if (o["limit-offset-bps"] !== undefined && o["limit-bps"] !== undefined) throw new UsageError("give --limit-offset-bps or --limit-bps, not both");
  const typeText = o["order-type"]?.trim().toUpperCase();
  if (typeText !== undefined && typeText !== "MKT" && typeText !== "LMT") throw new UsageError(`--order-type must be MKT or LMT, got "${o["order-type"]}"`);
  if (typeText === "MKT" && bpsText !== undefined) throw new UsageError("--limit-offset-bps applies to limit orders (--order-type LMT), not MKT");
  const orderType: OrderType = typeText === "LMT" || bpsText !== undefined ? "LMT" : "MKT";
  const bps = a.number(bpsText, "limit-offset-bps") ?? 0;
  if (!(bps >= 0 && bps <= MAX_LIMIT_OFFSET_BPS)) throw new UsageError(`--limit-offset-bps must be between 0 and ${MAX_LIMIT_OFFSET_BPS}, got "${bpsText}"`);
  const sep = o["fix-separator"] ?? "SOH";
  if (sep !== "SOH" && sep !== "|") throw new UsageError(`--fix-separator must be SOH or "|", got "${sep}"`);
  if (format !== "fix" && (o["fix-separator"] ?? o.sender ?? o.target ?? o.seq) !== undefined) throw new UsageError("--fix-separator, --sender, --target and --seq apply to --format fix only");
  const seqNum = a.number(o.seq, "seq") ?? 1;
  if (!Number.isInteger(seqNum) || seqNum < 1) throw new UsageError(`--seq must be a whole number of at least 1, got "${o.seq}"`);
  if (a.force && !o.out) throw new UsageError("--force applies to --out FILE only");
  if (o.out) checkOutput(o.out, [a.file], a.force);

  if (isCsv) {
    const sheet = readTradesCsv(a.file, readBytes(a.file, a.read.limits), a.read);
    return emit(a, ordersOf(sheet, { orderType, limitOffsetBps: bps }), format, sep, seqNum, `from ${a.file} (a CSV: not verified)`);
  }
  const w = await readWorkbook(a.file, readBytes(a.file, a.read.limits), a.read.limits);
  let name = o.sheet;
  if (name === undefined) {
    const found = w.wb.worksheets.filter((ws) => isTradeSheet(sheetCells(ws))).map((ws) => ws.name);
    if (found.length > 1) throw new RebalError(`${a.file} holds ${found.length} trade sheets (${found.map((s) => `"${s}"`).join(", ")}): choose one with --sheet NAME`);
    if (found.length === 0) {
      const first = w.wb.worksheets[0];
      if (!first) throw new RebalError(`${a.file}: the workbook has no sheets`);
      name = first.name; // readTradeSheet says why it is not a trade sheet (older format, ...)
    } else name = found[0];
  }
  const ws = w.wb.getWorksheet(name);
  if (!ws) throw new RebalError(`${a.file}: no sheet "${name}" (sheets: ${w.wb.worksheets.map((s) => s.name).join(", ")})`);
  let sheet;
  try {
    sheet = readTradeSheet(sheetCells(ws), name);
  } catch (e) {
    if (e instanceof RebalError) throw new RebalError(`${a.file}: ${e.message}`);
    throw e;
  }
  const check = verifyWorkbook(w.wb);
  if (!check.intact && !check.nothing) throw new RebalError(`${a.file} does not verify (${check.problem}): no orders exported; see rebal verify`);
  const verified = check.intact && check.covers.includes(name);
  const orders = ordersOf(sheet, { orderType, limitOffsetBps: bps });
  return emit(a, orders, format, sep, seqNum, `from sheet "${name}"${verified ? " (verified against the rebalance log)" : " (not in a hash-chained rebalance log: not verified)"}`);
}

function emit(a: OrdersArgs, orders: Order[], format: "csv" | "fix", sep: string, seqNum: number, from: string): { text: string | null; note: string } {
  const o = a.values;
  let text: string;
  if (format === "csv") text = toCsv(orderCsvRows(orders), [...ORDER_CSV_HEADER]);
  else {
    const msgs = orderFixMessages(orders, { senderCompId: o.sender ?? DEFAULT_SENDER, targetCompId: o.target ?? DEFAULT_TARGET, firstSeqNum: seqNum, time: a.now });
    text = msgs.map((m) => (sep === "|" ? m.split(SOH).join("|") : m) + "\n").join("");
  }
  const note = `${orders.length} order${orders.length === 1 ? "" : "s"} ${from}`;
  if (o.out) {
    writeOutput(o.out, text, [a.file], a.force);
    return { text: null, note };
  }
  return { text, note };
}
