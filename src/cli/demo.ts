/**
 * `rebal demo`: a demo workbook from the bundled factor-ETF prices (data/factors_dataset.csv.gz,
 * gunzipped with node:zlib): sheets Holdings (asset, quantity, price = last close, target; cash;
 * live REBAL.TRADES / REBAL.DRIFT formulas written as array formulas with cached values), Prices,
 * Rebal Policies (the stored policy "Demo", docs/policy-format.md, with its REBAL_POLICY_Demo name
 * and the REBAL_BIND_Demo_HOLDINGS / _CASH bindings), and a trade sheet. Holdings are a 1,000,000
 * equal-weight book bought on the first day and left to drift, so the bands (5% or 15% of target, whichever is tighter) are breached.
 * The workbook is written through outFile.ts (never over the data file or, without --force, an existing file).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import ExcelJS from "exceljs";
import { parsePolicy } from "../core/policy";
import { cashBindingName, holdingsBindingName, policyBlock, policyDefinedName, POLICY_SHEET } from "../core/policyStore";
import { FileError } from "./errors";
import { Account, csvCells } from "./inputs";
import { planSequential } from "./batch";
import { tradeRows } from "./plan";
import { addTradeSheet, formatTable, inputsHash, version } from "./output";
import { writeOutput } from "./outFile";
import { packageRoot } from "./packageRoot";
import { isoToSerial } from "./prices";

export const DEMO_POLICY_TEXT = "name=Demo; trigger=threshold; band_abs=0.05; band_rel=0.15; lot=1; min_trade=500; cost_bps=5";
export const defaultDataFile = (): string => path.join(packageRoot(), "data", "factors_dataset.csv.gz");

/** An array formula over `range` with cached results (exceljs writes the master cell's formula + ref, values elsewhere). */
function arrayFormula(ws: ExcelJS.Worksheet, range: string, formula: string, results: number[]): void {
  (ws.fillFormula as unknown as (r: string, f: string, res: number[], type: string) => void).call(ws, range, formula, results, "array");
}

export async function runDemo(out: string, dataFile: string | null, force = false): Promise<{ table: string }> {
  const file = dataFile ?? defaultDataFile();
  if (!existsSync(file)) throw new FileError(`demo data not found: ${file} (the demo reads the repository's data/factors_dataset.csv.gz; pass --data FILE.csv.gz to use another copy)`);
  const gz = readFileSync(file);
  let bytes: Buffer;
  try {
    bytes = gunzipSync(gz);
  } catch (e) {
    throw new FileError(`${file}: not a gzip file (${(e as Error).message})`);
  }
  const cells = csvCells(file, bytes).filter((r) => r.some((c) => c !== null));
  const names = cells[0].slice(1).map(String);
  const dates = cells.slice(1).map((r) => isoToSerial(String(r[0])));
  const prices = cells.slice(1).map((r) => r.slice(1).map((c) => (c === null ? NaN : Number(c))));
  const n = names.length;
  const first = prices[0], last = prices[prices.length - 1];
  const initial = 1_000_000, cash = 25_000;
  const quantities = Float64Array.from(first, (p) => Math.floor(initial / n / p));
  const targets = new Float64Array(n).fill(Math.round((0.95 / n) * 1e4) / 1e4);
  const policy = parsePolicy(DEMO_POLICY_TEXT, "demo policy").policy;
  const account: Account = {
    account: "Demo", source: "rebal-demo Holdings", assets: names, rows: names.map((_, i) => i + 2),
    book: { quantities, prices: Float64Array.from(last), targets, cash },
  };
  const result = planSequential([account], policy);
  const { rows, summaries } = tradeRows([account], result, false);
  if (summaries[0].error) throw new Error(summaries[0].error);

  const wb = new ExcelJS.Workbook();
  wb.creator = `rebal ${version()}`;
  // Holdings
  const hs = wb.addWorksheet("Holdings");
  hs.addRow(["asset", "quantity", "price", "target", "trade", "drift", "", "cash"]);
  names.forEach((a, i) => hs.addRow([a, quantities[i], last[i], targets[i]]));
  const end = n + 1;
  hs.getCell("H2").value = cash;
  hs.getCell("H2").numFmt = "#,##0.00";
  const pname = policyDefinedName(policy.name);
  arrayFormula(hs, `E2:E${end}`, `REBAL.TRADES(B2:B${end},C2:C${end},D2:D${end},H2,${pname})`, rows.map((r) => r.trade));
  arrayFormula(hs, `F2:F${end}`, `REBAL.DRIFT(B2:B${end}*C2:C${end},D2:D${end},"cash="&H2)`, rows.map((r) => r.weight_before - r.target));
  hs.getRow(1).font = { bold: true };
  for (let r = 2; r <= end; r++) {
    hs.getCell(`B${r}`).numFmt = "#,##0";
    hs.getCell(`C${r}`).numFmt = "#,##0.00";
    hs.getCell(`D${r}`).numFmt = "0.00%";
    hs.getCell(`E${r}`).numFmt = "#,##0";
    hs.getCell(`F${r}`).numFmt = "0.00%";
  }
  hs.getCell(`A${end + 2}`).value = `Policy: ${pname} (sheet "${POLICY_SHEET}"). Trades and drift are live REBAL formulas (they need the Rebal add-in; cached values shown).`;
  // Prices
  const ps = wb.addWorksheet("Prices");
  ps.addRow(["Date", ...names]);
  prices.forEach((r, t) => ps.addRow([dates[t], ...r.map((x) => (Number.isNaN(x) ? null : x))]));
  ps.getColumn(1).numFmt = "yyyy-mm-dd";
  ps.getColumn(1).width = 12;
  ps.getRow(1).font = { bold: true };
  // Stored policy (docs/policy-format.md) and bindings
  const pol = wb.addWorksheet(POLICY_SHEET);
  const block = policyBlock(policy);
  block.forEach((r) => pol.addRow(r));
  pol.getColumn(1).width = 14;
  pol.getColumn(2).width = 14;
  wb.definedNames.add(`'${POLICY_SHEET}'!$A$1:$B$${block.length}`, pname);
  wb.definedNames.add(`Holdings!$A$1:$D$${end}`, holdingsBindingName(policy.name));
  wb.definedNames.add("Holdings!$H$2", cashBindingName(policy.name));
  // Trade sheet
  const files = [{ file: path.basename(file), bytes: gz }];
  addTradeSheet(wb, rows, summaries, {
    policyLabel: policy.name, policy, time: new Date().toISOString(), version: version(),
    sha256: inputsHash(files, cash, policy), inputs: [path.basename(file)],
  });
  writeOutput(out, Buffer.from(await wb.xlsx.writeBuffer()), [file], force);
  return { table: formatTable(rows, summaries, policy.name) };
}
