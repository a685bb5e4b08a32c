/**
 * Price-history CSVs for `rebal backtest` and `rebal optimize`: a header row (date, then one column
 * per asset), one row per day, dates exactly yyyy-mm-dd (core isoDateToSerial: an impossible date
 * such as 2014-01-32 is an error, nothing rolls over), strictly increasing (oldest first); blank =
 * missing price. Prices are read in the file's decimal style (inputs.ts readCsv) and must be
 * positive and at most MAX_AMOUNT. Dates become Excel serial numbers (the engine's convention).
 */
import { RebalError } from "../core/errors";
import { isoDateToSerial, serialToISO } from "../core/calendar";
import { MAX_AMOUNT, checkAmount, columnLetter, isBlankCell, numberFromCell } from "../core/holdingsTable";
import { ReadOptions, defaultReadOptions, readBytes, readCsv, tableStyle } from "./inputs";

export interface PriceHistory { names: string[]; dates: Float64Array; rows: number[][] }

export { MAX_AMOUNT };

/** ISO text of a serial date (core calendar). */
export const serialToIso = serialToISO;

/** A yyyy-mm-dd date as a serial; throws RebalError naming `what` for any other text or an impossible date. */
export function isoToSerial(text: string, what = "date"): number {
  const x = isoDateToSerial(text, what);
  if (x === null) throw new RebalError(`${what}: "${text}" is not a date (use yyyy-mm-dd)`);
  return x;
}

export function readPrices(file: string, opts: ReadOptions = defaultReadOptions()): PriceHistory {
  const { cells: all } = readCsv(file, readBytes(file, opts.limits), opts);
  const lines: number[] = [];
  const cells = all.filter((r, k) => (r.every(isBlankCell) ? false : (lines.push(k + 1), true)));
  if (cells.length < 3) throw new RebalError(`${file}: needs a header row (date, assets...) and at least two rows of prices`);
  const names = cells[0].slice(1).map((h, j) => {
    if (isBlankCell(h)) throw new RebalError(`${file} row ${lines[0]}, column ${columnLetter(j + 1)}: the asset name is blank`);
    return String(h).trim();
  });
  if (names.length === 0) throw new RebalError(`${file} row ${lines[0]}: no asset columns after the date column`);
  const style = tableStyle(cells, names.map((_, j) => j + 1), 1, file, opts.decimal, (k) => lines[k], columnLetter);
  const dates = new Float64Array(cells.length - 1);
  const rows: number[][] = [];
  for (let k = 1; k < cells.length; k++) {
    const r = cells[k], line = lines[k];
    const d = r[0];
    const where = `${file} row ${line}, column A (date)`;
    if (isBlankCell(d)) throw new RebalError(`${where} is blank`);
    const serial = isoToSerial(String(d), where);
    if (k > 1 && serial <= dates[k - 2]) throw new RebalError(`${where}: ${String(d).trim()} is not after the previous row's ${serialToISO(dates[k - 2])} (dates must increase, oldest first)`);
    dates[k - 1] = serial;
    rows.push(names.map((_, j) => {
      const v = r[j + 1];
      if (isBlankCell(v)) return NaN;
      const at = `${file} row ${line}, column ${columnLetter(j + 1)} "${names[j]}"`;
      const x = checkAmount(numberFromCell(v, at, style), at);
      if (!(x > 0)) throw new RebalError(`${at}: a price must be positive, got ${String(v).trim()}`);
      return x;
    }));
  }
  return { names, dates, rows };
}
