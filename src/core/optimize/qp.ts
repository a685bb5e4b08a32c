/**
 * Active-set QP solver for portfolio-shaped problems:
 *
 *     minimise ½ x'Hx + c'x   s.t.  A_eq x = b_eq   (a few rows: budget, target return)
 *                                   G x <= h          (a few general rows)
 *                                   lb <= x <= ub     (box, ±Infinity allowed)
 *
 * Primal active-set method (Nocedal & Wright §16.5). The working set holds the variables fixed at a
 * bound plus the active general rows; each iteration solves the equality-constrained subproblem in
 * the k *free* variables by the range-space method on a Cholesky factor H_FF = L L' (packed lower
 * triangle on a Float64Array, grown as needed). Everything an iteration needs is kept in factored
 * form and updated, never refactored:
 * - a variable entering F appends one row to L (one forward solve, O(k²)); one leaving F deletes
 *   its row and re-triangularises with Givens rotations (O(k²), less when it sits near the end);
 * - w = L⁻¹ g_F (g = Hx + c) and Z = L⁻¹ A_F' (the m working rows) follow L: an appended row adds
 *   one component to each (O(k)), a deletion applies the same rotations (O(1) per rotation), and a
 *   step x += α p, p = -L'⁻¹ (w + Z ν), changes w to w - α (w + Z ν): no products with H;
 * - so an iteration costs the projection t = w + Z ν of w off the columns of Z (ν the working
 *   rows' multipliers; a QR of Z when m >= 2, so errors grow with cond(Z), not its square), one
 *   back substitution for p and the ratio test: O(k² + k m²), independent of n. A check of
 *   A_F p = 0 in the original space (O(k m)) catches what rounding leaves when floored pivots make
 *   Z ill-conditioned, and projects p back.
 * The full gradient, needed to price the fixed variables, is recomputed only when a face is solved
 * (after a full step): g = c + Σ_{x_j ≠ 0} x_j H_j, O(n · nnz(x)), nnz(x) ≈ k for long-only optima.
 * The same refresh rebuilds w and Z from scratch (O(m k²)), so rounding from the updates never
 * reaches the answer: the face is re-solved on fresh data, a residual step is taken if one is left,
 * and the multipliers that end the search are computed from the fresh gradient.
 * The O(k²) loops live in the small FreeFactor class, the gradient in a plain function, and scratch
 * buffers are reused across solves (kept in the caller's Workspace, options.workspace): a deoptimised 300-line driver or boxed doubles would otherwise
 * cost far more than the arithmetic (measured: GC pauses and baseline-code runs between solves).
 * Pricing frees many fixed variables at once, most violated multiplier first: min(batch, max(16,
 * k/2)), batch starting at 16, doubling while batches stick, quartered when more than half of the
 * last batch was fixed again by zero-length steps (coupled general rows, e.g. homogenised max-Sharpe
 * caps); maxBatch = 1 is the classical one-at-a-time method. This is what makes sparse optima
 * cheap: the bench's long-only N = 500 min-volatility problem (138 held) takes 28 iterations and 7
 * pricings (max-Sharpe, 121 held: 19 and 7), against 284 and 141 (244 and 122) for the previous
 * one-variable-per-pricing version. Freeing several is safe: on the enlarged face the step p
 * satisfies z_N'p_N = g'p = -p'Hp < 0 (z_N < 0 the freed variables' multipliers), so unless p = 0
 * some freed variable moves off its bound; a zero-length step fixes again, in one go, the free
 * variables on a bound that p would leave (never leaving fewer than m + 1 free besides the blocking
 * one), and the next positive step strictly lowers the objective.
 * A face with k <= m free variables is a point, and a step that is rounding next to the terms of
 * w + Z ν (tiny H, e.g. efficient_risk's bisection at small eta) is zero.
 *
 * Why hand-written: long-only optima are sparse (few held assets), so a bound-aware active set whose
 * cost grows with the held assets beats general solvers that factor the full n x n system (npm
 * `quadprog`, a dual Goldfarb-Idnani method that treats each bound as a dense row, or HiGHS WASM,
 * which also costs a lazy ~1 MB load); it warm-starts from a previous solution (frontiers,
 * bisections), and has no dependency. H is passed as Q with qScale/qRidge so callers need not copy
 * an n x n covariance (0.6-0.8 ms at N = 500). Measured (bench/optimize.ts, 2 shared cores, load
 * ~1.5, medians, long-only N = 500): min-volatility 4.3 ms and max-Sharpe 2.8 ms, 1,100x and
 * 1,900x faster than npm quadprog, 160x and 270x faster than HiGHS; the previous version took
 * 47-54 and 34-37 ms next to 3.1-4.1 and 2.0-2.1 ms for this one in the same runs (13-17x).
 * Objective gaps to the best of the three <= 2e-15, KKT residuals <= 1.1e-15 relative.
 *
 * H must be positive semidefinite. A singular H_FF (ill-conditioned covariance, N > T) is handled
 * by a floored pivot (relative 1e-12 of the largest diagonal): a vanishing ridge on the free block.
 * The caller supplies a feasible start x0 (feasibility is cheap to construct for portfolio sets).
 */
