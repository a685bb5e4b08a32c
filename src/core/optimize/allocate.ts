/**
 * Discrete allocation: whole shares (or lots) from target weights, latest prices and a total value,
 * as PyPortfolioOpt `DiscreteAllocation` (long only):
 * - `greedy` (`greedy_portfolio`): weights sorted descending; first buy floor(w_i V / p_i) shares of
 *   each; then repeatedly buy one share of the asset with the largest shortfall `w_i - current_i`
 *   (current = value share of what was bought) that is still affordable, skipping unaffordable ones
 *   (at most 10 skips per step, as PyPortfolioOpt) and stopping when no positive shortfall is affordable.
 * - `lp` (`lp_portfolio`): exact integer programme min sum_i |w_i V - x_i p_i| + leftover s.t. p'x <= V,
 *   x integer >= 0, solved by HiGHS (npm `highs`, WebAssembly) loaded lazily on first use.
 * With `lot` sizes, quantities are multiples of the lot (a lot is one unit of price lot * p).
 */
import type { Highs } from "highs";
import { RebalError, fmt } from "../errors";

export interface AllocationResult {
  /** quantities per asset (in shares, multiples of the lot) */
  quantities: number[];
  leftover: number;
}

export interface AllocateOptions {
  method?: "greedy" | "lp" | string;
  /** lot size per asset or one for all (default 1) */
  lot?: number | ReadonlyArray<number>;
  names?: readonly string[];
}

function label(i: number, names?: readonly string[]): string {
  return names && names[i] !== undefined ? `asset ${names[i]}` : `asset ${i + 1}`;
}

function check(weights: ReadonlyArray<unknown>, prices: ReadonlyArray<unknown>, total: number, o: AllocateOptions): { w: number[]; p: number[]; lots: number[] } {
  if (!Array.isArray(weights) || weights.length === 0) throw new RebalError("weights is empty");
  if (!Array.isArray(prices) || prices.length !== weights.length) throw new RebalError(`prices has ${Array.isArray(prices) ? prices.length : 0} values but weights has ${weights.length}`);
  if (typeof total !== "number" || !Number.isFinite(total) || total <= 0) throw new RebalError(`total_value must be a positive number, got ${String(total)}`);
  const n = weights.length;
  const w: number[] = [], p: number[] = [], lots: number[] = [];
  for (let i = 0; i < n; i++) {
    const wi = weights[i], pi = prices[i];
    if (typeof wi !== "number" || !Number.isFinite(wi)) throw new RebalError(`weight of ${label(i, o.names)} is not a number`);
    if (wi < 0) throw new RebalError(`weight of ${label(i, o.names)} is negative (${fmt(wi)}): allocation supports long-only weights`);
    if (typeof pi !== "number" || !Number.isFinite(pi) || pi <= 0) throw new RebalError(`price of ${label(i, o.names)} must be a positive number, got ${String(pi)}`);
    const lot = o.lot === undefined ? 1 : typeof o.lot === "number" ? o.lot : o.lot[i];
    if (typeof lot !== "number" || !Number.isInteger(lot) || lot < 1) throw new RebalError(`lot of ${label(i, o.names)} must be a whole number >= 1, got ${String(lot)}`);
    w.push(wi); p.push(pi * lot); lots.push(lot);
  }
  const s = w.reduce((a, b) => a + b, 0);
  if (!(s > 0)) throw new RebalError("weights sum to zero");
  if (s > 1 + 1e-9) throw new RebalError(`weights sum to ${fmt(s)}, more than 1`);
  return { w, p, lots };
}

