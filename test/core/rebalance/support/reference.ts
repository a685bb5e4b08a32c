/**
 * Independent reference for the trade tests: the objective F as trades.ts's header defines it, the
 * feasibility rules of product.md, exact (dyadic) arithmetic for cash checks, a brute-force
 * enumerator over every feasible lot-multiple trade vector, and a seeded PRNG.
 * Nothing here imports the engine's maths.
 */
import { Policy } from "../../../../src/core/policy";

export interface RefBook {
  q: number[];
  p: number[];
  t: number[];
  cash: number;
  lots?: (number | null)[]; // null = policy lot
  restricted?: boolean[];
}

/** Half-width per product.md: band_abs, band_rel * t, or the min of both; no band -> 0. */
export function refHalfWidth(t: number, pol: Policy): number {
  const a = pol.bandAbs ?? Infinity;
  const r = pol.bandRel === null ? Infinity : pol.bandRel * Math.abs(t);
  const h = Math.min(a, r);
  return h === Infinity ? 0 : h;
}

export function refSetup(b: RefBook, pol: Policy) {
  const n = b.q.length;
  let V = b.cash;
  for (let i = 0; i < n; i++) V += b.q[i] * b.p[i];
  const w = b.q.map((q, i) => (q * b.p[i]) / V);
  const h = b.t.map((t) => refHalfWidth(t, pol));
  const breached = w.map((wi, i) => Math.abs(wi - b.t[i]) > h[i] + 1e-12);
  // edge/midpoint trade only breached assets; target trades all (scope=all) or the breached ones
  const tradeable = w.map((_, i) => !(b.restricted && b.restricted[i]) && (pol.destination === "target" && pol.scope === "all" ? true : breached[i]));
  const k = pol.destination === "target" ? 0 : pol.destination === "edge" ? 1 : 0.5;
  // target: every traded asset to its target; edge/midpoint: breached assets to the (half) band edge, others stay
  const d = w.map((wi, i) => (!tradeable[i] ? wi : k === 0 ? b.t[i] : breached[i] ? Math.min(Math.max(wi, b.t[i] - k * h[i]), b.t[i] + k * h[i]) : wi));
  // the cash destination is what the targets leave, never below the reserve
  const dc = Math.max(1 - d.reduce((s, x) => s + x, 0), pol.cashReserve);
  const lots = b.q.map((_, i) => (b.lots && b.lots[i] !== null && b.lots[i] !== undefined ? (b.lots[i] as number) : pol.lot));
  return { n, V, w, h, breached, tradeable, d, dc, lots };
}

/** The direction rule of trades.ts's header, independently (needs the continuous relaxation). */
export function refDirections(b: RefBook, pol: Policy) {
  const { V, w, tradeable, d, dc } = refSetup(b, pol);
  // product rule (trades.ts header, "Direction"): never buy an asset at or above its destination;
  // sell only where the continuous relaxation sells, or when cash below the reserve must be raised.
  const belowReserve = b.cash < pol.cashReserve * V;
  const lo = w.map((wi, i) => {
    if (!tradeable[i]) return wi;
    if (pol.mode === "buy_only") return wi;
    // the fractional plan (product.md): fractional lots, so the whole position can be sold
    return wi - (b.q[i] * b.p[i]) / V;
  });
  const hi = w.map((wi, i) => (!tradeable[i] || pol.mode === "sell_only" || d[i] <= wi + 1e-15 ? wi : Infinity));
  const x = refRelaxation(d, lo, hi, dc, pol.cashReserve);
  const mayBuy = w.map((wi, i) => d[i] > wi + 1e-15);
  const maySell = w.map((wi, i) => belowReserve || x[i] < wi - 1e-15);
  return { mayBuy, maySell };
}

/**
 * The continuous relaxation, independently: min sum (x - d)^2 + (c - dc)^2 with lo <= x <= hi,
 * c >= reserve, sum x + c = 1, by bisection on the multiplier mu of x = clip(d - mu), c = max(dc - mu, r).
 */
