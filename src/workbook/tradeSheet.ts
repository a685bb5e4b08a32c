/**
 * The trade sheet (product.md, "Trade sheets"): the trades a policy prescribes now, written by the
 * pane on a NEW sheet "Trades YYYY-MM-DD" ("Trades YYYY-MM-DD (2)", ... when taken), never over
 * existing cells, in one Excel.run (reads, then the sheet's writes and sync, then the log's).
 *
 * Layout (A1 down): a title; the stamp — policy name, time (ISO 8601, UTC), add-in version,
 * SHA-256 of the inputs (hash.ts), holdings and cash addresses, the policy's decision; then one row
 * per asset: asset, side (BUY/SELL/HOLD), quantity (signed: + buy, - sell), price, value, weight
 * before / target / after, drift before / after (weight - target), estimated cost, reason
 * (core describeReason); a CASH row; then totals: buys, sells, net cash (cash after - cash before),
 * estimated costs, turnover (min(buys, sells) / total value, conventions.md). Columns N:P hold
 * the chart's data (asset, drift before, drift after); the chart is a clustered column chart.
 * Trades are planned exactly as REBAL.TRADESHEET plans them (no calendar dates: generating the sheet
 * is the rebalance request).
 *
 * Writes, in order (Office.js batches are not atomic): (1) the new sheet, synced; if that fails the
 * new sheet is deleted again (best effort, through its own proxy) and nothing is logged; (2) only then, in a second sync,
 * the day (local calendar date of `now`, an Excel serial) and the sheet's name in the policy sheet's
 * rebalance log (docs/policy-format.md: re-read, only this policy's row written), which the pane's
 * status uses as the last rebalance date. The date is recorded only when a rebalance or a scheduled
 * review happened: at least one trade, or the policy's calendar was due at `now` (calendarDue with
 * the logged date, as REBAL.CHECK; for a hybrid policy a due review without a breach consumes the
 * review, as the backtester does). Bad input (see inputs.ts), or a log that cannot be written (D:F
 * holding other data, the policy gone), is a RebalError and nothing is written; a log failure after
 * the sheet was written is a RebalError saying the sheet was written but the date was not recorded.
 */
import { calendarDue, utcToSerial } from "../core/calendar";
import { Policy } from "../core/policy";
import { nameKey, scanRebalanceLog } from "../core/policyStore";
import { RebalError } from "../core/errors";
import { TradePlan, describeReason, planTrades } from "../core/trades";
import { ADDIN_VERSION, errorMessage, runExcel } from "./excel";
import { canonicalInputs, sha256Hex } from "./hash";
import { PolicyInputs, readInputs } from "./inputs";
import { checkRebalanceRecord, readStore, recordRebalanceDate } from "./policies";
import { datedSheetName } from "./ranges";

export type Cell = string | number | boolean;

export const TRADE_HEADER = [
  "Asset", "Side", "Quantity", "Price", "Value", "Weight before", "Target", "Weight after",
  "Drift before", "Drift after", "Est. cost", "Reason",
];
export const CHART_HEADER = ["Asset", "Drift before", "Drift after"];
/** First column of the chart data (N). */
export const CHART_COL = 13;
export const WIDTH = CHART_COL + CHART_HEADER.length;
/** 0-based row of the trade table's header. */
export const HEADER_ROW = 9;

export interface Stamp {
  time: string;
  version: string;
  hash: string;
}

export interface TradeSheetLayout {
  values: Cell[][];
  formats: string[][];
  boldRows: number[];
  /** A1 range of the chart data (with its header), e.g. "N10:P13". */
  chartSource: string;
  /** Totals by name. */
  totals: { buys: number; sells: number; netCash: number; costs: number; turnover: number };
}

const colName = (c: number) => String.fromCharCode(65 + c); // WIDTH <= 26

const PCT = "0.00%";
const DRIFT = "+0.00%;-0.00%;0.00%";
const MONEY = "#,##0.00";

