/**
 * REBAL.COV's range reader (optimization.ts panelArg: one pass into a Float64Array) gives the same
 * bits and the same errors as the generic path it replaces (tableArg's cell copies, then core's
 * toPanel): header rows of names, blanks in every form, numeric text, NaN, and bad cells (text,
 * whitespace, TRUE, Infinity) named by row and column, as prices or as returns.
 */
import { riskMatrix } from "../../src/core/estimators";
import { Workspace } from "../../src/core/workspace";
import { covFn, tableArg } from "../../src/functions/optimization";
import { rng } from "../support/priceWalk";

/** The generic path: tableArg, then riskMatrix on the cells (its message when it throws). */
function generic(cells: unknown[][], method: string, returnsData: boolean): unknown {
  try {
    const { rows, names } = tableArg(cells, "prices");
    return riskMatrix(rows, method, { names, returnsData });
  } catch (e) {
    return (e as Error).message;
  }
}
function fast(cells: unknown[][], method: string, returnsData: boolean): unknown {
  try {
    return covFn(cells, method, returnsData ? "returns_data=TRUE" : null, new Workspace());
  } catch (e) {
    return (e as Error).message;
  }
}

/** T x n prices (or returns) with a header row and, when `messy`, blanks, numeric text and NaN. */
function table(T: number, n: number, seed: number, messy: boolean, returnsData: boolean): unknown[][] {
  const r = rng(seed);
  const rows: unknown[][] = [Array.from({ length: n }, (_, i) => (i === 2 ? "" : `T${i}`))];
  const last = Array.from({ length: n }, () => 20 + 100 * r());
  for (let t = 0; t < T; t++) {
    const row: unknown[] = [];
    for (let i = 0; i < n; i++) {
      last[i] *= 1 + 0.03 * (r() - 0.5);
      let v: unknown = returnsData ? 0.03 * (r() - 0.5) : last[i];
      if (messy) {
        const u = r();
        if (u < 0.03) v = null;
        else if (u < 0.05) v = "";
        else if (u < 0.06) v = undefined;
        else if (u < 0.07) v = NaN;
        else if (u < 0.09) v = ` ${(v as number).toLocaleString("en-US", { maximumFractionDigits: 12 })} `;
      }
      row.push(v);
    }
    rows.push(row);
  }
  return rows;
}

describe("REBAL.COV range reader", () => {
  test.each([[false, false], [true, false], [false, true], [true, true]])("messy %s, returns_data %s: same bits as the generic path, every method", (messy, returnsData) => {
    const cells = table(120, 7, messy ? 3 : 4, messy, returnsData);
    expect(Array.isArray(generic(cells, "sample", returnsData))).toBe(true); // a matrix, not an error
    for (const m of ["sample", "semi", "exp", "ledoit_wolf", "ledoit_wolf_single_factor", "ledoit_wolf_constant_correlation", "oas"]) {
      expect([m, fast(cells, m, returnsData)]).toEqual([m, generic(cells, m, returnsData)]);
    }
  });

  test("no header row: same bits", () => {
    const cells = table(60, 4, 5, true, false).slice(1);
    expect(fast(cells, "sample", false)).toEqual(generic(cells, "sample", false));
  });

  test.each([["text", "n/a"], ["whitespace", "   "], ["TRUE", true], ["Infinity", Infinity], ["-Infinity", -Infinity], ["percent text", "5%"]])("a bad cell (%s) is the same error, as prices and as returns", (_name, bad) => {
    for (const returnsData of [false, true]) {
      const cells = table(30, 5, 6, false, returnsData);
      cells[7][3] = bad;
      cells[20][1] = "later"; // only the first bad cell is reported
      const msg = fast(cells, "sample", returnsData);
      expect(typeof msg).toBe("string");
      expect(msg).toBe(generic(cells, "sample", returnsData));
      expect(msg).toMatch(new RegExp(`^${returnsData ? "returns" : "prices"} row 7, column 4 is not a number`));
    }
  });

  test("a header row alone is the same error", () => {
    expect(fast([["A", "B"]], "sample", false)).toBe(generic([["A", "B"]], "sample", false));
  });
});
