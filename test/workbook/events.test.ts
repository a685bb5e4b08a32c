/**
 * src/workbook/events.ts against the fake workbook's worksheet events: which changes count (the
 * policy sheet and the bound ranges' sheets; sheets added or deleted), debouncing, re-targeting
 * after a binding moved, and removal of the handlers. Jest's fake timers drive the debounce.
 */
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { POLICY_SHEET } from "../../src/core/policyStore";
import { watchWorkbook } from "../../src/workbook/events";
import { savePolicy } from "../../src/workbook/policies";
import { FakeExcel } from "../support/fakeExcel";
import { install, uninstall } from "./setup";

const core: Policy = { ...DEFAULT_POLICY, name: "Core", trigger: "threshold", bandAbs: 0.05 };
const DEBOUNCE = 300;

let fake: FakeExcel;
beforeEach(async () => {
  fake = install();
  await savePolicy({ policy: core, holdings: "Book", cash: "Portfolio!G3" }, null);
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
  uninstall();
});

/** Lets the fake's event delivery (promise callbacks) run, then the debounce elapse. */
async function settle(ms = DEBOUNCE) {
  await Promise.resolve();
  await Promise.resolve();
  jest.advanceTimersByTime(ms);
}

describe("watchWorkbook", () => {
  test("watches the policy sheet and the bound ranges' sheets, not the others", async () => {
    const calls = jest.fn();
    const w = (await watchWorkbook(calls, DEBOUNCE))!;
    expect(w.watched().sort()).toEqual(["{sheet:portfolio}", "{sheet:rebal policies}"]);
    expect(fake.handlerCount()).toBe(3);
    fake.edit("Notes", "A2", [["unrelated"]]);
    await settle();
    expect(calls).not.toHaveBeenCalled();
    fake.edit("Portfolio", "C3", [[120]]); // a co-author changes a quantity
    await settle();
    expect(calls).toHaveBeenCalledTimes(1);
    fake.edit(POLICY_SHEET, "B4", [[0.04]]); // a hand edit of the policy block
    await settle();
    expect(calls).toHaveBeenCalledTimes(2);
    await w.stop();
  });

  test("a burst of changes gives one callback, after the last one", async () => {
    const calls = jest.fn();
    const w = (await watchWorkbook(calls, DEBOUNCE))!;
    for (let i = 0; i < 5; i++) {
      fake.edit("Portfolio", "D3", [[250 + i]]);
      await settle(DEBOUNCE - 1);
    }
    expect(calls).not.toHaveBeenCalled();
    await settle(1);
    expect(calls).toHaveBeenCalledTimes(1);
    await w.stop();
  });

  test("sheets added or deleted count; retarget follows a binding to another sheet", async () => {
    const calls = jest.fn();
    const w = (await watchWorkbook(calls, DEBOUNCE))!;
    await (globalThis as unknown as { Excel: typeof Excel }).Excel.run(async (context) => {
      context.workbook.worksheets.add("Scratch");
      await context.sync();
    });
    await settle();
    expect(calls).toHaveBeenCalledTimes(1);
    fake.state.names.find((n) => n.name.endsWith("_CASH"))!.formula = "=Notes!$B$1";
    await w.retarget();
    expect(w.watched()).toContain("{sheet:notes}");
    fake.edit("Notes", "B1", [[100]]);
    await settle();
    expect(calls).toHaveBeenCalledTimes(2);
    await w.stop();
  });

  test("stop removes the handlers and cancels a pending callback", async () => {
    const calls = jest.fn();
    const w = (await watchWorkbook(calls, DEBOUNCE))!;
    fake.edit("Portfolio", "C3", [[1]]);
    await Promise.resolve();
    await Promise.resolve();
    await w.stop();
    expect(fake.handlerCount()).toBe(0);
    jest.advanceTimersByTime(10 * DEBOUNCE);
    fake.edit("Portfolio", "C3", [[2]]);
    await settle();
    expect(calls).not.toHaveBeenCalled();
  });

  test("outside Excel: null (the pane keeps its Refresh button)", async () => {
    uninstall();
    expect(await watchWorkbook(() => undefined)).toBeNull();
  });
});
