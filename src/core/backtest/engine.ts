/**
 * The backtest engine: a rebalancing policy run day by day over a price history.
 *
 * Conventions (conventions.md, "Backtests and statistics"; product.md, "Policies"):
 * - Each row (date): mark to market at the close, add the day's contribution (if any), decide,
 *   trade at that close through planTrades (lots, costs, min_trade, cash_reserve, modes, scope,
 *   destination all apply exactly as in REBAL.TRADES; or its closed form, below). Costs are paid from
 *   cash on the day.
 * - Initial investment: `initial_value` of cash is invested to the targets (as a full rebalance,
 *   whatever the trigger) at the close of the first row where any asset has a price.
 * - Triggers: `calendar` with anchor `start` is due on the first row of each new period (bt's
 *   RunMonthly / RunQuarterly: the month/quarter of the row differs from the previous row's);
 *   anchor `end` on the last row of each period (the next row is in a new period; never on the
 *   last row of the data, as bt). `threshold` when any asset's weight is outside its band
 *   (bands.ts, checked inline on Float64Arrays; plans are only made on due days). `hybrid`:
 *   calendar row and a breach; `either`: calendar row or a breach; `always`: every row; `none`:
 *   buy and hold (invest once, never rebalance).
 * - Missing prices (NaN): an asset with leading blanks enters on its first price; until then its
 *   target is spread over the listed assets in proportion to their targets (the cash target is kept),
 *   and when it enters the targets are renormalised again (the trigger decides when it is bought).
 *   A blank after the first price (a halt, or the tail after a delisting) keeps the last price for
 *   valuation, but the asset cannot be traded that day (planTrades' `restricted`).
 * - Contributions (`contribution` > 0) are added to cash at the close of the first row of each new
 *   `contribution_frequency` period (not on the first row). They are invested at once without selling
 *   (a buy_only plan) when the policy's mode is buy_only or its trigger is none; otherwise they wait in
 *   cash for the next rebalance. A withdrawal (`contribution` < 0) is paid from cash; when cash is not
 *   enough, holdings are sold first (a sell_only plan toward the destination); a withdrawal larger than
 *   the portfolio, or one that halted assets prevent from paying, is an error naming the date.
 * - Values are after the day's trades and costs. Statistics use the time-weighted index
 *   `I_t = I_{t-1} * (V_t - flow_t) / V_{t-1}` (equal to the values when there are no flows).
 * - A rebalance is a day on which the policy was due and at least one trade was made; its turnover is
 *   `min(buys, sells) / V` (so the initial investment, all buys, has turnover 0, as in bt).
 * - Rounding dust: cash within 1e-9 of the portfolio value below 0 after planTrades is set to 0.
 * - Progress and cancellation (progress.ts): the optional `onProgress(rowsDone, rowsTotal)` of the
 *   options is called after every 256th row and at the end (rowsDone strictly increasing, the last call
 *   with rowsDone = rowsTotal); returning false throws a BacktestCancelled ("backtest cancelled").
 *   Without it the loop runs the rows in one block (no per-row test).
 *
 * How it is fast (none of this changes a decision or a trade):
 * - Quiet rows - every asset listed with a price, no halt, nothing scheduled (no calendar-due or flow
 *   row) and no asset outside its band - only need marking: `quietRows` (JavaScript) or the
 *   WebAssembly SIMD kernel of scanWasm.ts (default where it compiles; option `scan: "js"` forces the
 *   JavaScript loop) run them in one pass per row; any other row gets the full treatment below. The
 *   kernel sums the holdings in another order (two lanes), so a value may differ in its last bits
 *   from the JavaScript loop's; prices from `backtestPrices` are read in place, others are copied in.
 * - The band test on those rows is a pre-check fused into the marking pass (markRowBands, bandBounds):
 *   max_i q_i p_i / U_i <= V and min_i q_i p_i / B_i >= V with bounds U, B moved 1e-12 (relative)
 *   inside the band, which implies the exact test |q p / V - t| <= h + tolerance; when the pre-check
 *   fails the exact test decides.
 * - Every plan is planTrades' (the one planner of REBAL.TRADES, with its solver and buffers reused
 *   across the backtest's plans, and a search budget of BACKTEST_WORK_BUDGET: plans_proven and
 *   max_optimality_gap say what it proved) and every due test is check.ts's isDue (the rule of REBAL.CHECK).
 * Pure TypeScript: no Office, DOM or Node APIs (WebAssembly is a JavaScript global).
 */
