/**
 * "Insert live formulas": three columns of REBAL formulas written next to a policy's bound holdings,
 * for analysts who prefer formulas to generated sheets. They recalculate with the workbook.
 *
 * Layout: the three empty columns immediately to the right of the holdings range (for an Excel table:
 * after one blank gap column, which must be empty too, since a table absorbs an adjacent column as
 * it auto-expands and a spilled formula inside a table shows #SPILL!), on the holdings' sheet, over
 * the holdings' rows: a header row (Weight, Drift, Trade) level with the
 * holdings header, then ONE dynamic-array formula per column in the first data row, spilling down
 * one value per holding (per-row formulas would solve the whole book once per row):
 *   Drift  =REBAL.DRIFT(quantity*price, target[, CHOOSE({1,2},"cash",<cash cell>)])
 *          weight of the total value (holdings plus cash) minus target, as the status and the
 *          trade sheet compute it; the cash option is a one-row key | value pair, built with CHOOSE
 *          so that it works in every Excel with dynamic arrays and never goes through text (a
 *          "cash="&cell text would use the locale's decimal separator);
 *   Weight =target + <Drift cell>#   (the weight of the total value: REBAL.WEIGHTS has no cash)
 *   Trade  =REBAL.TRADES(quantity, price, target, <cash cell or 0>, REBAL_POLICY_<Name>)
 * References: a table binding uses structured references (Book[Quantity]: the spill follows the
 * table as it grows); a range binding uses absolute references to its data rows. The cash cell is
 * the cash binding's reference (sheet prefix dropped on the holdings' sheet); the policy is its
 * defined name, so editing the policy recalculates the trades. Like REBAL.TRADES, the Trade column
 * treats "now" as the rebalance date (calendar policies trade; threshold policies only on a breach).
 *
 * It NEVER overwrites anything: when any target cell holds a value or a formula (or a spilled
 * value), nothing is written and the RebalError names the occupied cells. Holdings with per-asset
 * columns (lot, restricted, min_weight, max_weight) are refused too: REBAL.TRADES does not read
 * them, so its trades would differ from the trade sheet's; so are holdings with a blank row (the trade
 * sheet skips it, but REBAL.TRADES / REBAL.DRIFT reject blank cells: the formulas would show
 * #VALUE!), naming the row. One Excel.run: reads (3 syncs), then
 * every write, then one sync.
 */
import { RebalError } from "../core/errors";
import { columnLetter, findHoldingsColumns } from "../core/holdingsTable";
import { policyDefinedName } from "../core/policyStore";
import { errorMessage, runExcel } from "./excel";
import { PolicyInputs, readInputs } from "./inputs";
import { quoteSheetName } from "./ranges";

export const LIVE_HEADER = ["Weight", "Drift", "Trade"] as const;
const PER_ASSET = ["lot", "restricted", "min_weight", "max_weight"];
const MAX_COLUMN = 16383; // XFD

