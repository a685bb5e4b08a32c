/**
 * `npm run bench -- trades` (issue 10, "Benchmarks that cannot hide a cliff"):
 *
 * 1. The grid: n in {2, 3, 4, 5, 8, 15, 30, 60, 200, 1,000, 10,000} x three price regimes x three
 *    policies, many seeded books per cell. Per cell: the median and p99 time of one `planTrades`
 *    call, the slowest book (its own median: a cliff on some books cannot hide behind the median of
 *    the others), and the share of plans proven optimal (`plan.optimalityGap === 0`, "n/a" while the
 *    planner has no such field).
 *    - cheap: prices $5-$200 log-uniform, each position $100k-$1M (one share is at most 0.2% of a
 *      position), lot 1;
 *    - expensive: prices $5-$3,000 log-uniform, book value $20k-$200k log-uniform (times n/60 above
 *      60 assets, so positions stay as small as in a 60-asset book): one share is a few % of V and can
 *      be more than a whole position, lot 1;
 *    - mixed lots: prices $5-$500 log-uniform, each asset's lot 100 or 1 (even odds), each position
 *      $10k-$500k: a 100-share lot can be larger than the position.
 *    Targets are Dirichlet(1) weights summing to 98-100% (the rest is the cash target); holdings are
 *    the targets drifted by a factor 0.5-2 (log-uniform) and rounded to lots, about 10% of names not
 *    held yet; cash 0-10% of V. Policies: `full` (lot=1, trigger always, to target), `buy_only` (mode
 *    buy_only, with 5-25% of V of new cash), `costs` (cost_bps=10, cost_fixed=5, min_trade=500).
 *    Timing: one untimed warm-up pass over the cell's books (it also reads the gaps), then rounds over
 *    all books, every call timed alone, until the round limit or the cell's time budget.
 * 2. n = 10,000 end to end: `REBAL.TRADES` (Excel-shaped any[][] in and out: range parsing and result
 *    shaping included) and the core on the same book, for each regime (mixed: `REBAL.TRADES` with
 *    lot=100 for every row, and `REBAL.TRADESHEET` with a per-row lot column, the formula that takes
 *    per-asset lots), plus the issue's 10,000-row book (prices $1-$500, up to 1,000 shares, equal
 *    targets, cash 100,000, lot=1).
 * 3. Whole-share backtests (lot=1, initial value 1,000,000): 3, 4 and 5 assets x 2,520 days with
 *    trigger always and with 5/25 bands, and 5,040 days x 500 assets with 5/25 bands; the core
 *    (`runBacktest`) and `REBAL.BACKTEST` end to end. Seeded random walks (test/support/priceWalk.ts).
 * 4. The 10,000-holding reference of earlier runs (core vs a straightforward truncating loop).
 *
 * `--quick` (or REBAL_BENCH_QUICK=1): few books and runs per case, a smoke run only.
 * No thresholds here (and never in tests): the targets are in issue 10 and BENCHMARKS.md.
 */
import { runBacktest } from "../src/core/backtest";
import { parsePolicy, Policy } from "../src/core/policy";
import { Book, planTrades } from "../src/core/trades";
import { backtestFn } from "../src/functions/backtest";
import { tradesFn, tradeSheetFn } from "../src/functions/rebalance";
import { rng as walkRng, randomWalk } from "../test/support/priceWalk";
import { BenchRow, fmtMs, measure, QUICK, quantile, rng, summarize, Table, timeRuns, Timing } from "./harness";

const COMMAND = "npm run bench -- trades";

// ---- the grid ---------------------------------------------------------------------------------

export const GRID_N = [2, 3, 4, 5, 8, 15, 30, 60, 200, 1000, 10000] as const;
export const REGIMES = ["cheap", "expensive", "mixed"] as const;
export type Regime = (typeof REGIMES)[number];
export const POLICIES = { full: "lot=1", buy_only: "lot=1; mode=buy_only", costs: "lot=1; cost_bps=10; cost_fixed=5; min_trade=500" } as const;
export type PolicyKind = keyof typeof POLICIES;
const REGIME_LABEL: Record<Regime, string> = { cheap: "cheap shares", expensive: "expensive shares", mixed: "mixed 100-share lots" };

const logUniform = (r: () => number, a: number, b: number) => a * Math.exp(r() * Math.log(b / a));

