/**
 * Files out: the trade table as text (aligned table), CSV (papaparse), JSON (an array of row
 * objects) or a formatted trade-sheet .xlsx (exceljs): per asset side, quantity, price, value,
 * weight before / target / after, cost, reason; totals (buys, sells, net cash, costs, turnover,
 * the optimality gap: the largest over the accounts, 0 = every plan proven optimal);
 * number formats; and a stamp (policy, time, version, SHA-256 of the inputs) so a colleague can
 * verify it. Turnover of a batch is sum(min(buys, sells)) / sum(total value) over its accounts.
 *
 * Conventions: CSV cells that start with = + - @, a tab or a carriage return are prefixed with "'"
 * (OWASP's CSV-injection rule, papaparse escapeFormulae) unless they are numbers, so a trade file
 * opened in Excel never runs a ticker as a formula. Computed numbers (values, weights, costs) are
 * written rounded to OUTPUT_DIGITS significant digits (no float noise such as -2490.6000000000004);
 * the inputs echoed (quantity, price, target) are written as read. No output carries NaN or
 * Infinity: plan.ts refuses a non-finite result before it reaches a writer (assertFinite).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Papa from "papaparse";
import ExcelJS from "exceljs";
import { Policy, policyToText } from "../core/policy";
import { packageRoot } from "./packageRoot";
import { tidy } from "./plan";
import type { AccountSummary, TradeRow } from "./plan";

export function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * SHA-256 of the inputs: every input file's bytes in order, then a line "cash=<--cash or blank>"
 * and a line "policy=<the resolved policy as canonical text>".
 */
export function inputsHash(files: { file: string; bytes: Buffer }[], cash: number | null, policy: Policy): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f.bytes);
  h.update(`\ncash=${cash ?? ""}\npolicy=${policyToText(policy)}\n`);
  return h.digest("hex");
}

export interface Totals { buys: number; sells: number; netCash: number; costs: number; turnover: number; cashAfter: number; accounts: number; errors: number; optimalityGap: number }

export function totalsOf(summaries: AccountSummary[]): Totals {
  let buys = 0, sells = 0, costs = 0, turnNum = 0, value = 0, cashAfter = 0, errors = 0, gap = 0;
  for (const s of summaries) {
    if (s.error) { errors++; continue; }
    buys += s.buys; sells += s.sells; costs += s.costs; cashAfter += s.cashAfter;
    turnNum += Math.min(s.buys, s.sells); value += s.totalValue;
    gap = Math.max(gap, s.optimalityGap);
  }
  return { buys: tidy(buys), sells: tidy(sells), netCash: tidy(sells - buys - costs), costs: tidy(costs), turnover: value > 0 ? tidy(turnNum / value) : 0, cashAfter: tidy(cashAfter), accounts: summaries.length, errors, optimalityGap: gap };
}

const COLUMNS: { key: keyof TradeRow; title: string }[] = [
  { key: "account", title: "account" }, { key: "asset", title: "asset" }, { key: "side", title: "side" },
  { key: "trade", title: "trade" }, { key: "price", title: "price" }, { key: "value", title: "value" },
  { key: "weight_before", title: "w before" }, { key: "target", title: "target" }, { key: "weight_after", title: "w after" },
  { key: "reason", title: "reason" },
];

