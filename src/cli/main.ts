/**
 * `rebal`: the rebalancing engine on files, outside Excel. Commands: trades, check, backtest,
 * optimize, demo. Holdings come from CSV or .xlsx (docs/policy-format.md for stored policies and
 * bindings); results go to stdout or --out as a table, CSV, JSON or a trade-sheet .xlsx.
 * Exit codes: see errors.ts and HELP.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import ExcelJS from "exceljs";
import { RebalError } from "../core/errors";
import { calendarDue, serialDay, serialToISO, utcToSerial } from "../core/calendar";
import { parsePolicy, Policy } from "../core/policy";
import { readKeyValues, rejectUnknownKeys, valueAsNumber } from "../core/keyvalues";
import { backtestSummary, parseBacktestOptions, runBacktest } from "../core/backtest";
import { expectedReturns, riskMatrix } from "../core/estimators";
import { Workspace } from "../core/workspace";
import { optimize, OBJECTIVES, portfolioPerformance, OptimizeOptions } from "../core/optimize";
import { EXIT, FileError, UsageError } from "./errors";
import { Account, loadInputs, readBytes, readWorkbook, storedPolicy } from "./inputs";
import { defaultJobs, planInWorkers, planSequential, progressBar } from "./batch";
import { tradeRows } from "./plan";
import { addTradeSheet, formatCsv, formatJson, formatTable, inputsHash, version } from "./output";
import { isoToSerial, readPrices, serialToIso } from "./prices";
import { runDemo } from "./demo";

export const HELP = `rebal — portfolio rebalancing on .csv and .xlsx files (the engine of the Rebal Excel add-in)

Usage:
  rebal trades <holdings.csv|book.xlsx>... [--cash N] [--policy NAME|"k=v; ..."] [--format table|csv|json|xlsx] [--out FILE]
  rebal check  <holdings.csv|book.xlsx>... [--cash N] [--policy ...] [--format table|json]
  rebal backtest <prices.csv> --targets "A=0.6, B=0.4" [--policy ...] [--options "initial_value=100000"] [--format table|csv|json]
  rebal optimize <prices.csv> [--objective min_volatility] [--returns mean] [--cov sample] [--options "max_weight=0.4"] [--format ...]
  rebal demo [--out rebal-demo.xlsx]
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

Output (trades): --format json prints an array of objects: account (batches), asset, side, quantity
(held), price, target, trade (signed quantity: + buy, - sell), value (trade x price), quantity_after,
weight_before, weight_after, destination, cost, reason. --format xlsx --out f.xlsx writes a trade
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
  --out FILE          write to FILE instead of stdout (.xlsx implies --format xlsx)
  --jobs N            worker threads for batches (default: auto; 1 = no workers)
  --quiet             no progress bar
  --asof DATE         evaluation date for calendar policies (yyyy-mm-dd; default today)
  --last-rebalance D  last rebalance date (default: the stored policy's rebalance log, else never)
Exit codes: 0 ok, 1 bad input, 2 usage, 3 file, 4 internal.
`,
  check: `rebal check <holdings.csv|book.xlsx>... [--cash N] [--policy P] [--policies FILE] [--sheet NAME] [--asof DATE] [--last-rebalance DATE] [--format table|json]
Says per account whether the policy calls for a rebalance now (and why). Exit codes as for trades.
`,
  backtest: `rebal backtest <prices.csv> --targets "A=0.6, B=0.4" [--policy P] [--options "initial_value=1000000; risk_free_rate=0.02"] [--format table|csv|json]
prices.csv: header date, asset...; one row per day, oldest first; dates yyyy-mm-dd. --targets may also be a list in column order ("0.6, 0.4").
`,
  optimize: `rebal optimize <prices.csv> [--objective ${OBJECTIVES.join("|")}] [--returns mean|arith|ema] [--cov sample|ledoit_wolf|...] [--options "risk_free_rate=0.02; max_weight=0.4; target_return=0.1"] [--format table|csv|json]
`,
  demo: `rebal demo [--out rebal-demo.xlsx]
Writes a demo workbook from data/factors_dataset.csv.gz (Holdings, Prices, the stored policy "Demo", live REBAL formulas, a trade sheet) and prints the trades.
`,
};

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

function parse(argv: string[], options: Record<string, { type: "string" | "boolean" }>): { values: Record<string, string | undefined>; flags: Record<string, boolean>; positionals: string[] } {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true }) as typeof parsed;
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

function numberOption(v: string | undefined, name: string): number | null {
  if (v === undefined) return null;
  const x = Number(v.replace(/,/g, ""));
  if (v.trim() === "" || !Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return x;
}

function choice<T extends string>(v: string | undefined, name: string, choices: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${v}"`);
  return v as T;
}

function writeOut(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new FileError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const TRADE_OPTIONS = {
  cash: { type: "string" }, policy: { type: "string" }, policies: { type: "string" }, sheet: { type: "string" },
  format: { type: "string" }, out: { type: "string" }, jobs: { type: "string" }, quiet: { type: "boolean" },
  asof: { type: "string" }, "last-rebalance": { type: "string" },
} as const;

/** A --asof / --last-rebalance value: yyyy-mm-dd or an Excel serial number. */
function dateOption(text: string, flag: string): number {
  const x = /^\s*\d{4}-\d{2}-\d{2}\s*$/.test(text) ? isoToSerial(text) : Number(text);
  if (!Number.isFinite(x)) throw new UsageError(`--${flag} must be a date (yyyy-mm-dd or an Excel serial number), got "${text}"`);
  return serialDay(x, `--${flag}`);
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
  const jobs = jobsOpt === undefined ? (accounts.length >= 500 ? defaultJobs() : 1) : numberOption(jobsOpt, "jobs")!;
  if (!(jobs >= 1) || !Number.isInteger(jobs)) throw new UsageError(`--jobs must be a whole number of at least 1, got ${jobsOpt}`);
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
  const fmt = o.format ?? (o.out && /\.xlsx$/i.test(o.out) ? "xlsx" : "table");
  const format = check ? choice(fmt, "format", ["table", "json"] as const, "table") : choice(fmt, "format", ["table", "csv", "json", "xlsx"] as const, "table");
  if (format === "xlsx" && !o.out) throw new UsageError("--format xlsx needs --out FILE.xlsx");
  if (positionals.length === 0) throw new UsageError(`${check ? "check" : "trades"} needs a holdings file (.csv or .xlsx)`);
  const cash = numberOption(o.cash, "cash");
  const input = await loadInputs(positionals, { cash, policy: o.policy ?? null, policiesFile: o.policies ?? null, sheet: o.sheet ?? null });
  const cal = calendarPart(input.policy, o.asof, o["last-rebalance"], input.lastRebalance);
  for (const w of input.logWarnings) io.stderr(`rebal: warning: ${w}\n`);
  const result = await planAccounts(input.accounts, input.policy, o.jobs, !!f.quiet, cal.due);
  const batch = input.accounts.length > 1;
  const { rows, summaries } = tradeRows(input.accounts, result, batch);
  const errors = summaries.filter((s) => s.error);
  for (const s of errors) io.stderr(`rebal: ${batch ? `account ${s.account}: ` : ""}${s.error}\n`);
  if (errors.length === summaries.length) return EXIT.BAD_INPUT;
  let text: string | Buffer;
  if (check) {
    const out = summaries.filter((s) => !s.error).map((s) => ({ account: s.account, rebalance: s.due, reason: cal.note ? `${s.decision}; ${cal.note}` : s.decision }));
    text = format === "json" ? JSON.stringify(out, null, 1) + "\n" : out.map((s) => `${s.account}: ${s.rebalance ? "REBALANCE" : "no rebalance"} (${s.reason})`).join("\n") + "\n";
  } else if (format === "json") text = formatJson(rows);
  else if (format === "csv") text = formatCsv(rows);
  else if (format === "table") text = formatTable(rows, summaries, input.policyLabel);
  else {
    const wb = new ExcelJS.Workbook();
    wb.creator = `rebal ${version()}`;
    addTradeSheet(wb, rows, summaries, {
      policyLabel: input.policyLabel, policy: input.policy, time: new Date().toISOString(), version: version(),
      sha256: inputsHash(input.files, cash, input.policy), inputs: input.files.map((f) => path.basename(f.file)),
    });
    text = Buffer.from(await wb.xlsx.writeBuffer());
  }
  if (o.out) {
    writeOut(o.out, text);
    if (!f.quiet) io.stderr(`rebal: wrote ${o.out} (${rows.filter((r) => r.trade !== 0).length} trades)\n`);
  } else io.stdout(text.toString());
  return errors.length ? EXIT.BAD_INPUT : EXIT.OK;
}

