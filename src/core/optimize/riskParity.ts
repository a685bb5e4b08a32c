/**
 * Risk parity (equal risk contributions, long only, weights sum to 1) by Spinu's (2013) convex
 * formulation: minimise ½ x'Sx - sum b_i log x_i over x > 0 (b = risk budgets, equal by default),
 * then w = x / sum x, so that w_i (Sw)_i / w'Sw = b_i. Damped Newton (Cholesky of S + diag(b/x²))
 * with backtracking that keeps x > 0; converges quadratically in a handful of iterations.
 */
import { RebalError } from "../errors";
import { nameOf } from "./problem";

export function riskParityPrepared(S: Float64Array, n: number, budget?: ReadonlyArray<number> | null, names?: readonly string[]): Float64Array {
  const b = new Float64Array(n);
  if (budget) {
    if (budget.length !== n) throw new RebalError(`risk_budget has ${budget.length} values but there are ${n} assets`);
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(budget[i]) && budget[i] > 0)) throw new RebalError(`risk_budget of ${nameOf(i, names)} must be positive, got ${budget[i]}`);
      s += budget[i];
    }
    for (let i = 0; i < n; i++) b[i] = budget[i] / s;
  } else b.fill(1 / n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!(S[i * n + i] > 0)) throw new RebalError(`risk_parity needs a positive variance: ${nameOf(i, names)} has variance ${S[i * n + i]}`);
    x[i] = 1 / Math.sqrt(S[i * n + i]);
  }
  // scale x so that x'Sx = 1 (the optimum satisfies x'Sx = sum b = 1)
  const f = (v: Float64Array): number => {
    let q = 0, l = 0;
    for (let i = 0; i < n; i++) { let r = 0; for (let j = 0; j < n; j++) r += S[i * n + j] * v[j]; q += v[i] * r; l += b[i] * Math.log(v[i]); }
    return 0.5 * q - l;
  };
  const H = new Float64Array(n * n), g = new Float64Array(n), dx = new Float64Array(n), xt = new Float64Array(n);
  for (let it = 0; it < 200; it++) {
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) { r += S[i * n + j] * x[j]; H[i * n + j] = S[i * n + j]; }
      g[i] = r - b[i] / x[i];
      H[i * n + i] += b[i] / (x[i] * x[i]);
    }
    // Cholesky solve H dx = g (H is PD: S PSD + positive diagonal)
    for (let j = 0; j < n; j++) {
      let d = H[j * n + j];
      for (let k = 0; k < j; k++) d -= H[j * n + k] ** 2;
      const ljj = Math.sqrt(Math.max(d, 1e-300));
      H[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = H[i * n + j];
        for (let k = 0; k < j; k++) s -= H[i * n + k] * H[j * n + k];
        H[i * n + j] = s / ljj;
      }
    }
    for (let i = 0; i < n; i++) { let s = g[i]; for (let k = 0; k < i; k++) s -= H[i * n + k] * dx[k]; dx[i] = s / H[i * n + i]; }
    for (let i = n - 1; i >= 0; i--) { let s = dx[i]; for (let k = i + 1; k < n; k++) s -= H[k * n + i] * dx[k]; dx[i] = s / H[i * n + i]; }
    let dec = 0;
    for (let i = 0; i < n; i++) dec += g[i] * dx[i];
    if (dec < 1e-24) break;
    let t = 1;
    const f0 = f(x);
    for (let k = 0; k < 60; k++) {
      let ok = true;
      for (let i = 0; i < n; i++) { xt[i] = x[i] - t * dx[i]; if (!(xt[i] > 0)) ok = false; }
      if (ok && f(xt) <= f0 - 1e-4 * t * dec) break;
      t *= 0.5;
    }
    x.set(xt);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = x[i] / s;
  for (let i = 0; i < n; i++) if (!Number.isFinite(w[i])) throw new RebalError("risk_parity did not converge");
  return w;
}
