/**
 * Active-set QP solver for portfolio-shaped problems:
 *
 *     minimise ½ x'Qx + c'x   s.t.  A_eq x = b_eq   (a few rows: budget, target return)
 *                                   G x <= h          (a few general rows)
 *                                   lb <= x <= ub     (box, ±Infinity allowed)
 *
 * Primal active-set method (Nocedal & Wright §16.5). The working set holds the variables fixed at a
 * bound plus the active general rows; each iteration solves the equality-constrained subproblem in
 * the *free* variables by the range-space method: a Cholesky factor L of Q_FF (kept up to date as
 * variables enter — one forward solve, O(k²) — or leave — Givens re-triangularisation, O(k²)) and
 * a small Schur complement for the (equality + active) rows. Cost per iteration is O(n k + m k²),
 * k = number of free variables, so it grows with the number of held assets, not with n.
 *
 * Why hand-written: long-only optima are sparse (few held assets), so a bound-aware active set is
 * much faster than general solvers that factor the full n x n system every iteration (npm
 * `quadprog`, a dual Goldfarb-Idnani method that treats each bound as a dense row, or HiGHS WASM,
 * which also costs a lazy ~1 MB load); it warm-starts from a previous solution (frontiers,
 * bisections), and has no dependency. See bench/optimize.ts for the comparison.
 *
 * Q must be positive semidefinite. A singular Q_FF (ill-conditioned covariance, N > T) is handled
 * by a floored pivot (relative 1e-12 of the largest diagonal): a vanishing ridge on the free block.
 * The caller supplies a feasible start x0 (feasibility is cheap to construct for portfolio sets).
 */
import { RebalError } from "../errors";

export interface QPProblem {
  n: number;
  /** n x n row-major, symmetric PSD */
  Q: Float64Array;
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
  /** multipliers of the equality rows (sign: Qx + c + A'nu - z = 0) */
  nuEq: number[];
  /** count of free (off-bound) variables at the solution */
  free: number;
}

export interface QPOptions {
  /** feasible starting point (required) */
  x0: Float64Array;
  maxIter?: number;
  tol?: number;
}

const BOUND_TOL = 1e-12;

