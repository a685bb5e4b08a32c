/**
 * Orders from a trade sheet the pane wrote (src/workbook/tradeSheet.ts into the fake workbook), read
 * back from its cells by core/tradeSheetRead.ts and exported as FIX 4.4 NewOrderSingles
 * (core/orders.ts): they parse in a FIX reader written here (tag order, SOH, BodyLength, CheckSum)
 * and match the trades of the preview the sheet was written from.
 */
import { DEFAULT_POLICY, Policy } from "../../src/core/policy";
import { orderFixMessages, ordersOf } from "../../src/core/orders";
import { readTradeSheet } from "../../src/core/tradeSheetRead";
import { savePolicy } from "../../src/workbook/policies";
import { previewTradeSheet, writeTradeSheet } from "../../src/workbook/tradeSheet";
import { FakeExcel } from "../support/fakeExcel";
import { install, uninstall } from "./setup";

const core: Policy = { ...DEFAULT_POLICY, name: "Core", trigger: "threshold", bandAbs: 0.05 };
let fake: FakeExcel;
beforeEach(async () => {
  fake = install();
  await savePolicy({ policy: core, holdings: "Book", cash: "Portfolio!G3" }, null);
});
afterEach(uninstall);

function readFix(msg: string): Map<number, string> {
  const bytes = Buffer.from(msg, "utf8");
  const fields = msg.split("\x01");
  expect(fields.pop()).toBe("");
  const pairs = fields.map((f) => { const i = f.indexOf("="); return [Number(f.slice(0, i)), f.slice(i + 1)] as [number, string]; });
  expect(pairs.slice(0, 3).map((p) => p[0])).toEqual([8, 9, 35]);
  expect(pairs[pairs.length - 1][0]).toBe(10);
  const m = new Map(pairs);
  const start = Buffer.byteLength(`8=${m.get(8)}\x019=${m.get(9)}\x01`);
  const end = bytes.length - Buffer.byteLength(`10=${m.get(10)}\x01`);
  expect(Number(m.get(9))).toBe(end - start);
  let sum = 0;
  for (let i = 0; i < end; i++) sum += bytes[i];
  expect(m.get(10)).toBe(String(sum % 256).padStart(3, "0"));
  return m;
}

test("a pane-written sheet's orders parse and match its trades", async () => {
  const preview = await previewTradeSheet("Core");
  const res = await writeTradeSheet("Core", new Date(2026, 11, 4, 10, 0, 0));
  const sheet = readTradeSheet(fake.usedValues(res.sheetName), res.sheetName);
  expect(sheet.inputsHash).toBe(res.hash);
  const orders = ordersOf(sheet, { orderType: "LMT", limitOffsetBps: 10 });
  const want = preview.lines.filter((l) => l.quantity !== 0);
  expect(want.length).toBeGreaterThan(0);
  const msgs = orderFixMessages(orders, { senderCompId: "REBAL", targetCompId: "BROKER", firstSeqNum: 1, time: new Date(Date.UTC(2026, 11, 4, 15, 0, 0)) }).map(readFix);
  expect(msgs.map((m) => [m.get(35), m.get(55), m.get(54), Number(m.get(38)), m.get(40)])).toEqual(want.map((l) => ["D", l.asset, l.side === "BUY" ? "1" : "2", l.quantity, "2"]));
  msgs.forEach((m, i) => {
    const p = Number(m.get(44)), price = want[i].price;
    expect(want[i].side === "BUY" ? p >= price && p <= price * 1.001 + 1e-9 : p <= price && p >= price * 0.999 - 1e-9).toBe(true);
  });
  expect(new Set(msgs.map((m) => m.get(11))).size).toBe(msgs.length);
});
