/**
 * The backtest engine: a rebalancing policy run day by day over a price history.
 *
 * Conventions (conventions.md, "Backtests and statistics"; product.md, "Policies"):
 * - Each row (date): mark to market at the close, add the day's contribution (if any), decide,
 *   trade at that close through planTrades (lots, costs, min_trade, cash_reserve, modes, scope,
 *   destination all apply exactly as in REBAL.TRADES). Costs are paid from cash on the day.
 * - Initial investment: `initial_value` of cash is invested to the targets (as a full rebalance,
 *   whatever the trigger) at the close of the first row where any asset has a price.
 * - Triggers: `calendar` with anchor `start` is due on the first row of each new period (bt's
 *   RunMonthly / RunQuarterly: the month/quarter of the row differs from the previous row's);
 *   anchor `end` on the last row of each period (the next row is in a new period; never on the
 *   last row of the data, as bt). `threshold` when any asset's weight is outside its band
 *   (bands.ts, checked inline on Float64Arrays; planTrades is only called on due days). `hybrid`:
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
 * Pure TypeScript: no Office, DOM or Node APIs.
 */
import { BAND_TOLERANCE, halfWidth } from "../bands";
import { periodKey, serialToISO } from "../calendar";
import { RebalError, fmt } from "../errors";
import { Frequency, Policy } from "../policy";
import { Book, planTrades, TradePlan } from "../trades";
import { BacktestOptions, DEFAULT_BACKTEST_OPTIONS } from "./options";

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
}

export interface BacktestInput {
  /** Excel serial dates, strictly increasing (oldest first). */
  dates: Float64Array;
  /** Row-major T x n prices; NaN = missing. */
  prices: Float64Array;
  nAssets: number;
  targets: Float64Array;
}

/** Periodic keys of each row (equal = same period). */
function keysOf(dates: Float64Array, freq: Frequency): Float64Array {
  const k = new Float64Array(dates.length);
  for (let t = 0; t < dates.length; t++) k[t] = periodKey(Math.floor(dates[t]), freq);
  return k;
}

function validateInput(input: BacktestInput, policy: Policy, options: BacktestOptions): void {
  const { dates, prices, nAssets: n, targets } = input;
  const T = dates.length;
  if (T === 0) throw new RebalError("there are no dates");
  if (n === 0) throw new RebalError("there are no assets");
  if (prices.length !== T * n) throw new RebalError(`prices must have ${T} rows of ${n} assets`);
  if (targets.length !== n) throw new RebalError(`targets has ${targets.length} values but prices has ${n} columns: they must match`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = targets[i];
    if (!Number.isFinite(x)) throw new RebalError(`target ${i + 1} must be a number`);
    if (x < 0 && !policy.allowShort) throw new RebalError(`target ${i + 1} is negative (${fmt(x)}); set allow_short=TRUE for shorts`);
    sum += x;
  }
  if (sum > 1 + 1e-9) throw new RebalError(`targets sum to ${fmt(sum)}, more than 1 (the rest of 1 is the cash target)`);
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(dates[t])) throw new RebalError(`date ${t + 1} must be a number`);
    if (t > 0 && !(Math.floor(dates[t]) > Math.floor(dates[t - 1]))) throw new RebalError(`dates must be strictly increasing, oldest first: date ${t + 1} (${serialToISO(Math.floor(dates[t]))}) is not after the one before`);
  }
  if (!(options.initialValue > 0) || !Number.isFinite(options.initialValue)) throw new RebalError(`initial_value must be positive, got ${fmt(options.initialValue)}`);
  if (!Number.isFinite(options.contribution)) throw new RebalError("contribution must be a number");
}

