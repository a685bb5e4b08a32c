/**
 * Fuzzing the formula entry points with malformed Excel-shaped arguments (product.md, "Formula
 * conventions": no function ever throws anything but #VALUE!, and no NaN/Infinity reaches a cell).
 * Each call must either return a value made only of finite numbers, strings, booleans and
 * CustomFunctions.Error cells, or throw a CustomFunctions.Error with code #VALUE! and a message.
 */
import fc from "fast-check";
import { ErrorCode, StubCustomFunctionsError } from "./support/customFunctionsStub";
import * as Functions from "../../src/functions/functions";
// Excel may pass any value in any argument and these tests do too; the TypeScript signatures only
// shape the generated metadata, so the functions are called through a loosely typed view.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const F = Functions as unknown as Record<keyof typeof Functions, (...args: any[]) => any>;

const NUM_RUNS = Number(process.env.REBAL_FC_RUNS ?? 300);

const cellArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: false }) },
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 200 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 45292, 2958466) },
  { weight: 2, arbitrary: fc.constantFrom(null, undefined, "", " ", true, false) },
  { weight: 2, arbitrary: fc.constantFrom("1", "0.5", "50%", "1,000", "abc", "NaN", "Infinity", "1e400", "monthly", "quarterly", "band_abs=0.05", "lot=0; min_trade=10", "trigger=calendar; frequency=weekly", "x=1", "asset", "quantity", "price", "target", "lot", "restricted") },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom({}, { a: 1 }, [], [1], new Date(0), Symbol.for("s") as unknown) },
);

const rectArb = (maxR: number, maxC: number) => fc.integer({ min: 1, max: maxR }).chain((r) => fc.integer({ min: 1, max: maxC }).chain((c) =>
  fc.array(fc.array(cellArb, { minLength: c, maxLength: c }), { minLength: r, maxLength: r })));

/** Anything Excel-ish and plenty that is not: rectangles, ragged, empty, scalars, vectors of good numbers. */
const argArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: rectArb(5, 3) },
  { weight: 2, arbitrary: fc.array(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 1 }), { minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.array(cellArb, { maxLength: 4 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(cellArb, { maxLength: 4 }) },
  { weight: 2, arbitrary: cellArb },
);

const policyArgArb: fc.Arbitrary<unknown> = fc.oneof(
  argArb,
  fc.constantFrom(null, undefined, "", "band_abs=0.05", "trigger=always", "lot=0", "mode=buy_only; cash_reserve=0.1", "measure=rel", "cash=100", [["band_abs", 0.05]], [["lot"], [10]]),
);

function checkOutcome(name: string, f: () => unknown): void {
  let out: unknown;
  try {
    out = f();
  } catch (e) {
    if (!(e instanceof StubCustomFunctionsError)) throw new Error(`${name} threw a non-CustomFunctions error: ${String(e)}`);
    expect(e.code).toBe(ErrorCode.invalidValue);
    expect(typeof e.message).toBe("string");
    expect(e.message.length).toBeGreaterThan(0);
    // bad input must be explained (what and where), not reported as an internal error (a bug)
    if (/internal error/.test(e.message)) throw new Error(`${name}: ${e.message}`);
    return;
  }
  const okCell = (c: unknown) =>
    (typeof c === "number" && Number.isFinite(c)) || typeof c === "string" || typeof c === "boolean" || c instanceof StubCustomFunctionsError;
  if (Array.isArray(out)) {
    if (!out.every((r) => Array.isArray(r) && r.every(okCell))) throw new Error(`${name} returned a bad cell: ${String(out)}`);
    const w = (out[0] as unknown[]).length;
    if (!out.every((r) => (r as unknown[]).length === w)) throw new Error(`${name} returned a ragged array`);
  } else if (!okCell(out)) {
    throw new Error(`${name} returned ${String(out)}`);
  }
}

const params = { numRuns: NUM_RUNS };

describe("formulas never throw anything but #VALUE! and never return NaN/Infinity", () => {
  test("WEIGHTS", () => fc.assert(fc.property(argArb, (v) => checkOutcome("WEIGHTS", () => F.weights(v as never))), params));
  test("DRIFT", () => fc.assert(fc.property(argArb, argArb, policyArgArb, (v, t, o) => checkOutcome("DRIFT", () => F.drift(v as never, t as never, o))), params));
  test("BANDS", () => fc.assert(fc.property(argArb, policyArgArb, (t, p) => checkOutcome("BANDS", () => F.bands(t as never, p))), params));
  test("CHECK", () => fc.assert(fc.property(argArb, argArb, policyArgArb, argArb, argArb, (v, t, p, a, l) => checkOutcome("CHECK", () => F.check(v as never, t as never, p, a, l))), params));
  test("NEXTDATE", () => fc.assert(fc.property(argArb, policyArgArb, argArb, (l, f, a) => checkOutcome("NEXTDATE", () => F.nextdate(l, f, a))), params));
  test("TRADES", () => fc.assert(fc.property(argArb, argArb, argArb, argArb, policyArgArb, (q, p, t, c, pol) => checkOutcome("TRADES", () => F.trades(q as never, p as never, t as never, c, pol))), params));
  test("TRADESHEET", () => {
    const header = fc.shuffledSubarray(["asset", "quantity", "price", "target", "lot", "restricted", "min_weight", "max_weight", "sector"], { minLength: 3 });
    const sheet = header.chain((h) => fc.array(fc.array(cellArb, { minLength: h.length, maxLength: h.length }), { minLength: 0, maxLength: 4 }).map((rows) => [h, ...rows]));
    fc.assert(fc.property(fc.oneof(sheet, argArb), argArb, policyArgArb, (h, c, p) => checkOutcome("TRADESHEET", () => F.tradesheet(h as never, c, p))), params);
  });

  test("well-formed random books through TRADES: only finite numbers, same shape as quantities", () => {
    const book = fc.integer({ min: 1, max: 5 }).chain((n) => fc.record({
      q: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: n, maxLength: n }),
      p: fc.array(fc.integer({ min: 1, max: 30000 }).map((x) => x / 100), { minLength: n, maxLength: n }),
      t: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
      cash: fc.integer({ min: 0, max: 100000 }),
      asRow: fc.boolean(),
    }));
    fc.assert(fc.property(book, policyArgArb, ({ q, p, t, cash, asRow }, pol) => {
      const s = t.reduce((a, b) => a + b, 0) || 1;
      const tw = t.map((x) => Math.floor((x / s) * 1000) / 1000);
      const shape = (xs: unknown[]) => (asRow ? [xs] : xs.map((x) => [x]));
      checkOutcome("TRADES", () => F.trades(shape(q), shape(p), shape(tw), cash, pol));
      let out: unknown[][];
      try { out = F.trades(shape(q), shape(p), shape(tw), cash, pol); } catch { return; }
      expect(out.length).toBe(asRow ? 1 : q.length);
      expect(out[0].length).toBe(asRow ? q.length : 1);
    }), params);
  });
});
