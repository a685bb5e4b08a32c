/**
 * The trade sheet (product.md, "Trade sheets"): the trades a policy prescribes now, previewed in the
 * pane and then written on a NEW sheet "Trades YYYY-MM-DD" ("Trades YYYY-MM-DD (2)", ... when taken),
 * never over existing cells, in one Excel.run (reads, then the sheet's writes and sync, then the log's).
 *
 * The sheet's layout is core/tradeSheetLayout.ts (the one description the CLI's .xlsx uses too); this
 * module renders it with Office.js: values and number formats in one write, merges, bold/size styles,
 * column widths (characters -> points), the orders as an Excel table, frozen rows, print setup
 * (landscape, one page wide, header row repeated) and a clustered column chart of drift before and
 * after (series from the table's Drift columns, categories its Symbol column) beside the table.
 * Trades are planned as REBAL.TRADESHEET plans them (no calendar dates: generating the sheet is the
 * rebalance request), after the preview's request (core/tradeRequest.ts: excluded assets, a deposit
 * or withdrawal). previewTradeSheet reads and plans without writing; writeTradeSheet re-reads and,
 * given the preview's input hash, refuses when the cells changed since (the adviser reviews again).
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
import { Policy, policyToText } from "../core/policy";
import { nameKey, scanRebalanceLog } from "../core/policyStore";
import { RebalError } from "../core/errors";
import { plainReason, policySummary } from "../core/reasonText";
import { TradeRequest, applyRequest } from "../core/tradeRequest";
import { OrderLine, SheetTotals, TradeSheetModel, dateToSerialUTC, layoutTradeSheet, rectA1, tableNameFor } from "../core/tradeSheetLayout";
import { TradePlan, describeOptimality, planTrades } from "../core/trades";
import { ADDIN_VERSION, errorMessage, runExcel } from "./excel";
import { canonicalInputs, sha256Hex } from "./hash";
import { PolicyInputs, readInputs } from "./inputs";
import { checkRebalanceRecord, readStore, recordRebalanceDate } from "./policies";
import { datedSheetName } from "./ranges";

export type { TradeRequest };

/** One planned line of the preview (holdings order). */
export interface PreviewLine {
  index: number;
  asset: string;
  side: "BUY" | "SELL" | "HOLD";
  /** Unsigned quantity. */
  quantity: number;
  price: number;
  /** Unsigned value of the trade. */
  value: number;
  cost: number;
  reason: string;
  excluded: boolean;
}

export interface TradePreview {
  policy: string;
  lines: PreviewLine[];
  totals: SheetTotals;
  due: boolean;
  decision: string;
  /** 0 = proven optimal. */
  optimalityGap: number;
  optimality: string;
  /** What the request changed ("" = nothing). */
  note: string;
  /** SHA-256 of the inputs as read: writeTradeSheet refuses when the cells no longer match it. */
  hash: string;
  orders: number;
}

interface Planned {
  inputs: PolicyInputs;
  plan: TradePlan;
  lines: OrderLine[];
  totals: SheetTotals;
  note: string;
  hash: string;
  /** The policy the request planned with (cash flows plan as due, buys or sales only). */
  planned: Policy;
}

async function planRequest(context: Excel.RequestContext, policyName: string, request: TradeRequest): Promise<Planned> {
  const inputs = await readInputs(context, policyName); // syncs
  const { holdings } = inputs;
  const applied = applyRequest({ ...holdings.book, cash: inputs.cash }, inputs.policy, request, holdings.assets);
  const plan = planTrades(applied.book, applied.policy, { label: (i) => `holdings row ${holdings.rows[i]} (${holdings.assets[i]})` });
  const hash = await sha256Hex(canonicalInputs(inputs.policyRows, inputs.holdingsValues, inputs.cashValue));
  const t = holdings.book.targets;
  const lines: OrderLine[] = holdings.assets.map((asset, i) => ({
    asset, trade: plan.trades[i], price: holdings.book.prices[i], weightBefore: plan.weightsBefore[i], target: t[i],
    weightAfter: plan.weightsAfter[i], cost: plan.costs[i], reason: plainReason(plan, i, applied.policy),
  }));
  const cashTarget = Math.max(0, 1 - t.reduce((a, b) => a + b, 0));
  const totals: SheetTotals = {
    buys: plan.buys, sells: plan.sells, netCash: plan.cashAfter - plan.cashBefore, costs: plan.totalCost, turnover: plan.turnover,
    cashBefore: plan.cashBefore, cashAfter: plan.cashAfter,
    cashWeights: { before: plan.cashBefore / plan.totalBefore, target: cashTarget, after: plan.cashAfter / plan.totalAfter },
  };
  return { inputs, plan, lines, totals, note: applied.note, hash, planned: applied.policy };
}