/** Runs `policy` over the price history. */
export function runBacktest(input: BacktestInput, policy: Policy, opts: Partial<BacktestOptions> = {}): BacktestResult {
  const options: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...opts };
  validateInput(input, policy, options);
  const { dates, prices, nAssets: n, targets } = input;
  const T = dates.length;
  const trig = policy.trigger;
  const usesCalendar = trig === "calendar" || trig === "hybrid" || trig === "either";
  const calKeys = usesCalendar ? keysOf(dates, policy.frequency as Frequency) : null;
  const anchorEnd = policy.anchor === "end";
  const flowAmount = options.contribution;
  const flowKeys = flowAmount !== 0 ? keysOf(dates, options.contributionFrequency) : null;

  const initialPolicy: Policy = { ...policy, trigger: "always", mode: "full" };
  const contribPolicy: Policy = { ...policy, trigger: "always", mode: "buy_only" };
  const raisePolicy: Policy = { ...policy, trigger: "always", mode: "sell_only", scope: "all" };
  const investFlows = policy.mode === "buy_only" || trig === "none";

  const q = new Float64Array(n);
  const last = new Float64Array(n).fill(NaN);
  const listed = new Uint8Array(n);
  const halted = new Uint8Array(n);
  const tEff = new Float64Array(n);
  const hEff = new Float64Array(n);
  let listedIdx = new Int32Array(0);
  let sumTargets = 0;
  for (let i = 0; i < n; i++) sumTargets += targets[i];

  const values = new Float64Array(T);
  const cashSeries = new Float64Array(T);
  const flows = new Float64Array(T);
  const records: RebalanceRecord[] = [];
  let cash = options.initialValue;
  let invested = false;
  let rebalances = 0;
  let tradeCount = 0;
  let totalCost = 0;
  let totalTurnover = 0;
  let netFlows = 0;
  let planCalls = 0;
  let anyFlow = false;

  const holdingsValue = (): number => {
    let h = 0;
    for (let k = 0; k < listedIdx.length; k++) { const i = listedIdx[k]; h += q[i] * last[i]; }
    return h;
  };

  /** Calls planTrades on the listed assets; applies the trades; records the day if anything traded. */
  const trade = (t: number, pol: Policy, kind: RebalanceKind, calDue: boolean | null, nHalted: number, V: number): TradePlan | null => {
    const m = listedIdx.length;
    const bq = new Float64Array(m), bp = new Float64Array(m), bt = new Float64Array(m);
    const restricted = nHalted > 0 ? new Uint8Array(m) : null;
    for (let k = 0; k < m; k++) {
      const i = listedIdx[k];
      bq[k] = q[i]; bp[k] = last[i]; bt[k] = tEff[i];
      if (restricted) restricted[k] = halted[i];
    }
    const book: Book = { quantities: bq, prices: bp, targets: bt, cash, restricted };
    planCalls++;
    const plan = planTrades(book, pol, { calendarDue: calDue, label: (k) => `asset ${listedIdx[k] + 1}` });
    let traded = 0;
    for (let k = 0; k < m; k++) if (plan.trades[k] !== 0) { q[listedIdx[k]] += plan.trades[k]; traded++; }
    if (traded === 0) return null;
    cash = plan.cashAfter;
    if (cash < 0 && cash > -1e-9 * V) cash = 0;
    tradeCount += traded;
    totalCost += plan.totalCost;
    totalTurnover += plan.turnover;
    if (kind === "policy") rebalances++;
    const reason = kind === "initial" ? "initial investment" : kind === "contribution" ? "contribution invested (buy only)" : kind === "withdrawal" ? "withdrawal: holdings sold to raise cash" : plan.decision.reason;
    records.push({ row: t, date: dates[t], kind, reason, turnover: plan.turnover, cost: plan.totalCost, buys: plan.buys, sells: plan.sells, trades: traded, valueBefore: plan.totalBefore });
    return plan;
  };

  for (let t = 0; t < T; t++) {
    // 1. Mark to market at the close (and register entries and halts).
    const base = t * n;
    let entered = false;
    let nHalted = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      const p = prices[base + i];
      if (p === p) {
        if (!(p > 0 && p < Infinity)) throw new RebalError(`price of asset ${i + 1} on ${serialToISO(Math.floor(dates[t]))} must be a positive number, got ${fmt(p)}`);
        last[i] = p;
        if (halted[i]) halted[i] = 0;
        if (!listed[i]) { listed[i] = 1; entered = true; continue; }
        H += q[i] * p;
      } else if (listed[i]) {
        halted[i] = 1;
        nHalted++;
        H += q[i] * last[i];
      }
    }
    if (entered) {
      const idx: number[] = [];
      let sumListed = 0;
      for (let i = 0; i < n; i++) if (listed[i]) { idx.push(i); sumListed += targets[i]; }
      listedIdx = Int32Array.from(idx);
      const scale = sumListed > 0 ? sumTargets / sumListed : 1;
      for (let i = 0; i < n; i++) {
        tEff[i] = listed[i] ? targets[i] * scale : 0;
        hEff[i] = halfWidth(tEff[i], policy.bandAbs, policy.bandRel);
      }
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
      if (listedIdx.length > 0) {
        invested = true;
        trade(t, initialPolicy, "initial", null, nHalted, V);
        H = holdingsValue();
      }
    } else {
      if (cash < 0) {
        trade(t, raisePolicy, "withdrawal", null, nHalted, V);
        H = holdingsValue();
        V = cash + H;
        if (cash < -1e-9 * V) throw new RebalError(`the withdrawal on ${serialToISO(Math.floor(dates[t]))} cannot be paid: holdings that can be traded that day are not enough`);
      }
      let calDue = false;
      if (calKeys !== null) calDue = anchorEnd ? t < T - 1 && calKeys[t] !== calKeys[t + 1] : t === 0 || calKeys[t] !== calKeys[t - 1];
      let due: boolean;
      switch (trig) {
        case "always": due = true; break;
        case "none": due = false; break;
        case "calendar": due = calDue; break;
        case "hybrid": due = calDue && breached(V); break;
        case "either": due = calDue || breached(V); break;
        default: due = breached(V);
      }
      let plan: TradePlan | null = null;
      if (due) plan = trade(t, policy, "policy", usesCalendar ? calDue : null, nHalted, V);
      else if (investFlows && flows[t] > 0) plan = trade(t, contribPolicy, "contribution", null, nHalted, V);
      if (plan) H = holdingsValue();
    }
    values[t] = cash + H;
    cashSeries[t] = cash;
  }

  function breached(V: number): boolean {
    const inv = 1 / V;
    for (let k = 0; k < listedIdx.length; k++) {
      const i = listedIdx[k];
      if (Math.abs(q[i] * last[i] * inv - tEff[i]) > hEff[i] + BAND_TOLERANCE) return true;
    }
    return false;
  }

  let index = values;
  if (anyFlow) {
    index = new Float64Array(T);
    index[0] = values[0];
    for (let t = 1; t < T; t++) index[t] = (index[t - 1] * (values[t] - flows[t])) / values[t - 1];
  }
  return { dates, values, index, cash: cashSeries, flows, records, quantities: q, rebalances, tradeCount, totalCost, totalTurnover, netFlows, planCalls };
}
