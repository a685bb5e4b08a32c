/**
 * Numbers written as text, read strictly: the one reader of numeric text (CSV cells, text cells of a
 * workbook, policy values, command-line numbers). Pure: no Node, DOM or Office APIs.
 *
 * Conventions:
 * - A decimal mark is "." (1,234.5: "," groups thousands) or "," (1.234,5: "." groups thousands).
 *   Grouping must be exact (1 to 3 leading digits, then groups of 3): "1,5" is not a number with the
 *   decimal point, "1.234.5" is not a number at all, and a leading group never starts with 0
 *   ("0.123" is only ever a decimal). An exponent (1e5, 2,5E-3) is allowed without grouping.
 * - An optional sign (+, -, U+2212), an optional currency symbol before or after ($ € £ ¥), and an
 *   optional trailing "%" (divides by 100) are accepted, as they were before this reader existed.
 * - The decimal mark of a source (a CSV file, a sheet's table) is detected from its cells only when
 *   that is unambiguous: some cell reads only with one mark and none reads only with the other.
 *   With no evidence either way the style is "either": a cell that reads differently with the two
 *   marks ("1,234": 1.234 or 1234) is an error, never a guess. Mixed evidence is an error naming a
 *   cell of each kind.
 * - A number is read as the float64 nearest to the written decimal (JavaScript's Number of the
 *   canonical text), so a value written with enough digits comes back exactly. A value that
 *   overflows (1e999) or underflows to 0 (1e-999) is an error, never Infinity or a silent 0.
 */
import { RebalError } from "./errors";

export type DecimalMark = "." | ",";
/** How a source writes decimals: a known mark, or "either" (not known: two-way readings are refused). */
export type DecimalStyle = DecimalMark | "either";

/** Currency symbols accepted before or after a number. */
export const CURRENCY_SYMBOLS = ["$", "€", "£", "¥"] as const;

/** Longest cell text quoted in messages. */
const QUOTE_MAX = 40;

export const quoteText = (s: string): string => JSON.stringify(s.length > QUOTE_MAX ? s.slice(0, QUOTE_MAX) + "…" : s);

