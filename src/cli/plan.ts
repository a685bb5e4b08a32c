/**
 * Trades per account, in bulk: accounts packed into flat typed arrays (cheap to hand to a
 * worker thread), planned with core planTrades, results packed back. The sequential path and the
 * worker path run this same code on the same packed data, so their results are identical.
 * Rows of the trade table (JSON/CSV/table/xlsx outputs) are built here too (each row carries its
 * account plan's optimality_gap, 0 = proven optimal): computed numbers are
 * rounded to OUTPUT_DIGITS significant digits (float noise off), and a plan with a non-finite number
 * is never passed on (assertFinite: a bug, reported as an internal error, not written as NaN).
 */
import { RebalError } from "../core/errors";
import { Policy } from "../core/policy";
import { Book, describeReason, planTrades } from "../core/trades";
import type { Account } from "./inputs";

export interface Packed {
  n: number;
  offsets: Int32Array;
  q: Float64Array; p: Float64Array; t: Float64Array;
  lots: Float64Array; minW: Float64Array; maxW: Float64Array;
  restricted: Uint8Array;
  rows: Int32Array;
  cash: Float64Array;
  sources: string[];
}

export interface PackedResult {
  trades: Float64Array; wBefore: Float64Array; wAfter: Float64Array; dest: Float64Array; costs: Float64Array;
  reasons: string[];
  /** per account: cashBefore, cashAfter, totalBefore, totalCost, buys, sells, turnover, optimalityGap */
  summary: Float64Array;
  due: Uint8Array;
  decision: string[];
  errors: (string | null)[];
}

export const SUMMARY_FIELDS = 8;

export function pack(accounts: readonly Account[]): Packed {
  const n = accounts.length;
  const offsets = new Int32Array(n + 1);
  for (let a = 0; a < n; a++) offsets[a + 1] = offsets[a] + accounts[a].assets.length;
  const m = offsets[n];
  const P: Packed = {
    n, offsets,
    q: new Float64Array(m), p: new Float64Array(m), t: new Float64Array(m),
    lots: new Float64Array(m).fill(NaN), minW: new Float64Array(m).fill(NaN), maxW: new Float64Array(m).fill(NaN),
    restricted: new Uint8Array(m), rows: new Int32Array(m), cash: new Float64Array(n), sources: accounts.map((a) => a.source),
  };
  for (let a = 0; a < n; a++) {
    const { book, rows } = accounts[a];
    const o = offsets[a];
    P.q.set(book.quantities, o); P.p.set(book.prices, o); P.t.set(book.targets, o);
    if (book.lots) P.lots.set(book.lots, o);
    if (book.minWeights) P.minW.set(book.minWeights, o);
    if (book.maxWeights) P.maxW.set(book.maxWeights, o);
    if (book.restricted) P.restricted.set(book.restricted, o);
    P.rows.set(rows, o);
    P.cash[a] = book.cash;
  }
  return P;
}

/** The typed arrays of a pack (to transfer to a worker). */
export const packBuffers = (P: Packed): ArrayBuffer[] => [P.offsets, P.q, P.p, P.t, P.lots, P.minW, P.maxW, P.restricted, P.rows, P.cash].map((a) => a.buffer as ArrayBuffer);
export const resultBuffers = (R: PackedResult): ArrayBuffer[] => [R.trades, R.wBefore, R.wAfter, R.dest, R.costs, R.summary, R.due].map((a) => a.buffer as ArrayBuffer);

/** Throws (an internal error, exit 4) when a plan holds NaN or Infinity: never written to any output. */
export function assertFinite(source: string, arrays: ArrayLike<number>[], scalars: number[]): void {
  for (const x of scalars) if (!Number.isFinite(x)) throw new Error(`${source}: the trade engine returned a non-finite total (${x}); please report this input`);
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new Error(`${source}: the trade engine returned a non-finite number (${a[i]}) for holding ${i + 1}; please report this input`);
}

