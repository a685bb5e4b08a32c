/**
 * Price-history CSVs for `rebal backtest` and `rebal optimize`: a header row (date, then one column
 * per asset), dates as ISO yyyy-mm-dd or Excel serials (oldest first), blank = missing price.
 * Dates become Excel serial numbers (the engine's convention).
 */
import { RebalError } from "../core/errors";
import { columnLetter, isBlankCell, numberFromCell } from "../core/holdingsTable";
import { csvCells } from "./inputs";

export interface PriceHistory { names: string[]; dates: Float64Array; rows: number[][] }

export function isoToSerial(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s.trim());
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86400000 + 25569;
}

export function serialToIso(x: number): string {
  return new Date((x - 25569) * 86400000).toISOString().slice(0, 10);
}

export function readPrices(file: string): PriceHistory {
  const cells = csvCells(file).filter((r) => !r.every(isBlankCell));
  if (cells.length < 3) throw new RebalError(`${file}: needs a header row (date, assets...) and at least two rows of prices`);
  const names = cells[0].slice(1).map((h, j) => {
    if (isBlankCell(h)) throw new RebalError(`${file} row 1, column ${columnLetter(j + 1)}: the asset name is blank`);
    return String(h).trim();
  });
  const dates = new Float64Array(cells.length - 1);
  const rows: number[][] = [];
  for (let k = 1; k < cells.length; k++) {
    const r = cells[k];
    const d = r[0];
    const serial = typeof d === "string" && d.includes("-") ? isoToSerial(d) : numberFromCell(d, `${file} row ${k + 1}, column A (date)`);
    if (!Number.isFinite(serial)) throw new RebalError(`${file} row ${k + 1}, column A: "${d}" is not a date (use yyyy-mm-dd)`);
    dates[k - 1] = serial;
    rows.push(names.map((_, j) => (isBlankCell(r[j + 1]) ? NaN : numberFromCell(r[j + 1], `${file} row ${k + 1}, column ${columnLetter(j + 1)} "${names[j]}"`))));
  }
  return { names, dates, rows };
}
