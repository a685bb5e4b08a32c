/**
 * src/workbook readers against office-addin-mock (Microsoft's Office.js mock): every scalar property
 * reads as "Error, property was not loaded" until `load` was called, and as "Error, context.sync()
 * was not called" until the next sync — so these tests fail if a reader reads anything it did not
 * load and sync first. The mock has no collections and no methods: getItemOrNullObject, getRange,
 * ... are plain functions returning mock objects that live in the same tree (so context.sync reaches
 * them), and a collection's `load("items/...")` loads each item (see `collection`). isNullObject
 * is a plain field (Office fills it in on sync without a load of its own).
 * The in-memory fake (test/support/fakeExcel.ts) covers writes and behaviour; this covers loads.
 */
import { OfficeMockObject } from "office-addin-mock";
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { POLICY_SHEET, policyBlock } from "../../src/core/policyStore";
import { readPolicyInputs } from "../../src/workbook/inputs";
import { insertLiveFormulas } from "../../src/workbook/liveFormulas";
import { listPolicies } from "../../src/workbook/policies";
import { HOLDINGS } from "./setup";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Mock = any;

const NOT_LOADED = "Error, property was not loaded";
const core: Policy = { ...DEFAULT_POLICY, name: "Core", trigger: "threshold", bandAbs: 0.05 };
const block = policyBlock(core) as (string | number | boolean)[][];
const N = block.length;

function installRun(context: Mock) {
  (globalThis as any).Excel = { run: async (batch: (c: Mock) => Promise<unknown>) => batch(context) };
}
afterEach(() => {
  delete (globalThis as any).Excel;
});