import { RebalError } from "../errors";
import { QPScratch, Workspace } from "../workspace";

export interface QPProblem {
  n: number;
  /** n x n row-major, symmetric PSD; the objective's Hessian is H = qScale Q + qRidge I */
  Q: Float64Array;
  /** multiplies Q (default 1): callers pass a covariance as is instead of copying 2S */
  qScale?: number;
  /** added to H's diagonal (default 0), e.g. an L2 penalty */
  qRidge?: number;
  c: Float64Array;
  lb: Float64Array;
  ub: Float64Array;
  Aeq: Float64Array[];
  beq: number[];
  G?: Float64Array[];
  h?: number[];
}

export interface QPResult {
  x: Float64Array;
  objective: number;
  iterations: number;
  /** multipliers of the equality rows (sign: Hx + c + A'nu - z = 0) */
  nuEq: number[];
  /** multipliers of the general rows G x <= h, >= 0, 0 for rows not active (same sign: Hx + c + A'nu + G'nuIn - z = 0) */
  nuIn: Float64Array;
  /** count of free (off-bound) variables at the solution */
  free: number;
}

export interface QPOptions {
  /** feasible starting point (required) */
  x0: Float64Array;
  maxIter?: number;
  tol?: number;
  /** most fixed variables freed per pricing (default n); 1 = the classical one at a time */
  maxBatch?: number;
  /** where the scratch arrays are kept between solves (default: a temporary one) */
  workspace?: Workspace;
}

const BOUND_TOL = 1e-12;

/**
 * Scratch reused across solves lives in the caller's Workspace (workspace.ts `qp`; the solver is
 * synchronous and never re-entered). Typed-array backing stores count toward V8's young-generation
 * GC triggers; a solve's scratch (the factor above all: 66 KB at k = 90) would otherwise start a
 * scavenge every few solves. An array above the workspace's retention cap is used, not kept.
 */
function keep<T extends { byteLength: number }>(ws: Workspace, a: T, slot: keyof QPScratch): T {
  if (ws.retains(a.byteLength)) (ws.qp as unknown as Record<string, unknown>)[slot] = a;
  return a;
}

/**
 * The Cholesky factor H_FF = L L' of the free block (packed rows: L[a][b] at a(a+1)/2 + b, free[a]
 * the variable at position a) with w = L^-1 g_F and, for the m working rows, Z = L^-1 (row on F)
 * (flat, row j at j n) carried along. The hot loops live in these small methods, so they are
 * optimised early and independently of the driver.
 */
class FreeFactor {
  k = 0;
  m = 0;
  readonly free: Int32Array;
  readonly w: Float64Array;
  readonly rows: Float64Array[] = [];
  L: Float64Array;
  Z: Float64Array;
  private capRows: number;
  private capZ: number;
  private readonly sqrtFloor: number;
  private readonly nu1 = new Float64Array(1);
  private Qb = new Float64Array(0); // orthonormalised Z (m >= 2)

  constructor(private readonly ws: Workspace, readonly n: number, readonly Q: Float64Array, readonly qs: number, readonly qr: number, readonly pivFloor: number, free: Int32Array, w: Float64Array, mHint: number) {
    this.free = free;
    this.w = w;
    this.sqrtFloor = Math.sqrt(pivFloor);
    const r0 = Math.min(n, 64), len0 = (r0 * (r0 + 1)) >> 1;
    this.L = ws.qp.L.length >= len0 ? ws.qp.L : keep(ws, new Float64Array(len0), "L");
    this.capRows = Math.min(n, Math.floor((Math.sqrt(8 * this.L.length + 1) - 1) / 2));
    const zNeed = Math.max(mHint, 1) * n;
    this.Z = ws.qp.Z.length >= zNeed ? ws.qp.Z : keep(ws, new Float64Array(zNeed), "Z");
    this.capZ = n > 0 ? Math.floor(this.Z.length / n) : 0;
  }