/** PyPortfolioOpt greedy_portfolio (see header). */
export function allocateGreedy(weights: ReadonlyArray<unknown>, prices: ReadonlyArray<unknown>, total: number, o: AllocateOptions = {}): AllocationResult {
  const { w, p, lots } = check(weights, prices, total, o);
  const n = w.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => w[b] - w[a] || a - b);
  const sw = order.map((i) => w[i]), sp = order.map((i) => p[i]);
  const shares = new Array<number>(n).fill(0);
  let funds = total;
  for (let k = 0; k < n; k++) {
    const q = Math.floor((sw[k] * total) / sp[k]);
    shares[k] = q;
    funds -= q * sp[k];
  }
  for (let guard = 0; funds > 0 && guard < 1e7; guard++) {
    let tot = 0;
    for (let k = 0; k < n; k++) tot += sp[k] * shares[k];
    const deficit = sw.map((x, k) => x - (tot > 0 ? (sp[k] * shares[k]) / tot : NaN));
    const argmax = (): number => { let b = 0; for (let k = 1; k < n; k++) if (deficit[k] > deficit[b] || (deficit[b] !== deficit[b] && deficit[k] === deficit[k])) b = k; return b; };
    let idx = argmax();
    let price = sp[idx], counter = 0;
    while (price > funds) {
      deficit[idx] = 0;
      idx = argmax();
      if (deficit[idx] < 0 || counter === 10) break;
      price = sp[idx];
      counter++;
    }
    if (!(deficit[idx] > 0) || counter === 10) break;
    shares[idx] += 1;
    funds -= price;
  }
  const quantities = new Array<number>(n).fill(0);
  order.forEach((i, k) => { quantities[i] = shares[k] * lots[i]; });
  return { quantities, leftover: Math.max(funds, 0) };
}

let highsPromise: Promise<Highs> | null = null;

/**
 * Lazily loads the HiGHS WebAssembly solver (a separate chunk; not in the functions' main bundle),
 * shared by the integer allocation here (LP text) and the tail-risk LPs (tail.ts, model API).
 */
export function loadHighs(): Promise<Highs> {
  if (!highsPromise) {
    highsPromise = import(/* webpackChunkName: "highs" */ "highs").then((m) => {
      const loader = ((m as unknown as { default?: unknown }).default ?? m) as (opts?: unknown) => Promise<Highs>;
      return loader();
    });
    highsPromise.catch(() => { highsPromise = null; });
  }
  return highsPromise;
}

/** PyPortfolioOpt lp_portfolio: exact integer allocation with HiGHS (see header). */
export async function allocateLp(weights: ReadonlyArray<unknown>, prices: ReadonlyArray<unknown>, total: number, o: AllocateOptions = {}): Promise<AllocationResult> {
  const { w, p, lots } = check(weights, prices, total, o);
  const n = w.length;
  const num = (v: number): string => v.toPrecision(17);
  const obj: string[] = [], rows: string[] = [], bounds: string[] = [], gens: string[] = [];
  // minimise sum u_i - sum p_i x_i (+ constant total)
  for (let i = 0; i < n; i++) { obj.push(`+ u${i}`, `- ${num(p[i])} x${i}`); }
  for (let i = 0; i < n; i++) {
    const t = w[i] * total;
    rows.push(` a${i}: ${num(p[i])} x${i} + u${i} >= ${num(t)}`);
    rows.push(` b${i}: ${num(p[i])} x${i} - u${i} <= ${num(t)}`);
    bounds.push(` x${i} >= 0`, ` u${i} >= 0`);
    gens.push(`x${i}`);
  }
  rows.push(` cash: ${p.map((v, i) => `+ ${num(v)} x${i}`).join(" ")} <= ${num(total)}`);
  const lp = `Minimize\n obj: ${obj.join(" ")}\nSubject To\n${rows.join("\n")}\nBounds\n${bounds.join("\n")}\nGenerals\n ${gens.join(" ")}\nEnd\n`;
  const highs = await loadHighs();
  const res = highs.solve(lp, { output_flag: false, mip_rel_gap: 0, mip_abs_gap: 1e-9 }) as unknown as { Status: string; Columns: Record<string, { Primal: number }> };
  if (res.Status !== "Optimal") throw new RebalError(`lp allocation failed: solver status ${res.Status}`);
  const quantities = new Array<number>(n);
  let spent = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.round(res.Columns[`x${i}`]?.Primal ?? 0);
    quantities[i] = q * lots[i];
    spent += q * p[i];
  }
  return { quantities, leftover: Math.max(total - spent, 0) };
}

/** Dispatcher: `method` greedy (default) | lp. */
export async function allocate(weights: ReadonlyArray<unknown>, prices: ReadonlyArray<unknown>, total: number, o: AllocateOptions = {}): Promise<AllocationResult> {
  const m = (o.method ?? "greedy").toString().trim().toLowerCase() || "greedy";
  if (m === "greedy") return allocateGreedy(weights, prices, total, o);
  if (m === "lp") return allocateLp(weights, prices, total, o);
  throw new RebalError(`unknown allocation method "${o.method}": use greedy or lp`);
}
