/**
 * `rebal`: the rebalancing engine on files, outside Excel. Commands: trades, check, backtest,
 * optimize, demo. Holdings come from CSV or .xlsx (docs/policy-format.md for stored policies and
 * bindings); results go to stdout or --out as a table, CSV, JSON or a trade-sheet .xlsx.
 * Exit codes: see errors.ts and HELP.
 *
 * Conventions: every option is applied or refused (a usage error, or a warning when an option has no
 * effect on this input); files are written only through outFile.ts (never over an input, never over
 * an existing file without --force, atomically); inputs are read within limits and in their decimal
 * style (inputs.ts); dates are exact yyyy-mm-dd (core isoDateToSerial).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import ExcelJS from "exceljs";
import { RebalError } from "../core/errors";
import { calendarDue, isoDateToSerial, serialToISO, utcToSerial } from "../core/calendar";
import { DecimalStyle, parseNumberText, readNumberText } from "../core/numberText";
import { parsePolicy, Policy } from "../core/policy";
import { readKeyValues, rejectUnknownKeys, valueAsNumber } from "../core/keyvalues";
import { backtestSummary, parseBacktestOptions, runBacktest } from "../core/backtest";
import { isTargetsSpec, parseTargetsSpec, runWalkForward } from "../core/backtest/walkForward";
import { expectedReturns, riskMatrix } from "../core/estimators";
import { Workspace } from "../core/workspace";
import { optimizeDetailed, OBJECTIVES, portfolioPerformance, OptimizeOptions, Objective, rejectUnusedOptions } from "../core/optimize";
import type { TailObjective } from "../core/optimize/tail";
import { applyExtraOptions, BL_OPTIMIZE_KEYS, blackLittermanReturns, EXTRA_OPTIMIZE_KEYS, isTailObjective, parseCurrent, readViews, reportRows, runTailObjective } from "./optimizeExtras";
import { EXIT, FileError, UsageError } from "./errors";
import { Account, ReadOptions, defaultLimits, loadInputs, readBytes, readWorkbook, storedPolicy } from "./inputs";
import { defaultJobs, planInWorkers, planSequential, progressBar } from "./batch";
import { simulateHere, simulateInWorkers, WorkerInputError } from "./simulate";
import { parseSimulateOptions, PERCENTILES } from "../core/simulate/simulate";
import { tidy, tradeRows } from "./plan";
import { addTradeSheet, formatCsv, formatJson, formatTable, inputsHash, toCsv, version } from "./output";
import { readPrices, serialToIso } from "./prices";
import { defaultDataFile, runDemo } from "./demo";
import { checkOutput, outputFormat, writeOutput } from "./outFile";
import { DEFAULT_MAX_CELLS, DEFAULT_MAX_XLSX_MIB } from "./xlsxLimits";
import { addLotSalesSheet, alignedTable, HARVEST_FIELDS, harvestRows, lotSales, lotSalesCsv, lotsCsvPath, lotSalesTable, readCurrentPrices, readLotsFile, readRecentBuys } from "./lots";
import { parseTaxOptions } from "../core/taxPolicy";
import { ORDERS_HELP, ORDERS_OPTIONS, runOrders } from "./orders";
import { VERIFY_HELP, localDay, recordInto, runVerify, tradeSheetNameFor } from "./audit";

export const HELP = `rebal — portfolio rebalancing on .csv and .xlsx files (the engine of the Rebal Excel add-in)

Usage:
  rebal trades <holdings.csv|book.xlsx>... [--cash N] [--policy NAME|"k=v; ..."] [--format table|csv|json|xlsx] [--out FILE [--force]]
  rebal check  <holdings.csv|book.xlsx>... [--cash N] [--policy ...] [--format table|json] [--out FILE [--force]]
  rebal backtest <prices.csv> --targets "A=0.6, B=0.4" [--policy ...] [--options "initial_value=100000"] [--format table|csv|json]
  rebal optimize <prices.csv> [--objective min_volatility] [--returns mean] [--cov sample] [--options "max_weight=0.4"] [--format ...]
  rebal simulate <prices.csv> --targets "A=0.6, B=0.4" --policy P [--policy P2 ...] [--options "paths=1000; years=10; seed=1"] [--jobs N]
  rebal trades <book.xlsx> --policy NAME --record --out <copy.xlsx>   (the trade sheet and its hashed log row, in a copy)
  rebal verify <book.xlsx>
  rebal orders <trades.xlsx|trades.csv> [--sheet NAME] [--format csv|fix] [--order-type MKT|LMT] [--limit-offset-bps N] [--out FILE [--force]]
  rebal harvest <lots.csv|lots.xlsx> --prices prices.csv [--asof DATE] [--tax "wash_days=30; harvest_min_loss=100"] [--format table|csv|json]
  rebal demo [--out rebal-demo.xlsx] [--force]
  rebal <command> --help

Holdings: a header row asset, quantity, price, target (aliases: ticker/symbol, shares/qty, weight;
optional lot, restricted, min_weight, max_weight). An "account" column (or several files) makes a
batch: accounts are planned in parallel worker threads (--jobs N; --jobs 1 = this thread) with a
progress bar on a terminal. A "cash" column gives each account's cash; --cash overrides it.
In an .xlsx, holdings are the range of a REBAL_BIND_<Name>_HOLDINGS defined name, else the first
sheet region with a holdings header (--sheet NAME to choose); cash from REBAL_BIND_<Name>_CASH.

Policies: --policy "band_abs=0.05; band_rel=0.25; lot=1" (text), or --policy NAME: a policy stored
in the workbook (sheet "Rebal Policies", defined name REBAL_POLICY_<Name>; docs/policy-format.md),
from the input .xlsx or --policies FILE.xlsx. Without --policy: the binding's policy, else defaults.

Reading: numbers may use thousands separators, "%", and $ € £ ¥. The decimal mark is detected per
file when unambiguous (a cell such as 250,5 or 0.6 decides), else --decimal . or --decimal , says it;
a cell that reads two ways (1,234 with no other evidence) or a file mixing both marks is an error.
Dates are exactly yyyy-mm-dd. Limits (checked before a file is parsed or an .xlsx inflated):
--max-input-mib N (default ${DEFAULT_MAX_XLSX_MIB}: a CSV's size, an .xlsx's uncompressed size) and --max-cells N
(default ${DEFAULT_MAX_CELLS.toLocaleString("en-US")}; more needs NODE_OPTIONS=--max-old-space-size=MiB).

Writing: --out FILE never replaces an input, and replaces an existing file only with --force; the
file appears complete or not at all (written to a temporary file, then renamed). The format follows
the extension (.csv, .json, .xlsx, .txt = table) unless --format says it; a mismatch is an error.
CSV output prefixes text starting with = + - @, tab or CR with ' (no formulas run in Excel).

Output (trades): --format json prints an array of objects: account (batches), asset, side, quantity
(held), price, target, trade (signed quantity: + buy, - sell), value (trade x price), quantity_after,
weight_before, weight_after, destination, cost, optimality_gap
(the account plan's (objective - lower bound) / objective; 0 = proven optimal), reason (CSV: the same
columns). --format xlsx --out f.xlsx writes a trade
sheet with totals and a stamp (policy, time, version, SHA-256 of the inputs).

Exit codes:
  0  ok
  1  bad input: a holdings row, a policy key or value, a price (the message names file, row, column)
  2  usage: unknown command or option, missing argument
  3  a file cannot be read or written
  4  internal error (a bug; please report it with the input)
`;

const COMMAND_HELP: Record<string, string> = {
  trades: `rebal trades <holdings.csv|book.xlsx>... [options]
  --cash N            cash available (default: the file's cash column / REBAL_BIND_<Name>_CASH / 0)
  --policy P          "k=v; ..." or the name of a stored policy
  --policies FILE     an .xlsx whose stored policies --policy NAME may name
  --sheet NAME        the .xlsx sheet holding the holdings table
  --format F          table (default), csv, json, xlsx (xlsx needs --out)
  --out FILE          write to FILE instead of stdout (the extension gives the format)
  --force             replace FILE if it exists (never an input)
  --decimal M         decimal mark of the inputs: . or , (default: detected per file)
  --max-input-mib N   limit on a CSV's size / an .xlsx's uncompressed size (default ${DEFAULT_MAX_XLSX_MIB})
  --max-cells N       limit on an input's cells (default ${DEFAULT_MAX_CELLS.toLocaleString("en-US")})
  --jobs N            worker threads for batches (default: auto; 1 = no workers)
  --quiet             no progress bar
  --asof DATE         evaluation date for calendar policies (yyyy-mm-dd; default today)
  --last-rebalance D  last rebalance date (default: the stored policy's rebalance log, else never)
  --lots FILE         tax lots (.csv or .xlsx: asset, acquired, quantity, cost or unit_cost, optional account, lot_id),
                      checked against the holdings; adds the lot-level sale list of the sells (which lot, how many,
                      proceeds, basis, gain, ST/LT term) and the realized gains and estimated tax: "lot_sales",
                      "tax_by_asset" and "tax" fields in JSON (the trades then under "trades"), FILE.lots.csv next to a CSV --out, a
                      "Lot sales" sheet in xlsx, a second table otherwise. Terms are on --asof (default today).
  --lots-sheet NAME   the .xlsx sheet of the lots (default: the first sheet with a lots header)
  --record            with one book.xlsx, a stored policy and --out copy.xlsx: a copy of the book with the trade
                      sheet and its hashed rebalance-log row (refused when the book does not verify; rebal verify)
  --tax "k=v; ..."    lot_method (min_tax, hifo, fifo, lifo), lt_days (365: held more than this is long-term), st_rate, lt_rate
Exit codes: 0 ok, 1 bad input, 2 usage, 3 file, 4 internal.
`,
  harvest: `rebal harvest <lots.csv|lots.xlsx> --prices prices.csv [--asof DATE] [--tax "k=v; ..."] [--recent-buys buys.csv] [--lots-sheet NAME] [--format table|csv|json] [--out FILE [--force]]
Tax-loss harvesting candidates (REBAL.HARVEST): lots whose basis exceeds quantity x price, largest loss first, with the
term and wash_sale = TRUE when another lot of the asset was bought within wash_days days before --asof (default today);
with --recent-buys (a CSV asset, date, quantity) those buys decide instead.
--prices: an asset, price CSV, or a price history (date, assets...) whose latest price per asset is used.
--tax: wash_days (30), harvest_min_loss (0), harvest_min_pct (0), lt_days (365). Reading options as for trades.
`,
  check: `rebal check <holdings.csv|book.xlsx>... [--cash N] [--policy P] [--policies FILE] [--sheet NAME] [--asof DATE] [--last-rebalance DATE] [--format table|json] [--out FILE [--force]]
Says per account whether the policy calls for a rebalance now (and why). Reading options as for trades
(--decimal, --max-input-mib, --max-cells). Exit codes as for trades.
`,
  backtest: `rebal backtest <prices.csv> --targets "A=0.6, B=0.4" [--policy P] [--policies FILE] [--options "initial_value=1000000; risk_free_rate=0.02"] [--format table|csv|json] [--decimal M] [--max-input-mib N] [--max-cells N]
prices.csv: header date, asset...; one row per day, strictly increasing dates (exactly yyyy-mm-dd). --targets may also be a list in column order ("0.6, 0.4"),
or walk-forward targets re-estimated from the trailing window only: --targets "optimize: objective=max_sharpe; window=504; every=monthly" (docs/formulas.md; the backtest then starts on the first estimation).
`,
  optimize: `rebal optimize <prices.csv> [--objective ${OBJECTIVES.join("|")}|min_cvar|efficient_cvar|min_cdar|efficient_cdar] [--returns mean|arith|ema|capm] [--cov sample|ledoit_wolf|exp_cov|...] [--options "risk_free_rate=0.02; max_weight=0.4; target_return=0.1; max_assets=15; min_position=0.02; cost_bps=10; max_turnover=0.2; beta=0.95"] [--current "AAPL=0.3; MSFT=0.2"] [--views views.csv [--caps "AAPL=2200; MSFT=1800"] (Black-Litterman; --options tau, omega, delta)] [--format table|csv|json] [--decimal M] [--max-input-mib N] [--max-cells N]
--options keys: frequency (all estimators), span (--returns ema / --cov exp_cov only), risk_free_rate (the Sharpe
ratio; also max_sharpe and capm), target_return (efficient_return), target_volatility (efficient_risk),
risk_aversion (max_utility), min_weight / max_weight / gamma (min_volatility, max_sharpe, efficient_*, max_utility).
An option the objective does not use is an error (hrp, inverse_variance, equal and risk_parity take no bounds),
and so are bounds no portfolio can meet (max_weight=0.01 with 20 assets).
`,
  simulate: `rebal simulate <prices.csv> --targets "A=0.6, B=0.4" --policy P [--policy P2 ...] [--policies FILE] [--options "paths=1000; years=10; block=21; seed=1"] [--jobs N] [--quiet] [--format table|csv|json] [--decimal M] [--max-input-mib N] [--max-cells N]
REBAL.SIMULATE on the command line: every --policy (text, or a stored name with --policies FILE.xlsx) runs on the same
paths, a stationary block bootstrap of the prices' daily return rows; prints policy, statistic, mean, p5, p25, p50, p75, p95.
--options: paths, years, block, seed, initial_value, frequency, risk_free_rate, contribution, contribution_frequency.
Paths run on --jobs worker threads (default: auto; 1 = this thread); the numbers do not depend on --jobs.
`,
  demo: `rebal demo [--out rebal-demo.xlsx] [--force]
Writes a demo workbook from data/factors_dataset.csv.gz (Holdings, Prices, the stored policy "Demo", live REBAL formulas, a trade sheet) and prints the trades.
`,
};

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** A value that starts with "-" but is a number (--cash -5000), not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

function parse(argv: string[], options: Record<string, { type: "string" | "boolean" }>): { values: Record<string, string | undefined>; flags: Record<string, boolean>; positionals: string[] } {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  // --name -5000: node's parseArgs calls a value starting with "-" ambiguous; join it as --name=-5000
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], name = a.startsWith("--") ? a.slice(2) : "";
    if (name && options[name]?.type === "string" && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) { args.push(`${a}=${argv[++i]}`); continue; }
    args.push(a);
  }
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  const values: Record<string, string | undefined> = {};
  const flags: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === "boolean") flags[k] = v;
    else values[k] = v;
  }
  return { values, flags, positionals: parsed.positionals };
}

/** A numeric option, read by the one reader of numeric text (decimal point; "5,000" is 5000). */
function numberOption(v: string | undefined, name: string): number | null {
  if (v === undefined) return null;
  let x: number | null = null;
  try {
    x = parseNumberText(v, ".", `--${name}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (x === null) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return x;
}

/** A whole-number option of at least `min`. */
function countOption(v: string | undefined, name: string, dflt: number, min = 1): number {
  const x = numberOption(v, name);
  if (x === null) return dflt;
  if (!Number.isInteger(x) || x < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${v}"`);
  return x;
}

const READ_OPTIONS = { decimal: { type: "string" }, "max-input-mib": { type: "string" }, "max-cells": { type: "string" } } as const;

/** --decimal, --max-input-mib, --max-cells. */
function readOptionsOf(o: Record<string, string | undefined>): ReadOptions {
  const d = defaultLimits();
  const decimal = o.decimal === undefined || o.decimal === "auto" ? null : choice(o.decimal, "decimal", [".", ","] as const, ".");
  const mib = numberOption(o["max-input-mib"], "max-input-mib");
  if (mib !== null && !(mib > 0)) throw new UsageError(`--max-input-mib must be a positive number, got "${o["max-input-mib"]}"`);
  return {
    decimal: decimal as DecimalStyle | null,
    limits: { maxBytes: mib === null ? d.maxBytes : Math.round(mib * 2 ** 20), maxCells: countOption(o["max-cells"], "max-cells", d.maxCells) },
  };
}

function choice<T extends string>(v: string | undefined, name: string, choices: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${v}"`);
  return v as T;
}

const TRADE_OPTIONS = {
  cash: { type: "string" }, policy: { type: "string" }, policies: { type: "string" }, sheet: { type: "string" },
  format: { type: "string" }, out: { type: "string" }, force: { type: "boolean" }, jobs: { type: "string" }, quiet: { type: "boolean" },
  asof: { type: "string" }, "last-rebalance": { type: "string" }, lots: { type: "string" }, "lots-sheet": { type: "string" }, tax: { type: "string" }, record: { type: "boolean" }, ...READ_OPTIONS,
} as const;

/** A --asof / --last-rebalance value: exactly yyyy-mm-dd, a real day (2026-02-31 is refused, not rolled over). */
function dateOption(text: string, flag: string): number {
  let x: number | null;
  try {
    x = isoDateToSerial(text, `--${flag}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (x === null) throw new UsageError(`--${flag} must be a date written yyyy-mm-dd, got "${text}"`);
  return x;
}

/**
 * The calendar part of the decision for trades/check: null (the request is the scheduled date) when
 * the policy has no frequency; otherwise REBAL.CHECK's rule with asof (default today, local date) and
 * the last rebalance (--last-rebalance, else the stored policy's rebalance log, else never).
 */
function calendarPart(policy: Policy, asofText: string | undefined, lastText: string | undefined, stored: number | null): { due: boolean | null; note: string } {
  if (!policy.frequency) return { due: null, note: "" };
  const now = new Date();
  const asof = asofText === undefined ? utcToSerial(now.getFullYear(), now.getMonth(), now.getDate()) : dateOption(asofText, "asof");
  const last = lastText !== undefined ? dateOption(lastText, "last-rebalance") : stored;
  if (last !== null && asof < last) throw new RebalError(`asof ${serialToISO(asof)} is before the last rebalance ${serialToISO(last)}`);
  const due = calendarDue(asof, last, policy.frequency, policy.anchor);
  return { due, note: `asof ${serialToISO(asof)}, last rebalance ${last === null ? "never" : serialToISO(last)}` };
}

async function planAccounts(accounts: Account[], policy: Policy, jobsOpt: string | undefined, quiet: boolean, calDue: boolean | null) {
  const jobs = countOption(jobsOpt, "jobs", accounts.length >= 500 ? defaultJobs() : 1);
  if (jobs === 1 || accounts.length < 2) return planSequential(accounts, policy, calDue);
  const bar = quiet ? null : progressBar("accounts");
  try {
    return await planInWorkers(accounts, policy, jobs, bar?.update, 0, calDue);
  } finally {
    bar?.end();
  }
}

async function cmdTrades(argv: string[], io: Out, check: boolean): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, TRADE_OPTIONS);
  if (f.help) { io.stdout(COMMAND_HELP[check ? "check" : "trades"]); return EXIT.OK; }
  const cmd = check ? "check" : "trades";
  const fmt = outputFormat(o.format, o.out, "table");
  const format = check ? choice(fmt, "format", ["table", "json"] as const, "table") : choice(fmt, "format", ["table", "csv", "json", "xlsx"] as const, "table");
  if (format === "xlsx" && !o.out) throw new UsageError("--format xlsx needs --out FILE.xlsx");
  if (f.record && (check || format !== "xlsx" || positionals.length !== 1 || !/\.xlsx$/i.test(positionals[0]))) throw new UsageError("--record needs one book.xlsx input and --out copy.xlsx (trades only)");
  if (f.force && !o.out) throw new UsageError("--force applies to --out FILE only");
  if (positionals.length === 0) throw new UsageError(`${cmd} needs a holdings file (.csv or .xlsx)`);
  if (o.sheet !== undefined && !positionals.some((p) => /\.xlsx$/i.test(p))) throw new UsageError("--sheet applies to .xlsx inputs only");
  if (o.policies !== undefined && (o.policy === undefined || o.policy.includes("="))) throw new UsageError(`--policies ${o.policies} is used only with --policy NAME (a stored policy)`);
  if (o.lots === undefined && (o["lots-sheet"] !== undefined || o.tax !== undefined)) throw new UsageError("--lots-sheet and --tax apply with --lots FILE only");
  if (check && o.lots !== undefined) throw new UsageError("--lots applies to rebal trades, not check");
  if (o.lots !== undefined && format === "csv" && !o.out) throw new UsageError("--lots with CSV output needs --out FILE.csv (the lot sales go to FILE.lots.csv)");
  const inputs = [...positionals, ...(o.policies ? [o.policies] : []), ...(o.lots ? [o.lots] : [])];
  if (o.out) checkOutput(o.out, inputs, !!f.force);
  const lotsOut = o.lots !== undefined && format === "csv" ? lotsCsvPath(o.out!) : null;
  if (lotsOut) checkOutput(lotsOut, inputs, !!f.force);
  const tax = o.lots !== undefined ? parseTaxOptions(o.tax ?? "", "--tax") : null;
  const cash = numberOption(o.cash, "cash");
  const input = await loadInputs(positionals, { cash, policy: o.policy ?? null, policiesFile: o.policies ?? null, sheet: o.sheet ?? null, read: readOptionsOf(o) });
  if (!input.policy.frequency) {
    for (const k of ["asof", "last-rebalance"]) if (o[k] !== undefined && !(k === "asof" && o.lots !== undefined)) io.stderr(`rebal: warning: --${k} is not used: policy ${input.policyLabel} has no calendar (frequency)\n`);
  }
  const cal = calendarPart(input.policy, o.asof, o["last-rebalance"], input.lastRebalance);
  for (const w of input.logWarnings) io.stderr(`rebal: warning: ${w}\n`);
  const result = await planAccounts(input.accounts, input.policy, o.jobs, !!f.quiet, cal.due);
  const batch = input.accounts.length > 1;
  const { rows, summaries } = tradeRows(input.accounts, result, batch);
  const errors = summaries.filter((s) => s.error);
  for (const s of errors) io.stderr(`rebal: ${batch ? `account ${s.account}: ` : ""}${s.error}\n`);
  if (errors.length === summaries.length) return EXIT.BAD_INPUT;
  let lotOut = null;
  if (o.lots !== undefined) { // tax lots (lots.ts): the lot-level sale list of the plan's sells
    const { table } = await readLotsFile(o.lots, readOptionsOf(o), asofOption(o.asof), o["lots-sheet"] ?? null);
    lotOut = { out: lotSales(input.accounts, rows, new Set(errors.map((s) => s.account)), table, asofOption(o.asof), tax!, batch), withAccount: table.hasAccount };
  }
  let text: string | Buffer;
  if (check) {
    const out = summaries.filter((s) => !s.error).map((s) => ({ account: s.account, rebalance: s.due, reason: cal.note ? `${s.decision}; ${cal.note}` : s.decision }));
    text = format === "json" ? JSON.stringify(out, null, 1) + "\n" : out.map((s) => `${s.account}: ${s.rebalance ? "REBALANCE" : "no rebalance"} (${s.reason})`).join("\n") + "\n";
  } else if (format === "json") text = lotOut ? JSON.stringify({ trades: rows, lot_sales: lotOut.out.rows, tax_by_asset: lotOut.out.by_asset, tax: lotOut.out.tax }, null, 1) + "\n" : formatJson(rows);
  else if (format === "csv") text = formatCsv(rows);
  else if (format === "table") text = formatTable(rows, summaries, input.policyLabel) + (lotOut ? lotSalesTable(lotOut.out, lotOut.withAccount) : "");
  else {
    const wb = new ExcelJS.Workbook();
    wb.creator = `rebal ${version()}`;
    const now = new Date(Math.floor(Date.now() / 1000) * 1000); // to the second: every reader sees the same time
    const day = o.asof !== undefined ? dateOption(o.asof, "asof") : localDay(now);
    if (f.record) {
      if (!o.policy || o.policy.includes("=") || o.policies !== undefined || input.policyLabel !== input.policy.name) throw new UsageError("--record needs --policy NAME, a policy stored in the book itself (not --policies)");
      await wb.xlsx.load(input.files[0].bytes as unknown as ArrayBuffer);
    }
    const ws = addTradeSheet(wb, rows, summaries, {
      policyLabel: input.policyLabel, policy: input.policy, time: now.toISOString(), version: version(),
      sha256: inputsHash(input.files, cash, input.policy), inputs: input.files.map((f) => path.basename(f.file)),
    }, f.record ? tradeSheetNameFor(day) : undefined);
    if (f.record) {
      if (rows.some((r) => r.trade !== 0) || cal.due === true) recordInto(wb, ws.name, input.policy.name, day);
      else io.stderr(`rebal: note: no trade and no scheduled review: sheet "${ws.name}" written, nothing recorded in the rebalance log\n`);
    }
    if (lotOut) addLotSalesSheet(wb, lotOut.out, lotOut.withAccount);
    text = Buffer.from(await wb.xlsx.writeBuffer());
  }
  if (o.out) {
    writeOutput(o.out, text, inputs, !!f.force);
    if (lotsOut && lotOut) {
      writeOutput(lotsOut, lotSalesCsv(lotOut.out, lotOut.withAccount), inputs, !!f.force);
      if (!f.quiet) io.stderr(`rebal: wrote ${lotsOut} (${lotOut.out.rows.length} lot sales)\n`);
    }
    if (!f.quiet) io.stderr(`rebal: wrote ${o.out}${check ? "" : ` (${rows.filter((r) => r.trade !== 0).length} trades)`}\n`);
  } else io.stdout(text.toString());
  return errors.length ? EXIT.BAD_INPUT : EXIT.OK;
}

async function resolvePolicy(text: string | undefined, policiesFile: string | undefined, ro: ReadOptions): Promise<Policy> {
  if (policiesFile !== undefined && (text === undefined || text.includes("="))) throw new UsageError(`--policies ${policiesFile} is used only with --policy NAME (a stored policy)`);
  if (text === undefined) return parsePolicy("", "--policy").policy;
  if (text.includes("=")) return parsePolicy(text, "--policy").policy;
  if (!policiesFile) throw new UsageError(`--policy ${text}: a stored policy needs --policies FILE.xlsx (or give "k=v; ..." text)`);
  const w = await readWorkbook(policiesFile, readBytes(policiesFile, ro.limits), ro.limits);
  const p = storedPolicy(w, text);
  if (!p) throw new RebalError(`--policy ${text}: no stored policy of that name in ${policiesFile}`);
  return p;
}

/** Metric rows (name, value) as json, csv or an aligned table; a non-finite number is written as "undefined". */
function emitMetrics(io: Out, input: { name: string; value: number | string }[], format: string): void {
  const rows = input.map((r) => ({ name: r.name, value: typeof r.value === "number" ? (Number.isFinite(r.value) ? tidy(r.value) : "undefined") : r.value }));
  if (format === "json") io.stdout(JSON.stringify(rows, null, 1) + "\n");
  else if (format === "csv") io.stdout(toCsv(rows.map((r) => [r.name, r.value]), ["name", "value"]));
  else {
    const w = rows.reduce((m, r) => Math.max(m, r.name.length), 0);
    io.stdout(rows.map((r) => `${r.name.padEnd(w)}  ${typeof r.value === "number" ? Number(r.value.toPrecision(8)) : r.value}`).join("\n") + "\n");
  }
}

function parseTargets(text: string | undefined, names: string[]): Float64Array {
  if (text === undefined) throw new UsageError(`backtest needs --targets (e.g. "${names.slice(0, 2).map((n) => `${n}=0.5`).join(", ")}")`);
  const parts = text.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "");
  const t = new Float64Array(names.length);
  if (parts.every((s) => !s.includes("="))) {
    if (parts.length !== names.length) throw new RebalError(`--targets has ${parts.length} values but the prices have ${names.length} assets (${names.join(", ")})`);
    parts.forEach((s, i) => { t[i] = readNumberText(s, ".", `--targets value ${i + 1}`); });
    return t;
  }
  const seen = new Set<number>();
  for (const s of parts) {
    const [k, v] = s.split("=").map((x) => x.trim());
    const i = names.findIndex((n) => n.toLowerCase() === (k ?? "").toLowerCase());
    if (i < 0) throw new RebalError(`--targets: no asset "${k}" in the prices (assets: ${names.join(", ")})`);
    if (seen.has(i)) throw new RebalError(`--targets: ${k} is given twice`);
    seen.add(i);
    t[i] = readNumberText(v ?? "", ".", `--targets ${k}`);
  }
  return t;
}

async function cmdBacktest(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { targets: { type: "string" }, policy: { type: "string" }, policies: { type: "string" }, options: { type: "string" }, format: { type: "string" }, ...READ_OPTIONS });
  if (f.help) { io.stdout(COMMAND_HELP.backtest); return EXIT.OK; }
  const format = choice(o.format, "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("backtest needs one prices file (.csv)");
  const ro = readOptionsOf(o);
  const prices = readPrices(positionals[0], ro);
  const spec = o.targets !== undefined && isTargetsSpec(o.targets) ? parseTargetsSpec(o.targets, "--targets") : null; // walk-forward (core walkForward.ts)
  const targets = spec === null ? parseTargets(o.targets, prices.names) : null;
  const policy = await resolvePolicy(o.policy, o.policies, ro);
  const options = parseBacktestOptions(o.options ?? "", "--options");
  const n = prices.names.length;
  const flat = new Float64Array(prices.rows.length * n);
  prices.rows.forEach((r, t) => flat.set(r, t * n));
  const run = { ...options, workspace: new Workspace() }; // one command, one workspace
  const res = targets !== null ? runBacktest({ dates: prices.dates, prices: flat, nAssets: n, targets }, policy, run) : runWalkForward(prices.dates, flat, n, spec!, policy, run, prices.names).result;
  const rows = backtestSummary(res, options.initialValue, options).map((r) => ({
    name: r.name, value: r.name.endsWith("_date") ? serialToIso(r.value) : Number.isFinite(r.value) ? r.value : `undefined: ${r.reason}`,
  }));
  emitMetrics(io, rows, format);
  return EXIT.OK;
}

async function cmdSimulate(argv: string[], io: Out): Promise<number> {
  // --policy may be repeated: collected here, the rest parsed as usual
  const texts: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--policy") { if (i + 1 >= argv.length) throw new UsageError("--policy needs a value"); texts.push(argv[++i]); }
    else if (argv[i].startsWith("--policy=")) texts.push(argv[i].slice("--policy=".length));
    else rest.push(argv[i]);
  }
  const { values: o, flags: f, positionals } = parse(rest, { targets: { type: "string" }, policies: { type: "string" }, options: { type: "string" }, format: { type: "string" }, jobs: { type: "string" }, quiet: { type: "boolean" }, ...READ_OPTIONS });
  if (f.help) { io.stdout(COMMAND_HELP.simulate); return EXIT.OK; }
  const format = choice(o.format, "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("simulate needs one prices file (.csv)");
  if (texts.length === 0) throw new UsageError('simulate needs at least one --policy (e.g. --policy "trigger=calendar; frequency=quarterly")');
  const jobs = o.jobs === undefined ? defaultJobs() : countOption(o.jobs, "jobs", 1);
  const ro = readOptionsOf(o);
  const prices = readPrices(positionals[0], ro);
  const targets = parseTargets(o.targets, prices.names);
  const policies: Policy[] = [];
  for (const t of texts) policies.push(await resolvePolicy(t, o.policies, ro));
  const options = parseSimulateOptions(o.options ?? "", "--options");
  const n = prices.names.length;
  const flat = new Float64Array(prices.rows.length * n);
  prices.rows.forEach((r, t) => flat.set(r, t * n));
  const input = { dates: prices.dates, prices: flat, n, targets, policies, options };
  const bar = f.quiet ? null : progressBar("paths");
  let res;
  try {
    res = jobs <= 1 ? simulateHere(input, bar?.update) : await simulateInWorkers(input, jobs, bar?.update);
  } catch (e) {
    if (e instanceof WorkerInputError) throw new RebalError(e.message);
    throw e;
  } finally {
    bar?.end();
  }
  const header = ["policy", "statistic", "mean", ...PERCENTILES.map((q) => `p${q}`)];
  const num = (x: number) => (Number.isFinite(x) ? tidy(x) : "undefined");
  const rows = res.summary.map((r) => [texts[r.policy], r.statistic, num(r.mean), ...r.percentiles.map(num)]);
  if (format === "json") io.stdout(JSON.stringify(rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j]]))), null, 1) + "\n");
  else if (format === "csv") io.stdout(toCsv(rows, header));
  else {
    const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? String(Number(c.toPrecision(8))) : String(c))))];
    const w = header.map((_, j) => cells.reduce((m, r) => Math.max(m, r[j].length), 0));
    io.stdout(cells.map((r) => r.map((c, j) => (j < 2 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ")).join("\n") + "\n");
  }
  return EXIT.OK;
}

/** `rebal optimize --options` keys: which estimator or objective option each one sets. */
const OPTIMIZE_KEYS = ["risk_free_rate", "target_return", "target_volatility", "risk_aversion", "min_weight", "max_weight", "gamma", "frequency", "span"] as const;

async function cmdOptimize(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { objective: { type: "string" }, returns: { type: "string" }, cov: { type: "string" }, options: { type: "string" }, current: { type: "string" }, views: { type: "string" }, caps: { type: "string" }, format: { type: "string" }, ...READ_OPTIONS });
  if (f.help) { io.stdout(COMMAND_HELP.optimize); return EXIT.OK; }
  const format = choice(o.format, "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("optimize needs one prices file (.csv)");
  const kv = readKeyValues(o.options ?? "", "--options");
  rejectUnknownKeys(kv, [...OPTIMIZE_KEYS, ...EXTRA_OPTIMIZE_KEYS, ...BL_OPTIMIZE_KEYS], "--options");
  const blKey = kv.find((p) => (BL_OPTIMIZE_KEYS as readonly string[]).includes(p.key));
  if (o.views === undefined && (blKey || o.caps !== undefined)) throw new RebalError(`${blKey ? `--options ${blKey.key}` : "--caps"} applies only with --views (Black-Litterman)`);
  if (isTailObjective(o.objective)) { // tail risk (optimizeExtras.ts): LPs on the returns, no mean/covariance estimates
    if (o.returns !== undefined || o.cov !== undefined || o.current !== undefined || o.views !== undefined) throw new RebalError(`--objective ${o.objective} uses the prices themselves: --returns, --cov, --views and --current do not apply`);
    const prices = readPrices(positionals[0], readOptionsOf(o));
    emitMetrics(io, await runTailObjective(o.objective.trim().toLowerCase() as TailObjective, prices.rows, prices.names, kv), format);
    return EXIT.OK;
  }
  const objective: Objective = choice(o.objective?.trim().toLowerCase(), "objective", OBJECTIVES, "min_volatility");
  const returnsMethod = (o.returns ?? "mean").trim().toLowerCase(), covMethod = (o.cov ?? "sample").trim().toLowerCase();
  const num: Record<string, number> = {};
  for (const p of kv) if (!([...EXTRA_OPTIMIZE_KEYS, ...BL_OPTIMIZE_KEYS] as readonly string[]).includes(p.key)) num[p.key] = valueAsNumber(p);
  const opts: OptimizeOptions = {
    riskFreeRate: num.risk_free_rate, targetReturn: num.target_return, targetVolatility: num.target_volatility, riskAversion: num.risk_aversion,
    minWeight: num.min_weight, maxWeight: num.max_weight, gamma: num.gamma,
  };
  applyExtraOptions(kv, opts);
  if (o.current !== undefined) opts.current = [0]; // set from the prices' names below; marks the option as given
  // risk_free_rate always sets the Sharpe ratio of the output (portfolioPerformance); the objective need not use it
  rejectUnusedOptions(objective, { ...opts, riskFreeRate: objective === "max_sharpe" ? opts.riskFreeRate : undefined });
  if (num.span !== undefined && returnsMethod !== "ema" && covMethod !== "exp" && covMethod !== "exp_cov") {
    throw new RebalError(`--options span is used only by --returns ema and --cov exp_cov (got --returns ${returnsMethod}, --cov ${covMethod})`);
  }
  const prices = readPrices(positionals[0], readOptionsOf(o));
  const names = prices.names;
  opts.names = names;
  let mu = expectedReturns(prices.rows, returnsMethod, { frequency: num.frequency, span: returnsMethod === "ema" ? num.span : undefined, riskFreeRate: num.risk_free_rate, names });
  const cov = riskMatrix(prices.rows, covMethod, { frequency: num.frequency, span: covMethod === "exp" || covMethod === "exp_cov" ? num.span : undefined, names });
  if (o.views !== undefined) { // Black-Litterman posterior as the expected returns (optimizeExtras.ts)
    mu = blackLittermanReturns(readViews(o.views, readOptionsOf(o)), o.caps, kv, mu, cov, names);
  }
  if (o.current !== undefined) opts.current = parseCurrent(o.current, names);
  const { weights: w, report } = optimizeDetailed(objective, mu, cov, opts);
  const perf = portfolioPerformance(w, mu, cov, num.risk_free_rate ?? 0) as unknown as Record<string, number>;
  const rows: { name: string; value: number | string }[] = names.map((n, i) => ({ name: n, value: w[i] }));
  for (const [k, v] of Object.entries(perf)) rows.push({ name: k, value: v });
  rows.push(...reportRows(report));
  emitMetrics(io, rows, format);
  return EXIT.OK;
}

async function cmdOrders(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { ...ORDERS_OPTIONS, ...READ_OPTIONS });
  if (f.help) { io.stdout(ORDERS_HELP); return EXIT.OK; }
  if (positionals.length !== 1) throw new UsageError("orders needs one trade sheet (.xlsx) or trades CSV");
  const { text, note } = await runOrders({ file: positionals[0], values: o, force: !!f.force, read: readOptionsOf(o), number: numberOption, now: new Date() });
  if (text !== null) { io.stdout(text); io.stderr(`rebal: ${note}\n`); }
  else io.stderr(`rebal: wrote ${o.out} (${note})\n`);
  return EXIT.OK;
}

/** --asof for tax lots: yyyy-mm-dd, default today (local date). */
function asofOption(text: string | undefined): number {
  const now = new Date();
  return text !== undefined ? dateOption(text, "asof") : utcToSerial(now.getFullYear(), now.getMonth(), now.getDate());
}

async function cmdHarvest(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { prices: { type: "string" }, asof: { type: "string" }, tax: { type: "string" }, "lots-sheet": { type: "string" }, "recent-buys": { type: "string" }, format: { type: "string" }, out: { type: "string" }, force: { type: "boolean" }, ...READ_OPTIONS });
  if (f.help) { io.stdout(COMMAND_HELP.harvest); return EXIT.OK; }
  const format = choice(outputFormat(o.format, o.out, "table"), "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("harvest needs one lots file (.csv or .xlsx)");
  if (o.prices === undefined) throw new UsageError("harvest needs --prices FILE.csv (asset, price; or a price history)");
  if (f.force && !o.out) throw new UsageError("--force applies to --out FILE only");
  const inputs = [positionals[0], o.prices, ...(o["recent-buys"] ? [o["recent-buys"]] : [])];
  if (o.out) checkOutput(o.out, inputs, !!f.force);
  const tax = parseTaxOptions(o.tax ?? "", "--tax"); // lots.ts / core harvest.ts
  const asofDay = asofOption(o.asof);
  const ro = readOptionsOf(o);
  const { table } = await readLotsFile(positionals[0], ro, asofDay, o["lots-sheet"] ?? null);
  const recent = o["recent-buys"] !== undefined ? readRecentBuys(o["recent-buys"], ro) : null;
  const rows = harvestRows(table, readCurrentPrices(o.prices, ro), asofDay, tax, recent);
  const fields = table.hasAccount ? [...HARVEST_FIELDS, "account"] : HARVEST_FIELDS;
  const cells = rows.map((r) => fields.map((k) => (r as unknown as Record<string, unknown>)[k]));
  const text = format === "json" ? JSON.stringify(rows, null, 1) + "\n" : format === "csv" ? toCsv(cells, fields) : alignedTable([fields, ...cells]);
  if (o.out) writeOutput(o.out, text, inputs, !!f.force);
  else io.stdout(text);
  return EXIT.OK;
}

async function cmdVerify(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { ...READ_OPTIONS });
  if (f.help) { io.stdout(VERIFY_HELP); return EXIT.OK; }
  if (positionals.length !== 1 || !/\.xlsx$/i.test(positionals[0])) throw new UsageError("verify needs one workbook (.xlsx)");
  const r = await runVerify(positionals[0], readOptionsOf(o));
  io.stdout(r.out);
  io.stderr(r.err);
  return r.code;
}

async function cmdDemo(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f } = parse(argv, { out: { type: "string" }, data: { type: "string" }, force: { type: "boolean" } });
  if (f.help) { io.stdout(COMMAND_HELP.demo); return EXIT.OK; }
  const out = o.out ?? "rebal-demo.xlsx";
  if (path.extname(out).toLowerCase() !== ".xlsx") throw new UsageError(`--out ${out}: the demo is a workbook; use a name ending in .xlsx`);
  const data = o.data ?? defaultDataFile();
  checkOutput(out, [data], !!f.force);
  const { table } = await runDemo(out, data, !!f.force);
  io.stdout(table);
  io.stderr(`rebal: wrote ${out}\n`);
  return EXIT.OK;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
      io.stdout(HELP);
      return cmd === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (cmd === "--version" || cmd === "-v") { io.stdout(version() + "\n"); return EXIT.OK; }
    switch (cmd) {
      case "trades": return await cmdTrades(rest, io, false);
      case "check": return await cmdTrades(rest, io, true);
      case "backtest": return await cmdBacktest(rest, io);
      case "optimize": return await cmdOptimize(rest, io);
      case "simulate": return await cmdSimulate(rest, io);
      case "harvest": return await cmdHarvest(rest, io);
      case "demo": return await cmdDemo(rest, io);
      case "orders": return await cmdOrders(rest, io);
      case "verify": return await cmdVerify(rest, io);
      default: throw new UsageError(`unknown command "${cmd}" (commands: trades, check, backtest, optimize, simulate, orders, verify, harvest, demo)`);
    }
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`rebal: ${e.message}\nTry "rebal --help".\n`); return EXIT.USAGE; }
    if (e instanceof RebalError) { io.stderr(`rebal: ${e.message}\n`); return EXIT.BAD_INPUT; }
    if (e instanceof FileError) { io.stderr(`rebal: ${e.message}\n`); return EXIT.FILE; }
    io.stderr(`rebal: internal error: ${(e as Error).stack ?? e}\n`);
    return EXIT.INTERNAL;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