async function resolvePolicy(text: string | undefined, policiesFile: string | undefined): Promise<Policy> {
  if (text === undefined) return parsePolicy("", "--policy").policy;
  if (text.includes("=")) return parsePolicy(text, "--policy").policy;
  if (!policiesFile) throw new UsageError(`--policy ${text}: a stored policy needs --policies FILE.xlsx (or give "k=v; ..." text)`);
  const w = await readWorkbook(policiesFile, readBytes(policiesFile));
  const p = storedPolicy(w, text);
  if (!p) throw new RebalError(`--policy ${text}: no stored policy of that name in ${policiesFile}`);
  return p;
}

function emitMetrics(io: Out, rows: { name: string; value: number | string }[], format: string): void {
  if (format === "json") io.stdout(JSON.stringify(rows, null, 1) + "\n");
  else if (format === "csv") io.stdout(["name,value", ...rows.map((r) => `${r.name},${r.value}`)].join("\n") + "\n");
  else {
    const w = Math.max(...rows.map((r) => r.name.length));
    io.stdout(rows.map((r) => `${r.name.padEnd(w)}  ${typeof r.value === "number" ? Number(r.value.toPrecision(8)) : r.value}`).join("\n") + "\n");
  }
}

function parseTargets(text: string | undefined, names: string[]): Float64Array {
  if (text === undefined) throw new UsageError(`backtest needs --targets (e.g. "${names.slice(0, 2).map((n) => `${n}=0.5`).join(", ")}")`);
  const parts = text.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "");
  const t = new Float64Array(names.length);
  if (parts.every((s) => !s.includes("="))) {
    if (parts.length !== names.length) throw new RebalError(`--targets has ${parts.length} values but the prices have ${names.length} assets (${names.join(", ")})`);
    parts.forEach((s, i) => { t[i] = Number(s); if (!Number.isFinite(t[i])) throw new RebalError(`--targets value ${i + 1} "${s}" is not a number`); });
    return t;
  }
  for (const s of parts) {
    const [k, v] = s.split("=").map((x) => x.trim());
    const i = names.findIndex((n) => n.toLowerCase() === (k ?? "").toLowerCase());
    if (i < 0) throw new RebalError(`--targets: no asset "${k}" in the prices (assets: ${names.join(", ")})`);
    t[i] = Number(v);
    if (!Number.isFinite(t[i])) throw new RebalError(`--targets ${k}: "${v}" is not a number`);
  }
  return t;
}