  /** v[off .. off+k) := L^-1 v */
  forward(v: Float64Array, off: number): void {
    const L = this.L, k = this.k;
    for (let a = 0, o = 0; a < k; a++, o += a) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, b = 0; // four accumulators: the loop is latency-bound
      for (const e = a - 3; b < e; b += 4) {
        s0 += L[o + b] * v[off + b]; s1 += L[o + b + 1] * v[off + b + 1];
        s2 += L[o + b + 2] * v[off + b + 2]; s3 += L[o + b + 3] * v[off + b + 3];
      }
      for (; b < a; b++) s0 += L[o + b] * v[off + b];
      v[off + a] = (v[off + a] - (s0 + s1 + (s2 + s3))) / L[o + a];
    }
  }

  /** w and Z from scratch for the gradient g */
  rebuild(g: Float64Array): void {
    const { k, n, free, w, Z, rows } = this;
    for (let a = 0; a < k; a++) w[a] = g[free[a]];
    this.forward(w, 0);
    for (let j = 0; j < this.m; j++) {
      const r = rows[j], o = j * n;
      for (let a = 0; a < k; a++) Z[o + a] = r[free[a]];
      this.forward(Z, o);
    }
  }

  /** appends variable v (gradient gv) to F: one row of L, one component of w and of each Z row */
  add(v: number, gv: number): void {
    const k = this.k, n = this.n;
    if (k + 1 > this.capRows) {
      this.capRows = Math.min(n, 2 * this.capRows);
      const L2 = keep(this.ws, new Float64Array((this.capRows * (this.capRows + 1)) >> 1), "L");
      L2.set(this.L.subarray(0, (k * (k + 1)) >> 1));
      this.L = L2;
    }
    const L = this.L, Q = this.Q, qs = this.qs, free = this.free, Z = this.Z;
    const o = (k * (k + 1)) >> 1, qo = v * n;
    // solve L l = H[F, v]
    for (let a = 0, oa = 0; a < k; a++, oa += a) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, b = 0;
      for (const e = a - 3; b < e; b += 4) {
        s0 += L[oa + b] * L[o + b]; s1 += L[oa + b + 1] * L[o + b + 1];
        s2 += L[oa + b + 2] * L[o + b + 2]; s3 += L[oa + b + 3] * L[o + b + 3];
      }
      for (; b < a; b++) s0 += L[oa + b] * L[o + b];
      L[o + a] = (qs * Q[qo + free[a]] - (s0 + s1 + (s2 + s3))) / L[oa + a];
    }
    let d = qs * Q[qo + v] + this.qr, sw = gv;
    for (let b = 0; b < k; b++) { const l = L[o + b]; d -= l * l; sw -= l * this.w[b]; }
    const dk = Math.sqrt(d > this.pivFloor ? d : this.pivFloor);
    L[o + k] = dk;
    this.w[k] = sw / dk;
    for (let j = 0; j < this.m; j++) {
      const oz = j * n;
      let sz = this.rows[j][v];
      for (let b = 0; b < k; b++) sz -= L[o + b] * Z[oz + b];
      Z[oz + k] = sz / dk;
    }
    free[k] = v;
    this.k = k + 1;
  }

  /**
   * Drops position pos: rows pos+1..k-1 (old numbering) hold columns 0..row; rotate columns
   * (r, r+1), r = pos..k-2, so old row r+1 becomes lower triangular, then compact it into row r.
   * The same rotations carry w and Z (L_del G = [L_new 0], so L_new^-1 v_del is the first k-1
   * components of G' L^-1 v). Returns false when a pivot had to be floored (w, Z need a rebuild).
   */
  remove(pos: number): boolean {
    const L = this.L, Z = this.Z, w = this.w, free = this.free, k = this.k, n = this.n, m = this.m;
    let clean = true;
    for (let r = pos; r < k - 1; r++) {
      const o = ((r + 1) * (r + 2)) >> 1; // old row r+1
      const a = L[o + r], b = L[o + r + 1];
      const sc = Math.max(Math.abs(a), Math.abs(b));
      if (sc === 0) continue;
      const rr = sc * Math.sqrt((a / sc) * (a / sc) + (b / sc) * (b / sc));
      const cs = a / rr, sn = b / rr;
      for (let q = r + 1, oq = o; q < k; q++, oq += q) {
        const u = L[oq + r], v2 = L[oq + r + 1];
        L[oq + r] = cs * u + sn * v2;
        L[oq + r + 1] = -sn * u + cs * v2;
      }
      { const u = w[r], v2 = w[r + 1]; w[r] = cs * u + sn * v2; w[r + 1] = -sn * u + cs * v2; }
      for (let j = 0; j < m; j++) {
        const oz = j * n + r;
        const u = Z[oz], v2 = Z[oz + 1];
        Z[oz] = cs * u + sn * v2; Z[oz + 1] = -sn * u + cs * v2;
      }
    }
    for (let r = pos; r < k - 1; r++) {
      const src = ((r + 1) * (r + 2)) >> 1, dst = (r * (r + 1)) >> 1;
      L.copyWithin(dst, src, src + r + 1);
      if (L[dst + r] < this.sqrtFloor) { L[dst + r] = this.sqrtFloor; clean = false; }
      free[r] = free[r + 1];
    }
    this.k = k - 1;
    return clean;
  }

  /** appends working row r (its Z row by one forward solve) */
  addRow(r: Float64Array): void {
    const n = this.n, m = this.m;
    if (m + 1 > this.capZ) {
      this.capZ = Math.max(1, 2 * this.capZ);
      const Z2 = keep(this.ws, new Float64Array(this.capZ * n), "Z");
      Z2.set(this.Z.subarray(0, m * n));
      this.Z = Z2;
    }
    const Z = this.Z, o = m * n;
    for (let a = 0; a < this.k; a++) Z[o + a] = r[this.free[a]];
    this.forward(Z, o);
    this.rows.push(r);
    this.m = m + 1;
  }

  removeRow(j: number): void {
    this.Z.copyWithin(j * this.n, (j + 1) * this.n, this.m * this.n);
    this.rows.splice(j, 1);
    this.m--;
  }

  /**
   * The face step: t = w + Z nu, the part of w orthogonal to the columns of Z (nu the least-squares
   * coefficients, the working rows' multipliers), and p = -L'^-1 t (p, t by position). For m >= 2
   * through a QR of Z (Gram-Schmidt twice, R nu = -Q'w), whose error grows with cond(Z), not with
   * cond(Z)^2 as the normal equations Z'Z nu = -Z'w would (floored pivots make Z ill-conditioned).
   * A face with k <= m is a point, and t at rounding level next to its terms (tiny H) is zero.
   * Returns nu (length m).
   */
  direction(t: Float64Array, p: Float64Array): Float64Array {
    const { k, m, n, L, Z, w } = this;
    let nu: Float64Array;
    if (m === 1) {
      let zz = 0, zw = 0;
      for (let a = 0; a < k; a++) { zz += Z[a] * Z[a]; zw += Z[a] * w[a]; }
      if (!(zz > 0)) throw new RebalError("optimizer: the constraints are degenerate (linearly dependent)");
      nu = this.nu1;
      nu[0] = -zw / zz;
      for (let a = 0; a < k; a++) t[a] = w[a] + Z[a] * nu[0];
    } else {
      if (this.Qb.length < this.Z.length) this.Qb = new Float64Array(this.Z.length);
      const Qb = this.Qb, R = new Float64Array(m * m), cw = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const oj = j * n;
        let z2 = 0;
        for (let a = 0; a < k; a++) { const v = Z[oj + a]; Qb[oj + a] = v; z2 += v * v; }
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i < j; i++) {
            const oi = i * n;
            let d = 0;
            for (let a = 0; a < k; a++) d += Qb[oi + a] * Qb[oj + a];
            R[i * m + j] += d;
            for (let a = 0; a < k; a++) Qb[oj + a] -= d * Qb[oi + a];
          }
        }
        let q2 = 0;
        for (let a = 0; a < k; a++) q2 += Qb[oj + a] * Qb[oj + a];
        if (!(q2 > 1e-30 * z2)) throw new RebalError("optimizer: the constraints are degenerate (linearly dependent)");
        const rjj = Math.sqrt(q2);
        R[j * m + j] = rjj;
        for (let a = 0; a < k; a++) Qb[oj + a] /= rjj;
      }
      for (let a = 0; a < k; a++) t[a] = w[a];
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < m; j++) {
          const oj = j * n;
          let d = 0;
          for (let a = 0; a < k; a++) d += Qb[oj + a] * t[a];
          cw[j] += d;
          for (let a = 0; a < k; a++) t[a] -= d * Qb[oj + a];
        }
      }
      nu = new Float64Array(m); // R nu = -cw
      for (let i = m - 1; i >= 0; i--) {
        let sum = -cw[i];
        for (let j = i + 1; j < m; j++) sum -= R[i * m + j] * nu[j];
        nu[i] = sum / R[i * m + i];
      }
    }
    let tmax = 0, wmax = 0, dmax = 0;
    for (let a = 0; a < k; a++) {
      const ta = Math.abs(t[a]), wa = Math.abs(w[a]), da = Math.abs(t[a] - w[a]);
      if (ta > tmax) tmax = ta;
      if (wa > wmax) wmax = wa;
      if (da > dmax) dmax = da;
    }
    if (k <= m || tmax <= 1e-14 * Math.max(wmax, dmax)) t.fill(0, 0, k);
    for (let a = 0; a < k; a++) p[a] = t[a];
    for (let a = k - 1, o = (k * (k - 1)) >> 1; a >= 0; o -= a, a--) {
      const pa = (p[a] /= L[o + a]);
      for (let b = 0; b < a; b++) p[b] -= L[o + b] * pa;
    }
    for (let a = 0; a < k; a++) p[a] = -p[a];
    return nu;
  }
}

