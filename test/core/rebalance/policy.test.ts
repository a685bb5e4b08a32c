/**
 * parsePolicy: the one reader of rebalancing policies (product.md, "Policies" and "Formula conventions").
 * Every expectation below is read off product.md, not off the implementation.
 */
import { RebalError } from "../../../src/core/errors";
import { parsePolicy, policyToText, policyToPairs, Policy } from "../../../src/core/policy";

const parse = (x: unknown) => parsePolicy(x).policy;

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, none thrown");
}

describe("policy: the three input shapes give the same policy", () => {
  const text = "band_abs=0.05; band_rel=0.25; destination=edge; mode=buy_only; lot=100; cost_bps=10";
  const cols = [["band_abs", 0.05], ["band_rel", 0.25], ["destination", "edge"], ["mode", "buy_only"], ["lot", 100], ["cost_bps", 10]];
  const rows = [cols.map((r) => r[0]), cols.map((r) => r[1])];
  const expected: Partial<Policy> = { bandAbs: 0.05, bandRel: 0.25, destination: "edge", mode: "buy_only", lot: 100, costBps: 10, trigger: "threshold" };

  test.each([["text", text], ["2-column range", cols], ["2-row range", rows]])("%s", (_name, input) => {
    expect(parse(input)).toMatchObject(expected);
  });

  test("text accepts newlines and ':' as separators, and spaces around them", () => {
    expect(parse("  lot : 10 \n min_trade = 250 ;")).toMatchObject({ lot: 10, minTrade: 250 });
  });

  test("a single cell holding the text is read as text", () => {
    expect(parse([["lot=5; cash_reserve=0.02"]])).toMatchObject({ lot: 5, cashReserve: 0.02 });
  });

  test("blank rows in a 2-column range are skipped", () => {
    expect(parse([["lot", 5], [null, null], ["", ""], ["min_trade", 10]])).toMatchObject({ lot: 5, minTrade: 10 });
  });

  test("numeric text and percentages in ranges", () => {
    expect(parse([["band_abs", "5%"], ["cash_reserve", "0.01"]])).toMatchObject({ bandAbs: 0.05, cashReserve: 0.01 });
  });

  test("a range that is neither 2 columns nor 2 rows is an error naming the argument", () => {
    const e = errorOf(() => parse([["lot", 1, 2], ["a", 1, 2], ["b", 1, 2]]));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toMatch(/policy/);
  });
});

describe("policy: keys", () => {
  test("keys are case-insensitive (and trimmed)", () => {
    expect(parse("BAND_ABS=0.1; Mode=sell_only;  LoT =7")).toMatchObject({ bandAbs: 0.1, mode: "sell_only", lot: 7 });
    expect(parse([["Band_Rel", 0.2]])).toMatchObject({ bandRel: 0.2 });
  });

  test("choice values are case-insensitive", () => {
    expect(parse("trigger=ALWAYS; destination=MidPoint")).toMatchObject({ trigger: "always", destination: "midpoint" });
  });

  test.each([
    ["text", "lot=1; LOT=2"],
    ["2-column range", [["lot", 1], ["Lot", 2]]],
    ["2-row range", [["lot", "min_trade", "LOT"], [1, 2, 3]]],
  ])("a key given twice is an error naming the key (%s)", (_n, input) => {
    const e = errorOf(() => parse(input));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toMatch(/lot/i);
  });

  test.each([
    ["text", "band_abs=0.05; bnad_rel=0.25"],
    ["2-column range", [["band_abs", 0.05], ["bnad_rel", 0.25]]],
    ["2-row range", [["band_abs", "lot", "bnad_rel"], [0.05, 1, 0.25]]],
  ])("an unknown key is an error naming the key (%s)", (_n, input) => {
    const e = errorOf(() => parse(input));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toContain("bnad_rel");
  });

  test("a key that is not text is an error", () => {
    expect(() => parse([[42, 1]])).toThrow(RebalError);
  });
});