async function cmdBacktest(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { targets: { type: "string" }, policy: { type: "string" }, policies: { type: "string" }, options: { type: "string" }, format: { type: "string" } });
  if (f.help) { io.stdout(COMMAND_HELP.backtest); return EXIT.OK; }
  const format = choice(o.format, "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("backtest needs one prices file (.csv)");
  const prices = readPrices(positionals[0]);
  const targets = parseTargets(o.targets, prices.names);
  const policy = await resolvePolicy(o.policy, o.policies);
  const options = parseBacktestOptions(o.options ?? "", "--options");
  const n = prices.names.length;
  const flat = new Float64Array(prices.rows.length * n);
  prices.rows.forEach((r, t) => flat.set(r, t * n));
  const res = runBacktest({ dates: prices.dates, prices: flat, nAssets: n, targets }, policy, { ...options, workspace: new Workspace() }); // one command, one workspace
  const rows = backtestSummary(res, options.initialValue, options).map((r) => ({
    name: r.name, value: r.name.endsWith("_date") ? serialToIso(r.value) : Number.isFinite(r.value) ? r.value : `undefined: ${r.reason}`,
  }));
  emitMetrics(io, rows, format);
  return EXIT.OK;
}

async function cmdOptimize(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f, positionals } = parse(argv, { objective: { type: "string" }, returns: { type: "string" }, cov: { type: "string" }, options: { type: "string" }, format: { type: "string" } });
  if (f.help) { io.stdout(COMMAND_HELP.optimize); return EXIT.OK; }
  const format = choice(o.format, "format", ["table", "csv", "json"] as const, "table");
  if (positionals.length !== 1) throw new UsageError("optimize needs one prices file (.csv)");
  const prices = readPrices(positionals[0]);
  const kv = readKeyValues(o.options ?? "", "--options");
  const KEYS = ["risk_free_rate", "target_return", "target_volatility", "risk_aversion", "min_weight", "max_weight", "gamma", "frequency", "span"];
  rejectUnknownKeys(kv, KEYS, "--options");
  const num: Record<string, number> = {};
  for (const p of kv) num[p.key] = valueAsNumber(p);
  const names = prices.names;
  const mu = expectedReturns(prices.rows, o.returns ?? "mean", { frequency: num.frequency, span: num.span, riskFreeRate: num.risk_free_rate, names } as never);
  const workspace = new Workspace(); // this command's (core/workspace.ts): Gram memory and QP scratch
  const cov = riskMatrix(prices.rows, o.cov ?? "sample", { frequency: num.frequency, names, workspace } as never);
  const opts: OptimizeOptions = {
    riskFreeRate: num.risk_free_rate, targetReturn: num.target_return, targetVolatility: num.target_volatility, riskAversion: num.risk_aversion,
    minWeight: num.min_weight, maxWeight: num.max_weight, gamma: num.gamma, names, workspace,
  };
  const w = optimize(o.objective ?? "min_volatility", mu, cov, opts);
  const perf = portfolioPerformance(w, mu, cov, num.risk_free_rate ?? 0) as unknown as Record<string, number>;
  const rows: { name: string; value: number | string }[] = names.map((n, i) => ({ name: n, value: w[i] }));
  for (const [k, v] of Object.entries(perf)) rows.push({ name: k, value: v });
  emitMetrics(io, rows, format);
  return EXIT.OK;
}

async function cmdDemo(argv: string[], io: Out): Promise<number> {
  const { values: o, flags: f } = parse(argv, { out: { type: "string" }, data: { type: "string" } });
  if (f.help) { io.stdout(COMMAND_HELP.demo); return EXIT.OK; }
  const out = o.out ?? "rebal-demo.xlsx";
  const { table } = await runDemo(out, o.data ?? null);
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
      case "demo": return await cmdDemo(rest, io);
      default: throw new UsageError(`unknown command "${cmd}" (commands: trades, check, backtest, optimize, demo)`);
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
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
