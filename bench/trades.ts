/**
 * Trade generation on 10,000 holdings: the core engine and REBAL.TRADES end to end (Excel-shaped
 * any[][] arguments, range parsing and result shaping included), against a straightforward
 * implementation an analyst would write (arrays of row objects, truncate to whole shares, then
 * trim buys one share at a time, re-summing the cash each time, until the cash is not negative).
 * The straightforward version ignores bands, costs and closeness; it is a speed reference only.
 */
import { parsePolicy } from "../src/core/policy";
import { planTrades } from "../src/core/trades";
import { tradesFn } from "../src/functions/rebalance";
import { BenchRow, measure, rng } from "./harness";

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

export function benchTrades(n = 10000): BenchRow[] {
  const book = makeBook(n);
  const policy = parsePolicy("lot=1").policy;
  const fivetwentyfive = parsePolicy("band_abs=0.05; band_rel=0.25; lot=1; cost_bps=5; min_trade=100; cash_reserve=0.01").policy;
  const rows = Array.from(book.quantities, (q, i) => ({ q, p: book.prices[i], t: book.targets[i] }));
  const col = (a: Float64Array) => Array.from(a, (x) => [x]);
  const qx = col(book.quantities), px = col(book.prices), tx = col(book.targets);
  const out: BenchRow[] = [];
  out.push(measure(`core planTrades, ${n} holdings, lot=1`, () => planTrades(book, policy)));
  out.push(measure(`core planTrades, ${n} holdings, 5/25 bands, costs, min_trade, reserve`, () => planTrades(book, fivetwentyfive, { calendarDue: null })));
  out.push(measure(`straightforward loop (truncate + naive cash fix), ${n} holdings`, () => straightforwardTrades(rows, book.cash)));
  out.push(measure(`REBAL.TRADES end to end, ${n} rows (any[][] in and out)`, () => tradesFn(qx, px, tx, [[book.cash]], "lot=1")));
  out.push(measure(`straightforward end to end (parse any[][] + loop + shape), ${n} rows`, () => {
    const rs = qx.map((r, i) => ({ q: Number(r[0]), p: Number(px[i][0]), t: Number(tx[i][0]) }));
    return straightforwardTrades(rs, book.cash).map((d) => [d]);
  }));
  return out;
}