describe("policy: bad values name the key and the position", () => {
  test.each([
    ["band_abs", "abc"],
    ["band_abs", -0.05],
    ["band_rel", 0],
    ["lot", -1],
    ["min_trade", -5],
    ["cash_reserve", 1.5],
    ["cash_reserve", -0.1],
    ["cost_bps", "x"],
    ["cost_fixed", -1],
    ["allow_short", "maybe"],
    ["trigger", "sometimes"],
    ["frequency", "fortnightly"],
    ["anchor", "middle"],
    ["destination", "moon"],
    ["scope", "some"],
    ["mode", "sell_all"],
  ])("%s = %p", (key, value) => {
    // 2-column range: the bad key is on row 2
    const e1 = errorOf(() => parse([["name", "P"], [key, value]]));
    expect(e1).toBeInstanceOf(RebalError);
    expect(e1.message).toContain(key);
    expect(e1.message).toMatch(/row 2/);
    // 2-row range: the bad key is in column 3
    const filler = key === "lot" ? "min_trade" : "lot";
    const e2 = errorOf(() => parse([["name", filler, key], ["P", 1, value]]));
    expect(e2).toBeInstanceOf(RebalError);
    expect(e2.message).toContain(key);
    expect(e2.message).toMatch(/column 3/);
    // text: the bad key is item 2
    const e3 = errorOf(() => parse(`name=P; ${key}=${value}`));
    expect(e3).toBeInstanceOf(RebalError);
    expect(e3.message).toContain(key);
    expect(e3.message).toMatch(/item 2/);
  });

  test("text item without '=' is an error quoting it", () => {
    const e = errorOf(() => parse("lot=1; nonsense"));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toContain("nonsense");
  });
});

describe("policy: defaults", () => {
  test("empty policy: trigger always, documented defaults", () => {
    for (const empty of ["", null, undefined, [], [[null]], [[""]]]) {
      expect(parse(empty)).toEqual({
        name: "", trigger: "always", frequency: null, anchor: "start", bandAbs: null, bandRel: null,
        destination: "target", scope: "all", mode: "full", lot: 1, minTrade: 0, cashReserve: 0,
        costBps: 0, costFixed: 0, allowShort: false,
      });
    }
  });

  test("trigger defaults to threshold when a band is set", () => {
    expect(parse("band_abs=0.05").trigger).toBe("threshold");
    expect(parse("band_rel=0.25").trigger).toBe("threshold");
    expect(parse("band_abs=0.05; band_rel=0.25").trigger).toBe("threshold");
  });

  test("trigger defaults to always when no band is set, even with a frequency", () => {
    expect(parse("frequency=monthly").trigger).toBe("always");
    expect(parse("lot=100").trigger).toBe("always");
  });

  test("an explicit trigger wins over the default", () => {
    expect(parse("band_abs=0.05; trigger=always").trigger).toBe("always");
    expect(parse("trigger=none").trigger).toBe("none");
  });

  test("lot=0 means fractional and is accepted", () => {
    expect(parse("lot=0").lot).toBe(0);
  });

  test("allow_short accepts TRUE/FALSE in text and booleans in ranges", () => {
    expect(parse("allow_short=TRUE").allowShort).toBe(true);
    expect(parse([["allow_short", true]]).allowShort).toBe(true);
    expect(parse([["allow_short", false]]).allowShort).toBe(false);
  });
});

describe("policy: trigger requirements", () => {
  test.each(["threshold", "hybrid"])("trigger=%s without a band is an error", (trig) => {
    const e = errorOf(() => parse(`trigger=${trig}; frequency=monthly`));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toMatch(/band/);
  });

  test.each(["calendar", "hybrid", "either"])("trigger=%s without a frequency is an error", (trig) => {
    const e = errorOf(() => parse(`trigger=${trig}; band_abs=0.05`));
    expect(e).toBeInstanceOf(RebalError);
    expect(e.message).toMatch(/frequency/);
  });

  test("valid combinations parse", () => {
    expect(parse("trigger=threshold; band_abs=0.05").trigger).toBe("threshold");
    expect(parse("trigger=calendar; frequency=quarterly").frequency).toBe("quarterly");
    expect(parse("trigger=hybrid; frequency=monthly; band_rel=0.2")).toMatchObject({ trigger: "hybrid", frequency: "monthly", bandRel: 0.2 });
    expect(parse("trigger=either; frequency=annual; band_abs=0.1; anchor=end")).toMatchObject({ trigger: "either", anchor: "end" });
  });
});

describe("policy: round trip", () => {
  const samples = [
    "",
    "band_abs=0.05; band_rel=0.25",
    "name=Core; trigger=hybrid; frequency=quarterly; anchor=end; band_abs=0.03; destination=midpoint; scope=breached; mode=buy_only; lot=100; min_trade=500; cash_reserve=0.02; cost_bps=5; cost_fixed=1.5; allow_short=TRUE",
    "trigger=calendar; frequency=weekly; lot=0",
    "trigger=none; mode=sell_only",
    "band_rel=0.1; destination=edge; trigger=either; frequency=daily",
  ];
  test.each(samples)("policyToText -> parsePolicy is the identity: %s", (s) => {
    const p = parse(s);
    expect(parse(policyToText(p))).toEqual(p);
  });
  test.each(samples)("policyToPairs as a 2-column range and as a 2-row range: %s", (s) => {
    const p = parse(s);
    const pairs = policyToPairs(p);
    expect(parse(pairs)).toEqual(p);
    expect(parse([pairs.map((r) => r[0]), pairs.map((r) => r[1])])).toEqual(p);
  });
});
