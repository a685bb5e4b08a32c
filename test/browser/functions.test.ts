/**
 * The production bundle dist/functions.js alone in headless Chromium, with a CustomFunctions stub
 * (harness.ts): every function in dist/functions.json is registered, the formulas give the right
 * numbers for Excel-shaped arguments (2-D arrays, columns or rows, header rows, blanks as null or
 * ""), and bad input gives #VALUE! with a message — never a plain exception, NaN or Infinity.
 * Expected numbers are worked out by hand in the comments.
 */
import { statSync } from "fs";
import path from "path";
import { DIST, readDist } from "../support/dist";
import { Harness, isCallError, type CallError } from "./harness";

let h: Harness;
let ids: string[];

beforeAll(async () => {
  ids = (JSON.parse(readDist("functions.json")) as { functions: { id: string }[] }).functions.map((f) => f.id);
  h = await Harness.start();
  await h.openFunctions();
});
afterAll(async () => {
  await h?.close();
});

/** Every number finite, every cell a number, string, boolean or a CustomFunctions error. */
function nonFinite(v: unknown, where = "result"): string[] {
  if (typeof v === "number") return Number.isFinite(v) ? [] : [`${where} = ${v}`];
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFinite(x, `${where}[${i}]`));
  if (v === null || v === undefined) return [`${where} is ${v}`];
  return [];
}

async function value(id: string, ...args: unknown[]): Promise<unknown> {
  const r = await h.call(id, ...args);
  if (isCallError(r)) throw new Error(`${id} failed: ${JSON.stringify(r)}`);
  expect(nonFinite(r)).toEqual([]);
  return r;
}

async function valueError(id: string, ...args: unknown[]): Promise<CallError> {
  const r = await h.call(id, ...args);
  expect(isCallError(r) ? { ...r, message: r.message ? "<message>" : r.message } : r).toEqual({ error: "#VALUE!", message: "<message>" });
  return r as CallError;
}

function expectClose(actual: unknown, expected: number[][], digits = 9): void {
  expect(Array.isArray(actual)).toBe(true);
  const a = actual as unknown[][];
  expect(a.map((r) => r.length)).toEqual(expected.map((r) => r.length));
  a.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i][j], digits)));
}

