/**
 * Panels: the numeric T x N matrices (rows = dates oldest first, columns = assets) the estimators
 * work on, stored row-major in a Float64Array with NaN marking a missing value.
 *
 * Conventions (conventions.md, "Inputs"): blank cells (null, undefined, "", NaN) are *missing*,
 * never zero. Returns from prices are simple returns `p_t / p_{t-1} - 1` with **no forward
 * fill**: a return is missing when either price is missing; a row where every asset is missing
 * is dropped (PyPortfolioOpt `returns_from_prices`, `pct_change(fill_method=None).dropna(how="all")`).
 */
import { RebalError } from "../errors";

/** A rectangular table of cells as it comes from a sheet or a CSV: numbers, blanks (null/undefined/""), NaN. */
export type Cells = ReadonlyArray<ReadonlyArray<unknown>>;

export interface Panel {
  T: number;
  N: number;
  /** row-major T x N, NaN = missing */
  x: Float64Array;
}

/** Display name of asset i for messages. */
export function assetName(i: number, names?: readonly string[]): string {
  return names && names[i] !== undefined ? `asset ${names[i]} (column ${i + 1})` : `asset ${i + 1}`;
}

/** Converts cells to a panel; blanks become NaN; anything else non-numeric or infinite is an error. */
export function toPanel(cells: Cells, what: string): Panel {
  if (!Array.isArray(cells) || cells.length === 0) throw new RebalError(`${what} is empty`);
  const T = cells.length;
  const first = cells[0];
  if (!Array.isArray(first) || first.length === 0) throw new RebalError(`${what} has no columns`);
  const N = first.length;
  const x = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const row = cells[t];
    if (!Array.isArray(row) || row.length !== N) {
      throw new RebalError(`${what} row ${t + 1} has ${Array.isArray(row) ? row.length : 0} columns, expected ${N}`);
    }
    for (let i = 0; i < N; i++) {
      const v = row[i];
      if (v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v))) {
        x[t * N + i] = NaN;
      } else if (typeof v === "number" && Number.isFinite(v)) {
        x[t * N + i] = v;
      } else {
        throw new RebalError(`${what} row ${t + 1}, column ${i + 1} is not a number: ${String(v).slice(0, 40)}`);
      }
    }
  }
  return { T, N, x };
}

/** Simple returns from a price panel (no forward fill; all-missing rows dropped). Prices must be > 0. */
export function returnsPanel(prices: Panel, names?: readonly string[]): Panel {
  const { T, N, x } = prices;
  for (let k = 0; k < T * N; k++) {
    if (x[k] <= 0) {
      const t = Math.floor(k / N), i = k % N;
      throw new RebalError(`prices row ${t + 1}, ${assetName(i, names)}: price ${x[k]} is not positive`);
    }
  }
  const rows: number[] = [];
  const tmp = new Float64Array(Math.max(T - 1, 0) * N);
  let kept = 0;
  for (let t = 1; t < T; t++) {
    let any = false;
    const base = kept * N;
    for (let i = 0; i < N; i++) {
      const p0 = x[(t - 1) * N + i], p1 = x[t * N + i];
      const r = p1 / p0 - 1; // NaN when either is missing
      tmp[base + i] = r;
      if (r === r) any = true;
    }
    if (any) { kept++; rows.push(t); }
  }
  if (kept === 0) throw new RebalError("prices give no returns: need at least two rows with prices for some asset");
  return { T: kept, N, x: tmp.slice(0, kept * N) };
}

/** Returns panel from price cells, or the cells themselves when `returnsData`. All-missing rows dropped. */
export function panelFromCells(cells: Cells, returnsData: boolean, names?: readonly string[]): Panel {
  return panelFromRaw(toPanel(cells, returnsData ? "returns" : "prices"), returnsData, names);
}

/**
 * The same from a panel already read (e.g. straight from a sheet range, src/functions): returns of
 * the prices, or the returns themselves when `returnsData`; all-missing rows dropped.
 */
export function panelFromRaw(p: Panel, returnsData: boolean, names?: readonly string[]): Panel {
  if (!returnsData) return returnsPanel(p, names);
  const keep: number[] = [];
  for (let t = 0; t < p.T; t++) {
    for (let i = 0; i < p.N; i++) if (p.x[t * p.N + i] === p.x[t * p.N + i]) { keep.push(t); break; }
  }
  if (keep.length === 0) throw new RebalError("returns has no values");
  for (let k = 0; k < p.T * p.N; k++) {
    if (p.x[k] <= -1) throw new RebalError(`returns row ${Math.floor(k / p.N) + 1}, ${assetName(k % p.N, names)}: return ${p.x[k]} is at or below -100%`);
  }
  if (keep.length === p.T) return p;
  const out = new Float64Array(keep.length * p.N);
  keep.forEach((t, r) => out.set(p.x.subarray(t * p.N, (t + 1) * p.N), r * p.N));
  return { T: keep.length, N: p.N, x: out };
}

/** Panel as number[][] (NaN kept). */
export function panelToRows(p: Panel): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < p.T; t++) out.push(Array.from(p.x.subarray(t * p.N, (t + 1) * p.N)));
  return out;
}

/** Simple returns from prices as number[][] with NaN for missing (see module header). */
export function returnsFromPrices(prices: Cells, names?: readonly string[]): number[][] {
  return panelToRows(returnsPanel(toPanel(prices, "prices"), names));
}

/** Validates the annualisation frequency. */
export function checkFrequency(f: number | undefined): number {
  const v = f ?? 252;
  if (!Number.isFinite(v) || v <= 0) throw new RebalError(`frequency ${v} must be a positive number (252 daily, 52 weekly, 12 monthly)`);
  return v;
}