/** A seeded book of one grid cell (see the header for the regimes). */
export function gridBook(n: number, regime: Regime, kind: PolicyKind, seed: number): Book {
  const r = rng(seed);
  for (let k = 0; k < 3; k++) r(); // decorrelate nearby seeds (Park-Miller's first draws follow the seed)
  const prices = new Float64Array(n), targets = new Float64Array(n), quantities = new Float64Array(n);
  const lots = regime === "mixed" ? new Float64Array(n) : null;
  let V: number;
  if (regime === "cheap") V = n * logUniform(r, 1e5, 1e6);
  else if (regime === "expensive") V = logUniform(r, 2e4, 2e5) * Math.max(1, n / 60);
  else V = n * logUniform(r, 1e4, 5e5);
  const [pLo, pHi] = regime === "cheap" ? [5, 200] : regime === "expensive" ? [5, 3000] : [5, 500];
  let sumT = 0;
  for (let i = 0; i < n; i++) {
    prices[i] = Math.round(logUniform(r, pLo, pHi) * 100) / 100;
    targets[i] = -Math.log(1 - r() * 0.999999);
    sumT += targets[i];
    if (lots) lots[i] = r() < 0.5 ? 100 : 1;
  }
  const invested = 1 - r() * 0.02;
  for (let i = 0; i < n; i++) targets[i] *= invested / sumT;
  for (let i = 0; i < n; i++) {
    const lot = lots ? lots[i] : 1;
    const held = n <= 2 || r() >= 0.1;
    const value = held ? targets[i] * V * logUniform(r, 0.5, 2) : 0;
    quantities[i] = Math.round(value / prices[i] / lot) * lot;
  }
  const cash = V * (kind === "buy_only" ? 0.05 + 0.2 * r() : 0.1 * r());
  return { quantities, prices, targets, cash, lots };
}

function cellSize(n: number): { books: number; rounds: number; budgetMs: number } {
  if (QUICK) return { books: n <= 60 ? 20 : n <= 1000 ? 5 : 2, rounds: 2, budgetMs: 100 };
  if (n <= 60) return { books: 200, rounds: 5, budgetMs: 1500 };
  if (n <= 200) return { books: 100, rounds: 5, budgetMs: 1500 };
  if (n <= 1000) return { books: 40, rounds: 5, budgetMs: 2000 };
  return { books: 10, rounds: 5, budgetMs: 3000 };
}

/** A cell whose plans take longer than this (median) is timed on its first pass only. */
const SLOW_PLAN_MS = 20;

export interface CellResult {
  n: number;
  regime: Regime;
  kind: PolicyKind;
  books: number;
  timing: Timing;
  /** Max over books of that book's median time. */
  worstBookMs: number;
  /** Plans with optimalityGap === 0, of the plans whose gap could be read; null = the field does not exist. */
  proven: number | null;
  maxGap: number;
  errors: number;
}

/** The gap a plan reports, or undefined when the planner has no `optimalityGap` field. */
function gapOf(plan: unknown): number | undefined {
  const g = (plan as { optimalityGap?: unknown }).optimalityGap;
  return typeof g === "number" ? g : undefined;
}

export function runCell(n: number, regime: Regime, kind: PolicyKind, policy: Policy): CellResult {
  const { books: B, rounds, budgetMs } = cellSize(n);
  const seedBase = 1000003 * (GRID_N.indexOf(n as (typeof GRID_N)[number]) + 1) + 10007 * (REGIMES.indexOf(regime) + 1) + 101 * (Object.keys(POLICIES).indexOf(kind) + 1);
  const books: Book[] = [];
  for (let b = 0; b < B; b++) books.push(gridBook(n, regime, kind, seedBase + b * 7919));
  // warm-up pass: JIT, and each book's gap; books that throw are counted and left out. When plans
  // take over SLOW_PLAN_MS (median of this pass) the pass is the sample: such a cell is bound by
  // the algorithm, not the JIT, and a second pass would only double the cost of the cliff.
  const ok: Book[] = [];
  const warm: number[] = [];
  let proven = 0, withGap = 0, maxGap = 0, errors = 0;
  for (const book of books) {
    try {
      const t0 = performance.now();
      const plan = planTrades(book, policy);
      warm.push(performance.now() - t0);
      const g = gapOf(plan);
      if (g !== undefined) { withGap++; if (g === 0) proven++; if (g > maxGap) maxGap = g; }
      ok.push(book);
    } catch {
      errors++;
    }
  }
  const perBook: number[][] = ok.map(() => []);
  const all: number[] = [];
  if (warm.length && summarize(warm).medianMs > SLOW_PLAN_MS) {
    warm.forEach((dt, b) => { perBook[b].push(dt); all.push(dt); });
  } else {
    const start = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (let b = 0; b < ok.length; b++) {
        const t0 = performance.now();
        planTrades(ok[b], policy);
        const dt = performance.now() - t0;
        perBook[b].push(dt);
        all.push(dt);
      }
      if (performance.now() - start > budgetMs) break;
    }
  }
  let worstBookMs = 0;
  for (const ts of perBook) { ts.sort((a, b) => a - b); worstBookMs = Math.max(worstBookMs, quantile(ts, 0.5)); }
  return { n, regime, kind, books: ok.length, timing: summarize(all.length ? all : [NaN]), worstBookMs, proven: withGap > 0 ? proven / withGap : null, maxGap, errors };
}

