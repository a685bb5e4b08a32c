/**
 * Tax lots: the lots reader (core/taxLots.ts), lot selection and gains (core/lotSelection.ts) and
 * harvest candidates (core/harvest.ts) against an independent pandas implementation
 * (test/fixtures/taxlots/generate.py), plus properties on seeded random books and the bad inputs
 * of issue 13, each an error naming the lot row.
 */
import fc from "fast-check";
import fixture from "../fixtures/taxlots/taxlots.json";
import { isoDateToSerial } from "../../src/core/calendar";
import { RebalError } from "../../src/core/errors";
import { harvestCandidates } from "../../src/core/harvest";
import { estimatedTax, sellLots, SellRequest, termOf } from "../../src/core/lotSelection";
import { checkLotsAgainstHoldings, readLotsTable, LotsTable } from "../../src/core/taxLots";
import { DEFAULT_TAX_OPTIONS, LotMethod, parseTaxOptions, parseTaxPolicy, TaxOptions } from "../../src/core/taxPolicy";

/** Fixture amounts are sums of a few products of 2-6 decimal inputs: equal to 1e-9 relative. */
const AMOUNT_TOL = 1e-9;
const near = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(AMOUNT_TOL * Math.max(1, Math.abs(want)));

type FixtureLot = { asset: string; acquired: string; quantity: number; cost?: number; unit_cost?: number; account?: string; lot_id?: string | number; row: number };
const day = (iso: string) => isoDateToSerial(iso, "fixture")!;

/** A lots table as cells (header + rows), acquired as yyyy-mm-dd text like a CSV. */
function cellsOf(lots: FixtureLot[]): unknown[][] {
  const hasCost = lots.some((l) => l.cost !== undefined);
  const hasAccount = lots.some((l) => l.account !== undefined);
  const header = ["asset", "acquired", "quantity", hasCost ? "cost" : "unit_cost", ...(hasAccount ? ["account"] : []), "lot_id"];
  return [header, ...lots.map((l) => [l.asset, l.acquired, l.quantity, hasCost ? l.cost : l.unit_cost, ...(hasAccount ? [l.account] : []), typeof l.lot_id === "string" ? l.lot_id : null])];
}

function optionsOf(o: Record<string, unknown>): TaxOptions {
  return parseTaxOptions(Object.entries(o).map(([k, v]) => [k, v]), "options");
}

describe("lot selection matches the independent pandas accounting", () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const asof = day(c.asof);
      const table = readLotsTable(cellsOf(c.lots as FixtureLot[]), "lots", { asof });
      const sells: SellRequest[] = c.sells.map((s, k) => ({ asset: s.asset, account: s.account ?? null, quantity: s.quantity, price: s.price, where: `sell ${k + 1}` }));
      const res = sellLots(table, sells, asof, optionsOf(c.options));
      const want = c.expected;
      expect(res.sales.map((s) => s.row)).toEqual(want.sales.map((s) => s.row));
      res.sales.forEach((s, k) => {
        const w = want.sales[k];
        expect(s.lotId).toEqual(w.lot_id);
        expect(s.term).toBe(w.term);
        near(s.quantity, w.quantity); near(s.proceeds, w.proceeds); near(s.basis, w.basis); near(s.gain, w.gain);
      });
      res.assets.forEach((a, k) => {
        near(a.realizedSt, want.assets[k].realized_st); near(a.realizedLt, want.assets[k].realized_lt); near(a.estTax, want.assets[k].est_tax);
      });
      near(res.total.realizedSt, want.total.realized_st); near(res.total.realizedLt, want.total.realized_lt);
      near(res.total.gain, want.total.gain); near(res.total.estTax, want.total.est_tax); near(res.total.quantity, want.total.quantity);
      if ("harvest" in c && c.harvest) {
        const prices = new Map(Object.entries(c.prices as Record<string, number>));
        const got = harvestCandidates(table, prices, asof, optionsOf(c.harvest.options));
        expect(got.map((h) => [h.row, h.term, h.washSale])).toEqual(c.harvest.expected.map((h) => [h.row, h.term, h.wash_sale]));
        got.forEach((h, k) => near(h.loss, c.harvest!.expected[k].loss));
      }
    });
  }

  test("the fixture covers every method, both terms with gains and losses, 365 and 366 days, partial lots, accounts", () => {
    const methods = new Set(fixture.cases.map((c) => c.options.lot_method));
    expect([...methods].sort()).toEqual(["fifo", "hifo", "lifo", "min_tax"]);
    const sales = fixture.cases.flatMap((c) => c.expected.sales);
    for (const term of ["ST", "LT"]) {
      expect(sales.some((s) => s.term === term && s.gain > 0)).toBe(true);
      expect(sales.some((s) => s.term === term && s.gain < 0)).toBe(true);
    }
    const held = fixture.cases.flatMap((c) => c.lots.map((l) => day(c.asof) - day(l.acquired)));
    expect(held).toEqual(expect.arrayContaining([365, 366]));
    const partial = fixture.cases.some((c) => c.expected.sales.some((s) => { const l = c.lots.find((x) => x.row === s.row)!; return s.quantity < l.quantity; }));
    expect(partial).toBe(true);
    expect(fixture.cases.some((c) => c.sells.some((s) => s.account))).toBe(true);
    expect(fixture.cases.flatMap((c) => ("harvest" in c && c.harvest ? c.harvest.expected : [])).some((h) => h.wash_sale)).toBe(true);
  });
});

