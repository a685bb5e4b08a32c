/**
 * Band half-widths and breaches (product.md, "Policies": band_abs, band_rel, both -> min; the 5/25 rule).
 */
import { bandBounds, breaches, drift, halfWidth, halfWidths } from "../../../src/core/bands";
import { parsePolicy } from "../../../src/core/policy";

describe("half-widths", () => {
  test("band_abs only: the same half-width for every target", () => {
    for (const t of [0, 0.01, 0.3, 0.9]) expect(halfWidth(t, 0.05, null)).toBeCloseTo(0.05, 15);
  });

  test("band_rel only: a fraction of the target", () => {
    expect(halfWidth(0.4, null, 0.25)).toBeCloseTo(0.1, 15);
    expect(halfWidth(0.1, null, 0.25)).toBeCloseTo(0.025, 15);
    expect(halfWidth(0, null, 0.25)).toBe(0);
  });

  test("5/25 rule: min of both (target 0.6 -> 0.05, target 0.1 -> 0.025, target 0.2 -> 0.05)", () => {
    expect(halfWidth(0.6, 0.05, 0.25)).toBeCloseTo(0.05, 15);
    expect(halfWidth(0.1, 0.05, 0.25)).toBeCloseTo(0.025, 15);
    expect(halfWidth(0.2, 0.05, 0.25)).toBeCloseTo(0.05, 15); // the crossover: both 0.05
  });

  test("halfWidths follows a parsed policy", () => {
    const { policy } = parsePolicy("band_abs=0.05; band_rel=0.25");
    const h = halfWidths(Float64Array.from([0.6, 0.1, 0.3]), policy);
    expect(Array.from(h).map((x) => Number(x.toFixed(12)))).toEqual([0.05, 0.025, 0.05]);
  });

  test("no band: half-width 0 (any deviation is outside)", () => {
    expect(halfWidth(0.3, null, null)).toBe(0);
  });
});

describe("bounds", () => {
  test("t -/+ h, lower floored at 0 without shorts", () => {
    const { policy } = parsePolicy("band_abs=0.05");
    const { lower, upper } = bandBounds(Float64Array.from([0.5, 0.02]), policy);
    expect(lower[0]).toBeCloseTo(0.45, 15);
    expect(upper[0]).toBeCloseTo(0.55, 15);
    expect(lower[1]).toBe(0);
    expect(upper[1]).toBeCloseTo(0.07, 15);
  });

  test("with allow_short the lower bound may be negative", () => {
    const { policy } = parsePolicy("band_abs=0.05; allow_short=TRUE");
    const { lower } = bandBounds(Float64Array.from([0.02]), policy);
    expect(lower[0]).toBeCloseTo(-0.03, 15);
  });
});

describe("breaches", () => {
  // Edges are computed as exact binary fractions so "on the edge" is exact.
  const t = [0.5, 0.25, 0.125];
  const h = [0.0625, 0.03125, 0.015625];
  test("a weight exactly on either edge is inside", () => {
    const w = t.map((x, i) => x + h[i]);
    expect(Array.from(breaches(w, t, h))).toEqual([0, 0, 0]);
    const w2 = t.map((x, i) => x - h[i]);
    expect(Array.from(breaches(w2, t, h))).toEqual([0, 0, 0]);
  });

  test("strictly inside is inside, clearly outside is a breach, on each side", () => {
    expect(Array.from(breaches([0.5, 0.25 + 0.03, 0.125 - 0.0156], t, h))).toEqual([0, 0, 0]);
    expect(Array.from(breaches([0.5 + 0.0626, 0.25 - 0.0313, 0.125 + 0.02], t, h))).toEqual([1, 1, 1]);
  });

  test("a book rebalanced onto an edge with float noise (0.1 + 0.05 != 0.15) is not flagged", () => {
    // 0.1 + 0.05 = 0.15000000000000002 in floating point
    expect(Array.from(breaches([0.15], [0.1], [0.05]))).toEqual([0]);
    expect(Array.from(breaches([0.1 - 0.05], [0.1], [0.05]))).toEqual([0]);
  });

  test("no band: any deviation (beyond noise) is a breach, exact target is not", () => {
    expect(Array.from(breaches([0.3, 0.30001], [0.3, 0.3], [0, 0]))).toEqual([0, 1]);
  });
});

describe("drift", () => {
  test("abs is w - t, rel is (w - t) / t, rel of a zero target is NaN", () => {
    const d = drift([0.6, 0.3, 0.1], [0.5, 0.4, 0], "abs");
    expect(Array.from(d).map((x) => Number(x.toFixed(12)))).toEqual([0.1, -0.1, 0.1]);
    const r = drift([0.6, 0.3, 0.1], [0.5, 0.4, 0], "rel");
    expect(r[0]).toBeCloseTo(0.2, 12);
    expect(r[1]).toBeCloseTo(-0.25, 12);
    expect(Number.isNaN(r[2])).toBe(true);
  });
});