import { BAND_TOLERANCE, halfWidth } from "../bands";
import { periodKey, serialToISO } from "../calendar";
import { RebalError, fmt } from "../errors";
import { Frequency, Policy } from "../policy";
import { isDue } from "../check";
import { LotPlanner } from "../lotPlan";
import { Book, planTrades } from "../trades";
import { BacktestOptions, DEFAULT_BACKTEST_OPTIONS } from "./options";
import { BacktestCancelled, BacktestProgress, PROGRESS_EVERY } from "./progress";
import { QuietScanner } from "./scanWasm";
import type { Workspace } from "../workspace";

export type RebalanceKind = "initial" | "policy" | "contribution" | "withdrawal";

export interface RebalanceRecord {
  /** Row of the price history (0-based). */
  row: number;
  date: number;
  kind: RebalanceKind;
  reason: string;
  /** min(buys, sells) / value before trading. */
  turnover: number;
  cost: number;
  buys: number;
  sells: number;
  /** Number of assets traded. */
  trades: number;
  valueBefore: number;
}

export interface BacktestResult {
  dates: Float64Array;
  /** Portfolio value (holdings at the close plus cash) after the day's flows, trades and costs. */
  values: Float64Array;
  /** Time-weighted index for statistics (the values themselves when there are no flows). */
  index: Float64Array;
  cash: Float64Array;
  /** Contribution (+) or withdrawal (-) of each row. */
  flows: Float64Array;
  records: RebalanceRecord[];
  /** Quantities held at the end. */
  quantities: Float64Array;
  /** Number of policy rebalances (days due with trades; the initial investment and flows excluded). */
  rebalances: number;
  /** Number of asset trades over the whole backtest (initial investment included). */
  tradeCount: number;
  totalCost: number;
  /** Sum of the turnover of every trading day. */
  totalTurnover: number;
  netFlows: number;
  /** planTrades calls (for benchmarks). */
  planCalls: number;
  /** Plans the search proved optimal, and the largest optimality gap of the others (0 = all proven). */
  plansProven: number;
  maxOptimalityGap: number;
}

/** runBacktest's options: the formula options (defaults for those missing) and a progress hook. */
export interface RunBacktestOptions extends Partial<BacktestOptions> {
  /** Called after every 256th row and at the end; return false to cancel (progress.ts). */
  onProgress?: BacktestProgress | null;
  /**
   * The quiet-row scan: "auto" (default) uses the WebAssembly kernel (scanWasm.ts) where it compiles,
   * "js" always the JavaScript loop (for tests and benchmarks; the decisions are the same).
   */
  scan?: "auto" | "js";
  /** Where the quiet-row scan's WebAssembly memory is kept between backtests (workspace.ts; default a temporary one). */
  workspace?: Workspace;
}

export interface BacktestInput {
  /** Excel serial dates, strictly increasing (oldest first). */
  dates: Float64Array;
  /** Row-major T x n prices; NaN = missing. */
  prices: Float64Array;
  nAssets: number;
  targets: Float64Array;
  /** Dated target changes (walk-forward targets, walkForward.ts); none when absent. */
  targetChanges?: TargetChanges | null;
}

/**
 * From row `rows[j]` on (its close, before the day's decision) the targets are row j of `targets`
 * (row-major k x n); rows strictly increasing. The policy then trades to them as it would to fixed
 * targets (its trigger decides when): the quiet-row scan stops on these rows.
 */
export interface TargetChanges {
  rows: Int32Array;
  targets: Float64Array;
}

