/**
 * src/core/numberText.ts: numeric text read strictly. Examples of each rule (decimal marks, exact
 * grouping, affixes, overflow and underflow, two-way readings, detection), then fast-check: any
 * decimal written with either mark, with or without grouping, reads back as exactly the float64
 * JavaScript gives its canonical text; and no text ever reads as NaN or Infinity.
 */
import fc from "fast-check";
import { decimalEvidence, detectDecimalStyle, parseNumberText, readNumberText } from "../../src/core/numberText";
import { RebalError } from "../../src/core/errors";
import { numberCell } from "../../src/core/cells";
import { isoDateToSerial, serialToISO } from "../../src/core/calendar";

const read = (s: string, style: "." | "," | "either") => readNumberText(s, style, "cell");

describe("examples", () => {
  test("decimal point and decimal comma, exact grouping", () => {
    expect(read("250.5", ".")).toBe(250.5);
    expect(read("250,5", ",")).toBe(250.5);
    expect(read("1,234.5", ".")).toBe(1234.5);
    expect(read("1.234,5", ",")).toBe(1234.5);
    expect(read("1,234,567", ".")).toBe(1234567);
    expect(read("-1.234.567,25", ",")).toBe(-1234567.25);
    expect(() => read("1,5", ".")).toThrow(/"1,5" is not a number with the decimal point "\." \(it would be 1\.5 with the decimal comma\)/);
    expect(() => read("25,05", ".")).toThrow(/it would be 25\.05 with the decimal comma/);
    expect(() => read("1.234,50", ".")).toThrow(/it would be 1234\.5 with the decimal comma/);
    expect(() => read("1,23,456", ".")).toThrow(/is not a number$/);
    expect(() => read("1.234.5", ",")).toThrow(RebalError);
    expect(() => read("1,234e5", ".")).toThrow(RebalError);
    expect(read("0.123", "either")).toBe(0.123); // a leading group never starts with 0
    expect(() => read("0.123", ",")).toThrow(/it would be 0\.123 with the decimal point/);
  });

  test("affixes as before: %, $ € £ ¥, signs; hex, Infinity and words are not numbers", () => {
    expect(read("60%", ",")).toBe(0.6);
    expect(read("12,5 %", ",")).toBe(0.125);
    expect(read("$1,072.10", ".")).toBe(1072.1);
    expect(read("-$5", ".")).toBe(-5);
    expect(read("€ 12,50", ",")).toBe(12.5);
    expect(read("12.50€", ".")).toBe(12.5);
    expect(read("\u22123", ".")).toBe(-3);
    expect(read("+4e3", ".")).toBe(4000);
    for (const s of ["0x10", "Infinity", "-Infinity", "NaN", "1e", "--1", "$%5", "5$%", "abc", ".", "1 2"]) expect(parseNumberText(s, ".", "cell")).toBeNull();
  });

  test("overflow and underflow are errors naming the cell, never Infinity or a silent 0", () => {
    expect(() => read("1e999", ".")).toThrow(/cell: "1e999" is too large to compute with/);
    expect(() => read("-1e400", ".")).toThrow(/overflows/);
    expect(() => read("1e-400", ".")).toThrow(/underflows to 0/);
    expect(read("0e-400", ".")).toBe(0);
    expect(read("5e-324", ".")).toBe(5e-324);
    expect(Object.is(read("-0", "."), 0)).toBe(true);
  });

  test("style either: a two-way reading is an error; one-way text reads", () => {
    expect(() => read("1,234", "either")).toThrow(/"1,234" could be 1234 \(decimal point\) or 1\.234 \(decimal comma\)/);
    expect(() => read("1.234", "either")).toThrow(/could be 1\.234 \(decimal point\) or 1234 \(decimal comma\)/);
    expect(read("250,5", "either")).toBe(250.5);
    expect(read("250.5", "either")).toBe(250.5);
    expect(read("1234", "either")).toBe(1234);
  });

  test("detection: one-way cells decide; mixed evidence names a cell of each; text columns are left out", () => {
    const name = (r: number, c: number) => `row ${r + 1}, column ${c + 1}`;
    expect(detectDecimalStyle([["a", "250,5", "60%"]], "either", name)).toBe(",");
    expect(detectDecimalStyle([["a", "1,234", "0.6"]], "either", name)).toBe(".");
    expect(detectDecimalStyle([["a", "1,234", "7"]], "either", name)).toBe("either");
    expect(() => detectDecimalStyle([["a", "1,5", "250.5"]], "either", name, "f.csv")).toThrow(/^f\.csv: cannot tell the decimal mark: row 1, column 2 "1,5" reads only with a decimal comma, row 1, column 3 "250\.5" only with a decimal point/);
    expect(detectDecimalStyle([["2,5", "1.234", "10"]], "either", name, "", [1, 2])).toBe("either");
    expect(decimalEvidence("BRK.B")).toBeNull();
  });

  test("numberCell uses the one reader (the formulas' decimal point)", () => {
    expect(numberCell("1,234.5", "A1")).toBe(1234.5);
    expect(() => numberCell("1,5", "A1")).toThrow(/A1: "1,5" is not a number with the decimal point/);
    expect(numberCell("1,5", "A1", ",")).toBe(1.5);
    expect(() => numberCell(Infinity, "A1")).toThrow(/not a finite number/);
  });

  test("dates: exact yyyy-mm-dd, impossible days are errors, no roll-over", () => {
    expect(serialToISO(isoDateToSerial("2024-02-29", "d")!)).toBe("2024-02-29");
    expect(() => isoDateToSerial("2026-02-31", "--asof")).toThrow(/--asof: 2026-02-31 is not a date \(no such day\)/);
    expect(() => isoDateToSerial("2026-13-45", "d")).toThrow(/no such day/);
    expect(() => isoDateToSerial("2023-02-29", "d")).toThrow(/no such day/);
    expect(() => isoDateToSerial("2014-01-32", "d")).toThrow(/no such day/);
    expect(() => isoDateToSerial("1899-12-31", "d")).toThrow(/between 1900-03-01 and 9999-12-31/);
    expect(isoDateToSerial("2026-1-5", "d")).toBeNull();
    expect(isoDateToSerial("2026-01-05T00:00", "d")).toBeNull();
  });
});