/**
 * Keeps A_F p = 0 in the original space. The range-space step satisfies it through Z't = 0, but
 * with floored pivots (singular H_FF) Z is ill-conditioned and the rounding left in A_F p would let
 * x drift off A x = b over many steps. When some |a_j'p| is above rounding, p is projected onto the
 * null space of A_F (Gram matrix of the rows on F, well scaled) and t = -L'p is recomputed so that
 * the carried w stays consistent. Returns whether p changed.
 */
function keepFeasible(F: FreeFactor, p: Float64Array, t: Float64Array): boolean {
  const { k, m, free, rows, L } = F;
  if (m === 0 || k === 0) return false;
  let pmax = 0;
  for (let a = 0; a < k; a++) pmax = Math.max(pmax, Math.abs(p[a]));
  if (pmax === 0) return false;
  const r = new Float64Array(m);
  let bad = false;
  for (let j = 0; j < m; j++) {
    const row = rows[j];
    let s = 0, an = 0;
    for (let a = 0; a < k; a++) { const v = row[free[a]]; s += v * p[a]; an += v * v; }
    r[j] = s;
    if (Math.abs(s) > 1e-13 * Math.sqrt(an) * pmax) bad = true;
  }
  if (!bad) return false;
  const M = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) {
    const ri = rows[i], rj = rows[j];
    let s = 0;
    for (let a = 0; a < k; a++) s += ri[free[a]] * rj[free[a]];
    M[i * m + j] = s; M[j * m + i] = s;
  }
  const y = solveSmall(M, r, m);
  for (let j = 0; j < m; j++) { const row = rows[j], yj = y[j]; for (let a = 0; a < k; a++) p[a] -= row[free[a]] * yj; }
  // t = -L'p: t_a = -sum_{b >= a} L[b][a] p[b]
  for (let a = 0; a < k; a++) t[a] = 0;
  for (let b = 0, o = 0; b < k; b++, o += b) { const pb = p[b]; for (let a = 0; a <= b; a++) t[a] -= L[o + a] * pb; }
  return true;
}