const pct = (x: number) => `${(100 * x).toFixed(x === 1 || x === 0 ? 0 : 1)}%`;

function gridTables(): { tables: Table[]; cells: CellResult[] } {
  const cells: CellResult[] = [];
  const tables: Table[] = [];
  const policies = Object.fromEntries(Object.entries(POLICIES).map(([k, v]) => [k, parsePolicy(v).policy])) as Record<PolicyKind, Policy>;
  const t0 = performance.now();
  for (const regime of REGIMES) {
    const rows: string[][] = [];
    for (const kind of Object.keys(POLICIES) as PolicyKind[]) {
      for (const n of GRID_N) {
        const c = runCell(n, regime, kind, policies[kind]);
        cells.push(c);
        process.stderr.write(`  trades grid: ${regime} ${kind} n=${n}: median ${fmtMs(c.timing.medianMs)} ms, p99 ${fmtMs(c.timing.p99Ms)} ms (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
        const opt = c.proven === null ? "n/a" : `${pct(c.proven)}${c.proven < 1 ? ` (max gap ${c.maxGap.toPrecision(2)})` : ""}`;
        rows.push([kind, n.toLocaleString("en-US"), String(c.books), String(c.timing.runs), fmtMs(c.timing.medianMs), fmtMs(c.timing.p99Ms), fmtMs(c.worstBookMs), opt + (c.errors ? `; ${c.errors} books threw` : "")]);
      }
    }
    tables.push({
      title: `Trades grid: ${REGIME_LABEL[regime]} (core \`planTrades\`, ms per plan)`,
      command: COMMAND,
      head: ["policy", "n", "books", "plans timed", "median ms", "p99 ms", "slowest book ms", "proven optimal"],
      align: ["l", "r", "r", "r", "r", "r", "r", "r"],
      rows,
      notes: [`Policies: full \`${POLICIES.full}\`; buy_only \`${POLICIES.buy_only}\` with 5-25% new cash; costs \`${POLICIES.costs}\`. "slowest book" is the largest per-book median; "proven optimal" is the share of plans with \`optimalityGap === 0\` (n/a: the planner reports no gap). Cells whose plans take over ${SLOW_PLAN_MS} ms are timed on their first pass only ("plans timed" = books).`],
    });
  }
  // summary against the issue's targets (reported, never asserted)
  const small = cells.filter((c) => c.n <= 60);
  const big = cells.filter((c) => c.n === 10000);
  const worst = (cs: CellResult[], f: (c: CellResult) => number) => cs.reduce((a, c) => (f(c) > f(a) ? c : a), cs[0]);
  const where = (c: CellResult) => `${c.regime} / ${c.kind} / n=${c.n}`;
  const wm = worst(small, (c) => c.timing.medianMs), wp = worst(small, (c) => c.timing.p99Ms), wb = worst(big, (c) => c.timing.medianMs);
  const provenCells = small.filter((c) => c.proven !== null);
  const lowest = provenCells.length ? provenCells.reduce((a, c) => ((c.proven ?? 1) < (a.proven ?? 1) ? c : a)) : null;
  tables.push({
    title: "Trades grid: worst cells against issue 10's targets",
    command: COMMAND,
    head: ["measure", "worst cell", "value", "target"],
    align: ["l", "l", "r", "r"],
    rows: [
      ["median per plan, n ≤ 60", where(wm), `${fmtMs(wm.timing.medianMs)} ms`, "≤ 0.05 ms"],
      ["p99 per plan, n ≤ 60", where(wp), `${fmtMs(wp.timing.p99Ms)} ms`, "≤ 1 ms"],
      ["proven optimal, n ≤ 60", lowest ? where(lowest) : "n/a", lowest ? pct(lowest.proven ?? 0) : "n/a", "100%"],
      ["median per plan, n = 10,000 (core)", where(wb), `${fmtMs(wb.timing.medianMs)} ms`, "≤ 10 ms"],
    ],
  });
  return { tables, cells };
}

// ---- n = 10,000 end to end ----------------------------------------------------------------------

/** The issue's 10,000-row book: prices $1-$500, up to 1,000 shares, equal targets, cash 100,000. */
export function issueBook(n = 10000, seed = 10): Book {
  const r = rng(seed);
  const quantities = new Float64Array(n), prices = new Float64Array(n), targets = new Float64Array(n).fill(1 / n);
  for (let i = 0; i < n; i++) { prices[i] = Math.round((1 + r() * 499) * 100) / 100; quantities[i] = Math.floor(r() * 1001); }
  return { quantities, prices, targets, cash: 100000 };
}

const col = (a: ArrayLike<number>) => Array.from(a, (x) => [x]);

function endToEndTable(): Table {
  const o = QUICK ? { warmup: 1, minRuns: 3, minMs: 0, maxMs: 300 } : { warmup: 5, minRuns: 30, minMs: 1500, maxMs: 6000 };
  const rows: string[][] = [];
  const add = (name: string, t: Timing, note = "") => rows.push([name, fmtMs(t.medianMs), fmtMs(t.p99Ms), String(t.runs), note]);
  const n = 10000;
  for (const regime of REGIMES) {
    const book = gridBook(n, regime, "full", 424242 + REGIMES.indexOf(regime));
    const qx = col(book.quantities), px = col(book.prices), tx = col(book.targets), cx = [[book.cash]];
    if (regime !== "mixed") {
      const pol = parsePolicy("lot=1").policy;
      add(`${REGIME_LABEL[regime]}: core \`planTrades\`, lot=1`, timeRuns(() => planTrades(book, pol), o));
      add(`${REGIME_LABEL[regime]}: \`REBAL.TRADES\` end to end, lot=1`, timeRuns(() => tradesFn(qx, px, tx, cx, "lot=1"), o), "any[][] in and out");
    } else {
      const lot1 = parsePolicy("lot=1").policy, lot100 = parsePolicy("lot=100").policy;
      add(`${REGIME_LABEL[regime]}: core \`planTrades\`, per-asset lots 1/100`, timeRuns(() => planTrades(book, lot1), o));
      const all100: Book = { ...book, lots: null };
      add(`${REGIME_LABEL[regime]}: core \`planTrades\`, lot=100 every row`, timeRuns(() => planTrades(all100, lot100), o));
      add(`${REGIME_LABEL[regime]}: \`REBAL.TRADES\` end to end, lot=100 every row`, timeRuns(() => tradesFn(qx, px, tx, cx, "lot=100"), o), "TRADES takes one policy lot");
      const holdings: unknown[][] = [["asset", "quantity", "price", "target", "lot"]];
      for (let i = 0; i < n; i++) holdings.push([`A${i + 1}`, book.quantities[i], book.prices[i], book.targets[i], book.lots![i]]);
      add(`${REGIME_LABEL[regime]}: \`REBAL.TRADESHEET\` end to end, lot column 1/100`, timeRuns(() => tradeSheetFn(holdings, cx, "lot=1"), o), "holdings table in, 10-column sheet out");
    }
  }
  const ib = issueBook();
  const pol = parsePolicy("lot=1").policy;
  const qx = col(ib.quantities), px = col(ib.prices), tx = col(ib.targets);
  add("issue 10's book ($1-$500, ≤ 1,000 shares, equal targets, cash 100,000): core `planTrades`, lot=1", timeRuns(() => planTrades(ib, pol), o));
  add("issue 10's book: `REBAL.TRADES` end to end, lot=1", timeRuns(() => tradesFn(qx, px, tx, [[ib.cash]], "lot=1"), o), "any[][] in and out");
  return {
    title: "Trades: 10,000 rows, core and end to end",
    command: COMMAND,
    head: ["case", "median ms", "p99 ms", "runs", "note"],
    align: ["l", "r", "r", "r", "l"],
    rows,
    notes: ["Targets (issue 10): core ≤ 10 ms, `REBAL.TRADES` end to end ≤ 20 ms, every regime. p99 with fewer than 100 runs is the slowest run."],
  };
}

// ---- whole-share backtests ----------------------------------------------------------------------

function history(T: number, n: number, seed: number) {
  const { dates, prices } = randomWalk(T, n, walkRng(seed), { base: 20, span: 180, vol: 0.04, market: 0.02 });
  const targets = n === 3 ? Float64Array.of(0.6, 0.3, 0.1) : n === 4 ? Float64Array.of(0.4, 0.3, 0.2, 0.1) : new Float64Array(n).fill(1 / n);
  return { dates, prices, targets, n };
}

function backtestTable(): Table {
  const rows: string[][] = [];
  const o = QUICK ? { warmup: 1, minRuns: 1, minMs: 0, maxMs: 0, slowMs: 200 } : { warmup: 2, minRuns: 10, minMs: 1500, maxMs: 4000, slowMs: 500, slowRuns: 2 };
  const cases: Array<[number, number, string, string]> = [];
  for (const n of [3, 4, 5]) {
    cases.push([2520, n, "lot=1", "trigger always"]);
    cases.push([2520, n, "band_abs=0.05; band_rel=0.25; lot=1", "5/25 bands"]);
  }
  cases.push([5040, 500, "band_abs=0.05; band_rel=0.25; lot=1", "5/25 bands"]);
  for (const [T, n, text, label] of cases) {
    const h = history(T, n, 9000 + 31 * n + T);
    const input = { dates: h.dates, prices: h.prices, nAssets: n, targets: h.targets };
    const policy = parsePolicy(text).policy;
    let last: unknown = null;
    const core = timeRuns(() => (last = runBacktest(input, policy)), o);
    const once = last as unknown as Record<string, unknown>;
    const plans = [once.planCalls, once.fastPlans].every((x) => typeof x === "number") ? `${once.rebalances} rebalances, ${once.planCalls} planTrades calls + ${once.fastPlans} closed-form` : `${once.rebalances} rebalances`;
    const xDates: unknown[][] = [["Date"], ...Array.from(h.dates, (d) => [d])];
    const xPrices: unknown[][] = [Array.from({ length: n }, (_, i) => `A${i + 1}`)];
    for (let t = 0; t < T; t++) xPrices.push(Array.from(h.prices.subarray(t * n, (t + 1) * n)));
    const xTargets = col(h.targets);
    const name = `${T.toLocaleString("en-US")} days × ${n} assets, ${label}`;
    process.stderr.write(`  trades backtests: ${name}: core median ${fmtMs(core.medianMs)} ms\n`);
    rows.push([name, "core `runBacktest`", fmtMs(core.medianMs), fmtMs(core.maxMs), String(core.runs), plans]);
    if (QUICK && core.medianMs > 1000) {
      rows.push([name, "`REBAL.BACKTEST` end to end", "skipped", "", "0", "quick mode: the core took over 1 s"]);
      continue;
    }
    const e2e = timeRuns(() => backtestFn(xDates, xPrices, xTargets, text, null), o);
    rows.push([name, "`REBAL.BACKTEST` end to end", fmtMs(e2e.medianMs), fmtMs(e2e.maxMs), String(e2e.runs), `${(e2e.medianMs / core.medianMs).toFixed(2)}x core`]);
  }
  return {
    title: "Whole-share backtests (lot=1, initial value 1,000,000)",
    command: COMMAND,
    head: ["case", "what", "median ms", "max ms", "runs", "note"],
    align: ["l", "l", "r", "r", "r", "l"],
    rows,
    notes: [
      "Seeded random walks (test/support/priceWalk.ts: base 20, span 180, vol 0.04, market 0.02); targets 60/30/10 (3 assets), 40/30/20/10 (4), equal (5 and 500). `REBAL.BACKTEST` gets a header row of dates and tickers, then one row per day.",
      "Targets (issue 10): 3-5 assets × 2,520 days ≤ 50 ms each; 5,040 × 500 ≤ 150 ms; `REBAL.BACKTEST` 5,040 × 500 ≤ 4x the core.",
    ],
  };
}

// ---- the 10,000-holding reference (earlier runs' table) ----------------------------------------

export function makeBook(n: number, seed = 7) {
  const r = rng(seed);
  const q = new Float64Array(n), p = new Float64Array(n), t = new Float64Array(n);
  for (let i = 0; i < n; i++) { p[i] = 5 + r() * 495; q[i] = Math.floor(r() * 2000); t[i] = 0.5 + r(); }
  let s = 0;
  for (let i = 0; i < n; i++) s += t[i];
  for (let i = 0; i < n; i++) t[i] *= 0.98 / s;
  return { quantities: q, prices: p, targets: t, cash: 250000 };
}

/** The straightforward implementation: row objects, truncation, then a naive cash fix. */
export function straightforwardTrades(rows: { q: number; p: number; t: number }[], cash: number): number[] {
  const total = rows.reduce((s, r) => s + r.q * r.p, cash);
  const trades = rows.map((r) => Math.trunc((r.t * total - r.q * r.p) / r.p));
  const cashAfter = () => cash - trades.reduce((s, d, i) => s + d * rows[i].p, 0);
  let c = cashAfter();
  while (c < 0) {
    let k = -1;
    for (let i = 0; i < trades.length; i++) if (trades[i] > 0 && (k < 0 || rows[i].p > rows[k].p)) k = i;
    if (k < 0) break;
    trades[k]--;
    c = cashAfter();
  }
  return trades;
}

/** Core and REBAL.TRADES on one 10,000-holding book against a straightforward truncating loop. */
export function referenceRows(n = 10000): BenchRow[] {
  const book = makeBook(n);
  const policy = parsePolicy("lot=1").policy;
  const fivetwentyfive = parsePolicy("band_abs=0.05; band_rel=0.25; lot=1; cost_bps=5; min_trade=100; cash_reserve=0.01").policy;
  const rows = Array.from(book.quantities, (q, i) => ({ q, p: book.prices[i], t: book.targets[i] }));
  const qx = col(book.quantities), px = col(book.prices), tx = col(book.targets);
  const o = QUICK ? { minRuns: 3, minMs: 0, warmup: 1 } : {};
  const out: BenchRow[] = [];
  out.push(measure(`core planTrades, ${n} holdings, lot=1`, () => planTrades(book, policy), o));
  out.push(measure(`core planTrades, ${n} holdings, 5/25 bands, costs, min_trade, reserve`, () => planTrades(book, fivetwentyfive, { calendarDue: null }), o));
  out.push(measure(`straightforward loop (truncate + naive cash fix), ${n} holdings`, () => straightforwardTrades(rows, book.cash), o));
  out.push(measure(`REBAL.TRADES end to end, ${n} rows (any[][] in and out)`, () => tradesFn(qx, px, tx, [[book.cash]], "lot=1"), o));
  out.push(measure(`straightforward end to end (parse any[][] + loop + shape), ${n} rows`, () => {
    const rs = qx.map((r, i) => ({ q: Number(r[0]), p: Number(px[i][0]), t: Number(tx[i][0]) }));
    return straightforwardTrades(rs, book.cash).map((d) => [d]);
  }, o));
  return out;
}

function referenceTable(): Table {
  return {
    title: "Trades: 10,000 holdings against a straightforward loop (reference)",
    command: COMMAND,
    head: ["case", "median ms", "runs"],
    rows: referenceRows().map((r) => [r.name, fmtMs(r.medianMs), String(r.runs ?? "")]),
    notes: ["Synthetic book: 10,000 assets, prices 5-500, up to 2,000 shares each, targets summing to 98%, cash 250,000. The loop truncates to whole shares and trims buys until cash ≥ 0: not a rebalancer, the floor of touching 10,000 rows."],
  };
}

export function benchTrades(): Table[] {
  const t0 = performance.now();
  const { tables } = gridTables();
  tables.push(endToEndTable());
  tables.push(backtestTable());
  tables.push(referenceTable());
  process.stderr.write(`  trades group: ${((performance.now() - t0) / 1000).toFixed(1)} s${QUICK ? " (quick)" : ""}\n`);
  return tables;
}