/** Makes `parent[key]` a loaded-on-demand collection of the mock children `items`. */
function collection(parent: Mock, items: Mock[], loads: string[]) {
  parent.load = (arg: string) => {
    loads.push(arg);
    const props = arg.split(",").map((p) => p.trim().replace(/^items\//, ""));
    items.forEach((i) => i.load(props));
    return parent;
  };
  parent.items = items;
}

/** A workbook: the policy block at 'Rebal Policies'!A1:B<N>, holdings at Portfolio!B2:E5, cash Portfolio!G3. */
function workbook(extra: Record<string, unknown> = {}) {
  const range = (address: string, values: unknown[][]) => ({ address, values, rowCount: values.length, columnCount: values[0].length });
  const context: Mock = new OfficeMockObject({
    workbook: {
      names: {
        pol: { name: "REBAL_POLICY_Core", formula: `='Rebal Policies'!$A$1:$B$${N}`, range: range(`'Rebal Policies'!A1:B${N}`, block) },
        hold: { name: "REBAL_BIND_Core_HOLDINGS", formula: "=Portfolio!$B$2:$E$5", range: range("Portfolio!B2:E5", HOLDINGS) },
        cash: { name: "REBAL_BIND_Core_CASH", formula: "=Portfolio!$J$3", range: range("Portfolio!J3", [[5000]]) },
      },
      ...extra,
    },
  } as any);
  const names = context.workbook.names;
  const items: Record<string, Mock> = { REBAL_POLICY_CORE: names.pol, REBAL_BIND_CORE_HOLDINGS: names.hold, REBAL_BIND_CORE_CASH: names.cash };
  for (const item of Object.values(items)) {
    item.isNullObject = false;
    item.range.isNullObject = false;
    item.getRangeOrNullObject = () => item.range;
  }
  names.getItemOrNullObject = (n: string) => items[n.toUpperCase()] ?? Object.assign(new OfficeMockObject({ name: "" } as any), { isNullObject: true });
  return context;
}

describe("office-addin-mock: the harness is strict", () => {
  test("a property read before load and sync is the mock's error string", async () => {
    const context = workbook();
    const item = context.workbook.names.hold;
    expect(item.formula).toBe(NOT_LOADED);
    item.load("formula");
    expect(item.formula).toBe("Error, context.sync() was not called");
    await context.sync();
    expect(item.formula).toBe("=Portfolio!$B$2:$E$5");
    expect(item.range.values).toBe(NOT_LOADED); // loading the item does not load its range
  });
});

describe("readPolicyInputs (inputs.ts) loads what it reads", () => {
  test("policy block, holdings and cash through the defined names", async () => {
    const context = workbook();
    installRun(context);
    const got = await readPolicyInputs(["Core"]);
    expect(got.Core.ok).toBe(true);
    const inputs = (got.Core as Extract<typeof got.Core, { ok: true }>).inputs;
    expect(inputs.policy).toEqual(core);
    expect(inputs.holdings.assets).toEqual(["VTI", "BND", "VXUS"]);
    expect(Array.from(inputs.holdings.book.quantities)).toEqual([100, 400, 50]);
    expect([inputs.cash, inputs.cashAddress, inputs.holdingsAddress, inputs.holdingsBinding]).toEqual([5000, "Portfolio!J3", "Portfolio!B2:E5", "=Portfolio!$B$2:$E$5"]);
  });
});

describe("listPolicies (policies.ts) loads what it reads", () => {
  test("policy sheet, used range, names collection, rebalance log", async () => {
    const rows = N + 1;
    const cells = Array.from({ length: rows }, (_, r) => [...(block[r] ?? ["", ""]), "", "", "", ""]);
    cells[0].splice(3, 3, "policy", "last_rebalance", "trade_sheet");
    cells[1].splice(3, 3, "Core", 46347, "Trades 2026-11-21");
    const context = workbook({ sheet: { name: POLICY_SHEET, used: { rowIndex: 0, rowCount: rows }, cells: { values: cells } } });
    const wb = context.workbook;
    wb.sheet.isNullObject = false;
    wb.sheet.used.isNullObject = false;
    const requested: string[] = [];
    wb.worksheets = {
      getItemOrNullObject: (n: string) => {
        expect(n).toBe(POLICY_SHEET);
        return wb.sheet;
      },
    };
    wb.sheet.getUsedRangeOrNullObject = (valuesOnly: boolean) => {
      expect(valuesOnly).toBe(true);
      return wb.sheet.used;
    };
    wb.sheet.getRange = (a: string) => {
      requested.push(a);
      return wb.sheet.cells;
    };
    const loads: string[] = [];
    collection(wb.names, [wb.names.pol, wb.names.hold, wb.names.cash], loads);
    installRun(context);
    const list = await listPolicies();
    expect(loads).toEqual(["items/name,items/formula"]);
    expect(requested).toEqual([`A1:F${rows}`]);
    expect(list.sheetError).toBeNull();
    expect(list.policies).toEqual([expect.objectContaining({
      name: "Core", policy: core, definedNameOk: true, holdings: "Portfolio!$B$2:$E$5", cash: "Portfolio!$J$3", lastRebalance: 46347,
    })]);
  });
});

describe("insertLiveFormulas (liveFormulas.ts) loads the target before checking it", () => {
  function withSheet(target: { values: unknown[][]; formulas: unknown[][] }) {
    const blank = [["", "", ""]];
    const context = workbook({
      portfolio: {
        name: "Portfolio",
        target,
        header: { values: blank, format: { font: { bold: false } } },
        first: { formulas: blank },
        data: { numberFormat: [["General", "General", "General"]] },
      },
    });
    const s = context.workbook.portfolio;
    const byAddress: Record<string, Mock> = { "F2:H5": s.target, "F2:H2": s.header, "F3:H3": s.first, "F3:H5": s.data };
    s.getRange = (a: string) => byAddress[a] ?? (() => { throw new Error(`unexpected range ${a}`); })();
    context.workbook.worksheets = { getItem: (n: string) => (n === "Portfolio" ? s : undefined) };
    installRun(context);
    return s;
  }
  const empty = () => Array.from({ length: 4 }, () => ["", "", ""]);

  test("empty target: header and formulas written", async () => {
    const s = withSheet({ values: empty(), formulas: empty() });
    const res = await insertLiveFormulas("Core");
    expect(res.address).toBe("Portfolio!F2:H5");
    expect(s.header.values).toEqual([["Weight", "Drift", "Trade"]]);
    expect(s.header.format.font.bold).toBe(true);
    expect(s.first.formulas).toEqual([res.formulas]);
    expect(s.data.numberFormat).toHaveLength(3);
  });

  test("a formula in the target (blank value): refused, nothing written", async () => {
    const formulas = empty();
    formulas[3][1] = "=NA()";
    const s = withSheet({ values: empty(), formulas });
    await expect(insertLiveFormulas("Core")).rejects.toThrow("Portfolio!F2:H5 is not empty (G5 holds data): nothing was written.");
    // never assigned: still the mock's own unloaded placeholders
    expect([s.header.values, s.first.formulas, s.data.numberFormat, s.header.format.font.bold]).toEqual([NOT_LOADED, NOT_LOADED, NOT_LOADED, NOT_LOADED]);
  });
});