describe("dist/functions.js", () => {
  test(`is minified and at most 300 KiB`, () => {
    const size = statSync(path.join(DIST, "functions.js")).size;
    console.log(`dist/functions.js: ${(size / 1024).toFixed(1)} KiB`);
    expect(size).toBeLessThanOrEqual(300 * 1024);
    const js = readDist("functions.js");
    expect(js.split("\n").length).toBeLessThan(20 + js.length / 2000);
  });

  test("loads with no errors and registers every function of functions.json", async () => {
    const registered = await h.registered();
    expect(Object.keys(registered).sort()).toEqual([...ids].sort());
    expect(Object.values(registered).every((t) => t === "function")).toBe(true);
    expect({ console: h.consoleErrors, page: h.pageErrors, failed: h.failedRequests, outside: h.blockedRequests }).toEqual({
      console: [],
      page: [],
      failed: [],
      outside: [],
    });
  });

  test("every function turns junk arguments into a CustomFunctions error or a finite value, never a plain exception", async () => {
    const metadata = JSON.parse(readDist("functions.json")) as {
      functions: { id: string; parameters: { dimensionality?: string }[] }[];
    };
    const junk: [string, (matrix: boolean) => unknown][] = [
      ["omitted", () => null],
      ["text", (m) => (m ? [["abc"]] : "abc")],
      ["blank", (m) => (m ? [[""]] : "")],
      ["boolean", (m) => (m ? [[true]] : true)],
      ["negative", (m) => (m ? [[-1, -2], [-3, -4]] : -1)],
      ["huge", (m) => (m ? [[1e308], [1e308]] : 1e308)],
    ];
    const problems: string[] = [];
    for (const f of metadata.functions) {
      for (const [name, make] of junk) {
        const args = f.parameters.map((p) => make(p.dimensionality === "matrix"));
        const r = await h.call(f.id, ...args);
        if (isCallError(r)) {
          if (r.thrown) problems.push(`${f.id}(${name}): threw a plain ${r.thrown}: ${r.message}`);
          else if (r.notRegistered) problems.push(`${f.id}: not registered`);
          else if (!["#VALUE!", "#N/A"].includes(r.error!) || !r.message) problems.push(`${f.id}(${name}): ${JSON.stringify(r)}`);
        } else {
          problems.push(...nonFinite(r, `${f.id}(${name})`));
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("REBAL.WEIGHTS", () => {
  test("v / sum(v), in the orientation of values", async () => {
    expectClose(await value("WEIGHTS", [[100], [300]]), [[0.25], [0.75]]); // 100/400, 300/400
    expectClose(await value("WEIGHTS", [[100, 300]]), [[0.25, 0.75]]);
    expectClose(await value("WEIGHTS", [[1], [1], [2]]), [[0.25], [0.25], [0.5]]);
  });

  test("blank cells, text, an empty total or a 2-D range are #VALUE! errors", async () => {
    expect((await valueError("WEIGHTS", [[100], [null]])).message).toMatch(/row 2/);
    expect((await valueError("WEIGHTS", [[100], [""]])).message).toMatch(/row 2/);
    expect((await valueError("WEIGHTS", [[100, "abc"]])).message).toMatch(/column 2/);
    await valueError("WEIGHTS", [[0], [0]]);
    await valueError("WEIGHTS", [[1, 2], [3, 4]]);
  });
});

describe("REBAL.DRIFT", () => {
  // values 100, 300 -> weights 0.25, 0.75; targets 0.5, 0.5
  test("absolute drift w - t by default, relative (w - t) / t with measure=rel", async () => {
    expectClose(await value("DRIFT", [[100], [300]], [[0.5], [0.5]], null), [[-0.25], [0.25]]);
    expectClose(await value("DRIFT", [[100], [300]], [[0.5], [0.5]]), [[-0.25], [0.25]]);
    expectClose(await value("DRIFT", [[100], [300]], [[0.5], [0.5]], [["measure=rel"]]), [[-0.5], [0.5]]);
    expectClose(await value("DRIFT", [[100], [300]], [[0.5], [0.5]], "MEASURE=rel"), [[-0.5], [0.5]]);
  });

  test("options as a key | value range; cash adds to the total; result follows values' orientation", async () => {
    // total 100 + 300 + 100 cash = 500 -> weights 0.2, 0.6; abs -0.3, 0.1; rel -0.6, 0.2
    expectClose(await value("DRIFT", [[100, 300]], [[0.5], [0.5]], [["measure", "rel"], ["cash", 100]]), [[-0.6, 0.2]]);
    expectClose(await value("DRIFT", [[100, 300]], [[0.5, 0.5]], [["cash", 100]]), [[-0.3, 0.1]]);
  });

  test("a zero target makes only that cell's relative drift an error", async () => {
    const r = (await h.call("DRIFT", [[100], [300]], [[0], [0.5]], "measure=rel")) as unknown[][];
    expect(isCallError(r[0][0])).toBe(true);
    expect(r[1][0]).toBeCloseTo(0.5, 12); // (0.75 - 0.5) / 0.5
  });

  test("unknown keys, bad values, mismatched lengths and targets over 1 are #VALUE! errors naming the problem", async () => {
    expect((await valueError("DRIFT", [[100], [300]], [[0.5], [0.5]], "measur=rel")).message).toMatch(/measur/);
    expect((await valueError("DRIFT", [[100], [300]], [[0.5], [0.5]], "measure=relative")).message).toMatch(/relative|measure/);
    expect((await valueError("DRIFT", [[100], [300]], [[0.5], [0.3], [0.2]])).message).toMatch(/targets/);
    expect((await valueError("DRIFT", [[100], [300]], [[0.6], [0.6]])).message).toMatch(/targets/);
    expect((await valueError("DRIFT", [[100], [null]], [[0.5], [0.5]])).message).toMatch(/values/);
  });
});

describe("REBAL.TRADES", () => {
  test("lot 1: the whole-share book closest to target that keeps cash >= 0 (not naive rounding)", async () => {
    // q = 10, 10; p = 10, 30; V = 400; targets 200 each: +10 and -3.33 shares continuously.
    // Lot-rounded candidates (buy b of A, sell s of B, cash 10s - 10b... must stay >= 0):
    //   +9/-3: A 190, B 210, cash 0  -> F = .025^2 + .025^2          = 0.00125  (best)
    //   +10/-4: A 200, B 180, cash 20 -> F = 0 + .05^2 + .05^2        = 0.005
    //   +10/-3: cash -10, infeasible;  +8/-3: F = .05^2+.025^2+.025^2 = 0.00375
    expect(await value("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], 0, "lot=1")).toEqual([[9], [-3]]);
    expect(await value("TRADES", [[10, 10]], [[10], [30]], [[0.5], [0.5]], null, [["lot", 1]])).toEqual([[9, -3]]);
    // lot 1 is the default; omitted cash/policy arrive as null or undefined
    expect(await value("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], null, null)).toEqual([[9], [-3]]);
    expect(await value("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]])).toEqual([[9], [-3]]);
  });

  test("lot 0: fractional trades land on target (to 1e-6 shares)", async () => {
    // +10 A (100) paid by -10/3 B (100): both at 200 of 400
    expectClose(await value("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], 0, "lot=0"), [[10], [-10 / 3]], 6);
    // 1000 cash: 500 / 10 = 50 A and 500 / 30 = 16.67 B
    expectClose(await value("TRADES", [[0], [0]], [[10], [30]], [[0.5], [0.5]], 1000, "lot=0"), [[50], [50 / 3]], 6);
  });

  test("a book already on target gives no trades", async () => {
    expect(await value("TRADES", [[10], [5]], [[10], [20]], [[0.5], [0.5]], 0, "")).toEqual([[0], [0]]);
  });

  test("investing cash, the cash reserve and buy_only", async () => {
    // V = 1000 cash: 600 / 10 = 60 and 400 / 20 = 20
    expect(await value("TRADES", [[0], [0]], [[10], [20]], [[0.6], [0.4]], 1000)).toEqual([[60], [20]]);
    // reserve 5% of 1000 = 50 -> at most 950 invested -> 95 shares
    expect(await value("TRADES", [[0]], [[10]], [[1]], 1000, "cash_reserve=0.05")).toEqual([[95]]);
    // V = 500, targets 250 each; B (300) may not be sold; the 100 cash buys 10 A:
    //   +10: A .4, B .6, cash 0 -> F = .01 + .01 = .02;  +9: F = .0144 + .01 + .0004 = .0248
    expect(await value("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], 100, "mode=buy_only")).toEqual([[10], [0]]);
  });

  test("bad input is #VALUE! with a message naming the argument", async () => {
    expect((await valueError("TRADES", [[10], [null]], [[10], [30]], [[0.5], [0.5]])).message).toMatch(/quantities/);
    expect((await valueError("TRADES", [[10], [10]], [[10], [-30]], [[0.5], [0.5]])).message).toMatch(/prices/);
    expect((await valueError("TRADES", [[10], [10]], [[10], [30]], [[0.7], [0.5]])).message).toMatch(/targets|sum/);
    expect((await valueError("TRADES", [[10], [10]], [[10], [30], [5]], [[0.5], [0.5]])).message).toMatch(/prices/);
    expect((await valueError("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], 0, "lots=1")).message).toMatch(/lots/);
    expect((await valueError("TRADES", [[10], [10]], [[10], [30]], [[0.5], [0.5]], "lots")).message).toMatch(/cash/);
  });
});

describe("REBAL.TRADESHEET", () => {
  const holdings = [
    ["Ticker", "Shares", "Price", "Target"],
    ["AAA", 10, 10, 0.5],
    ["BBB", 10, 30, 0.5],
    ["", null, "", null], // spare blank row of the table
  ];

  test("a holdings range with a header row gives a trade table with a header row", async () => {
    const r = (await value("TRADESHEET", holdings, null, null)) as unknown[][];
    expect(r[0].map((c) => String(c).toLowerCase())).toEqual(expect.arrayContaining(["asset", "side", "trade"]));
    const col = (name: string) => r[0].findIndex((c) => String(c).toLowerCase() === name);
    const rows = Object.fromEntries(r.slice(1).map((row) => [row[0], row]));
    expect(rows.AAA[col("side")]).toBe("BUY");
    expect(rows.AAA[col("trade")]).toBe(9);
    expect(rows.BBB[col("side")]).toBe("SELL");
    expect(rows.BBB[col("trade")]).toBe(-3);
    expect(r.map((row) => row.length).every((n) => n === r[0].length)).toBe(true);
  });

  test("a holdings range without the required columns is #VALUE!", async () => {
    await valueError("TRADESHEET", [["Ticker", "Shares"], ["AAA", 10]]);
  });
});