/** The plan a trade sheet would hold, without writing anything (one Excel.run, reads only). */
export function previewTradeSheet(policyName: string, request: TradeRequest = {}): Promise<TradePreview> {
  return runExcel(async (context) => {
    const p = await planRequest(context, policyName, request);
    const excluded = new Set(request.exclude ?? []);
    const lines: PreviewLine[] = p.lines.map((l, i) => ({
      index: i, asset: l.asset, side: l.trade > 0 ? "BUY" : l.trade < 0 ? "SELL" : "HOLD", quantity: Math.abs(l.trade), price: l.price,
      value: Math.abs(l.trade * l.price), cost: l.cost, reason: excluded.has(i) ? "excluded from this rebalance" : l.reason, excluded: excluded.has(i),
    }));
    return {
      policy: p.inputs.policy.name, lines, totals: p.totals, due: p.plan.decision.due, decision: decisionText(p), optimalityGap: p.plan.optimalityGap,
      optimality: describeOptimality(p.plan), note: p.note, hash: p.hash, orders: lines.filter((l) => l.quantity !== 0).length,
    };
  });
}

function decisionText(p: Planned): string {
  const d = p.plan.decision;
  if (p.note && p.planned.trigger !== p.inputs.policy.trigger) return `${d.due ? "Rebalance" : "No rebalance"}: ${p.note}`;
  return `${d.due ? "Rebalance" : "No rebalance"}: ${d.reason.replace(/^not due: /, "not due, ")}`;
}

/** "Trades 2026-11-21", or with " (2)", " (3)"... when taken (case-insensitive, like Excel). */
export const uniqueSheetName = (date: Date, taken: string[]): string => datedSheetName("Trades", date, taken);

export interface TradeSheetResult {
  sheetName: string;
  trades: number;
  decision: string;
  hash: string;
  totals: SheetTotals;
  optimalityGap: number;
  /** The date recorded in the rebalance log (Excel serial), or null when none was recorded (no trade
   * and the policy's calendar was not due: no rebalance happened). */
  lastRebalance: number | null;
  /** Where the layout put things (rows/columns of the new sheet). */
  layout: TradeSheetModel["at"];
}

/** `base`, or `base_2`, `base_3`... when a table or defined name has it (case-insensitive, like Excel). */
export function uniqueTableName(base: string, taken: string[]): string {
  const set = new Set(taken.map((s) => s.toLowerCase()));
  if (!set.has(base.toLowerCase())) return base;
  for (let k = 2; ; k++) if (!set.has(`${base}_${k}`.toLowerCase())) return `${base}_${k}`;
}

/** Excel's column width unit (characters of the default font) in points, as Excel converts it. */
export const charsToPoints = (chars: number): number => Math.round((chars * 7 + 5) * 0.75 * 100) / 100;

/**
 * Generates the trade sheet of a stored policy (one Excel.run; the sheet and the log in separate
 * syncs). `request`: the preview's exclusions and cash flow; `expectHash`: the preview's input hash
 * (refused, nothing written, when the cells changed since the preview).
 */
