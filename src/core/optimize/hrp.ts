/**
 * Hierarchical Risk Parity (López de Prado 2016), as PyPortfolioOpt `HRPOpt`:
 * correlation from the covariance, distance `sqrt(clip((1 - corr) / 2, 0, 1))`, single linkage
 * (minimum spanning tree, merges sorted by distance, the lower cluster id on the left — scipy's
 * `linkage(..., "single")`), quasi-diagonal order = the tree's left-to-right leaf order
 * (`to_tree().pre_order()`), recursive bisection splitting the ordered list at `len // 2`, cluster
 * variance of the inverse-variance portfolio, `alpha = 1 - v1 / (v1 + v2)` to the first half.
 * Also `inverseVariance` (w_i ∝ 1/S_ii) and `equalWeights`.
 */
import { RebalError } from "../errors";
import { nameOf, prepareCov } from "./problem";

type Cov = ReadonlyArray<ReadonlyArray<unknown>>;

/** Quasi-diagonal order of the single-linkage tree of the correlation distance. */
export function hrpOrder(S: Float64Array, n: number): number[] {
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) std[i] = Math.sqrt(S[i * n + i]);
  const dist = (i: number, j: number): number => {
    const c = S[i * n + j] / (std[i] * std[j]);
    return Math.sqrt(Math.min(Math.max((1 - c) / 2, 0), 1));
  };
  // Prim's MST (as scipy's mst_single_linkage: start at 0, nearest unvisited next)
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const edges: Array<[number, number, number]> = [];
  let cur = 0;
  inTree[0] = 1;
  const from = new Int32Array(n);
  for (let k = 1; k < n; k++) {
    let nxt = -1, nd = Infinity;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const d = dist(cur, j);
      if (d < best[j]) { best[j] = d; from[j] = cur; }
      if (best[j] < nd) { nd = best[j]; nxt = j; }
    }
    edges.push([from[nxt], nxt, nd]);
    inTree[nxt] = 1;
    cur = nxt;
  }
  const order = edges.map((_, i) => i).sort((a, b) => edges[a][2] - edges[b][2] || a - b);
  // label with union-find; children[n + i] = [left, right]
  const parent = new Int32Array(2 * n).map((_, i) => i);
  const find = (v: number): number => { while (parent[v] !== v) { parent[v] = parent[parent[v]]; v = parent[v]; } return v; };
  const children: Array<[number, number]> = [];
  order.forEach((e, i) => {
    const rx = find(edges[e][0]), ry = find(edges[e][1]);
    children.push(rx < ry ? [rx, ry] : [ry, rx]);
    parent[rx] = n + i; parent[ry] = n + i;
  });
  if (n === 1) return [0];
  const out: number[] = [];
  const stack = [2 * n - 2];
  while (stack.length) {
    const v = stack.pop()!;
    if (v < n) out.push(v);
    else { const [l, r] = children[v - n]; stack.push(r, l); }
  }
  return out;
}

function clusterVar(S: Float64Array, n: number, items: number[]): number {
  let s = 0;
  const w = items.map((i) => 1 / S[i * n + i]);
  const tot = w.reduce((a, b) => a + b, 0);
  for (let a = 0; a < items.length; a++) for (let b = 0; b < items.length; b++) s += (w[a] / tot) * S[items[a] * n + items[b]] * (w[b] / tot);
  return s;
}

export function hrpPrepared(S: Float64Array, n: number, names?: readonly string[]): Float64Array {
  for (let i = 0; i < n; i++) if (!(S[i * n + i] > 0)) throw new RebalError(`hrp needs a positive variance: ${nameOf(i, names)} has variance ${S[i * n + i]}`);
  const ordered = hrpOrder(S, n);
  const w = new Float64Array(n).fill(1);
  let clusters: number[][] = [ordered];
  while (clusters.length > 0) {
    const next: number[][] = [];
    for (const c of clusters) if (c.length > 1) { const h = Math.floor(c.length / 2); next.push(c.slice(0, h), c.slice(h)); }
    clusters = next;
    for (let k = 0; k < clusters.length; k += 2) {
      const a = clusters[k], b = clusters[k + 1];
      const va = clusterVar(S, n, a), vb = clusterVar(S, n, b);
      const alpha = va + vb > 0 ? 1 - va / (va + vb) : 0.5;
      for (const i of a) w[i] *= alpha;
      for (const i of b) w[i] *= 1 - alpha;
    }
  }
  return w;
}

/** HRP weights (long-only, sum 1) from a covariance matrix. */
export function hrp(cov: Cov, names?: readonly string[]): number[] {
  const S = prepareCov(cov, names);
  const n = Math.round(Math.sqrt(S.length));
  return Array.from(hrpPrepared(S, n, names));
}

/** w_i ∝ 1 / S_ii. */
export function inverseVariance(cov: Cov, names?: readonly string[]): number[] {
  const S = prepareCov(cov, names);
  const n = Math.round(Math.sqrt(S.length));
  const w = new Array<number>(n);
  let tot = 0;
  for (let i = 0; i < n; i++) {
    if (!(S[i * n + i] > 0)) throw new RebalError(`inverse_variance needs a positive variance: ${nameOf(i, names)} has variance ${S[i * n + i]}`);
    w[i] = 1 / S[i * n + i]; tot += w[i];
  }
  return w.map((v) => v / tot);
}

export function equalWeights(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RebalError(`equal weights need at least one asset, got ${n}`);
  return new Array<number>(n).fill(1 / n);
}