/** g := qs Q x + qr x + c over the nonzero x_j (Q symmetric: column j = row j), O(n nnz(x)) */
function gradient(g: Float64Array, Q: Float64Array, qs: number, qr: number, c: Float64Array, x: Float64Array, n: number): void {
  g.set(c);
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    if (xj === 0) continue;
    const o = j * n, f = qs * xj;
    for (let i = 0; i < n; i++) g[i] += f * Q[o + i];
    g[j] += qr * xj;
  }
}

/** Gx := G x (dense general rows) */
function rowProducts(Gx: Float64Array, G: Float64Array[], x: Float64Array, n: number): void {
  for (let j = 0; j < G.length; j++) {
    const r = G[j];
    let s = 0;
    for (let i = 0; i < n; i++) s += r[i] * x[i];
    Gx[j] = s;
  }
}

/**
 * Starting working set: variables within BOUND_TOL of a bound are fixed there (x snapped), more are
 * freed until the equality rows are independent on the free set, and general rows that are tight
 * join when independent. Returns the active general rows; `fixed` is filled (0 free, -1 lb, +1 ub).
 */
function startingWorkingSet(P: QPProblem, x: Float64Array, fixed: Int8Array): number[] {
  const { n, lb, ub, Aeq } = P;
  const G = P.G ?? [], h = P.h ?? [];
  const activeIn: number[] = [];
  for (let i = 0; i < n; i++) {
    const wl = Math.max(1, Math.abs(lb[i])) * BOUND_TOL, wu = Math.max(1, Math.abs(ub[i])) * BOUND_TOL;
    if (x[i] <= lb[i] + wl) { x[i] = lb[i]; fixed[i] = -1; }
    else if (x[i] >= ub[i] - wu) { x[i] = ub[i]; fixed[i] = 1; }
    if (lb[i] === ub[i]) { x[i] = lb[i]; fixed[i] = -1; }
  }
  const rowsOf = (): Float64Array[] => [...Aeq, ...activeIn.map((j) => G[j])];
  const independent = (rows: Float64Array[]): boolean => {
    // Gram-Schmidt on rows restricted to free coordinates
    const basis: Float64Array[] = [];
    for (const r of rows) {
      const v = new Float64Array(n);
      let norm0 = 0;
      for (let i = 0; i < n; i++) if (fixed[i] === 0) { v[i] = r[i]; norm0 += r[i] * r[i]; }
      for (const b of basis) {
        let d = 0;
        for (let i = 0; i < n; i++) d += v[i] * b[i];
        for (let i = 0; i < n; i++) v[i] -= d * b[i];
      }
      let nn = 0;
      for (let i = 0; i < n; i++) nn += v[i] * v[i];
      if (!(nn > 1e-20 * Math.max(norm0, 1e-300)) || nn === 0) return false;
      const s = 1 / Math.sqrt(nn);
      for (let i = 0; i < n; i++) v[i] *= s;
      basis.push(v);
    }
    return true;
  };
  for (let j = 0; j < G.length; j++) {
    let ax = 0;
    for (let i = 0; i < n; i++) ax += G[j][i] * x[i];
    if (ax > h[j] + 1e-9 * Math.max(1, Math.abs(h[j]))) throw new RebalError("internal: QP start violates a constraint");
  }
  // free variables until the equality rows are independent on the free set
  for (let r = 1; r <= Aeq.length; r++) {
    let guard = 0;
    while (!independent(Aeq.slice(0, r)) && guard++ < n) {
      const row = Aeq[r - 1];
      let best = -1, bv = 0;
      for (let i = 0; i < n; i++) if (fixed[i] !== 0 && lb[i] !== ub[i] && Math.abs(row[i]) > bv) { bv = Math.abs(row[i]); best = i; }
      if (best < 0) break;
      fixed[best] = 0;
      if (independent(Aeq.slice(0, r))) break;
    }
  }
  for (let j = 0; j < G.length; j++) {
    let ax = 0;
    for (let i = 0; i < n; i++) ax += G[j][i] * x[i];
    if (ax >= h[j] - 1e-12 * Math.max(1, Math.abs(h[j]))) {
      activeIn.push(j);
      if (!independent(rowsOf())) activeIn.pop();
    }
  }
  return activeIn;
}