/** Periodic keys of each row (equal = same period); the workspace keeps the last ones (simulated paths share their dates). */
function keysOf(dates: Float64Array, freq: Frequency, ws?: Workspace): Float64Array {
  const c = ws?.periodKeys;
  if (c && c.dates === dates && c.freq === freq && c.keys.length === dates.length) return c.keys;
  const k = computeKeys(dates, freq);
  if (ws) ws.periodKeys = { dates, freq, keys: k };
  return k;
}

function computeKeys(dates: Float64Array, freq: Frequency): Float64Array {
  const k = new Float64Array(dates.length);
  for (let t = 0; t < dates.length; t++) k[t] = periodKey(Math.floor(dates[t]), freq);
  return k;
}

/** Targets x[off..off+n): finite, not negative unless shorts are allowed, summing to at most 1. */
function validateTargets(x: Float64Array, off: number, n: number, policy: Policy, when: string): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i];
    if (!Number.isFinite(v)) throw new RebalError(`target ${i + 1}${when} must be a number`);
    if (v < 0 && !policy.allowShort) throw new RebalError(`target ${i + 1}${when} is negative (${fmt(v)}); set allow_short=TRUE for shorts`);
    sum += v;
  }
  if (sum > 1 + 1e-9) throw new RebalError(`targets${when} sum to ${fmt(sum)}, more than 1 (the rest of 1 is the cash target)`);
}

function validateInput(input: BacktestInput, policy: Policy, options: BacktestOptions): void {
  const { dates, prices, nAssets: n, targets } = input;
  const T = dates.length;
  if (T === 0) throw new RebalError("there are no dates");
  if (n === 0) throw new RebalError("there are no assets");
  if (prices.length !== T * n) throw new RebalError(`prices must have ${T} rows of ${n} assets`);
  if (targets.length !== n) throw new RebalError(`targets has ${targets.length} values but prices has ${n} columns: they must match`);
  validateTargets(targets, 0, n, policy, "");
  const ch = input.targetChanges;
  if (ch) {
    if (ch.targets.length !== ch.rows.length * n) throw new RebalError(`target changes must have ${ch.rows.length} rows of ${n} assets`);
    for (let j = 0; j < ch.rows.length; j++) {
      const r = ch.rows[j];
      if (!(r >= 0 && r < T) || (j > 0 && !(r > ch.rows[j - 1]))) throw new RebalError(`target change ${j + 1} is on row ${r + 1}: rows must be strictly increasing within the ${T} dates`);
      validateTargets(ch.targets, j * n, n, policy, ` (from ${serialToISO(Math.floor(dates[r]))})`);
    }
  }
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(dates[t])) throw new RebalError(`date ${t + 1} must be a number`);
    if (t > 0 && !(Math.floor(dates[t]) > Math.floor(dates[t - 1]))) throw new RebalError(`dates must be strictly increasing, oldest first: date ${t + 1} (${serialToISO(Math.floor(dates[t]))}) is not after the one before`);
  }
  if (!(options.initialValue > 0) || !Number.isFinite(options.initialValue)) throw new RebalError(`initial_value must be positive, got ${fmt(options.initialValue)}`);
  if (!Number.isFinite(options.contribution)) throw new RebalError("contribution must be a number");
}

/** Mutable state shared by the day loop and `tradeDay` (kept out of closures so the loop stays fast). */
interface Ledger {
  dates: Float64Array;
  q: Float64Array;
  last: Float64Array;
  halted: Uint8Array;
  tEff: Float64Array;
  listedIdx: Int32Array;
  /** Books of the listed assets, reused by every trade day until an asset enters. */
  bq: Float64Array;
  bp: Float64Array;
  bt: Float64Array;
  restricted: Uint8Array;
  /** The trade planner's solver and buffers, reused by every plan of the backtest. */
  planner: LotPlanner;
  cash: number;
  rebalances: number;
  tradeCount: number;
  totalCost: number;
  totalTurnover: number;
  planCalls: number;
  plansProven: number;
  maxGap: number;
  records: RebalanceRecord[];
}

/** Sizes the ledger's book buffers for the listed assets. */
function resizeBooks(L: Ledger): void {
  const m = L.listedIdx.length;
  L.bq = new Float64Array(m);
  L.bp = new Float64Array(m);
  L.bt = new Float64Array(m);
  L.restricted = new Uint8Array(m);
}