export function solveQP(P: QPProblem, opts: QPOptions): QPResult {
  const { n, Q, c, lb, ub, Aeq } = P; // beq: the feasible start x0 satisfies Aeq x = beq, and every step keeps it
  const G = P.G ?? [], h = P.h ?? [];
  const mEq = Aeq.length, mIn = G.length;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 20 * n + 200;
  const x = Float64Array.from(opts.x0);
  // scale for tolerances
  let qmax = 0;
  for (let i = 0; i < n; i++) qmax = Math.max(qmax, Math.abs(Q[i * n + i]));
  const pivFloor = Math.max(qmax, 1e-300) * 1e-12;

  // --- working set -------------------------------------------------------------------------
  // fixed[i]: 0 free, -1 at lb, +1 at ub
  const fixed = new Int8Array(n);
  const activeIn: number[] = [];
  for (let i = 0; i < n; i++) {
    const wl = Math.max(1, Math.abs(lb[i])) * BOUND_TOL, wu = Math.max(1, Math.abs(ub[i])) * BOUND_TOL;
    if (x[i] <= lb[i] + wl) { x[i] = lb[i]; fixed[i] = -1; }
    else if (x[i] >= ub[i] - wu) { x[i] = ub[i]; fixed[i] = 1; }
    if (lb[i] === ub[i]) { x[i] = lb[i]; fixed[i] = -1; }
  }
  // rows in working set (eq rows always; active ineq rows if independent) — choose free vars so
  // that the rows restricted to free variables are linearly independent
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
  for (let j = 0; j < mIn; j++) {
    let ax = 0;
    for (let i = 0; i < n; i++) ax += G[j][i] * x[i];
    if (ax > h[j] + 1e-9 * Math.max(1, Math.abs(h[j]))) throw new RebalError("internal: QP start violates a constraint");
  }
  // free variables until the equality rows are independent on the free set
  for (let r = 1; r <= mEq; r++) {
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
  for (let j = 0; j < mIn; j++) {
    let ax = 0;
    for (let i = 0; i < n; i++) ax += G[j][i] * x[i];
    if (ax >= h[j] - 1e-12 * Math.max(1, Math.abs(h[j]))) {
      activeIn.push(j);
      if (!independent(rowsOf())) activeIn.pop();
    }
  }

  // --- Cholesky of Q_FF, in the order of `free` --------------------------------------------
  const free: number[] = [];
  const L = new Float64Array(n * n); // row-major, capacity n x n, leading k x k used
  const addFree = (v: number): void => {
    const k = free.length;
    // solve L l = Q[F, v]
    for (let a = 0; a < k; a++) {
      let s = Q[free[a] * n + v];
      for (let b = 0; b < a; b++) s -= L[a * n + b] * L[k * n + b];
      L[k * n + a] = s / L[a * n + a];
    }
    let d = Q[v * n + v];
    for (let b = 0; b < k; b++) d -= L[k * n + b] ** 2;
    L[k * n + k] = Math.sqrt(d > pivFloor ? d : pivFloor);
    free.push(v);
  };
  const removeFree = (pos: number): void => {
    const k = free.length;
    // delete row pos, shift rows up
    for (let r = pos; r < k - 1; r++) for (let col = 0; col <= r + 1; col++) L[r * n + col] = L[(r + 1) * n + col];
    // re-triangularise: rows r = pos..k-2 have an extra element at column r+1
    for (let r = pos; r < k - 1; r++) {
      const a = L[r * n + r], b = L[r * n + r + 1];
      const rr = Math.hypot(a, b);
      if (rr === 0) continue;
      const cs = a / rr, sn = b / rr;
      for (let q = r; q < k - 1; q++) {
        const u = L[q * n + r], w = L[q * n + r + 1];
        L[q * n + r] = cs * u + sn * w;
        L[q * n + r + 1] = -sn * u + cs * w;
      }
      if (L[r * n + r] < 0) for (let q = r; q < k - 1; q++) L[q * n + r] = -L[q * n + r];
    }
    for (let r = 0; r < k; r++) L[r * n + k - 1] = 0;
    for (let col = 0; col < k; col++) L[(k - 1) * n + col] = 0;
    free.splice(pos, 1);
    // keep the pivot floor
    for (let r = pos; r < k - 1; r++) if (L[r * n + r] < Math.sqrt(pivFloor)) L[r * n + r] = Math.sqrt(pivFloor);
  };
  for (let i = 0; i < n; i++) if (fixed[i] === 0) addFree(i);

  const solveL = (v: Float64Array): void => { // v := L^-T L^-1 v (length k)
    const k = free.length;
    for (let a = 0; a < k; a++) { let s = v[a]; for (let b = 0; b < a; b++) s -= L[a * n + b] * v[b]; v[a] = s / L[a * n + a]; }
    for (let a = k - 1; a >= 0; a--) { let s = v[a]; for (let b = a + 1; b < k; b++) s -= L[b * n + a] * v[b]; v[a] = s / L[a * n + a]; }
  };

  // gradient g = Qx + c
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = c[i]; for (let j = 0; j < n; j++) s += Q[i * n + j] * x[j]; g[i] = s; }

  let iter = 0;
  let nu: Float64Array = new Float64Array(0);
  const pF = new Float64Array(n);
  let lastFull = false;
  for (; iter < maxIter; iter++) {
    const k = free.length;
    const rows = rowsOf();
    const m = rows.length;
    // u = H^-1 g_F ; V_j = H^-1 a_jF
    const u = new Float64Array(k);
    for (let a = 0; a < k; a++) u[a] = g[free[a]];
    solveL(u);
    const V: Float64Array[] = [];
    for (let j = 0; j < m; j++) { const v = new Float64Array(k); for (let a = 0; a < k; a++) v[a] = rows[j][free[a]]; solveL(v); V.push(v); }
    // M = A V (m x m), rhs = -A u ; nu = M^-1 rhs
    nu = new Float64Array(m);
    if (m > 0) {
      const M = new Float64Array(m * m), rhs = new Float64Array(m);
      for (let i2 = 0; i2 < m; i2++) {
        let s = 0;
        for (let a = 0; a < k; a++) s += rows[i2][free[a]] * u[a];
        rhs[i2] = -s;
        for (let j = 0; j < m; j++) { let t = 0; for (let a = 0; a < k; a++) t += rows[i2][free[a]] * V[j][a]; M[i2 * m + j] = t; }
      }
      nu = solveSmall(M, rhs, m);
    }
    // p_F = -(u + V nu)
    let pmax = 0, xmax = 1;
    for (let a = 0; a < k; a++) {
      let s = u[a];
      for (let j = 0; j < m; j++) s += V[j][a] * nu[j];
      pF[a] = -s;
      pmax = Math.max(pmax, Math.abs(pF[a]));
      xmax = Math.max(xmax, Math.abs(x[free[a]]));
    }
    // after a full unblocked step x is the subproblem's minimiser: what remains of p is rounding
    if (pmax <= 1e-13 * xmax || (lastFull && pmax <= 1e-9 * xmax)) {
      lastFull = false;
      // multipliers of the fixed bounds: z = g + A'nu (at lb need z >= 0, at ub z <= 0); active ineq need nu >= 0
      let worst = -tol, wi = -1, wKind = 0;
      let gscale = 1e-300;
      for (let i = 0; i < n; i++) gscale = Math.max(gscale, Math.abs(g[i]));
      for (let i = 0; i < n; i++) {
        if (fixed[i] === 0 || lb[i] === ub[i]) continue;
        let z = g[i];
        for (let j = 0; j < m; j++) z += rows[j][i] * nu[j];
        const viol = (fixed[i] < 0 ? z : -z) / gscale;
        if (viol < worst) { worst = viol; wi = i; wKind = 0; }
      }
      for (let j = 0; j < activeIn.length; j++) {
        const v = nu[mEq + j] / gscale;
        if (v < worst) { worst = v; wi = j; wKind = 1; }
      }
      if (wi < 0) break; // optimal
      if (wKind === 0) { fixed[wi] = 0; addFree(wi); } else activeIn.splice(wi, 1);
      continue;
    }
    // ratio test
    let alpha = 1, block = -1, blockKind = 0, blockSide = 0;
    for (let a = 0; a < k; a++) {
      const i = free[a], p = pF[a];
      if (p < 0 && lb[i] > -Infinity) { const s = (lb[i] - x[i]) / p; if (s < alpha) { alpha = Math.max(s, 0); block = a; blockKind = 0; blockSide = -1; } }
      else if (p > 0 && ub[i] < Infinity) { const s = (ub[i] - x[i]) / p; if (s < alpha) { alpha = Math.max(s, 0); block = a; blockKind = 0; blockSide = 1; } }
    }
    for (let j = 0; j < mIn; j++) {
      if (activeIn.includes(j)) continue;
      let ap = 0, ax = 0, an = 0;
      for (let a = 0; a < k; a++) { const gv = G[j][free[a]]; ap += gv * pF[a]; an += gv * gv; }
      if (ap <= 1e-9 * Math.sqrt(an) * pmax) continue;
      for (let i = 0; i < n; i++) ax += G[j][i] * x[i];
      const s = (h[j] - ax) / ap;
      if (s < alpha) { alpha = Math.max(s, 0); block = j; blockKind = 1; }
    }
    if (alpha > 0) {
      for (let a = 0; a < k; a++) x[free[a]] += alpha * pF[a];
      for (let i = 0; i < n; i++) { let s = 0; for (let a = 0; a < k; a++) s += Q[i * n + free[a]] * pF[a]; g[i] += alpha * s; }
    }
    lastFull = block < 0;
    if (block >= 0) {
      if (blockKind === 0) {
        const i = free[block];
        const target = blockSide < 0 ? lb[i] : ub[i];
        const d = target - x[i];
        x[i] = target;
        if (d !== 0) for (let q = 0; q < n; q++) g[q] += Q[q * n + i] * d;
        fixed[i] = blockSide < 0 ? -1 : 1;
        removeFree(block);
      } else activeIn.push(block);
    }
  }
  if (iter >= maxIter) throw new RebalError(`optimizer did not converge in ${maxIter} iterations`);
  let obj = 0;
  for (let i = 0; i < n; i++) obj += x[i] * (0.5 * (g[i] - c[i]) + c[i]);
  return { x, objective: obj, iterations: iter, nuEq: Array.from(nu.subarray(0, mEq)), free: free.length };
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