const num = (x: number, d = 2) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const qty = (x: number) => (Number.isInteger(x) ? x.toLocaleString("en-US") : x.toLocaleString("en-US", { maximumFractionDigits: 8 }));
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatTable(rows: TradeRow[], summaries: AccountSummary[], policyLabel: string): string {
  const withAccount = rows.some((r) => r.account !== undefined) || summaries.length > 1;
  const cols = COLUMNS.filter((c) => c.key !== "account" || withAccount);
  const cell = (r: TradeRow, k: keyof TradeRow): string => {
    const v = r[k];
    if (k === "trade") return qty(v as number);
    if (k === "price" || k === "value") return num(v as number);
    if (k === "weight_before" || k === "target" || k === "weight_after") return pct(v as number);
    return String(v ?? "");
  };
  const body = rows.map((r) => cols.map((c) => cell(r, c.key)));
  const widths = cols.map((c) => c.title.length);
  for (const b of body) for (let j = 0; j < b.length; j++) if (b[j].length > widths[j]) widths[j] = b[j].length;
  const left = new Set(["account", "asset", "side", "reason"]);
  const line = (cells: string[]) => cells.map((s, j) => (j === cells.length - 1 ? s : left.has(cols[j].key) ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join("  ").trimEnd();
  const out = [line(cols.map((c) => c.title)), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  const t = totalsOf(summaries);
  out.push("", `policy: ${policyLabel}`);
  if (summaries.length === 1 && !summaries[0].error) out.push(`decision: ${summaries[0].due ? "rebalance" : "no rebalance"} (${summaries[0].decision})`);
  out.push(`buys ${num(t.buys)}  sells ${num(t.sells)}  net cash ${num(t.netCash)}  costs ${num(t.costs)}  turnover ${pct(t.turnover)}  cash after ${num(t.cashAfter)}  optimality gap ${t.optimalityGap === 0 ? "0 (proven optimal)" : pct(t.optimalityGap)}`);
  if (summaries.length > 1) out.push(`accounts ${t.accounts}${t.errors ? ` (${t.errors} with errors)` : ""}`);
  return out.join("\n") + "\n";
}

/** The one CSV writer: objects (header = their keys) or rows of cells; formula-like text neutralised. */
export function toCsv(data: Record<string, unknown>[] | unknown[][], fields?: string[]): string {
  const cfg = { newline: "\n", escapeFormulae: true } as const;
  const text = fields ? Papa.unparse({ fields, data: data as unknown[][] }, cfg) : Papa.unparse(data as Record<string, unknown>[], cfg);
  return text + "\n";
}

export function formatCsv(rows: TradeRow[]): string {
  return toCsv(rows as unknown as Record<string, unknown>[]);
}

export function formatJson(rows: TradeRow[]): string {
  return JSON.stringify(rows, null, 1) + "\n";
}

export interface Stamp { policyLabel: string; policy: Policy; time: string; version: string; sha256: string; inputs: string[] }

const FMT = { qty: "#,##0.########", money: "#,##0.00", pct: "0.00%", gap: "0.0000%" };

/** Adds a formatted trade sheet to `wb` (a new sheet; the name gets a suffix if taken). */
export function addTradeSheet(wb: ExcelJS.Workbook, rows: TradeRow[], summaries: AccountSummary[], stamp: Stamp, name = "Trades"): ExcelJS.Worksheet {
  let sheetName = name;
  for (let k = 2; wb.getWorksheet(sheetName); k++) sheetName = `${name} (${k})`;
  const ws = wb.addWorksheet(sheetName);
  const withAccount = summaries.length > 1;
  ws.getCell("A1").value = "Rebal trade sheet";
  ws.getCell("A1").font = { bold: true, size: 14 };
  const stampRows: [string, string][] = [
    ["Policy", `${stamp.policyLabel}: ${policyToText(stamp.policy)}`], ["Generated", stamp.time], ["Rebal version", stamp.version],
    ["Inputs", stamp.inputs.join(", ")], ["Inputs SHA-256", stamp.sha256],
  ];
  if (summaries.length === 1 && !summaries[0].error) stampRows.push(["Decision", `${summaries[0].due ? "rebalance" : "no rebalance"} (${summaries[0].decision})`]);
  stampRows.forEach(([k, v], i) => { ws.getCell(2 + i, 1).value = k; ws.getCell(2 + i, 1).font = { bold: true }; ws.getCell(2 + i, 2).value = v; });
  const headerRow = 3 + stampRows.length;
  const cols: { key: keyof TradeRow; title: string; fmt?: string; abs?: boolean; width: number }[] = [
    ...(withAccount ? [{ key: "account" as const, title: "Account", width: 14 }] : []),
    { key: "asset", title: "Asset", width: 12 }, { key: "side", title: "Side", width: 6 },
    { key: "trade", title: "Quantity", fmt: FMT.qty, abs: true, width: 12 }, { key: "price", title: "Price", fmt: FMT.money, width: 12 },
    { key: "value", title: "Value", fmt: FMT.money, abs: true, width: 14 }, { key: "weight_before", title: "Weight before", fmt: FMT.pct, width: 13 },
    { key: "target", title: "Target", fmt: FMT.pct, width: 9 }, { key: "weight_after", title: "Weight after", fmt: FMT.pct, width: 12 },
    { key: "cost", title: "Cost", fmt: FMT.money, width: 10 }, { key: "reason", title: "Reason", width: 60 },
  ];
  cols.forEach((c, j) => {
    const h = ws.getCell(headerRow, j + 1);
    h.value = c.title;
    h.font = { bold: true };
    h.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
    h.border = { bottom: { style: "thin" } };
    ws.getColumn(j + 1).width = c.width;
  });
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      const cell = ws.getCell(headerRow + 1 + i, j + 1);
      const v = r[c.key];
      cell.value = typeof v === "number" && c.abs ? Math.abs(v) : (v as string | number);
      if (c.fmt) cell.numFmt = c.fmt;
    });
  });
  const t = totalsOf(summaries);
  let r = headerRow + rows.length + 2;
  const totals: [string, number, string][] = [
    ["Buys", t.buys, FMT.money], ["Sells", t.sells, FMT.money], ["Net cash (sells - buys - costs)", t.netCash, FMT.money],
    ["Estimated costs", t.costs, FMT.money], ["Turnover", t.turnover, FMT.pct], ["Cash after", t.cashAfter, FMT.money],
    [withAccount ? "Optimality gap (largest; 0 = proven optimal)" : "Optimality gap (0 = proven optimal)", t.optimalityGap, FMT.gap],
  ];
  if (withAccount) totals.push(["Accounts", t.accounts, "0"], ["Accounts with errors", t.errors, "0"]);
  ws.getCell(r - 1, 1).value = "Totals";
  ws.getCell(r - 1, 1).font = { bold: true };
  for (const [k, v, f] of totals) {
    ws.getCell(r, 1).value = k;
    const c = ws.getCell(r, 2);
    c.value = v;
    c.numFmt = f;
    r++;
  }
  ws.views = [{ state: "frozen", ySplit: headerRow }];
  return ws;
}