/**
 * The search budget of each plan in a backtest (per-asset evaluations, lotPlan.ts): thousands of plans
 * run in one formula, so each gets about a millisecond at 500 assets; a plan the budget stops reports
 * its gap, and the backtest reports how many plans were proven and the largest gap.
 */
const BACKTEST_WORK_BUDGET = 10000;

/** Plans the listed assets' trades with planTrades; applies them; records the day if anything traded. */
function tradeDay(L: Ledger, t: number, pol: Policy, kind: RebalanceKind, calDue: boolean | null, nHalted: number, V: number): boolean {
  const idx = L.listedIdx;
  const m = idx.length;
  const { bq, bp, bt } = L;
  for (let k = 0; k < m; k++) { const i = idx[k]; bq[k] = L.q[i]; bp[k] = L.last[i]; bt[k] = L.tEff[i]; }
  let restricted: Uint8Array | null = null;
  if (nHalted > 0) {
    restricted = L.restricted;
    for (let k = 0; k < m; k++) restricted[k] = L.halted[idx[k]];
  }
  const book: Book = { quantities: bq, prices: bp, targets: bt, cash: L.cash, restricted };
  L.planCalls++;
  const plan = planTrades(book, pol, { calendarDue: calDue, label: assetLabel(idx), planner: L.planner, workBudget: BACKTEST_WORK_BUDGET });
  if (plan.optimalityGap === 0) L.plansProven++;
  else if (plan.optimalityGap > L.maxGap) L.maxGap = plan.optimalityGap;
  const { trades, cashAfter, totalCost, turnover, buys, sells, totalBefore } = plan;
  let reason = plan.decision.reason;
  let traded = 0;
  for (let k = 0; k < m; k++) if (trades[k] !== 0) { L.q[idx[k]] += trades[k]; traded++; }
  if (traded === 0) return false;
  L.cash = cashAfter < 0 && cashAfter > -1e-9 * V ? 0 : cashAfter;
  L.tradeCount += traded;
  L.totalCost += totalCost;
  L.totalTurnover += turnover;
  if (kind === "policy") L.rebalances++;
  if (kind !== "policy") reason = kind === "initial" ? "initial investment" : kind === "contribution" ? "contribution invested (buy only)" : "withdrawal: holdings sold to raise cash";
  L.records.push({ row: t, date: L.dates[t], kind, reason, turnover, cost: totalCost, buys, sells, trades: traded, valueBefore: totalBefore });
  return true;
}

/** Names the k-th listed asset in messages ("asset 3"). */
function assetLabel(idx: Int32Array): (k: number) => string {
  return (k) => `asset ${idx[k] + 1}`;
}

/** Value of the holdings at row `base`'s prices, or NaN when the row has a blank or a bad price. */
function markRow(q: Float64Array, prices: Float64Array, base: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) {
    const p = prices[base + i];
    if (!(p > 0 && p < Infinity)) return NaN;
    h += q[i] * p;
  }
  return h;
}

/**
 * markRow and a band pre-check in one pass: the holdings' value H (summed exactly as markRow does),
 * and into mm[0] = max_i a_i / U_i, mm[1] = min_i a_i / B_i over a_i = q_i p_i (a_i = 0 with B_i = 0
 * skipped), with U, B the safe bounds of `bandBounds`. Returns NaN for a bad price p <= 0; a NaN or
 * infinite price makes H not finite (the caller then takes the checked path).
 */
function markRowBands(q: Float64Array, prices: Float64Array, base: number, n: number, uInv: Float64Array, bInv: Float64Array, mm: Float64Array): number {
  let h = 0;
  let mx = -Infinity;
  let mn = Infinity;
  for (let i = 0; i < n; i++) {
    const p = prices[base + i];
    if (p <= 0) return NaN;
    const a = q[i] * p;
    h += a;
    const u = a * uInv[i];
    if (u > mx) mx = u;
    const l = a * bInv[i]; // NaN (skipped) for a = 0 and bInv = Infinity
    if (l < mn) mn = l;
  }
  mm[0] = mx;
  mm[1] = mn;
  return h;
}