/** The sheet's cells and formats (pure; tested without Excel). */
export function layoutTradeSheet(inputs: PolicyInputs, plan: TradePlan, stamp: Stamp): TradeSheetLayout {
  const { policy, holdings } = inputs;
  const n = holdings.assets.length;
  const rows: Cell[][] = [];
  const fmts: string[][] = [];
  const push = (cells: Cell[], formats: string[] = []) => {
    const row = Array.from({ length: WIDTH }, (_, j) => (j < cells.length ? cells[j] : ""));
    const f = Array.from({ length: WIDTH }, (_, j) => formats[j] || "General");
    rows.push(row);
    fmts.push(f);
  };
  push(["Rebal trade sheet"]);
  push(["Policy", policy.name]);
  push(["Generated", stamp.time]);
  push(["Add-in version", stamp.version]);
  push(["Inputs SHA-256", stamp.hash]);
  push(["Holdings", inputs.holdingsAddress]);
  push(["Cash", inputs.cashAddress ?? "(not bound: 0)"]);
  push(["Decision", plan.decision.reason]);
  push([]);
  const chartPad = (cells: Cell[]) => [...cells, ...Array(CHART_COL - cells.length).fill("")];
  push([...chartPad(TRADE_HEADER), ...CHART_HEADER]);

  const p = holdings.book.prices;
  const t = holdings.book.targets;
  for (let i = 0; i < n; i++) {
    const trade = plan.trades[i];
    const qtyFormat = Number.isInteger(trade) ? "#,##0" : "#,##0.0000";
    const before = plan.weightsBefore[i] - t[i];
    const after = plan.weightsAfter[i] - t[i];
    push(
      [...chartPad([
        holdings.assets[i], trade > 0 ? "BUY" : trade < 0 ? "SELL" : "HOLD", trade, p[i], trade * p[i],
        plan.weightsBefore[i], t[i], plan.weightsAfter[i], before, after, plan.costs[i], describeReason(plan, i, policy),
      ]), holdings.assets[i], before, after],
      ["", "", qtyFormat, MONEY, MONEY, PCT, PCT, PCT, DRIFT, DRIFT, MONEY, "", "", "", DRIFT, DRIFT],
    );
  }
  const cashTarget = Math.max(0, 1 - t.reduce((a, b) => a + b, 0));
  const cashBeforeW = plan.cashBefore / plan.totalBefore;
  const cashAfterW = plan.cashAfter / plan.totalAfter;
  push(
    ["CASH", "", "", "", plan.cashAfter - plan.cashBefore, cashBeforeW, cashTarget, cashAfterW, cashBeforeW - cashTarget, cashAfterW - cashTarget, "", "cash after trades and costs"],
    ["", "", "", "", MONEY, PCT, PCT, PCT, DRIFT, DRIFT],
  );
  push([]);
  const totals = {
    buys: plan.buys, sells: plan.sells, netCash: plan.cashAfter - plan.cashBefore, costs: plan.totalCost, turnover: plan.turnover,
  };
  push(["Totals"]);
  push(["Buys", totals.buys], ["", MONEY]);
  push(["Sells", totals.sells], ["", MONEY]);
  push(["Net cash", totals.netCash], ["", MONEY]);
  push(["Estimated costs", totals.costs], ["", MONEY]);
  push(["Turnover", totals.turnover], ["", PCT]);
  for (const row of rows) {
    for (const v of row) if (typeof v === "number" && !Number.isFinite(v)) throw new RebalError("internal error: a non-finite number in the trade sheet");
  }
  return {
    values: rows,
    formats: fmts,
    boldRows: [0, HEADER_ROW, HEADER_ROW + n + 3],
    chartSource: `${colName(CHART_COL)}${HEADER_ROW + 1}:${colName(WIDTH - 1)}${HEADER_ROW + 1 + n}`,
    totals,
  };
}

/** "Trades 2026-11-21", or with " (2)", " (3)"... when taken (case-insensitive, like Excel). */
export const uniqueSheetName = (date: Date, taken: string[]): string => datedSheetName("Trades", date, taken);