export function solveQP(P: QPProblem, opts: QPOptions): QPResult {
  const { n, Q, c, lb, ub, Aeq } = P; // beq: the feasible start x0 satisfies Aeq x = beq, and every step keeps it
  const G = P.G ?? [], h = P.h ?? [];
  const mEq = Aeq.length, mIn = G.length;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 20 * n + 200;
  const maxBatch = Math.max(1, Math.min(n, opts.maxBatch ?? n));
  const qs = P.qScale ?? 1, qr = P.qRidge ?? 0;
  if (!(qs > 0) || !(qr >= 0)) throw new RebalError("internal: QP qScale must be > 0 and qRidge >= 0");
  const x = Float64Array.from(opts.x0);
  let qmax = 0; // scale for the pivot floor
  for (let i = 0; i < n; i++) qmax = Math.max(qmax, Math.abs(qs * Q[i * n + i] + qr));
  const pivFloor = Math.max(qmax, 1e-300) * 1e-12;

  const ws = opts.workspace ?? new Workspace();
  const sc = ws.qp;
  const i32 = sc.i32.length >= 2 * n ? sc.i32 : keep(ws, new Int32Array(2 * n), "i32");
  const f64 = sc.f64.length >= 7 * n ? sc.f64 : keep(ws, new Float64Array(7 * n), "f64");
  const fixed = (sc.i8.length >= n ? sc.i8 : keep(ws, new Int8Array(n), "i8")).subarray(0, n);
  fixed.fill(0);
  const activeIn = startingWorkingSet(P, x, fixed);
  const isActive = new Uint8Array(mIn);
  for (const j of activeIn) isActive[j] = 1;

  const g = f64.subarray(0, n);                                   // Hx + c, fresh after a refresh
  const t = f64.subarray(2 * n, 3 * n), p = f64.subarray(3 * n, 4 * n), zv = f64.subarray(4 * n, 5 * n);
  const candI = i32.subarray(n, 2 * n), candV = f64.subarray(5 * n, 6 * n), candS = f64.subarray(6 * n, 7 * n);
  const F = new FreeFactor(ws, n, Q, qs, qr, pivFloor, i32.subarray(0, n), f64.subarray(n, 2 * n), mEq + activeIn.length + Math.min(mIn, 4));
  const free = F.free, rows = F.rows;
  const Gx = new Float64Array(mIn), ap = new Float64Array(mIn);
  const refresh = (): void => { gradient(g, Q, qs, qr, c, x, n); rowProducts(Gx, G, x, n); F.rebuild(g); };

  gradient(g, Q, qs, qr, c, x, n);
  rowProducts(Gx, G, x, n);
  for (let j = 0; j < mEq; j++) F.addRow(Aeq[j]);
  for (const j of activeIn) F.addRow(G[j]);
  for (let i = 0; i < n; i++) if (fixed[i] === 0) F.add(i, g[i]);

  let iter = 0;
  let nu: Float64Array = new Float64Array(mEq);
  let fresh = true, refinements = 0;
  // variables freed per pricing: min(batch, max(16, k/2)); batch doubles while batches stick and is
  // quartered when more than half of the last batch was fixed again by zero-length steps
  let batch = Math.min(16, maxBatch), lastAdded = 0, zeroDrops = 0;
  for (; iter < maxIter; iter++) {
    const m = F.m;
    nu = F.direction(t, p);
    keepFeasible(F, p, t);
    const k = F.k;
    let pmax = 0, xmax = 1;
    for (let a = 0; a < k; a++) {
      const ab = Math.abs(p[a]);
      if (ab > pmax) pmax = ab;
      const ax = Math.abs(x[free[a]]);
      if (ax > xmax) xmax = ax;
    }
    // the face is solved when p is rounding; a residual step from fresh data is taken (refinement),
    // at most three in a row (then what is left is rounding on an ill-conditioned H_FF)
    if (pmax <= 1e-13 * xmax || (fresh && refinements >= 3)) {
      if (!fresh) { refresh(); fresh = true; continue; }
      refinements = 0;
      // multipliers of the fixed bounds: z = g + A'nu (at lb need z >= 0, at ub z <= 0); active ineq need nu >= 0
      let gscale = 1e-300;
      for (let i = 0; i < n; i++) gscale = Math.max(gscale, Math.abs(g[i]));
      zv.set(g);
      for (let j = 0; j < m; j++) { const r = rows[j], nj = nu[j]; for (let i = 0; i < n; i++) zv[i] += r[i] * nj; }
      let nc = 0, worst = -tol, wRow = -1;
      for (let i = 0; i < n; i++) {
        if (fixed[i] === 0 || lb[i] === ub[i]) continue;
        const viol = (fixed[i] < 0 ? zv[i] : -zv[i]) / gscale;
        if (viol < -tol) { candI[nc] = i; candV[nc++] = viol; if (viol < worst) worst = viol; }
      }
      for (let j = 0; j < activeIn.length; j++) {
        const v = nu[mEq + j] / gscale;
        if (v < worst) { worst = v; wRow = j; }
      }
      if (wRow >= 0) { // release the most violated general row
        isActive[activeIn[wRow]] = 0;
        activeIn.splice(wRow, 1);
        F.removeRow(mEq + wRow);
        continue;
      }
      if (nc === 0) break; // optimal
      // free the `take` most violated (all of them when there are few)
      if (lastAdded > 0) batch = 2 * zeroDrops > lastAdded ? Math.max(1, batch >> 2) : Math.min(maxBatch, 2 * batch);
      const take = Math.min(batch, Math.max(16, k >> 1));
      let cut = 0; // violations <= cut are freed
      if (nc > take) { candS.set(candV.subarray(0, nc)); cut = candS.subarray(0, nc).sort()[take - 1]; }
      for (let q = 0, added = 0; q < nc && added < take; q++) {
        if (candV[q] <= cut) { const i = candI[q]; fixed[i] = 0; F.add(i, g[i]); added++; }
      }
      lastAdded = Math.min(take, nc); zeroDrops = 0;
      continue;
    }
    // ratio test
    let alpha = 1, block = -1, blockKind = 0, blockSide = 0;
    for (let a = 0; a < k; a++) {
      const i = free[a], pa = p[a];
      if (pa < 0 && lb[i] > -Infinity) { const s = (lb[i] - x[i]) / pa; if (s < alpha) { alpha = Math.max(s, 0); block = a; blockKind = 0; blockSide = -1; } }
      else if (pa > 0 && ub[i] < Infinity) { const s = (ub[i] - x[i]) / pa; if (s < alpha) { alpha = Math.max(s, 0); block = a; blockKind = 0; blockSide = 1; } }
    }
    for (let j = 0; j < mIn; j++) {
      const r = G[j];
      let s = 0, an = 0;
      for (let a = 0; a < k; a++) { const gv = r[free[a]]; s += gv * p[a]; an += gv * gv; }
      ap[j] = s;
      if (isActive[j] || s <= 1e-9 * Math.sqrt(an) * pmax) continue;
      const st = (h[j] - Gx[j]) / s;
      if (st < alpha) { alpha = Math.max(st, 0); block = j; blockKind = 1; }
    }
    if (block < 0 && fresh) refinements++; else refinements = 0;
    if (alpha > 0) {
      const w = F.w;
      for (let a = 0; a < k; a++) { x[free[a]] += alpha * p[a]; w[a] -= alpha * t[a]; }
      for (let j = 0; j < mIn; j++) Gx[j] += alpha * ap[j];
      fresh = false;
    }
    // a full step reaches the face minimiser: refresh now (pricing needs fresh data anyway)
    if (block < 0) { refresh(); fresh = true; continue; }
    fresh = false;
    if (blockKind === 0 && alpha === 0) {
      // zero-length step: fix again every free variable sitting on a bound that p leaves (just
      // freed ones, typically), highest position first so positions stay valid; one re-solve.
      // Besides the blocking one (dropped as in the classical method) only while more than m + 1
      // stay free, so the face keeps a direction to move in.
      let clean = true;
      for (let a = k - 1; a >= 0; a--) {
        const i = free[a];
        const side = p[a] < 0 && x[i] === lb[i] ? -1 : p[a] > 0 && x[i] === ub[i] ? 1 : 0;
        if (a !== block && (side === 0 || F.k <= m + 2)) continue;
        const sd = side !== 0 ? side : blockSide;
        x[i] = sd < 0 ? lb[i] : ub[i];
        fixed[i] = sd;
        zeroDrops++;
        if (!F.remove(a)) clean = false;
      }
      if (!clean) { refresh(); fresh = true; }
    } else if (blockKind === 0) {
      const i = free[block];
      x[i] = blockSide < 0 ? lb[i] : ub[i];
      fixed[i] = blockSide < 0 ? -1 : 1;
      if (!F.remove(block)) { refresh(); fresh = true; }
    } else {
      activeIn.push(block); isActive[block] = 1;
      F.addRow(G[block]);
    }
  }
  if (iter >= maxIter) throw new RebalError(`optimizer did not converge in ${maxIter} iterations`);
  let obj = 0;
  for (let i = 0; i < n; i++) obj += x[i] * (0.5 * (g[i] - c[i]) + c[i]);
  const nuIn = new Float64Array(mIn);
  for (let j = 0; j < activeIn.length && mEq + j < nu.length; j++) nuIn[activeIn[j]] = nu[mEq + j];
  return { x, objective: obj, iterations: iter, nuEq: Array.from(nu.subarray(0, mEq)), nuIn, free: F.k };
}

/** Solves a small dense symmetric system by Gaussian elimination with partial pivoting. */
function solveSmall(M: Float64Array, b: Float64Array, m: number): Float64Array {
  const A = Float64Array.from(M), x = Float64Array.from(b);
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r * m + col]) > Math.abs(A[piv * m + col])) piv = r;
    if (piv !== col) {
      for (let q = 0; q < m; q++) { const t = A[col * m + q]; A[col * m + q] = A[piv * m + q]; A[piv * m + q] = t; }
      const t = x[col]; x[col] = x[piv]; x[piv] = t;
    }
    const d = A[col * m + col];
    if (d === 0) throw new RebalError("optimizer: the constraints are degenerate (linearly dependent)");
    for (let r = col + 1; r < m; r++) {
      const f = A[r * m + col] / d;
      if (f === 0) continue;
      for (let q = col; q < m; q++) A[r * m + q] -= f * A[col * m + q];
      x[r] -= f * x[col];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = x[r];
    for (let q = r + 1; q < m; q++) s -= A[r * m + q] * x[q];
    x[r] = s / A[r * m + r];
  }
  return x;
}