const PLAIN: Record<DecimalMark, RegExp> = {
  ".": /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/,
  ",": /^(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$/,
};
const GROUPED: Record<DecimalMark, RegExp> = {
  ".": /^[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?$/,
  ",": /^[1-9]\d{0,2}(?:\.\d{3})+(?:,\d*)?$/,
};
/** The common shape (digits, at most one separator, an optional "-"), read without the affix parser. */
const SIMPLE = /^(-?)(\d+)(?:([.,])(\d+))?$/;
const FIRST_GROUP = /^[1-9]\d{0,2}$/;

/** The outcome of reading one text: a number, "not a number in this style" (null), or a range error. */
type Read = number | null | { error: string };

function stripAffixes(text: string): { sign: string; body: string; percent: boolean } | null {
  let s = text.trim();
  let sign = "";
  let currency = false;
  const takeSign = () => {
    const c = s.charAt(0);
    if (!sign && (c === "+" || c === "-" || c === "\u2212")) { sign = c === "+" ? "" : "-"; s = s.slice(1).trimStart(); return true; }
    return false;
  };
  const takeCurrencyPrefix = () => {
    for (const sym of CURRENCY_SYMBOLS) if (!currency && s.startsWith(sym)) { currency = true; s = s.slice(sym.length).trimStart(); return true; }
    return false;
  };
  takeSign();
  takeCurrencyPrefix();
  if (currency) takeSign();
  let percent = false;
  if (s.endsWith("%")) { percent = true; s = s.slice(0, -1).trimEnd(); }
  if (!percent && !currency) {
    for (const sym of CURRENCY_SYMBOLS) if (s.endsWith(sym)) { currency = true; s = s.slice(0, -sym.length).trimEnd(); break; }
  }
  if (percent && currency) return null;
  if (s === "" || !/\d/.test(s)) return null;
  return { sign, body: s, percent };
}

function checked(x: number, digits: string): Read {
  if (!Number.isFinite(x)) return { error: "is too large to compute with (it overflows)" };
  if (x === 0 && /[1-9]/.test(digits)) return { error: "is too small to represent (it underflows to 0)" };
  return x + 0;
}

function readWith(text: string, mark: DecimalMark): Read {
  const m = SIMPLE.exec(text);
  if (m) {
    const sign = m[1], int = m[2], sep = m[3], frac = m[4];
    if (sep === undefined) return checked(Number(text), int);
    if (sep === mark) return checked(Number(`${sign}${int}.${frac}`), int + frac);
    // the separator groups thousands: one group of three after 1-3 leading digits
    return FIRST_GROUP.test(int) && frac.length === 3 ? checked(Number(`${sign}${int}${frac}`), int + frac) : null;
  }
  const a = stripAffixes(text);
  if (!a) return null;
  const group = mark === "." ? "," : ".";
  let canonical: string;
  if (PLAIN[mark].test(a.body)) canonical = mark === "." ? a.body : a.body.replace(",", ".");
  else if (GROUPED[mark].test(a.body)) canonical = a.body.split(group).join("").replace(",", ".");
  else return null;
  const r = checked(Number(a.sign + canonical), canonical.replace(/[eE].*$/, ""));
  return typeof r === "number" && a.percent ? r / 100 : r;
}

/**
 * Reads numeric text with a decimal style. Returns the number, or null when the text is not a number
 * in that style. Throws RebalError (prefixed by `where`) for a value out of range, or, with style
 * "either", for text that reads as two different numbers.
 */
export function parseNumberText(text: string, style: DecimalStyle, where: string): number | null {
  const one = (mark: DecimalMark): number | null => {
    const r = readWith(text, mark);
    if (r !== null && typeof r === "object") throw new RebalError(`${where}: ${quoteText(text)} ${r.error}`);
    return r;
  };
  if (style !== "either") return one(style);
  const d = one("."), c = one(",");
  if (d !== null && c !== null && d !== c) {
    throw new RebalError(`${where}: ${quoteText(text)} could be ${d} (decimal point) or ${c} (decimal comma); say which (e.g. write it without a thousands separator, or set the decimal mark)`);
  }
  return d ?? c;
}

/** Why a text is not a number in `mark`, for messages: names the other mark when it would read. */
export function notANumberReason(text: string, mark: DecimalMark | "either"): string {
  if (mark !== "either") {
    const other: DecimalMark = mark === "." ? "," : ".";
    const r = readWith(text, other);
    if (typeof r === "number") return `${quoteText(text)} is not a number with the decimal ${mark === "." ? "point \".\"" : "comma \",\""} (it would be ${r} with the decimal ${other === "." ? "point" : "comma"})`;
  }
  return `${quoteText(text)} is not a number`;
}

/** Reads numeric text or throws a RebalError naming `where` and the text. */
export function readNumberText(text: string, style: DecimalStyle, where: string): number {
  const x = parseNumberText(text, style, where);
  if (x === null) throw new RebalError(`${where}: ${notANumberReason(text, style)}`);
  return x;
}

/** What one text says about the decimal mark: "." or "," when only that mark reads it, else null. */
export function decimalEvidence(text: string): DecimalMark | null {
  // Fast exits: text without both a digit and a separator says nothing.
  if (text.indexOf(".") < 0 && text.indexOf(",") < 0) return null;
  const d = readWith(text, "."), c = readWith(text, ",");
  const dOk = typeof d === "number" || (d !== null && typeof d === "object");
  const cOk = typeof c === "number" || (c !== null && typeof c === "object");
  if (dOk && !cOk) return ".";
  if (cOk && !dOk) return ",";
  return null;
}

/**
 * The decimal style of a table of cells (rows of cells from `fromRow`, only the numeric `columns`
 * when given, so that text such as an asset named "2,5" is no evidence; only strings are looked
 * at): the mark some cell needs when no cell needs the other, else `fallback`. Mixed evidence is a RebalError naming
 * one cell of each kind through `cellName(row index, column index)`.
 */
export function detectDecimalStyle(
  cells: readonly (readonly unknown[])[], fallback: DecimalStyle, cellName: (r: number, c: number) => string, where = "",
  columns: readonly number[] | null = null, fromRow = 0,
): DecimalStyle {
  let dot: [number, number, string] | null = null;
  let comma: [number, number, string] | null = null;
  for (let r = fromRow; r < cells.length; r++) {
    const row = cells[r];
    const width = columns ? columns.length : row.length;
    for (let k = 0; k < width; k++) {
      const c = columns ? columns[k] : k;
      const v = row[c];
      if (typeof v !== "string") continue;
      if (dot && comma) break;
      const e = decimalEvidence(v);
      if (e === "." && !dot) dot = [r, c, v];
      else if (e === "," && !comma) comma = [r, c, v];
    }
    if (dot && comma) break;
  }
  if (dot && comma) {
    throw new RebalError(
      `${where ? `${where}: ` : ""}cannot tell the decimal mark: ${cellName(comma[0], comma[1])} ${quoteText(comma[2])} reads only with a decimal comma, ` +
      `${cellName(dot[0], dot[1])} ${quoteText(dot[2])} only with a decimal point; fix the cells or set the decimal mark`,
    );
  }
  return dot ? "." : comma ? "," : fallback;
}
