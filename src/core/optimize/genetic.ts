/**
 * Genetic search for max_assets / min_position (REBAL.OPTIMIZE `solver=genetic`): a seeded,
 * reproducible heuristic over *supports* (sets of at most K assets). An individual's fitness is the
 * exact convex optimum of the objective restricted to its support (cardinality.ts `relaxation`, the
 * same scores: lower is better), with every support asset held at >= min_position (or free in [0, ub]
 * when min_position is 0, and the support then shrinks to the assets actually held).
 * - Population POPULATION: the K heaviest assets of the convex relaxation, the K best by the objective's
 *   own ranking (lowest variance, or highest return), the rest random supports drawn with probability
 *   proportional to relaxation weight + a floor, so that every asset can appear.
 * - Each generation: tournament selection (2), crossover = the convex optimum on the union of two
 *   parents' supports, then its K heaviest (two solves), mutation = swap one asset for an outside one
 *   (probability MUTATION), elitism (the best survives). Supports are memoised, so a repeated one costs
 *   nothing.
 * - Stops after `max_nodes` convex solves (default DEFAULT_GENETIC_EVALUATIONS) or STALL generations
 *   without improvement. The random numbers come from a mulberry32 generator seeded by `seed`
 *   (default 1): the same inputs and seed give the same answer.
 * The reported bound is the convex relaxation of the whole problem (a valid lower bound), so the
 * reported gap is proven, if loose; it is not a proof of optimality unless it is 0.
 */
import { RebalError, fmt } from "../errors";
import { CardinalityParams, CardinalityResult, HELD_TOL, cardinalityRoot, relaxation } from "./cardinality";
import { Prepared } from "./problem";

export const DEFAULT_GENETIC_EVALUATIONS = 3000;
const POPULATION = 24;
const MUTATION = 0.3;
const STALL = 25;

