/** src/workbook/policies.ts against the in-memory fake workbook (test/support/fakeExcel.ts). */
import { DEFAULT_POLICY, Policy, parsePolicy } from "../../src/core/policy";
import { POLICY_SHEET, readPolicySheet } from "../../src/core/policyStore";
import { deletePolicy, duplicatePolicy, listPolicies, savePolicy } from "../../src/workbook/policies";
import { parseReference } from "../../src/workbook/ranges";
import { FakeExcel } from "../support/fakeExcel";
import { install, uninstall } from "./setup";

const core: Policy = { ...DEFAULT_POLICY, name: "Core 60/40", trigger: "threshold", bandAbs: 0.05, bandRel: 0.25, minTrade: 500 };
const calm: Policy = { ...DEFAULT_POLICY, name: "Calm", trigger: "calendar", frequency: "quarterly" };

let fake: FakeExcel;
beforeEach(() => {
  fake = install();
});
afterEach(uninstall);

const names = () => Object.fromEntries(fake.state.names.map((n) => [n.name, n.formula]));
const others = (f: FakeExcel) => f.state.sheets.filter((s) => s.name !== POLICY_SHEET);

describe("policy store", () => {
  test("no policy sheet: an empty list, nothing written", async () => {
    expect(await listPolicies()).toEqual({ policies: [], sheetError: null, logWarnings: [] });
    expect(fake.state.log).toEqual([]);
  });

  test("create writes the block, its defined name and bindings; readPolicySheet reads it back identically", async () => {
    const before = JSON.stringify(others(fake));
    const list = await savePolicy({ policy: core, holdings: "Portfolio!B2:E5", cash: "G3" }, null);
    expect(list.sheetError).toBeNull();
    expect(list.policies.map((p) => [p.name, p.definedNameOk, p.holdings, p.cash])).toEqual([
      ["Core 60/40", true, "Portfolio!$B$2:$E$5", "Portfolio!$G$3"],
    ]);
    const cells = fake.usedValues(POLICY_SHEET);
    expect(cells[0]).toEqual(["name", "Core 60/40"]);
    expect(cells[1]).toEqual(["version", 1]);
    expect(readPolicySheet(cells)).toEqual([core]);
    expect(names()).toEqual({
      REBAL_POLICY_Core_60_40: `='Rebal Policies'!$A$1:$B$${cells.length}`,
      REBAL_BIND_Core_60_40_HOLDINGS: "=Portfolio!$B$2:$E$5",
      REBAL_BIND_Core_60_40_CASH: "=Portfolio!$G$3",
    });
    // the block through the defined name parses like a formula's policy argument
    expect(parsePolicy(cells).policy).toEqual(core);
    expect(JSON.stringify(others(fake))).toBe(before);
    expect(fake.state.runs).toBe(1);
  });

  test("a table name binds as Table[#All]; a defined name binds to its formula", async () => {
    fake.state.names.push({ name: "MyCash", formula: "=Portfolio!$G$3" });
    const list = await savePolicy({ policy: core, holdings: "Book", cash: "MyCash" }, null);
    expect(list.policies[0].holdings).toBe("Book[#All]");
    expect(list.policies[0].cash).toBe("Portfolio!$G$3");
  });

  test("refuses two policies with one name (case, spaces, punctuation), writing nothing", async () => {
    await savePolicy({ policy: core, holdings: "", cash: "" }, null);
    const snap = fake.snapshot();
    await expect(savePolicy({ policy: { ...calm, name: "core 60-40" }, holdings: "", cash: "" }, null)).rejects.toThrow(/already exists/);
    await expect(savePolicy({ policy: { ...calm, name: "Core_60_40" }, holdings: "", cash: "" }, null)).rejects.toThrow(/already exists/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.names).toEqual(snap.names);
  });

  test("bad bindings are refused with a message, nothing written", async () => {
    const snap = fake.snapshot();
    await expect(savePolicy({ policy: core, holdings: "Nowhere!A1:B3", cash: "" }, null)).rejects.toThrow(/no sheet "Nowhere"/);
    await expect(savePolicy({ policy: core, holdings: "NoSuchTable", cash: "" }, null)).rejects.toThrow(/no table or defined name "NoSuchTable"/);
    await expect(savePolicy({ policy: core, holdings: "B2:E5", cash: "G2:G3" }, null)).rejects.toThrow(/not one cell/);
    await expect(savePolicy({ policy: core, holdings: "B2:E2", cash: "" }, null)).rejects.toThrow(/header row and at least one holding/);
    await expect(savePolicy({ policy: core, holdings: "a b c", cash: "" }, null)).rejects.toThrow(/neither an address/);
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.names).toEqual(snap.names);
  });

  test("edit in place, grow, rename: blocks after it move and every name follows its block", async () => {
    await savePolicy({ policy: calm, holdings: "B2:E5", cash: "" }, null);
    await savePolicy({ policy: core, holdings: "B2:E5", cash: "G3" }, null);
    // grow the first block (frequency set + bands) and rename it
    const grown: Policy = { ...calm, name: "Calm hybrid", trigger: "hybrid", bandAbs: 0.03 };
    const list = await savePolicy({ policy: grown, holdings: "B2:E5", cash: "G3" }, "Calm");
    expect(list.sheetError).toBeNull();
    expect(list.policies.map((p) => [p.name, p.definedNameOk])).toEqual([["Calm hybrid", true], ["Core 60/40", true]]);
    expect(readPolicySheet(fake.usedValues(POLICY_SHEET))).toEqual([grown, core]);
    expect(Object.keys(names()).sort()).toEqual([
      "REBAL_BIND_Calm_hybrid_CASH", "REBAL_BIND_Calm_hybrid_HOLDINGS", "REBAL_BIND_Core_60_40_CASH",
      "REBAL_BIND_Core_60_40_HOLDINGS", "REBAL_POLICY_Calm_hybrid", "REBAL_POLICY_Core_60_40",
    ]);
    // shrink it back: no stale rows left below
    await savePolicy({ policy: { ...calm, name: "Calm hybrid" }, holdings: "B2:E5", cash: "" }, "Calm hybrid");
    const cells = fake.usedValues(POLICY_SHEET);
    expect(readPolicySheet(cells)).toEqual([{ ...calm, name: "Calm hybrid" }, core]);
    expect(names().REBAL_BIND_Calm_hybrid_CASH).toBeUndefined();
    expect((await listPolicies()).policies.every((p) => p.definedNameOk)).toBe(true);
  });

  test("duplicate copies the policy and its bindings under a free name; delete removes block and names", async () => {
    await savePolicy({ policy: core, holdings: "B2:E5", cash: "G3" }, null);
    const d1 = await duplicatePolicy("Core 60/40");
    const d2 = await duplicatePolicy("Core 60/40");
    expect([d1.name, d2.name]).toEqual(["Core 60/40 (copy)", "Core 60/40 (copy 2)"]);
    expect(d2.list.policies.map((p) => p.holdings)).toEqual(["Portfolio!$B$2:$E$5", "Portfolio!$B$2:$E$5", "Portfolio!$B$2:$E$5"]);
    const after = await deletePolicy("Core 60/40 (copy)");
    expect(after.policies.map((p) => [p.name, p.definedNameOk])).toEqual([["Core 60/40", true], ["Core 60/40 (copy 2)", true]]);
    expect(readPolicySheet(fake.usedValues(POLICY_SHEET)).map((p) => p.name)).toEqual(["Core 60/40", "Core 60/40 (copy 2)"]);
    expect(Object.keys(names()).filter((n) => n.includes("copy_CASH") || n.endsWith("copy"))).toEqual([]);
  });

  test("a hand-edited nonsense block is listed with its error, kept verbatim, and the others stay usable", async () => {
    await savePolicy({ policy: core, holdings: "", cash: "" }, null);
    const rows = fake.usedValues(POLICY_SHEET).length;
    fake.put(POLICY_SHEET, `A${rows + 2}`, [["name", "Broken"], ["version", 1], ["trigger", "sometimes"]]);
    const list = await listPolicies();
    expect(list.sheetError).toMatch(/trigger must be one of/);
    expect(list.policies.map((p) => [p.name, p.policy !== null])).toEqual([["Core 60/40", true], ["Broken", false]]);
    expect(list.policies[1].error).toMatch(new RegExp(`rows ${rows + 2}-${rows + 4} row 3: trigger`));
    // saving another policy keeps the broken block as it was
    await savePolicy({ policy: calm, holdings: "", cash: "" }, null);
    expect(fake.read(POLICY_SHEET, `A${rows + 2}:B${rows + 4}`)).toEqual([["name", "Broken"], ["version", 1], ["trigger", "sometimes"]]);
  });

  test("rebalance log: a rename renames the policy's row, a delete removes it, a duplicate starts without a date", async () => {
    await savePolicy({ policy: calm, holdings: "B2:E5", cash: "" }, null);
    await savePolicy({ policy: core, holdings: "B2:E5", cash: "G3" }, null);
    // as writeTradeSheet leaves it (46296 = 2026-10-01, 46204 = 2026-07-01)
    fake.put(POLICY_SHEET, "D1", [["policy", "last_rebalance", "trade_sheet"], ["Calm", 46296, "Trades 2026-10-01"], ["Core 60/40", 46204, ""]]);
    let list = await listPolicies();
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Calm", 46296], ["Core 60/40", 46204]]);
    list = await savePolicy({ policy: { ...calm, name: "Calm Q" }, holdings: "B2:E5", cash: "" }, "Calm");
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Calm Q", 46296], ["Core 60/40", 46204]]);
    expect(fake.read(POLICY_SHEET, "D2:F2")).toEqual([["Calm Q", 46296, "Trades 2026-10-01"]]);
    expect(fake.state.sheets.find((s) => s.name === POLICY_SHEET)!.formats["1,3"]).toBe("@"); // the name cell is text
    const dup = await duplicatePolicy("Calm Q");
    expect(dup.list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Calm Q", 46296], ["Core 60/40", 46204], ["Calm Q (copy)", null]]);
    list = await deletePolicy("Calm Q");
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Core 60/40", 46204], ["Calm Q (copy)", null]]);
    // only the deleted policy's row is cleared; the other rows stay where they are
    expect(fake.read(POLICY_SHEET, "D1:F3")).toEqual([["policy", "last_rebalance", "trade_sheet"], ["", "", ""], ["Core 60/40", 46204, ""]]);
    expect(list.logWarnings).toEqual([]);
    expect(list.sheetError).toBeNull();
    expect(readPolicySheet(fake.usedValues(POLICY_SHEET)).map((p) => p.name)).toEqual(["Core 60/40", "Calm Q (copy)"]);
  });

  test("a policy sheet without a rebalance log (older workbooks) lists every policy as never rebalanced", async () => {
    await savePolicy({ policy: calm, holdings: "", cash: "" }, null);
    const list = await listPolicies();
    expect(list).toMatchObject({ sheetError: null, logWarnings: [] });
    expect(list.policies.map((p) => p.lastRebalance)).toEqual([null]);
  });

  test("a log row naming no policy is a warning, not silently ignored, and blocks nothing", async () => {
    await savePolicy({ policy: calm, holdings: "", cash: "" }, null);
    await savePolicy({ policy: core, holdings: "", cash: "" }, null);
    fake.put(POLICY_SHEET, "D1", [["policy", "last_rebalance", "trade_sheet"], ["Clam", 46296, ""], ["Core 60/40", 46204, ""]]);
    let list = await listPolicies();
    expect(list.logWarnings).toEqual(['Rebal Policies D2: the rebalance log names policy "Clam", which is not on Rebal Policies']);
    expect(list.sheetError).toBeNull();
    expect(list.policies.map((p) => [p.name, p.lastRebalance, p.error])).toEqual([["Calm", null, null], ["Core 60/40", 46204, null]]);
    // the policies stay editable, and the writers leave the orphan row alone
    list = await savePolicy({ policy: { ...core, name: "Core" }, holdings: "", cash: "" }, "Core 60/40");
    expect(fake.read(POLICY_SHEET, "D2:F3")).toEqual([["Clam", 46296, ""], ["Core", 46204, ""]]);
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Calm", null], ["Core", 46204]]);
    // a new policy taking the orphan's name does not inherit its date: the orphan row is cleared
    list = await savePolicy({ policy: { ...calm, name: "Clam" }, holdings: "", cash: "" }, null);
    expect(list.policies.map((p) => [p.name, p.lastRebalance])).toEqual([["Calm", null], ["Core", 46204], ["Clam", null]]);
    expect(fake.read(POLICY_SHEET, "D2:F3")).toEqual([["", "", ""], ["Core", 46204, ""]]);
    expect(list.logWarnings).toEqual([]);
  });

  test("a policy name starting with = + - @ is refused before anything is written", async () => {
    const snap = fake.snapshot();
    await expect(savePolicy({ policy: { ...calm, name: "=HYPERLINK(1)" }, holdings: "", cash: "" }, null)).rejects.toThrow('starts with "="');
    await expect(savePolicy({ policy: { ...calm, name: "@Calm" }, holdings: "", cash: "" }, null)).rejects.toThrow('starts with "@"');
    expect(fake.state.sheets).toEqual(snap.sheets);
    expect(fake.state.names).toEqual(snap.names);
  });

  test("outside Excel: a clear message", async () => {
    uninstall();
    await expect(listPolicies()).rejects.toThrow(/Excel is not available/);
  });
});

describe("parseReference", () => {
  test.each([
    ["B2:E9", { kind: "address", sheet: null, address: "B2:E9" }],
    ["=$b$2:$e$9", { kind: "address", sheet: null, address: "B2:E9" }],
    ["'My book'!A1", { kind: "address", sheet: "My book", address: "A1" }],
    ["Holdings", { kind: "name", name: "Holdings" }],
    ["Holdings[#All]", { kind: "table", table: "Holdings" }],
  ])("%s", (text, want) => {
    expect(parseReference(text)).toEqual(want);
  });
});
