/** Shared set-up for the src/workbook tests: a fake workbook installed as the global `Excel`. */
import { createFakeExcel, FakeExcel, FakeState } from "../support/fakeExcel";

export const HOLDINGS: (string | number)[][] = [
  ["Asset", "Quantity", "Price", "Target"],
  ["VTI", 100, 250, 0.5],
  ["BND", 400, 75, 0.4],
  ["VXUS", 50, 60, 0.08],
];

export function install(extra: Partial<FakeState> = {}): FakeExcel {
  const fake = createFakeExcel({ active: "Portfolio", selection: "B2:E5", ...extra });
  fake.put("Portfolio", "B2", HOLDINGS);
  fake.put("Portfolio", "G2", [["Cash"], [5000]]);
  fake.put("Notes", "A1", [["keep me"]]);
  fake.state.tables.push({ name: "Book", sheet: "Portfolio", address: "B2:E5" });
  (globalThis as unknown as { Excel: unknown }).Excel = fake.Excel;
  return fake;
}

export function uninstall(): void {
  delete (globalThis as unknown as { Excel?: unknown }).Excel;
}