/** Plans every account of a pack. An account with bad input gets an error message; the others still trade. */
export function planPacked(P: Packed, policy: Policy, calendarDue: boolean | null = null): PackedResult {
  const m = P.offsets[P.n];
  const R: PackedResult = {
    trades: new Float64Array(m), wBefore: new Float64Array(m), wAfter: new Float64Array(m), dest: new Float64Array(m), costs: new Float64Array(m),
    reasons: new Array<string>(m).fill(""), summary: new Float64Array(P.n * SUMMARY_FIELDS), due: new Uint8Array(P.n),
    decision: new Array<string>(P.n).fill(""), errors: new Array<string | null>(P.n).fill(null),
  };
  for (let a = 0; a < P.n; a++) {
    const o = P.offsets[a], e = P.offsets[a + 1];
    const book: Book = {
      quantities: P.q.subarray(o, e), prices: P.p.subarray(o, e), targets: P.t.subarray(o, e), cash: P.cash[a],
      lots: P.lots.subarray(o, e), minWeights: P.minW.subarray(o, e), maxWeights: P.maxW.subarray(o, e), restricted: P.restricted.subarray(o, e),
    };
    const source = P.sources[a];
    try {
      const plan = planTrades(book, policy, { calendarDue, label: (i) => `${source} row ${P.rows[o + i]}` });
      assertFinite(source, [plan.trades, plan.weightsBefore, plan.weightsAfter, plan.destination, plan.costs],
        [plan.cashBefore, plan.cashAfter, plan.totalBefore, plan.totalCost, plan.buys, plan.sells, plan.turnover, plan.optimalityGap]);
      R.trades.set(plan.trades, o); R.wBefore.set(plan.weightsBefore, o); R.wAfter.set(plan.weightsAfter, o);
      R.dest.set(plan.destination, o); R.costs.set(plan.costs, o);
      for (let i = 0; i < e - o; i++) R.reasons[o + i] = describeReason(plan, i, policy);
      R.summary.set([plan.cashBefore, plan.cashAfter, plan.totalBefore, plan.totalCost, plan.buys, plan.sells, plan.turnover, plan.optimalityGap], a * SUMMARY_FIELDS);
      R.due[a] = plan.decision.due ? 1 : 0;
      R.decision[a] = plan.decision.reason;
    } catch (err) {
      if (!(err instanceof RebalError)) throw err;
      R.errors[a] = err.message;
    }
  }
  return R;
}

/** One row of the trade table. `value` is the signed trade value (trade x price). */
export interface TradeRow {
  account?: string;
  asset: string;
  side: "BUY" | "SELL" | "";
  quantity: number;
  price: number;
  target: number;
  trade: number;
  value: number;
  quantity_after: number;
  weight_before: number;
  weight_after: number;
  destination: number;
  cost: number;
  /** the account plan's optimality gap (core TradePlan.optimalityGap: 0 = proven optimal) */
  optimality_gap: number;
  reason: string;
}

export interface AccountSummary {
  account: string;
  source: string;
  error: string | null;
  due: boolean;
  decision: string;
  cashBefore: number; cashAfter: number; totalValue: number; costs: number; buys: number; sells: number; turnover: number;
  /** (objective - lower bound) / objective of the plan; 0 = proven optimal */
  optimalityGap: number;
}

/** Significant digits of computed numbers in outputs: float64 round-trips 15 digits exactly. */
export const OUTPUT_DIGITS = 15;
/** Computed magnitudes below this are rounding residue and written as 0. */
export const ZERO_TOLERANCE = 1e-12;

/** A computed number for output: residue -> 0, then OUTPUT_DIGITS significant digits. */
export function tidy(x: number): number {
  return Math.abs(x) < ZERO_TOLERANCE ? 0 : Number(x.toPrecision(OUTPUT_DIGITS));
}
const clean = tidy;

/** Accounts + their results -> trade rows and per-account summaries (`withAccount` adds the account column). */
export function tradeRows(accounts: readonly Account[], R: PackedResult, withAccount: boolean): { rows: TradeRow[]; summaries: AccountSummary[] } {
  const rows: TradeRow[] = [];
  const summaries: AccountSummary[] = [];
  let o = 0;
  accounts.forEach((acc, a) => {
    const s = R.summary.subarray(a * SUMMARY_FIELDS, (a + 1) * SUMMARY_FIELDS);
    summaries.push({ account: acc.account, source: acc.source, error: R.errors[a], due: R.due[a] === 1, decision: R.decision[a], cashBefore: tidy(s[0]), cashAfter: tidy(s[1]), totalValue: tidy(s[2]), costs: tidy(s[3]), buys: tidy(s[4]), sells: tidy(s[5]), turnover: tidy(s[6]), optimalityGap: tidy(s[7]) });
    const { quantities: q, prices: p, targets: t } = acc.book;
    const gap = tidy(s[7]);
    for (let i = 0; i < acc.assets.length; i++, o++) {
      if (R.errors[a] !== null) continue;
      const d = clean(R.trades[o]);
      // one object literal per shape (no spread: 10^5+ rows)
      const side = d > 0 ? "BUY" : d < 0 ? "SELL" : "";
      rows.push(withAccount
        ? {
          account: acc.account, asset: acc.assets[i], side, quantity: q[i], price: p[i], target: t[i], trade: d,
          value: clean(d * p[i]), quantity_after: clean(q[i] + d), weight_before: clean(R.wBefore[o]), weight_after: clean(R.wAfter[o]), destination: clean(R.dest[o]),
          cost: clean(R.costs[o]), optimality_gap: gap, reason: R.reasons[o],
        }
        : {
          asset: acc.assets[i], side, quantity: q[i], price: p[i], target: t[i], trade: d,
          value: clean(d * p[i]), quantity_after: clean(q[i] + d), weight_before: clean(R.wBefore[o]), weight_after: clean(R.wAfter[o]), destination: clean(R.dest[o]),
          cost: clean(R.costs[o]), optimality_gap: gap, reason: R.reasons[o],
        });
    }
  });
  return { rows, summaries };
}