interface Rect {
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

/** "'My book'!$B$2:$E$9" -> sheet "My book" and the 0-based rectangle. */
export function splitSheetAddress(address: string): { sheet: string; rect: Rect } {
  const bang = address.lastIndexOf("!");
  if (bang < 0) throw new RebalError(`internal error: "${address}" has no sheet`);
  let sheet = address.slice(0, bang);
  if (sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
  const m = /^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$/i.exec(address.slice(bang + 1));
  if (!m) throw new RebalError(`internal error: "${address}" is not an A1 address`);
  const col = (s: string) => s.toUpperCase().split("").reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const r0 = Number(m[2]) - 1;
  const c0 = col(m[1]);
  return { sheet, rect: { r0, c0, r1: m[4] ? Number(m[4]) - 1 : r0, c1: m[3] ? col(m[3]) : c0 } };
}

const a1 = (r: number, c: number, abs = false) => (abs ? `$${columnLetter(c)}$${r + 1}` : `${columnLetter(c)}${r + 1}`);
const rectA1 = (r: Rect) => `${a1(r.r0, r.c0)}:${a1(r.r1, r.c1)}`;

/** A column name inside a structured reference: ' [ ] # are escaped with ' (Excel's rule). */
export const structuredColumn = (header: string): string => header.trim().replace(/(['[\]#])/g, "'$1");

export interface LiveFormulaLayout {
  /** The holdings' sheet. */
  sheet: string;
  /** Target block (header row + data rows, 3 columns), e.g. "F2:H5". */
  target: string;
  /** The cells that must be empty: the target block, plus the gap column before it for a table ("F2:I5"). */
  checked: string;
  /** The header cells and the first data row's cells. */
  headerAddress: string;
  formulaAddress: string;
  /** All data rows of the three columns (for number formats). */
  dataAddress: string;
  formulas: [string, string, string];
  /** Number formats of the three columns. */
  formats: [string, string, string];
  rows: number;
}

/** The formulas and where they go (pure; no workbook access). */
export function layoutLiveFormulas(inputs: PolicyInputs, policyName: string): LiveFormulaLayout {
  const { sheet, rect } = splitSheetAddress(inputs.holdingsAddress);
  const where = `holdings ${inputs.holdingsAddress}`;
  const header = inputs.holdingsValues[0];
  const cols = findHoldingsColumns(header, where);
  const extra = PER_ASSET.filter((c) => cols[c] !== undefined);
  if (extra.length) {
    throw new RebalError(
      `policy "${policyName}": the holdings have ${extra.map((c) => `a ${c} column (${columnLetter(rect.c0 + cols[c])})`).join(", ")}, which REBAL.TRADES does not read, ` +
        `so live Trade formulas would differ from the trade sheet: use Generate trade sheet, or =REBAL.TRADESHEET(${inputs.holdingsBinding.replace(/^=/, "")}, cash, ${policyDefinedName(policyName)})`,
    );
  }
  const blankCell = (v: unknown) => v === null || v === undefined || (typeof v === "string" && v.trim() === "");
  const blankRow = inputs.holdingsValues.findIndex((row, i) => i > 0 && row.every(blankCell));
  if (blankRow > 0) {
    throw new RebalError(
      `policy "${policyName}": holdings row ${rect.r0 + blankRow + 1} (${sheet}) is blank; REBAL.TRADES and REBAL.DRIFT reject blank cells, ` +
        `so the live formulas would show #VALUE!: delete the blank row, or use Generate trade sheet`,
    );
  }
  const table = /^=?([A-Za-z_\\][A-Za-z0-9_.]*)\[#All\]$/i.exec(inputs.holdingsBinding.trim());
  const gap = table ? 1 : 0;
  if (rect.c1 + gap + 3 > MAX_COLUMN) throw new RebalError(`${where}: there are no ${gap + 3} columns to its right`);
  const n = rect.r1 - rect.r0; // data rows
  const ref = (col: string) => {
    const j = cols[col];
    if (table) return `${table[1]}[${structuredColumn(String(header[j]))}]`;
    return `${a1(rect.r0 + 1, rect.c0 + j, true)}:${a1(rect.r1, rect.c0 + j, true)}`;
  };
  const q = ref("quantity");
  const p = ref("price");
  const t = ref("target");
  let cash: string | null = null;
  if (inputs.cashBinding !== null) {
    cash = inputs.cashBinding.replace(/^=/, "");
    const prefix = `${quoteSheetName(sheet)}!`;
    if (cash.toLowerCase().startsWith(prefix.toLowerCase())) cash = cash.slice(prefix.length);
  }
  const policy = policyDefinedName(policyName);
  const c = rect.c1 + 1 + gap;
  const first = rect.r0 + 1;
  const drift = `=REBAL.DRIFT(${q}*${p},${t}${cash === null ? "" : `,CHOOSE({1,2},"cash",${cash})`})`;
  const weight = `=${t}+${a1(first, c + 1)}#`;
  const trade = `=REBAL.TRADES(${q},${p},${t},${cash ?? 0},${policy})`;
  const lot = inputs.policy.lot;
  return {
    sheet,
    target: rectA1({ r0: rect.r0, c0: c, r1: rect.r1, c1: c + 2 }),
    checked: rectA1({ r0: rect.r0, c0: rect.c1 + 1, r1: rect.r1, c1: c + 2 }),
    headerAddress: rectA1({ r0: rect.r0, c0: c, r1: rect.r0, c1: c + 2 }),
    formulaAddress: rectA1({ r0: first, c0: c, r1: first, c1: c + 2 }),
    dataAddress: rectA1({ r0: first, c0: c, r1: rect.r1, c1: c + 2 }),
    formulas: [weight, drift, trade],
    formats: ["0.00%", "+0.00%;-0.00%;0.00%", lot > 0 && Number.isInteger(lot) ? "#,##0" : "#,##0.0000"],
    rows: n,
  };
}

export interface LiveFormulaResult {
  /** "Portfolio!F2:H5". */
  address: string;
  formulas: [string, string, string];
}

/** Cells of `values`/`formulas` (a block whose top-left is `r0`,`c0`) that hold anything. */
export function occupiedCells(values: unknown[][], formulas: unknown[][], r0: number, c0: number): string[] {
  const out: string[] = [];
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      const f = formulas[i]?.[j];
      const empty = (x: unknown) => x === null || x === undefined || x === "";
      if (!empty(v) || !empty(f)) out.push(a1(r0 + i, c0 + j));
    }),
  );
  return out;
}

/** Writes the live formulas of a stored policy next to its holdings (one Excel.run). */
export function insertLiveFormulas(policyName: string): Promise<LiveFormulaResult> {
  return runExcel(async (context) => {
    const inputs = await readInputs(context, policyName);
    const layout = layoutLiveFormulas(inputs, policyName);
    const sheet = context.workbook.worksheets.getItem(layout.sheet);
    const target = sheet.getRange(layout.checked);
    target.load(["values", "formulas"]);
    await context.sync();
    const t = splitSheetAddress(`x!${layout.checked}`).rect;
    const busy = occupiedCells(target.values, target.formulas, t.r0, t.c0);
    const address = `${quoteSheetName(layout.sheet)}!${layout.target}`;
    if (busy.length) {
      const checked = `${quoteSheetName(layout.sheet)}!${layout.checked}`;
      const list = busy.length > 6 ? `${busy.slice(0, 6).join(", ")} and ${busy.length - 6} more` : busy.join(", ");
      throw new RebalError(`${checked} is not empty (${list} ${busy.length === 1 ? "holds" : "hold"} data): nothing was written. Clear ${busy.length === 1 ? "that cell" : "those cells"} or move the holdings, then try again.`);
    }
    // writes: all queued, one sync
    const head = sheet.getRange(layout.headerAddress);
    head.values = [[...LIVE_HEADER]];
    head.format.font.bold = true;
    sheet.getRange(layout.formulaAddress).formulas = [layout.formulas];
    sheet.getRange(layout.dataAddress).numberFormat = Array.from({ length: layout.rows }, () => [...layout.formats]);
    try {
      await context.sync();
    } catch (e) {
      throw new RebalError(`could not write the live formulas at ${address}: ${errorMessage(e)}`);
    }
    return { address, formulas: layout.formulas };
  });
}