/**
 * Safe band bounds for markRowBands (no shorts, so a_i >= 0): with margin eta_i = 1e-12 (t_i + hw_i),
 * U_i = t_i + hw_i - eta_i and B_i = t_i - hw_i + eta_i (hw = half-width + tolerance). When
 * max a_i / U_i <= V and min a_i / B_i >= V (B_i <= 0: no lower bound, 1 / B_i = Infinity), every
 * asset satisfies |fl(fl(a_i * fl(1 / V)) - t_i)| <= hw_i, the exact test of breachedRow: the margin
 * eta (>= 1e-24) exceeds the rounding of every step (a few ulps of t + hw) by four orders of magnitude.
 * Otherwise the exact test decides, so the pre-check never changes a decision.
 */
function bandBounds(t: Float64Array, hw: Float64Array, uInv: Float64Array, bInv: Float64Array): void {
  for (let i = 0; i < t.length; i++) {
    const eta = 1e-12 * (t[i] + hw[i]);
    uInv[i] = 1 / (t[i] + hw[i] - eta);
    const b = t[i] - hw[i] + eta;
    bInv[i] = b > 0 ? 1 / b : Infinity;
  }
}

/** Is any asset outside its band? |q p / V - t| > h (hw = h + tolerance); prices from row `base`. */
function breachedRow(q: Float64Array, prices: Float64Array, base: number, n: number, inv: number, t: Float64Array, hw: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const d = q[i] * prices[base + i] * inv - t[i];
    if (Math.abs(d) > hw[i]) return true;
  }
  return false;
}

/** The same on the listed assets at their last prices (days with blanks). */
function breachedListed(q: Float64Array, last: Float64Array, idx: Int32Array, inv: number, t: Float64Array, hw: Float64Array): boolean {
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const d = q[i] * last[i] * inv - t[i];
    if (Math.abs(d) > hw[i]) return true;
  }
  return false;
}

/** Copies row `row` of the prices into `last` when the fast path left it behind; returns -1 (in sync). */
function syncLast(last: Float64Array, prices: Float64Array, row: number, n: number): number {
  if (row >= 0) last.set(prices.subarray(row * n, row * n + n));
  return -1;
}

function holdingsValue(idx: Int32Array, q: Float64Array, last: Float64Array): number {
  let h = 0;
  for (let k = 0; k < idx.length; k++) { const i = idx[k]; h += q[i] * last[i]; }
  return h;
}

/**
 * Quiet rows, the common case, in a small loop of their own: from row t on, while nothing is scheduled
 * on the row (`events`: calendar-due and flow rows), the row has no blank or bad price and (bands != 0)
 * no asset is outside its band, marks the row and writes its value and cash (no trade is due, so they
 * are what the full treatment would write). Returns the first row that needs the full treatment (or
 * tEnd). Called only when every asset is listed, none is halted, everything is invested and the cash is
 * not negative. bands: 0 = no band check, 1 = markRowBands' pre-check then the exact test, 2 = the exact
 * test only (shorts).
 */
function quietRows(t: number, tEnd: number, q: Float64Array, prices: Float64Array, n: number, cash: number, values: Float64Array, cashSeries: Float64Array,
  events: Uint8Array | null, bands: number, uInv: Float64Array, bInv: Float64Array, mm: Float64Array, tEff: Float64Array, hEff: Float64Array): number {
  for (; t < tEnd; t++) {
    if (events !== null && events[t] !== 0) return t;
    const base = t * n;
    const H = bands === 1 ? markRowBands(q, prices, base, n, uInv, bInv, mm) : markRow(q, prices, base, n);
    if (!(H - H === 0)) return t;
    const V = cash + H;
    if (bands === 1 ? !(mm[0] <= V && mm[1] >= V) && breachedRow(q, prices, base, n, 1 / V, tEff, hEff) : bands === 2 && breachedRow(q, prices, base, n, 1 / V, tEff, hEff)) return t;
    if (!(V < 1e300)) return t;
    values[t] = V;
    cashSeries[t] = cash;
  }
  return t;
}