export interface TradeSheetResult {
  sheetName: string;
  trades: number;
  decision: string;
  hash: string;
  totals: TradeSheetLayout["totals"];
  /** The date recorded in the rebalance log (Excel serial), or null when none was recorded (no trade
   * and the policy's calendar was not due: no rebalance happened). */
  lastRebalance: number | null;
}

/** Generates the trade sheet of a stored policy (one Excel.run; the sheet and the log in separate syncs). */
export function writeTradeSheet(policyName: string, now: Date = new Date()): Promise<TradeSheetResult> {
  return runExcel(async (context) => {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    const inputs = await readInputs(context, policyName); // syncs, so sheets are loaded too
    const { holdings } = inputs;
    const plan = planTrades({ ...holdings.book, cash: inputs.cash }, inputs.policy, {
      label: (i) => `holdings row ${holdings.rows[i]} (${holdings.assets[i]})`,
    });
    const hash = await sha256Hex(canonicalInputs(inputs.policyRows, inputs.holdingsValues, inputs.cashValue));
    const layout = layoutTradeSheet(inputs, plan, { time: now.toISOString(), version: ADDIN_VERSION, hash });
    const sheetName = uniqueSheetName(now, sheets.items.map((s) => s.name));
    const store = await readStore(context);
    const day = utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
    const { policy: logged } = checkRebalanceRecord(store, inputs.policy.name); // throws before anything is written
    const trades = Array.from(plan.trades).filter((x) => x !== 0).length;
    const record = trades > 0 || calendarWasDue(inputs.policy, store.cells, day);
    // 1. the sheet, synced on its own
    let sheet: Excel.Worksheet | null = null;
    try {
      sheet = sheets.add(sheetName);
      const all = sheet.getRange(`A1:${colName(WIDTH - 1)}${layout.values.length}`);
      all.values = layout.values;
      all.numberFormat = layout.formats;
      for (const r of layout.boldRows) sheet.getRange(`A${r + 1}:${colName(WIDTH - 1)}${r + 1}`).format.font.bold = true;
      const chart = sheet.charts.add("ColumnClustered", sheet.getRange(layout.chartSource), "Columns");
      chart.title.text = `Drift before and after: ${inputs.policy.name}`;
      chart.setPosition(`${colName(CHART_COL)}${HEADER_ROW + holdings.assets.length + 4}`, `${colName(WIDTH - 1 + 4)}${HEADER_ROW + holdings.assets.length + 20}`);
      all.format.autofitColumns();
      sheet.activate();
      await context.sync();
    } catch (e) {
      if (sheet) await deleteHalfWritten(context, sheet);
      throw new RebalError(`could not write the trade sheet "${sheetName}" (nothing was recorded in the rebalance log): ${errorMessage(e)}`);
    }
    // 2. the rebalance log, re-read and written only once the sheet exists
    if (record) {
      try {
        await recordRebalanceDate(context, logged, day, sheetName);
        await context.sync();
      } catch (e) {
        throw new RebalError(`the trade sheet "${sheetName}" was written, but its date could not be recorded in the rebalance log: ${errorMessage(e)}`);
      }
    }
    return { sheetName, trades, decision: plan.decision.reason, hash, totals: layout.totals, lastRebalance: record ? day : null };
  });
}

/**
 * Deletes a trade sheet whose write failed, through the proxy sheets.add returned (best effort: when
 * the add itself failed, e.g. a co-author took the name, this fails too and deletes nobody's sheet).
 */
async function deleteHalfWritten(context: Excel.RequestContext, sheet: Excel.Worksheet): Promise<void> {
  try {
    sheet.delete();
    await context.sync();
  } catch {
    // the original error is the one to report
  }
}

/** True when the policy's calendar part was due on `day`, with its logged last rebalance date. */
function calendarWasDue(policy: Policy, cells: unknown[][], day: number): boolean {
  if (policy.frequency === null) return false;
  const rec = scanRebalanceLog(cells).records.find((r) => nameKey(r.policy).toLowerCase() === nameKey(policy.name).toLowerCase());
  const last = rec ? Math.min(rec.lastRebalance, day) : null;
  return calendarDue(day, last, policy.frequency, policy.anchor);
}