export function refRelaxation(d: number[], lo: number[], hi: number[], dc: number, reserve: number): number[] {
  const g = (mu: number) => d.reduce((s, di, i) => s + Math.min(Math.max(di - mu, lo[i]), hi[i]), 0) + Math.max(dc - mu, reserve) - 1;
  let a = -1, b = 1;
  while (g(a) < 0 && a > -1e6) a *= 2;
  while (g(b) > 0 && b < 1e6) b *= 2;
  if (g(b) > 0) return lo.slice(); // the reserve cannot be met: sell what can be sold
  for (let k = 0; k < 200; k++) { const m = (a + b) / 2; if (g(m) > 0) a = m; else b = m; }
  const mu = (a + b) / 2;
  return d.map((di, i) => Math.min(Math.max(di - mu, lo[i]), hi[i]));
}

/** Cash after trades and costs (floating point). */
export function cashAfter(b: RefBook, pol: Policy, dq: ArrayLike<number>): number {
  let c = b.cash;
  for (let i = 0; i < b.q.length; i++) if (dq[i] !== 0) c -= dq[i] * b.p[i] + Math.abs(dq[i]) * b.p[i] * (pol.costBps / 1e4) + pol.costFixed;
  return c;
}

/** F = sum (x_i - d_i)^2 + (c - d_c)^2 on the pre-trade total V (trades.ts header). */
export function objectiveF(b: RefBook, pol: Policy, dq: ArrayLike<number>): number {
  const { V, d, dc } = refSetup(b, pol);
  let f = 0;
  for (let i = 0; i < b.q.length; i++) f += (((b.q[i] + dq[i]) * b.p[i]) / V - d[i]) ** 2;
  return f + (cashAfter(b, pol, dq) / V - dc) ** 2;
}

// ---- exact dyadic arithmetic: every double is m * 2^e exactly ----
export interface Dy { m: bigint; e: number }
const buf = new DataView(new ArrayBuffer(8));
export function dy(x: number): Dy {
  if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
  if (x === 0) return { m: 0n, e: 0 };
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074; else { mant |= 1n << 52n; e = exp - 1075; }
  return { m: sign * mant, e };
}
export const dyMul = (a: Dy, b: Dy): Dy => ({ m: a.m * b.m, e: a.e + b.e });
export function dyAdd(a: Dy, b: Dy): Dy {
  if (a.e > b.e) return { m: (a.m << BigInt(a.e - b.e)) + b.m, e: b.e };
  return { m: a.m + (b.m << BigInt(b.e - a.e)), e: a.e };
}
export const dyNeg = (a: Dy): Dy => ({ m: -a.m, e: a.e });
export const dySign = (a: Dy): number => (a.m > 0n ? 1 : a.m < 0n ? -1 : 0);

/**
 * Cash after trades and costs is at or above the reserve: exactly on the values of the doubles, or
 * - where money in binary floating point cannot be exact (100 x 0.01 is 1.0000000000000000208 as
 * reals) - in floating point within rounding noise (1e-12 of V), as a spreadsheet computes it.
 */
export function reserveHolds(b: RefBook, pol: Policy, dq: ArrayLike<number>): boolean {
  if (exactReserveSlack(b, pol, dq) >= 0) return true;
  const V = b.q.reduce((a, q, i) => a + q * b.p[i], b.cash);
  return cashAfter(b, pol, dq) - pol.cashReserve * V >= -1e-12 * V;
}

/**
 * Exact sign of (cash after trades and costs) - reserve * V, with costs as product.md defines them
 * (cost_bps of traded value + cost_fixed per trade), evaluated on the exact values of the doubles,
 * everything multiplied by 1e4 so that bps need no division.
 */
export function exactReserveSlack(b: RefBook, pol: Policy, dq: ArrayLike<number>): number {
  const TEN4 = dy(1e4);
  let lhs = dyMul(TEN4, dy(b.cash));
  let V = dy(b.cash);
  for (let i = 0; i < b.q.length; i++) {
    V = dyAdd(V, dyMul(dy(b.q[i]), dy(b.p[i])));
    if (dq[i] === 0) continue;
    const val = dyMul(dy(dq[i]), dy(b.p[i]));
    lhs = dyAdd(lhs, dyNeg(dyMul(TEN4, val)));
    const absVal = dyMul(dy(Math.abs(dq[i])), dy(b.p[i]));
    lhs = dyAdd(lhs, dyNeg(dyMul(absVal, dy(pol.costBps))));
    lhs = dyAdd(lhs, dyNeg(dyMul(TEN4, dy(pol.costFixed))));
  }
  const rhs = dyMul(TEN4, dyMul(dy(pol.cashReserve), V));
  return dySign(dyAdd(lhs, dyNeg(rhs)));
}