describe("harvest and the wash-sale window (fixture)", () => {
  const w = fixture.wash;
  const asof = day(w.asof);
  const table = readLotsTable(cellsOf(w.lots as FixtureLot[]), "lots", { asof });
  const prices = new Map(Object.entries(w.prices as Record<string, number>));
  const rows = (hs: ReturnType<typeof harvestCandidates>) => hs.map((h) => [h.row, h.term, h.washSale, h.loss]);
  const want = (e: { row: number; term: string; wash_sale: boolean; loss: number }[]) => e.map((h) => [h.row, h.term, h.wash_sale, h.loss]);
  test("from the lots' own dates: another lot 30 days before asof flags, 31 days does not; a lot's own buy never does", () => {
    expect(rows(harvestCandidates(table, prices, asof, optionsOf(w.harvest.options)))).toEqual(want(w.harvest.expected));
  });
  test("from recent buys", () => {
    const recent = w.harvest_recent.recent_buys.map((b) => ({ asset: b.asset, date: day(b.date) }));
    expect(rows(harvestCandidates(table, prices, asof, optionsOf(w.harvest_recent.options), recent))).toEqual(want(w.harvest_recent.expected));
  });
  test("harvest_min_pct", () => {
    expect(rows(harvestCandidates(table, prices, asof, optionsOf(w.harvest_pct.options)))).toEqual(want(w.harvest_pct.expected));
  });
});

describe("the long-term boundary and the tax estimate", () => {
  test("held more than lt_days is long-term: 365 days is ST, 366 days is LT (lt_days=365)", () => {
    const asof = day("2026-12-04");
    expect(termOf(day("2025-12-04"), asof, 365)).toBe("ST"); // 365 days
    expect(termOf(day("2025-12-03"), asof, 365)).toBe("LT"); // 366 days
    expect(termOf(asof - 10, asof, 10)).toBe("ST");
    expect(termOf(asof - 11, asof, 10)).toBe("LT");
  });
  test("netting: a loss of one term offsets a gain of the other; a net loss is no tax", () => {
    expect(estimatedTax(100, 200, 0.4, 0.2)).toBeCloseTo(80, 12);
    expect(estimatedTax(-50, 200, 0.4, 0.2)).toBeCloseTo(30, 12);
    expect(estimatedTax(100, -30, 0.4, 0.2)).toBeCloseTo(28, 12);
    expect(estimatedTax(-300, 200, 0.4, 0.2)).toBe(0);
    expect(estimatedTax(-1, -2, 0.4, 0.2)).toBe(0);
  });
});