/** mulberry32: a small seeded generator (the caller's state, no module state). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Individual { support: number[]; w: Float64Array | null; score: number }

export function cardinalityGenetic(p: Prepared, c: CardinalityParams, seed: number): CardinalityResult {
  const n = p.n;
  const K = c.maxAssets ?? n;
  const m = c.minPosition ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new RebalError(`seed must be a whole number >= 0, got ${fmt(seed)}`);
  const budget = c.maxNodes ?? DEFAULT_GENETIC_EVALUATIONS;
  if (!Number.isInteger(budget) || budget < 1) throw new RebalError(`max_nodes must be a whole number >= 1, got ${fmt(budget)}`);
  const root = cardinalityRoot(p, K, m);
  const forced = Array.from(root).flatMap((s, i) => (s > 0 ? [i] : []));
  const allowed = Array.from(root).flatMap((s, i) => (s === 0 ? [i] : []));
  const rnd = generator(seed);
  let evals = 0;
  const memo = new Map<string, Individual>();
  const lb = new Float64Array(n), ub = new Float64Array(n);

  /** the convex optimum with assets outside `support` at 0 and (when m > 0) support assets >= m */
  const solve = (support: number[], free: boolean): { w: Float64Array; score: number } | null => {
    const inS = new Uint8Array(n);
    for (const i of support) inS[i] = 1;
    for (const i of forced) inS[i] = 1;
    let sl = 0, su = 0;
    for (let i = 0; i < n; i++) {
      if (!inS[i] || root[i] < 0) { lb[i] = 0; ub[i] = 0; }
      else { lb[i] = root[i] > 0 || (!free && m > 0) ? Math.max(p.lb[i], m) : 0; ub[i] = p.ub[i]; }
      sl += lb[i]; su += ub[i];
    }
    if (sl > 1 + 1e-12 || su < 1 - 1e-12) return null;
    evals++;
    return relaxation(p, c, Float64Array.from(lb), Float64Array.from(ub));
  };
  const heaviest = (w: Float64Array, pool: number[], k: number): number[] =>
    [...pool].filter((i) => w[i] > HELD_TOL).sort((a, b) => w[b] - w[a] || a - b).slice(0, k);
  const slots = K - forced.length;
  const evaluate = (support: number[]): Individual => {
    const s = [...new Set(support)].filter((i) => root[i] === 0).sort((a, b) => a - b).slice(0, slots);
    const key = s.join(",");
    const hit = memo.get(key);
    if (hit) return hit;
    const r = evals < budget ? solve(s, false) : null;
    let ind: Individual = { support: s, w: r ? r.w : null, score: r ? r.score : Infinity };
    if (r && m === 0) ind = { support: s.filter((i) => r.w[i] > HELD_TOL), w: r.w, score: r.score };
    memo.set(key, ind);
    return ind;
  };

  // root relaxation: the bound, and the weights that seed the population
  const rootSol = solve(allowed, true);
  if (!rootSol) throw new RebalError("no portfolio meets this objective's constraints within the bounds (target out of reach)");
  const bound = rootSol.score;
  const wRoot = rootSol.w;
  const pop: Individual[] = [evaluate(heaviest(wRoot, allowed, slots))];
  const rank = [...allowed].sort((a, b) => {
    const ka = c.objective === "min_volatility" ? p.S[a * n + a] : -(p.mu?.[a] ?? 0);
    const kb = c.objective === "min_volatility" ? p.S[b * n + b] : -(p.mu?.[b] ?? 0);
    return ka - kb || a - b;
  });
  pop.push(evaluate(rank.slice(0, slots)));
  let wsum = 0;
  for (const i of allowed) wsum += wRoot[i];
  const floor = wsum / Math.max(allowed.length, 1);
  const draw = (exclude: Set<number>): number => {
    let tot = 0;
    for (const i of allowed) if (!exclude.has(i)) tot += wRoot[i] + floor;
    let u = rnd() * tot;
    for (const i of allowed) { if (exclude.has(i)) continue; u -= wRoot[i] + floor; if (u <= 0) return i; }
    return allowed.find((i) => !exclude.has(i)) ?? -1;
  };
  const randomSupport = (): number[] => {
    const s = new Set<number>();
    while (s.size < Math.min(slots, allowed.length)) { const i = draw(s); if (i < 0) break; s.add(i); }
    return [...s];
  };
  while (pop.length < POPULATION && evals < budget) pop.push(evaluate(randomSupport()));
  const better = (a: Individual, b: Individual) => a.score < b.score || (a.score === b.score && a.support.join(",") < b.support.join(","));
  let best = pop.reduce((a, b) => (better(b, a) ? b : a));
  let stall = 0;
  while (evals < budget && stall < STALL) {
    const pick = (): Individual => { const a = pop[Math.floor(rnd() * pop.length)], b = pop[Math.floor(rnd() * pop.length)]; return better(a, b) ? a : b; };
    const next: Individual[] = [best];
    while (next.length < POPULATION && evals < budget) {
      const a = pick(), b = pick();
      const union = [...new Set([...a.support, ...b.support])];
      let child = union;
      if (union.length > slots) {
        const u = solve(union, true);
        child = u ? heaviest(u.w, union, slots) : a.support;
        if (child.length === 0) child = a.support;
      }
      if (rnd() < MUTATION && allowed.length > child.length) {
        const s = new Set(child);
        const add = draw(s);
        if (add >= 0) { if (s.size >= slots) child = child.filter((_, k) => k !== Math.floor(rnd() * child.length)); child = [...child, add]; }
      }
      next.push(evaluate(child));
    }
    pop.length = 0;
    pop.push(...next);
    const gen = pop.reduce((x, y) => (better(y, x) ? y : x));
    if (better(gen, best)) { best = gen; stall = 0; } else stall++;
  }
  if (!best.w) throw new RebalError(`solver=genetic found no portfolio meeting max_assets ${K}${m > 0 ? ` and min_position ${fmt(m)}` : ""} within max_nodes ${budget}`);
  const w = Float64Array.from(best.w);
  let held = 0;
  for (let i = 0; i < n; i++) { if (w[i] <= HELD_TOL) w[i] = 0; else held++; }
  const gap = best.score <= bound ? 0 : (best.score - bound) / Math.max(Math.abs(best.score), 1e-300);
  return { weights: w, score: best.score, bound: Math.min(bound, best.score), gap, nodes: evals, held, solver: "genetic" };
}