/** Is dq a legal trade vector under product.md's rules (ignoring the cash reserve)? */
export function legalTrades(b: RefBook, pol: Policy, dq: ArrayLike<number>): string | null {
  const { tradeable, lots } = refSetup(b, pol);
  const { mayBuy, maySell } = refDirections(b, pol);
  for (let i = 0; i < b.q.length; i++) {
    const v = dq[i];
    if (!Number.isFinite(v)) return `asset ${i}: trade ${v}`;
    if (v === 0) continue;
    if (!tradeable[i]) return `asset ${i}: not tradeable but trades ${v}`;
    if (v > 0 && !mayBuy[i]) return `asset ${i}: buys ${v} but is at or above its destination`;
    if (v < 0 && !maySell[i]) return `asset ${i}: sells ${v} but is at or below its destination`;
    if (pol.mode === "buy_only" && v < 0) return `asset ${i}: sells ${v} under buy_only`;
    if (pol.mode === "sell_only" && v > 0) return `asset ${i}: buys ${v} under sell_only`;
    if (!pol.allowShort && b.q[i] + v < 0) return `asset ${i}: short ${b.q[i] + v}`;
    if (lots[i] > 0 && Math.abs(v / lots[i] - Math.round(v / lots[i])) > 1e-9) return `asset ${i}: ${v} is not a multiple of lot ${lots[i]}`;
    if (Math.abs(v) * b.p[i] < pol.minTrade * (1 - 1e-12)) return `asset ${i}: trade worth ${Math.abs(v) * b.p[i]} < min_trade ${pol.minTrade}`;
  }
  return null;
}

/** Candidate trades per asset: every lot multiple keeping 0 <= value <= V (no shorts: a no-short book never holds more than V). */
export function candidateTrades(b: RefBook, pol: Policy): number[][] {
  const { V, tradeable, lots } = refSetup(b, pol);
  const { mayBuy, maySell } = refDirections(b, pol);
  return b.q.map((q, i) => {
    if (!tradeable[i]) return [0];
    const L = lots[i];
    if (!(L > 0)) throw new Error("brute force needs whole lots");
    const out: number[] = [];
    const kmin = Math.ceil(-q / L - 1e-12);
    const kmax = Math.floor((V / b.p[i] - q) / L + 1e-12);
    for (let k = kmin; k <= kmax; k++) {
      const v = k * L;
      if (pol.mode === "buy_only" && v < 0) continue;
      if (pol.mode === "sell_only" && v > 0) continue;
      if ((v > 0 && !mayBuy[i]) || (v < 0 && !maySell[i])) continue;
      if (v !== 0 && Math.abs(v) * b.p[i] < pol.minTrade * (1 - 1e-12)) continue;
      out.push(v);
    }
    if (!out.includes(0)) out.push(0);
    return out;
  });
}

export function countCombos(c: number[][]): number {
  return c.reduce((s, x) => s * x.length, 1);
}

/** min F over every feasible vector (exact reserve check). Returns Infinity when nothing is feasible. */
export function bruteForce(b: RefBook, pol: Policy): { f: number; dq: number[] } {
  const cand = candidateTrades(b, pol);
  const n = cand.length;
  const idx = new Array(n).fill(0);
  const dq = new Array(n).fill(0);
  let best = { f: Infinity, dq: [] as number[] };
  const { V } = refSetup(b, pol);
  const floor = pol.cashReserve * V;
  for (;;) {
    for (let i = 0; i < n; i++) dq[i] = cand[i][idx[i]];
    const c = cashAfter(b, pol, dq);
    // cheap float screen, then the exact test near the boundary
    if (c >= floor - 1e-6 * V && (c >= floor + 1e-6 * V || exactReserveSlack(b, pol, dq) >= 0)) {
      const f = objectiveF(b, pol, dq);
      if (f < best.f) best = { f, dq: dq.slice() };
    }
    let k = 0;
    while (k < n && ++idx[k] === cand[k].length) { idx[k] = 0; k++; }
    if (k === n) break;
  }
  return best;
}

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