/** Runs `policy` over the price history. */
export function runBacktest(input: BacktestInput, policy: Policy, opts: RunBacktestOptions = {}): BacktestResult {
  const options: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...opts };
  const onProgress = opts.onProgress ?? null;
  validateInput(input, policy, options);
  const { dates, prices, nAssets: n } = input;
  let targets = input.targets;
  const changes = input.targetChanges ?? null;
  let nextChange = 0;
  const T = dates.length;
  const trig = policy.trigger;
  const usesCalendar = trig === "calendar" || trig === "hybrid" || trig === "either";
  const usesBands = trig === "threshold" || trig === "hybrid" || trig === "either";
  const calKeys = usesCalendar ? keysOf(dates, policy.frequency as Frequency, opts.workspace) : null;
  const anchorEnd = policy.anchor === "end";
  const flowAmount = options.contribution;
  const flowKeys = flowAmount !== 0 ? keysOf(dates, options.contributionFrequency) : null;

  const initialPolicy: Policy = { ...policy, trigger: "always", mode: "full" };
  const contribPolicy: Policy = { ...policy, trigger: "always", mode: "buy_only" };
  const raisePolicy: Policy = { ...policy, trigger: "always", mode: "sell_only", scope: "all" };
  const investFlows = policy.mode === "buy_only" || trig === "none";
  // Band pre-check fused into the marking pass (markRowBands); without shorts only (a_i >= 0).
  const bandFilter = usesBands && !policy.allowShort;
  // Rows the quiet loop leaves to the full treatment: calendar-due rows and flow rows.
  let events: Uint8Array | null = null;
  if (calKeys !== null || flowKeys !== null || changes !== null) {
    events = new Uint8Array(T);
    if (changes !== null) for (let j = 0; j < changes.rows.length; j++) events[changes.rows[j]] = 1;
    for (let t = 0; t < T; t++) {
      if (calKeys !== null && (anchorEnd ? t < T - 1 && calKeys[t] !== calKeys[t + 1] : t === 0 || calKeys[t] !== calKeys[t - 1])) events[t] = 1;
      if (flowKeys !== null && t > 0 && flowKeys[t] !== flowKeys[t - 1]) events[t] = 1;
    }
  }
  // Quiet rows check the bands only where a breach alone makes the policy due (threshold; either off
  // its calendar rows); with trigger=always every row is due.
  const quietBands = trig === "threshold" || trig === "either" ? (policy.allowShort ? 2 : 1) : 0;
  const useQuiet = trig !== "always";
  const scanner = useQuiet && quietBands !== 2 && opts.scan !== "js" ? QuietScanner.create(prices, T, n, opts.workspace) : null;
  let coefDirty = true; // q or the bands changed since the scanner's coefficients were set
  // The next row at or after t that the quiet scan must leave to the full treatment (events).
  let nextEvent: Int32Array | null = null;
  if (scanner !== null && events !== null) {
    nextEvent = new Int32Array(T + 1);
    nextEvent[T] = T;
    for (let t = T - 1; t >= 0; t--) nextEvent[t] = events[t] !== 0 ? t : nextEvent[t + 1];
  }

  const q = new Float64Array(n);
  const last = new Float64Array(n).fill(NaN);
  const listed = new Uint8Array(n);
  const halted = new Uint8Array(n);
  const tEff = new Float64Array(n);
  const hEff = new Float64Array(n);
  const uInv = new Float64Array(n);
  const bInv = new Float64Array(n);
  const mm = new Float64Array(2);
  let listedIdx = new Int32Array(0);
  let nListed = 0;
  let lastRow = -1;
  let haltedAny = false;
  let sumTargets = 0;
  for (let i = 0; i < n; i++) sumTargets += targets[i];

  const values = new Float64Array(T);
  const cashSeries = new Float64Array(T);
  const flows = new Float64Array(T);
  const none = new Float64Array(0);
  const L: Ledger = {
    dates, q, last, halted, tEff, listedIdx, bq: none, bp: none, bt: none, restricted: new Uint8Array(0), planner: opts.workspace ? opts.workspace.planner() : new LotPlanner(),
    cash: options.initialValue, rebalances: 0, tradeCount: 0, totalCost: 0, totalTurnover: 0, planCalls: 0, plansProven: 0, maxGap: 0, records: [],
  };
  let cash = options.initialValue;
  let invested = false;
  let netFlows = 0;
  let anyFlow = false;

  // Rows in blocks of PROGRESS_EVERY with a report after each when there is a hook; one block without.
  for (let t0 = 0; t0 < T;) {
    const tEnd = onProgress === null ? T : Math.min(t0 + PROGRESS_EVERY, T);
    for (let t = t0; t < tEnd; t++) {
      if (useQuiet && invested && nListed === n && !haltedAny && cash >= 0) {
        let next: number;
        if (scanner !== null) {
          if (coefDirty) { scanner.setCoefficients(q, uInv, bInv, quietBands === 1); coefDirty = false; }
          next = scanner.scan(t, nextEvent === null ? tEnd : Math.min(tEnd, nextEvent[t]), cash, values, cashSeries);
        } else next = quietRows(t, tEnd, q, prices, n, cash, values, cashSeries, events, quietBands, uInv, bInv, mm, tEff, hEff);
        if (next > t) {
          lastRow = next - 1;
          t = next;
          if (t >= tEnd) break;
        }
      }
      // 1. Mark to market at the close (and register entries and halts).
      const base = t * n;
      let entered = false;
      let nHalted = 0;
      let H = 0;
      // Fast path (every asset listed, no blank in the row): one pass that only reads; `last` and
      // `halted` are brought up to date lazily (`lastRow` = the row `last` is missing, if any).
      let complete = false;
      let preChecked = false; // mm holds markRowBands' bounds for the current holdings
      if (nListed === n) {
        H = bandFilter ? markRowBands(q, prices, base, n, uInv, bInv, mm) : markRow(q, prices, base, n);
        complete = H - H === 0; // finite
        preChecked = complete && bandFilter;
        if (complete) {
          if (haltedAny) { halted.fill(0); haltedAny = false; }
          lastRow = t;
        } else H = 0;
      }
      if (!complete) {
        lastRow = syncLast(last, prices, lastRow, n);
        for (let i = 0; i < n; i++) {
          const p = prices[base + i];
          if (p === p) {
            if (!(p > 0 && p < Infinity)) throw new RebalError(`price of asset ${i + 1} on ${serialToISO(Math.floor(dates[t]))} must be a positive number, got ${fmt(p)}`);
            last[i] = p;
            halted[i] = 0;
            if (!listed[i]) { listed[i] = 1; nListed++; entered = true; continue; }
            H += q[i] * p;
          } else if (listed[i]) {
            halted[i] = 1;
            nHalted++;
            H += q[i] * last[i];
          }
        }
        haltedAny = nHalted > 0;
      }
      let retarget = false;
      if (changes !== null && nextChange < changes.rows.length && changes.rows[nextChange] === t) {
        targets = changes.targets.subarray(nextChange * n, nextChange * n + n);
        nextChange++;
        retarget = true;
        sumTargets = 0;
        for (let i = 0; i < n; i++) sumTargets += targets[i];
      }
      if (entered) {
        const idx: number[] = [];
        for (let i = 0; i < n; i++) if (listed[i]) idx.push(i);
        listedIdx = Int32Array.from(idx);
        L.listedIdx = listedIdx;
        resizeBooks(L);
      }
      if (entered || retarget) {
        let sumListed = 0;
        for (let i = 0; i < n; i++) if (listed[i]) sumListed += targets[i];
        const scale = sumListed > 0 ? sumTargets / sumListed : 1;
        for (let i = 0; i < n; i++) {
          tEff[i] = listed[i] ? targets[i] * scale : 0;
          hEff[i] = halfWidth(tEff[i], policy.bandAbs, policy.bandRel) + BAND_TOLERANCE;
        }
        bandBounds(tEff, hEff, uInv, bInv);
        coefDirty = true;
      }

      // 2. Contributions and withdrawals.
      if (flowKeys !== null && t > 0 && flowKeys[t] !== flowKeys[t - 1]) {
        const V0 = cash + H;
        if (flowAmount < 0 && -flowAmount >= V0) throw new RebalError(`the withdrawal of ${fmt(-flowAmount)} on ${serialToISO(Math.floor(dates[t]))} is more than the portfolio's value (${fmt(V0)})`);
        cash += flowAmount;
        flows[t] = flowAmount;
        netFlows += flowAmount;
        anyFlow = true;
      }
      let V = cash + H;

      // 3. Decide and trade at the close.
      if (!invested) {
        if (nListed > 0) {
          invested = true;
          L.cash = cash;
          lastRow = syncLast(last, prices, lastRow, n);
          coefDirty = true;
          if (tradeDay(L, t, initialPolicy, "initial", null, nHalted, V)) { cash = L.cash; H = holdingsValue(listedIdx, q, last); }
        }
      } else {
        if (cash < 0) {
          L.cash = cash;
          lastRow = syncLast(last, prices, lastRow, n);
          coefDirty = true;
          if (tradeDay(L, t, raisePolicy, "withdrawal", null, nHalted, V)) preChecked = false;
          cash = L.cash;
          H = holdingsValue(listedIdx, q, last);
          V = cash + H;
          if (cash < -1e-9 * V) throw new RebalError(`the withdrawal on ${serialToISO(Math.floor(dates[t]))} cannot be paid: holdings that can be traded that day are not enough`);
        }
        let calDue = false;
        if (calKeys !== null) calDue = anchorEnd ? t < T - 1 && calKeys[t] !== calKeys[t + 1] : t === 0 || calKeys[t] !== calKeys[t - 1];
        let breach = false;
        if (usesBands && (trig !== "hybrid" || calDue) && (trig !== "either" || !calDue)) {
          // |q p / V - t| > h + tol, on the listed assets (weights of holdings plus cash); on complete
          // rows the fused pre-check settles the usual "all inside" case (markRowBands, bandBounds)
          if (!complete) breach = breachedListed(q, last, listedIdx, 1 / V, tEff, hEff);
          else if (preChecked && mm[0] <= V && mm[1] >= V) breach = false;
          else breach = breachedRow(q, prices, base, n, 1 / V, tEff, hEff);
        }
        const due = isDue(trig, breach, calDue, false); // the initial investment is made above
        let traded = false;
        L.cash = cash;
        if (due || (investFlows && flows[t] > 0)) lastRow = syncLast(last, prices, lastRow, n);
        if (due || (investFlows && flows[t] > 0)) coefDirty = true;
        if (due) traded = tradeDay(L, t, policy, "policy", usesCalendar ? calDue : null, nHalted, V);
        else if (investFlows && flows[t] > 0) traded = tradeDay(L, t, contribPolicy, "contribution", null, nHalted, V);
        if (traded) { cash = L.cash; H = holdingsValue(listedIdx, q, last); }
      }
      values[t] = cash + H;
      cashSeries[t] = cash;
      if (!(values[t] < 1e300)) throw new RebalError(`the portfolio value overflows on ${serialToISO(Math.floor(dates[t]))}: the prices are too large to compute with`);
    }
    t0 = tEnd;
    if (onProgress !== null && onProgress(tEnd, T) === false) throw new BacktestCancelled();
  }

  let index = values;
  if (anyFlow) {
    index = new Float64Array(T);
    index[0] = values[0];
    for (let t = 1; t < T; t++) index[t] = (index[t - 1] * (values[t] - flows[t])) / values[t - 1];
  }
  return {
    dates, values, index, cash: cashSeries, flows, records: L.records, quantities: q, rebalances: L.rebalances,
    tradeCount: L.tradeCount, totalCost: L.totalCost, totalTurnover: L.totalTurnover, netFlows, planCalls: L.planCalls, plansProven: L.plansProven, maxOptimalityGap: L.maxGap,
  };
}