describe("the lots reader", () => {
  const good = [
    ["Asset", "Acquired", "Qty", "Unit Cost", "Account", "Lot ID"],
    ["AAA", "2024-01-02", 10, 100, "X", "a1"],
    ["aaa", 45000, "5", "101.5", "X", null],
    [null, null, null, null, null, null],
    ["BBB", "2020-06-30", 1.5, 40, "Y", 7],
  ];
  test("reads aliases, dates as text or serials, unit costs, default lot ids = rows", () => {
    const t = readLotsTable(good, "lots");
    expect(t.hasAccount).toBe(true);
    expect(t.lots.map((l) => [l.assetKey, l.lotId, l.quantity, l.cost, l.row])).toEqual([["AAA", "a1", 10, 1000, 2], ["AAA", 3, 5, 507.5, 3], ["BBB", 7, 1.5, 60, 5]]);
    expect(t.lots[1].acquired).toBe(45000);
    expect(t.lots[0].acquired).toBe(day("2024-01-02"));
  });
  const bad = (cells: unknown[][], re: RegExp, asof: number | null = null) => {
    let err: unknown;
    try { readLotsTable(cells, "lots", { asof }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RebalError);
    expect((err as Error).message).toMatch(re);
  };
  const header = ["asset", "acquired", "quantity", "cost"];
  test("bad lots are errors naming the lot row", () => {
    bad([header, ["AAA", "2024-01-02", 10, 1000], ["AAA", "2024-01-02", -1, 100]], /lots row 3, column C "quantity".*positive/);
    bad([header, ["AAA", "2024-01-02", 10, -5]], /lots row 2, column D "cost".*0 or more/);
    bad([header, ["AAA", "2024-01-02", 10, 1000], ["BBB", "2026-12-05", 1, 1]], /lots row 3, column B "acquired".*after asof 2026-12-04/, day("2026-12-04"));
    bad([header, ["AAA", "2024-02-30", 10, 1000]], /lots row 2.*no such day/);
    bad([header, ["AAA", "last year", 10, 1000]], /lots row 2.*must be a date/);
    bad([header, ["AAA", "2024-01-02", null, 1000]], /lots row 2, column C "quantity" is blank/);
    bad([["asset", "acquired", "quantity"], ["AAA", "2024-01-02", 1]], /no cost basis column/);
    bad([[...header, "unit_cost"], ["AAA", "2024-01-02", 1, 1, 1]], /both given/);
    bad([[...header, "lot_id"], ["AAA", "2024-01-02", 1, 1, "x"], ["AAA", "2024-01-03", 1, 1, "x"]], /row 3: lot id x of AAA is also on row 2/);
  });
  test("checked against the holdings: quantities agree per asset, unknown assets name the lot row", () => {
    const t = readLotsTable(good, "lots");
    expect(() => checkLotsAgainstHoldings(t, [{ asset: "AAA", account: null, quantity: 15 }, { asset: "BBB", account: null, quantity: 1.5 }, { asset: "CCC", account: null, quantity: 3 }], "holdings")).not.toThrow();
    expect(() => checkLotsAgainstHoldings(t, [{ asset: "AAA", account: null, quantity: 16 }, { asset: "BBB", account: null, quantity: 1.5 }], "holdings")).toThrow(/2 lots of AAA \(from row 2\) add up to 15 but holdings hold 16/);
    expect(() => checkLotsAgainstHoldings(t, [{ asset: "AAA", account: null, quantity: 15 }], "holdings")).toThrow(/lots row 5: BBB is not in holdings/);
    // by account when both sides have accounts
    expect(() => checkLotsAgainstHoldings(t, [{ asset: "AAA", account: "X", quantity: 15 }, { asset: "BBB", account: "X", quantity: 1.5 }], "holdings")).toThrow(/lots row 5: BBB in account Y is not in holdings/);
  });
});

describe("tax keys", () => {
  test("defaults, ranges, and a whole policy with tax keys", () => {
    expect(parseTaxOptions("", "policy")).toEqual(DEFAULT_TAX_OPTIONS);
    const { policy, tax } = parseTaxPolicy("band_abs=0.05; lot_method=HIFO; lt_days=365; st_rate=37%; lt_rate=0.2", "policy");
    expect(policy.bandAbs).toBe(0.05);
    expect(tax).toMatchObject({ lotMethod: "hifo", ltDays: 365, stRate: 0.37, ltRate: 0.2 });
  });
  test("unknown keys, bad values and the planner keys not yet supported are errors naming them", () => {
    expect(() => parseTaxPolicy("lot_metod=fifo")).toThrow(/lot_metod/);
    expect(() => parseTaxPolicy("lot_method=random")).toThrow(/lot_method must be one of min_tax, hifo, fifo, lifo/);
    expect(() => parseTaxPolicy("lt_days=365.5")).toThrow(/lt_days must be a whole number/);
    expect(() => parseTaxPolicy("st_rate=1.5")).toThrow(/st_rate must be a fraction/);
    expect(() => parseTaxPolicy("max_gain=1000")).toThrow(/max_gain .* not supported yet/);
    expect(() => parseTaxPolicy("avoid_st_gains=TRUE")).toThrow(/avoid_st_gains .* not supported yet/);
  });
});

describe("properties on seeded random books", () => {
  const METHODS: LotMethod[] = ["min_tax", "hifo", "fifo", "lifo"];
  const ASOF = day("2026-12-04");
  const lotArb = fc.record({
    asset: fc.constantFrom("AAA", "BBB", "CCC"),
    daysAgo: fc.integer({ min: 0, max: 2000 }),
    quantity: fc.oneof(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.001, max: 100, noNaN: true })),
    unit: fc.double({ min: 0, max: 500, noNaN: true }),
    account: fc.constantFrom("A", "B"),
  });
  const bookArb = fc.record({
    lots: fc.array(lotArb, { minLength: 1, maxLength: 25 }),
    method: fc.constantFrom(...METHODS),
    fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    byAccount: fc.boolean(),
    price: fc.double({ min: 0.01, max: 500, noNaN: true }),
  });
  function tableOf(lots: { asset: string; daysAgo: number; quantity: number; unit: number; account: string }[]): LotsTable {
    return readLotsTable([["asset", "acquired", "quantity", "unit_cost", "account"], ...lots.map((l) => [l.asset, ASOF - l.daysAgo, l.quantity, l.unit, l.account])], "lots", { asof: ASOF });
  }
  test("lot quantities sold equal each sell; no lot is sold twice or below zero; gains add up", () => {
    fc.assert(fc.property(bookArb, (b) => {
      const table = tableOf(b.lots);
      const sells: SellRequest[] = [];
      ["AAA", "BBB", "CCC"].forEach((a, k) => {
        const groups = b.byAccount ? ["A", "B"] : [null];
        for (const acct of groups) {
          const held = table.lots.filter((l) => l.asset === a && (acct === null || l.account === acct)).reduce((s, l) => s + l.quantity, 0);
          const q = held * b.fractions[k];
          if (q > 0) sells.push({ asset: a, account: acct, quantity: q, price: b.price * (k + 1) / 2, where: `sell ${a}` });
        }
      });
      const res = sellLots(table, sells, ASOF, { ...DEFAULT_TAX_OPTIONS, lotMethod: b.method, stRate: 0.3, ltRate: 0.15 });
      const soldPerLot = new Map<number, number>();
      expect(res.assets.length).toBe(sells.length);
      res.assets.forEach((a, i) => expect(Math.abs(a.quantity - sells[i].quantity)).toBeLessThanOrEqual(1e-9 * Math.max(1, sells[i].quantity)));
      for (const sale of res.sales) {
        expect(sale.quantity).toBeGreaterThan(0);
        soldPerLot.set(sale.row, (soldPerLot.get(sale.row) ?? 0) + sale.quantity);
      }
      // each lot appears at most once per sell, and in total never beyond its quantity
      for (const [row, q] of soldPerLot) {
        const lot = table.lots.find((l) => l.row === row)!;
        expect(q).toBeLessThanOrEqual(lot.quantity * (1 + 1e-12));
      }
      const rowsPerSell = new Set<string>();
      let offset = 0;
      for (const a of res.assets) {
        let q = 0;
        while (offset < res.sales.length && q < a.quantity - 1e-9 * Math.max(1, a.quantity)) {
          const s = res.sales[offset++];
          const key = `${a.asset}/${a.account}/${s.row}`;
          expect(rowsPerSell.has(key)).toBe(false);
          rowsPerSell.add(key);
          q += s.quantity;
        }
      }
      expect(res.total.gain).toBeCloseTo(res.total.realizedSt + res.total.realizedLt, 6);
      expect(res.total.estTax).toBeGreaterThanOrEqual(0);
    }), { numRuns: 300 });
  });

  test("hifo realizes the least total gain of any order (it sells the highest basis first)", () => {
    fc.assert(fc.property(bookArb, (b) => {
      const table = tableOf(b.lots.map((l) => ({ ...l, asset: "AAA" })));
      const held = table.lots.reduce((s, l) => s + l.quantity, 0);
      const sell: SellRequest = { asset: "AAA", account: null, quantity: held * b.fractions[0], price: b.price, where: "sell" };
      if (!(sell.quantity > 0)) return;
      const gain = (m: LotMethod) => sellLots(table, [sell], ASOF, { ...DEFAULT_TAX_OPTIONS, lotMethod: m }).total.gain;
      expect(gain("hifo")).toBeLessThanOrEqual(Math.min(gain("fifo"), gain("lifo"), gain("min_tax")) + 1e-9 * Math.max(1, held * b.price));
    }), { numRuns: 200 });
  });

  test("a sell beyond the lots, or of an asset without lots, is an error naming it", () => {
    const table = tableOf([{ asset: "AAA", daysAgo: 10, quantity: 5, unit: 1, account: "A" }]);
    expect(() => sellLots(table, [{ asset: "AAA", account: null, quantity: 6, price: 1, where: "trades row 2 (AAA)" }], ASOF, DEFAULT_TAX_OPTIONS)).toThrow(/trades row 2 \(AAA\): sells 6 of AAA but its lots in lots hold 5/);
    expect(() => sellLots(table, [{ asset: "AAA", account: null, quantity: 3, price: 1, where: "s1" }, { asset: "AAA", account: null, quantity: 3, price: 1, where: "s2" }], ASOF, DEFAULT_TAX_OPTIONS)).toThrow(/s2: sells 3 of AAA but its lots in lots hold 2 after the earlier sells/);
    expect(() => sellLots(table, [{ asset: "ZZZ", account: null, quantity: 1, price: 1, where: "s" }], ASOF, DEFAULT_TAX_OPTIONS)).toThrow(/ZZZ is sold but lots has no lots of it/);
  });
});