export function writeTradeSheet(policyName: string, now: Date = new Date(), request: TradeRequest = {}, expectHash?: string): Promise<TradeSheetResult> {
  return runExcel(async (context) => {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    const tables = context.workbook.tables;
    tables.load("items/name");
    const names = context.workbook.names;
    names.load("items/name");
    const p = await planRequest(context, policyName, request); // syncs, so sheets, tables and names are loaded too
    if (expectHash !== undefined && expectHash !== p.hash) {
      throw new RebalError(`the holdings, cash or policy of "${policyName}" changed since the preview: nothing was written; review the trades again`);
    }
    const { inputs, plan } = p;
    const sheetName = uniqueSheetName(now, sheets.items.map((s) => s.name));
    const request_ = [inputs.holdingsAddress, `cash ${inputs.cashAddress ?? "not bound (0)"}`, ...(p.note ? [p.note] : [])].join("; ");
    const model = layoutTradeSheet(p.lines, p.totals, {
      policy: inputs.policy.name, settings: `${policySummary(inputs.policy)} (${policyToText(inputs.policy)})`, generated: dateToSerialUTC(now),
      version: ADDIN_VERSION, inputs: request_, hash: p.hash, decision: decisionText(p), optimality: describeOptimality(plan),
    }, uniqueTableName(tableNameFor(sheetName), [...tables.items.map((t) => t.name), ...names.items.map((n) => n.name)]));
    const store = await readStore(context);
    const day = utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
    const { policy: logged } = checkRebalanceRecord(store, inputs.policy.name); // throws before anything is written
    const trades = Array.from(plan.trades).filter((x) => x !== 0).length;
    const record = trades > 0 || calendarWasDue(inputs.policy, store.cells, day);
    // 1. the sheet, synced on its own
    let sheet: Excel.Worksheet | null = null;
    try {
      sheet = sheets.add(sheetName);
      renderModel(sheet, model);
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
    return {
      sheetName, trades, decision: plan.decision.reason, hash: p.hash, totals: p.totals, optimalityGap: plan.optimalityGap,
      lastRebalance: record ? day : null, layout: model.at,
    };
  });
}

/** Queues the layout's writes on a new, empty sheet (no sync). */
export function renderModel(sheet: Excel.Worksheet, m: TradeSheetModel): void {
  const all = sheet.getRange(rectA1({ r0: 0, c0: 0, r1: m.rows - 1, c1: m.cols - 1 }));
  all.numberFormat = m.formats; // formats first: text-formatted cells (symbols, policy names) stay text
  all.values = m.values;
  for (const r of m.merges) sheet.getRange(rectA1(r)).merge(false);
  for (const { rect, style } of m.styles) {
    const f = sheet.getRange(rectA1(rect)).format;
    if (style === "title") { f.font.bold = true; f.font.size = 14; }
    else if (style === "section" || style === "label") f.font.bold = true;
    else if (style === "subtitle") f.font.italic = true;
    else if (style === "left") f.horizontalAlignment = "Left" as Excel.HorizontalAlignment;
  }
  m.widths.forEach((w, j) => { sheet.getRange(rectA1({ r0: 0, c0: j, r1: 0, c1: j })).format.columnWidth = charsToPoints(w); });
  const table = sheet.tables.add(rectA1(m.table.rect), true);
  table.name = m.table.name;
  table.style = "TableStyleMedium2";
  sheet.freezePanes.freezeRows(m.freezeRows);
  const page = sheet.pageLayout;
  page.orientation = "Landscape" as Excel.PageOrientation;
  page.zoom = { horizontalFitToPages: m.print.fitToPagesWide, verticalFitToPages: 0 };
  page.setPrintArea(rectA1(m.print.area));
  page.setPrintTitleRows(`$${m.print.titleRows.r0 + 1}:$${m.print.titleRows.r1 + 1}`);
  const chart = sheet.charts.add("ColumnClustered" as Excel.ChartType, sheet.getRange(rectA1(m.chart.values)), "Columns" as Excel.ChartSeriesBy);
  chart.title.text = m.chart.title;
  const categories = sheet.getRange(rectA1(m.chart.categories));
  for (let k = 0; k < m.chart.values.c1 - m.chart.values.c0 + 1; k++) chart.series.getItemAt(k).setXAxisValues(categories);
  const a = m.chart.anchor;
  chart.setPosition(rectA1({ r0: a.r0, c0: a.c0, r1: a.r0, c1: a.c0 }), rectA1({ r0: a.r1, c0: a.c1, r1: a.r1, c1: a.c1 }));
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