/** A decimal as digits: the canonical text JavaScript reads, and its renderings in each style. */
const decimalSpec = fc.record({
  neg: fc.boolean(),
  int: fc.oneof(fc.constant("0"), fc.stringMatching(/^[1-9][0-9]{0,17}$/)),
  frac: fc.stringMatching(/^[0-9]{0,12}$/),
  exp: fc.option(fc.integer({ min: -330, max: 330 }), { freq: 3 }),
});
type Spec = { neg: boolean; int: string; frac: string; exp: number | null };
const canonical = (s: Spec) => `${s.neg ? "-" : ""}${s.int}${s.frac ? "." + s.frac : ""}${s.exp !== null ? "e" + s.exp : ""}`;
function render(s: Spec, mark: "." | ",", group: boolean): string {
  const g = mark === "." ? "," : ".";
  const int = group && s.exp === null ? s.int.replace(/\B(?=(\d{3})+(?!\d))/g, g) : s.int;
  return `${s.neg ? "-" : ""}${int}${s.frac ? mark + s.frac : ""}${s.exp !== null ? "e" + s.exp : ""}`;
}

describe("fast-check", () => {
  test("any decimal, either mark, grouped or not: exactly Number(canonical text), or a range error", () => {
    fc.assert(fc.property(decimalSpec, fc.constantFrom(".", ","), fc.boolean(), (spec, mark, group) => {
      const text = render(spec, mark as "." | ",", group);
      const want = Number(canonical(spec));
      const overflow = !Number.isFinite(want), underflow = want === 0 && /[1-9]/.test(spec.int + spec.frac);
      try {
        const got = read(text, mark as "." | ",");
        expect(overflow || underflow).toBe(false);
        expect(got).toBe(want + 0);
      } catch (e) {
        expect(e).toBeInstanceOf(RebalError);
        expect(overflow || underflow).toBe(true);
      }
    }), { numRuns: 2000 });
  });

  test("arbitrary text: a finite number, null, or a RebalError; never NaN or Infinity", () => {
    const chars = fc.constantFrom(..."0123456789.,-+e%$€ ".split(""));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 14 }), fc.string({ maxLength: 10 })), fc.constantFrom(".", ",", "either"), (text, style) => {
      try {
        const x = parseNumberText(text, style as "." | "," | "either", "cell");
        if (x !== null) expect(Number.isFinite(x)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(RebalError);
      }
    }), { numRuns: 3000 });
  });
});
