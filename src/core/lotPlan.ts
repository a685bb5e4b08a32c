/**
 * The exact whole-lot plan: branch and bound with a Lagrangian bound on the cash constraint.
 *
 * Problem (product.md, "Trades are optimal, and say so"; the caller, trades.ts, builds it): for
 * tradeable assets i with trade k_i (in units u_i: a lot, or one share for a fractional asset),
 *   minimise  F(k) = sum_i (e_i + k_i delta_i)^2 + (c(k) - dc)^2
 *   subject to c(k) = c0 - sum_i g_i(k_i) >= r,   k_i in D_i,
 * with e_i = w_i - d_i, delta_i = u_i p_i / V, every quantity a weight of the pre-trade total V, and
 * g_i(k) the cash a trade uses: k delta (1 + bps) + fixed / V for a buy, k delta (1 - bps) + fixed / V
 * for a sale, 0 for no trade. D_i is an interval [lo_i, hi_i] (integers for lots, reals for
 * fractional assets) minus the min_trade gap (-mn_i, 0) u (0, mp_i). Everything but the cash is
 * separable, which is what makes an exact method cheap.
 *
 * Bound (Lagrangian relaxation of the cash balance, multiplier lambda = the value of cash):
 *   L(lambda) = sum_i min_{k in D_i} [(e_i + k delta_i)^2 - lambda g_i(k)]
 *             + min_{c >= r} [(c - dc)^2 - lambda c] + lambda c0   <=   min F   for every lambda.
 * Each asset's minimum is exact in O(1): on each side of zero its function is a convex quadratic in k,
 * minimised at the clipped (and, for lots, floored or ceiled) stationary point. The cash term is
 * minimised at c*(lambda) = max(dc + lambda / 2, r). L is concave; its supergradient
 * s(lambda) = c0 - sum_i g_i(k_i(lambda)) - c*(lambda) is non-increasing, and the dual solve finds
 * lambda* with s+(lambda*) >= 0 >= s-(lambda*) (s+ / s- pick, among tied minimisers, the smallest /
 * largest cash use): bracketing, then secant steps, the exact crossing of the one asset that still
 * differs between the bracket's ends, and Newton steps where only fractional assets move. Any lambda
 * gives a valid bound, so the largest L evaluated is kept.
 *
 * Primal: the s+ selection at lambda* (or the left end of the final bracket) always keeps cash at or
 * above c*(lambda) >= r, so it is feasible; tied assets are then moved to their other choice while
 * that stays feasible and lowers F. When no asset is tied, the primal meets the bound (complementary
 * slackness): the node is solved exactly. Incumbents are polished by single moves (and, on a plan a
 * stopped search returns, every pair of moves); a search that is still open after FILL_AFTER_NODES
 * nodes tries cashFill, a dynamic programme over the cash of one-step moves from the root's
 * selection - the books where the bound is tight but the cash balance is a subset-sum puzzle. Why it
 * works: at lambda* with the cash off its floor, F(k) - L(lambda*) = sum_i r_i(k_i) + (c(k) - c*)^2
 * with every reduced cost r_i >= 0, so a plan is optimal once that sum is within tolerance.
 *
 * Branching: on an asset whose choice differs between s+ and s- (the "tied" asset), into k <= k+
 * and k > k+ (for a fractional asset across its min_trade gap: one side of zero against the rest).
 * Depth first with an undo trail (no allocation per node), children warm-started at the parent's
 * lambda*, a node pruned when its bound is within OPTIMALITY_TOL of the incumbent. The search stops
 * when every node is closed (the plan is proven optimal: gap 0) or after its budget of per-asset
 * evaluations (defaultWorkBudget, or the caller's); the plan is then the best found and the gap
 * (F - bound) / F is reported, with bound the smallest bound of the open nodes. Large books (from
 * BAND_MIN_ASSETS assets) keep, for the nodes of the search, the whole-lot assets whose choice is the
 * same at both ends of a narrow band around the root's lambda* as constants (choices are monotone in
 * lambda), so an evaluation inside the band solves only the others.
 *
 * Hand-written, not a MILP/MIQP library: HiGHS has no mixed-integer quadratic solver, and this
 * structure (one coupling constraint, exact 1-D subproblems) proves most books optimal in tens of
 * microseconds to a few milliseconds (BENCHMARKS.md). The state (buffers) belongs to a LotPlanner the
 * caller owns.
 */

/** A plan within this (relative) of its lower bound is proven optimal: its gap is reported as 0. */
export const OPTIMALITY_TOL = 1e-9;
/** Absolute slack on F when comparing with bounds (F is a sum of squared weights). */
export const F_ABS_TOL = 1e-18;
/** Cash feasibility slack, in weight: sums of n weights carry rounding of this order. */
export const CASH_TOL = 1e-13;
/** Two values of an asset's subproblem within this (relative to their size) are a tie. */
const TIE_TOL = 1e-12;
/** Search budget in per-asset subproblem evaluations (about 10-20 ms); then the gap is reported. */
export const WORK_BUDGET = 1e6;
/** Books above this many assets get a budget shrinking as 1/n (about the same time as 1,000 assets' searches). */
export const WORK_BUDGET_ASSETS = 1000;

/** The default search budget of a book of n tradeable assets. */
export function defaultWorkBudget(n: number): number {
  return n <= WORK_BUDGET_ASSETS ? WORK_BUDGET : Math.max(WORK_BUDGET * (WORK_BUDGET_ASSETS / n), 10 * n);
}
/** |lambda| beyond this: the node's cash constraint cannot be met (the dual is unbounded). */
const LAMBDA_LIMIT = 1e12;
/** The band of large books (makeBand): used from this many assets on, sized to hold about BAND_ASSETS breakpoints. */
const BAND_MIN_ASSETS = 256;
const BAND_ASSETS = 64;
/** cashFill(): moves considered, cash buckets of its dynamic programme, and the node count that triggers it. */
const FILL_AFTER_NODES = 48;
const FILL_ITEMS = 64;
const FILL_BUCKETS = 2048;
/** polish(): rounds of moves at most, and how many of the moves that change F least its "top" pairs use. */
const POLISH_ROUNDS = 200;
/** polish(): about this many candidate moves collected over all its rounds (large books get fewer rounds). */
const POLISH_WORK = 1e5;
const POLISH_PAIRS_TOP = 48;
/** "all" pairs only up to this many moves (quadratic); above, the top ones. */
const POLISH_PAIRS_ALL_MAX = 400;
/** The root polishes with single moves only (pairs cost more than the nodes they save, measured). */
const ROOT_PAIRS: PairSearch = "none";
/** The breakpoint walk of the dual solve takes brackets with up to this many differing assets. */
const WALK_MAX = 4096;
/** |s| below this (weight of V) is a root of the dual's supergradient: the rounding of n sums. */
const S_TOL = 1e-15;
/** Dual iterations per node before settling for the best bound seen. */
const DUAL_MAX_ITER = 200;

/** Which pair moves polish() tries. */
type PairSearch = "all" | "top" | "none";

export interface LotPlanResult {
  /** F of the returned plan (weights of V). */
  objective: number;
  /** Proven lower bound on F over all feasible plans. */
  bound: number;
  /** Nodes explored. */
  nodes: number;
  /** True when the search closed every node (bound = objective to OPTIMALITY_TOL). */
  proven: boolean;
  /** False when no plan meets the cash floor (then k is the all-zero plan). */
  feasible: boolean;
  /** Dual evaluations (all assets) made. */
  evals?: number;
}

/**
 * The solver and its buffers. Reuse one instance across plans (backtests, batches) to avoid
 * allocation; buffers only grow to the largest book seen.
 */
export class LotPlanner {
  n = 0;
  // problem data (index = position among the tradeable assets)
  e0 = new Float64Array(0);
  delta = new Float64Array(0);
  lo = new Float64Array(0);
  hi = new Float64Array(0);
  mp = new Float64Array(0);
  mn = new Float64Array(0);
  isInt = new Uint8Array(0);
  /** result: the best plan's k per asset */
  best = new Float64Array(0);
  private kP = new Float64Array(0);
  private kM = new Float64Array(0);
  private ka = new Float64Array(0);
  private kb = new Float64Array(0);
  private cur = new Float64Array(0);
  // breakpoints of the walk in solveDual (lambda, cash jump)
  private readonly bpL = new Float64Array(WALK_MAX);
  private readonly bpG = new Float64Array(WALK_MAX);
  // branch and bound stack and undo trail
  private stAsset = new Int32Array(0);
  private stLo = new Float64Array(0);
  private stHi = new Float64Array(0);
  private stBound = new Float64Array(0);
  private stLambda = new Float64Array(0);
  private stDepth = new Int32Array(0);
  private trAsset = new Int32Array(0);
  private trLo = new Float64Array(0);
  private trHi = new Float64Array(0);
  private trDepth = new Int32Array(0);
  b = 0;
  f = 0;
  c0 = 0;
  dc = 0;
  r = 0;
  private work = 0;
  private sp = 0;
  private unresolved = Infinity;

  private pool: Float64Array[] = [];
  /** A zero-filled scratch vector of n doubles for the caller (slot = which one), valid until the same slot is asked again. */
  scratch(slot: number, n: number): Float64Array {
    let a = this.pool[slot];
    if (a === undefined || a.length < n) { a = new Float64Array(Math.max(n, 2 * (a === undefined ? 0 : a.length), 8)); this.pool[slot] = a; }
    const v = a.subarray(0, n);
    v.fill(0);
    return v;
  }

  /** Sizes the buffers for n assets; the caller then fills e0, delta, lo, hi, mp, mn, isInt. */
  reset(n: number, bps: number, fixedWeight: number, c0: number, dc: number, reserve: number): void {
    this.n = n;
    if (this.e0.length < n) {
      const m = Math.max(n, 2 * this.e0.length);
      this.e0 = new Float64Array(m); this.delta = new Float64Array(m); this.lo = new Float64Array(m);
      this.hi = new Float64Array(m); this.mp = new Float64Array(m); this.mn = new Float64Array(m);
      this.isInt = new Uint8Array(m); this.best = new Float64Array(m); this.kP = new Float64Array(m);
      this.kM = new Float64Array(m); this.ka = new Float64Array(m); this.kb = new Float64Array(m);
      this.cur = new Float64Array(m);
    }
    this.b = bps; this.f = fixedWeight; this.c0 = c0; this.dc = dc; this.r = reserve;
  }

  /** Cash a trade of k units of asset i uses (weight of V). */
  g(i: number, k: number): number {
    if (k === 0) return 0;
    return k > 0 ? k * this.delta[i] * (1 + this.b) + this.f : k * this.delta[i] * (1 - this.b) + this.f;
  }

  /** F of the plan k (first n entries) and its cash in this.lastCash. */
  lastCash = 0;
  objectiveOf(k: Float64Array): number {
    let s = 0;
    let c = this.c0;
    for (let i = 0; i < this.n; i++) {
      const e = this.e0[i] + k[i] * this.delta[i];
      s += e * e;
      c -= this.g(i, k[i]);
    }
    this.lastCash = c;
    return s + (c - this.dc) * (c - this.dc);
  }

  // --- the per-asset subproblem: min over D_i of (e + k delta)^2 - lambda g(k) ---
  private vMin = 0;
  private kSmall = 0;
  private gSmall = 0;
  private kLarge = 0;
  private gLarge = 0;
  private slope = 0; // d g / d lambda of the chosen point (fractional interior points only)
  private none = true;

  // candidate trades of the asset being solved, and the cash slope of each (fractional interior only)
  private readonly candK = new Float64Array(5);
  private readonly candS = new Float64Array(5);

  /**
   * Solves asset i's subproblem at lambda: vMin, and among the minimisers (ties to TIE_TOL) the one
   * using the least cash (kSmall, gSmall) and the most (kLarge, gLarge, slope). none = empty domain.
   */
  private choose(i: number, lambda: number): void {
    const lo = this.lo[i];
    const hi = this.hi[i];
    const e0 = this.e0[i];
    const d = this.delta[i];
    const isInt = this.isInt[i] === 1;
    const b = this.b;
    const ck = this.candK;
    const cs = this.candS;
    let nc = 0;
    if (lo <= 0 && 0 <= hi) { ck[0] = 0; cs[0] = 0; nc = 1; }
    for (let side = 1; side >= -1; side -= 2) {
      const a = side > 0 ? (lo > this.mp[i] ? lo : this.mp[i]) : lo;
      const z = side > 0 ? hi : (hi < -this.mn[i] ? hi : -this.mn[i]);
      if (!(a <= z)) continue;
      const beta = 1 + side * b;
      const kc = (lambda * beta * 0.5 - e0) / d;
      if (isInt) {
        let k1 = Math.floor(kc);
        if (k1 < a) k1 = a; else if (k1 > z) k1 = z;
        ck[nc] = k1; cs[nc++] = 0;
        if (k1 < kc) {
          let k2 = k1 + 1;
          if (k2 > z) k2 = z;
          if (k2 !== k1) { ck[nc] = k2; cs[nc++] = 0; }
        }
      } else if (kc <= a) { ck[nc] = a; cs[nc++] = 0; }
      else if (kc >= z) { ck[nc] = z; cs[nc++] = 0; }
      else { ck[nc] = kc; cs[nc++] = beta * beta * 0.5; }
    }
    if (nc === 0) { this.none = true; return; }
    this.none = false;
    const f = this.f;
    let vMin = Infinity, kS = 0, gS = 0, kL = 0, gL = 0, sl = 0;
    for (let t = 0; t < nc; t++) {
      const k = ck[t];
      const e = e0 + k * d;
      const g = k === 0 ? 0 : k > 0 ? k * d * (1 + b) + f : k * d * (1 - b) + f;
      const v = e * e - lambda * g;
      const tol = TIE_TOL * (Math.abs(v) + e * e + Math.abs(lambda * g) + 1e-300);
      if (t === 0 || v < vMin - tol) { vMin = v; kS = kL = k; gS = gL = g; sl = cs[t]; }
      else if (v <= vMin + tol) {
        if (v < vMin) vMin = v;
        if (g < gS) { gS = g; kS = k; }
        if (g > gL) { gL = g; kL = k; sl = cs[t]; }
      }
    }
    this.vMin = vMin; this.kSmall = kS; this.gSmall = gS; this.kLarge = kL; this.gLarge = gL; this.slope = sl;
  }

  /** Do the two choices of asset i differ discretely (lots: another k; fractional: across a gap)? */
  private differ(i: number, x: number, y: number): boolean {
    if (this.isInt[i]) return x !== y;
    if (this.mp[i] === 0 && this.mn[i] === 0 && this.f === 0) return false;
    return (x > 0) !== (y > 0) || (x < 0) !== (y < 0);
  }

  // results of evalDual
  private sPlus = 0;
  private sMinus = 0;
  private lval = 0;
  private dSlope = 0;
  private infeasibleNode = false;

  /** Evaluates the dual at lambda: L, s+ and s-, selections into kP (s+) and kM (s-). */
  private evalDual(lambda: number): void {
    const inBand = this.nFrz > 0 && lambda >= this.bandLo && lambda <= this.bandHi;
    let gp = this.fixG;
    let gm = this.fixG;
    let psi = this.fixE - lambda * this.fixG;
    let slope = 0;
    const kP = this.kP;
    const kM = this.kM;
    if (inBand) { gp += this.frzG; gm += this.frzG; psi += this.frzE - lambda * this.frzG; }
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1 && (inBand || this.nFrz === 0)) break;
      const list = pass === 0 ? this.act : this.frz;
      const na = pass === 0 ? this.nAct : this.nFrz;
      for (let t = 0; t < na; t++) {
        const i = list[t];
        this.choose(i, lambda);
        if (this.none) { this.infeasibleNode = true; return; }
        psi += this.vMin;
        gp += this.gSmall;
        gm += this.gLarge;
        kP[i] = this.kSmall;
        kM[i] = this.kLarge;
        slope += this.slope;
      }
      this.work += na + 1;
    }
    if (inBand && this.frzDirty) { for (let t = 0; t < this.nFrz; t++) { const i = this.frz[t]; kP[i] = kM[i] = this.frzK[i]; } this.frzDirty = false; }
    else if (!inBand && this.nFrz > 0) this.frzDirty = true;
    const cu = this.dc + lambda * 0.5;
    const cs = cu > this.r ? cu : this.r;
    if (cu > this.r) slope += 0.5;
    this.sPlus = this.c0 - gp - cs;
    this.sMinus = this.c0 - gm - cs;
    this.lval = psi + (cs - this.dc) * (cs - this.dc) - lambda * cs + lambda * this.c0;
    this.dSlope = slope;
  }

  // assets whose domain holds more than one point (the others are constants of the node)
  private act = new Int32Array(0);
  private nAct = 0;
  private fixE = 0;
  private fixG = 0;
  // The band (large books): whole-lot assets whose choice is the same at both ends of
  // [bandLo, bandHi] keep it for every lambda inside (choices are monotone in lambda), so inside the
  // band they are summed once (frzE, frzG) and only the others are solved per evaluation.
  private frz = new Int32Array(0);
  private nFrz = 0;
  private frzK = new Float64Array(0);
  private isFrz = new Uint8Array(0);
  private frzE = 0;
  private frzG = 0;
  private frzDirty = true;
  private bandLo = 0;
  private bandHi = -1;
  private bandOn = false;
  /** Use the band on large books (false: every evaluation solves every asset; for differential tests). */
  useBand = true;

  /**
   * Sets the band around the root's lambda* (BAND_ASSETS expected inside it) and freezes the
   * whole-lot assets whose choice does not change across it. Two full evaluations.
   */
  private makeBand(lam: number): void {
    const n = this.n;
    this.bandOn = false;
    this.nFrz = 0;
    if (n < BAND_MIN_ASSETS || !this.useBand) return;
    let inv = 0;
    for (let i = 0; i < n; i++) if (this.isInt[i] && this.lo[i] !== this.hi[i]) inv += 1 / this.delta[i];
    if (!(inv > 0)) return;
    const w = BAND_ASSETS / inv; // breakpoints are 2 delta / beta apart per asset
    const lo = lam - w, hi = lam + w;
    if (this.frzK.length < n) { this.frzK = new Float64Array(this.e0.length); this.isFrz = new Uint8Array(this.e0.length); this.frz = new Int32Array(this.e0.length); }
    this.evalDual(lo);
    if (this.infeasibleNode) return;
    this.frzK.set(this.kM.subarray(0, n));
    this.evalDual(hi);
    if (this.infeasibleNode) return;
    let nf = 0;
    for (let i = 0; i < n; i++) {
      this.isFrz[i] = 0;
      if (!this.isInt[i] || this.lo[i] === this.hi[i] || this.frzK[i] !== this.kP[i]) continue;
      this.isFrz[i] = 1;
      nf++;
    }
    if (nf < BAND_MIN_ASSETS / 2) return;
    this.bandLo = lo; this.bandHi = hi; this.bandOn = true;
  }

  /** Splits the node's assets into fixed ones (summed once) and active ones; false if a domain is empty. */
  private prepareNode(): boolean {
    const n = this.n;
    if (this.act.length < n) this.act = new Int32Array(Math.max(n, 2 * this.act.length));
    let na = 0;
    let nf = 0;
    let fe = 0;
    let fg = 0;
    let ze = 0;
    let zg = 0;
    const band = this.bandOn;
    for (let i = 0; i < n; i++) {
      const lo = this.lo[i];
      if (lo !== this.hi[i]) {
        // frozen in the band unless this node narrowed its domain
        if (band && this.isFrz[i] && lo === this.rootLo[i] && this.hi[i] === this.rootHi[i]) {
          this.frz[nf++] = i;
          const k = this.frzK[i];
          const e = this.e0[i] + k * this.delta[i];
          ze += e * e;
          zg += this.g(i, k);
        } else this.act[na++] = i;
        continue;
      }
      if (lo !== 0 && (lo > 0 ? lo < this.mp[i] : -lo < this.mn[i])) return false; // inside the min_trade gap
      const e = this.e0[i] + lo * this.delta[i];
      fe += e * e;
      fg += this.g(i, lo);
      this.kP[i] = this.kM[i] = lo;
    }
    this.nAct = na;
    this.nFrz = nf;
    this.frzE = ze;
    this.frzG = zg;
    this.frzDirty = true;
    this.fixE = fe;
    this.fixG = fg;
    this.infeasibleNode = false;
    return true;
  }

  /** A lambda strictly inside (la, lb) where asset j's choices ka and kb are equally good. */
  private crossing(j: number, ka: number, kb: number, la: number, lb: number): number {
    const d = this.delta[j];
    const e0 = this.e0[j];
    let lam = NaN;
    if (this.isInt[j]) {
      const ea = e0 + ka * d;
      const eb = e0 + kb * d;
      const dg = this.g(j, kb) - this.g(j, ka);
      if (dg !== 0) lam = (eb * eb - ea * ea) / dg;
    } else {
      // fractional: zero against a side's interior optimum solves a quadratic; two sides meet at 2 e0
      const sa = Math.sign(ka);
      const sb = Math.sign(kb);
      if (sa !== 0 && sb !== 0) lam = 2 * e0;
      else {
        const beta = 1 + (sa !== 0 ? sa : sb) * this.b;
        const A = beta * beta * 0.25;
        const B = -(beta * e0 - this.f);
        const C = e0 * e0;
        const disc = B * B - 4 * A * C;
        if (disc >= 0) {
          const q = Math.sqrt(disc);
          const r1 = (-B - q) / (2 * A);
          const r2 = (-B + q) / (2 * A);
          lam = r1 > la && r1 < lb ? r1 : r2;
        }
      }
    }
    if (!(lam > la && lam < lb)) lam = 0.5 * (la + lb);
    return lam;
  }

  // dual solve results
  private lamStar = 0;
  private bestL = -Infinity;
  /** Selection that is cash-feasible (s+ side) and the other one, for the primal and branching. */
  private selA: Float64Array = this.kP;
  private selB: Float64Array = this.kM;
  private exact = false;
  /** The average slope -ds/dlambda the caller expects (the relaxation's); 0 = none. */
  slopeHint = 0;

  /**
   * Maximises L over lambda from a warm start. Returns false when the node is infeasible (an empty
   * domain, or a cash floor no plan meets).
   */
  private solveDual(warm: number): boolean {
    const n = this.n;
    this.bestL = -Infinity;
    if (!this.prepareNode()) return false;
    const edge = 2 * (this.r - this.dc); // below this lambda the cash sits on its floor (slope 0)
    // the bracket: s-(la) > 0 (sa), s+(lb) < 0 (sb), the slopes -ds/dlambda there, the selections
    let la = -Infinity, lb = Infinity, sa = 0, sb = 0, slA = 0, slB = 0;
    let lam = warm;
    let down = 0;
    let prevLam = NaN, prevS = NaN;
    for (let it = 0; ; it++) {
      this.evalDual(lam);
      if (this.infeasibleNode) return false;
      if (this.lval > this.bestL) this.bestL = this.lval;
      if (this.sPlus >= -S_TOL && this.sMinus <= S_TOL) return this.finishExact(lam);
      if (this.sMinus > 0) { if (lam > la) { la = lam; sa = this.sMinus; slA = this.dSlope; this.ka.set(this.kM.subarray(0, n)); } }
      else if (lam < lb) { lb = lam; sb = this.sPlus; slB = this.dSlope; this.kb.set(this.kP.subarray(0, n)); }
      if (la > -Infinity && lb < Infinity) break;
      if (it > 4 * DUAL_MAX_ITER || !(Math.abs(lam) < LAMBDA_LIMIT)) return false; // L unbounded below the floor: no plan keeps it
      const sNow = this.sMinus > 0 ? this.sMinus : this.sPlus;
      const hint = this.slopeHint > 0 ? this.slopeHint : this.dSlope;
      if (it === 0 && hint > 0) {
        // a Newton step with the caller's estimate of the average slope (the relaxation's), or the
        // local one: usually lands next to the root
        prevLam = lam; prevS = sNow;
        lam += (sNow / hint) * (1 + 1e-9);
        continue;
      }
      if (it < 4 && prevS !== sNow && lam !== prevLam) {
        // still on one side: a secant step on the last two points, a little past the root
        const slope = (prevS - sNow) / (lam - prevLam);
        prevLam = lam; prevS = sNow;
        if (slope > 0) { lam += (sNow / slope) * 1.25; continue; }
      }
      prevLam = lam; prevS = sNow;
      if (lb === Infinity) {
        // going up: while the cash is off its floor, s falls at least 1/2 per unit of lambda, so
        // lambda + 2 s-(lambda) (past the floor edge) is a right end
        lam = (la > edge ? la : edge) + 2 * sa * (1 + 1e-12) + 1e-300;
      } else {
        // going down: the same bound while the cash is off its floor, then geometric steps
        const guaranteed = lb - 2 * -sb * (1 + 1e-12) - 1e-300;
        if (guaranteed >= edge) lam = guaranteed;
        else { down = Math.max(2 * down, -2 * sb, 1e-9 * Math.max(1, Math.abs(lb))); lam = Math.min(edge, lb) - down; }
      }
    }
    // narrow [la, lb]: the crossing of the differing asset nearest the secant estimate, or (nothing
    // discrete left) a Newton step on the continuous part
    for (let it = 0; it < DUAL_MAX_ITER; it++) {
      const est = la + (sa / (sa - sb)) * (lb - la);
      let m = NaN;
      let bestDist = Infinity;
      let nb = 0;
      let walkable = slA === 0.5 && slB === 0.5; // only the cash moves continuously inside
      // frozen assets can differ only when an end of the bracket lies outside the band
      const scanFrozen = this.nFrz > 0 && !(la >= this.bandLo && lb <= this.bandHi);
      const total = this.nAct + (scanFrozen ? this.nFrz : 0);
      for (let t = 0; t < total; t++) {
        const i = t < this.nAct ? this.act[t] : this.frz[t - this.nAct];
        const ka = this.ka[i], kb = this.kb[i];
        if (ka === kb || !this.differ(i, ka, kb)) continue;
        const c = this.crossing(i, ka, kb, la, lb);
        const dist = Math.abs(c - est);
        if (dist < bestDist) { bestDist = dist; m = c; }
        if (walkable) {
          // one breakpoint of a whole-lot asset between adjacent choices: walked below
          if (!this.isInt[i] || nb >= WALK_MAX || !(kb === ka + 1 || (ka === 0 && kb === this.mp[i]) || (kb === 0 && ka === -this.mn[i]))) walkable = false;
          else { this.bpL[nb] = c; this.bpG[nb] = this.g(i, kb) - this.g(i, ka); nb++; }
        }
      }
      if (walkable && nb > 1) {
        // every asset that still differs has one breakpoint in the bracket and s is otherwise only
        // the cash's: walk the sorted breakpoints to the root and check it with one evaluation
        for (let a = 1; a < nb; a++) {
          const l = this.bpL[a], g = this.bpG[a];
          let b = a - 1;
          for (; b >= 0 && this.bpL[b] > l; b--) { this.bpL[b + 1] = this.bpL[b]; this.bpG[b + 1] = this.bpG[b]; }
          this.bpL[b + 1] = l; this.bpG[b + 1] = g;
        }
        const cs = (x: number): number => Math.max(this.dc + 0.5 * x, this.r);
        let avail = sa + cs(la); // c0 - G to the right of la
        let prev = la;
        let cand = NaN;
        for (let a = 0; a <= nb && Number.isNaN(cand); a++) {
          const next = a < nb ? this.bpL[a] : lb;
          const root = 2 * (avail - this.dc); // c*(root) = avail, when the cash is off its floor
          if (avail > this.r && root > prev && root < next) cand = root;
          else if (a < nb) {
            const sl = avail - cs(next);
            avail -= this.bpG[a];
            if (sl >= 0 && avail - cs(next) <= 0) cand = next;
            prev = next;
          }
        }
        if (cand > la && cand < lb) m = cand;
      }
      if (Number.isNaN(m)) {
        // continuous: s is piecewise linear in (la, lb); a Newton step from the end nearer the root
        const fromA = slA > 0 ? la + sa / slA : NaN;
        const fromB = slB > 0 ? lb + sb / slB : NaN;
        const okA = fromA > la && fromA < lb;
        const okB = fromB > la && fromB < lb;
        m = okA && okB ? (sa < -sb ? fromA : fromB) : okA ? fromA : okB ? fromB : est;
        if (!(m > la && m < lb)) m = 0.5 * (la + lb);
      }
      if (!(m > la && m < lb)) break; // bracket at floating resolution
      this.evalDual(m);
      if (this.lval > this.bestL) this.bestL = this.lval;
      if (this.sPlus >= -S_TOL && this.sMinus <= S_TOL) return this.finishExact(m);
      if (this.sMinus > 0) { la = m; sa = this.sMinus; slA = this.dSlope; this.ka.set(this.kM.subarray(0, n)); }
      else { lb = m; sb = this.sPlus; slB = this.dSlope; this.kb.set(this.kP.subarray(0, n)); }
      if (lb - la <= 1e-15 * Math.max(1, Math.abs(la))) break;
    }
    // settle on the bracket: ka (left end, right-hand choice) is cash-feasible
    this.lamStar = la;
    this.selA = this.ka; this.selB = this.kb;
    this.exact = false;
    return true;
  }

  /** -ds/dlambda at the last dual solution (a slope hint for the next solve). */
  slopeAtStar = 0;

  private finishExact(lam: number): boolean {
    this.lamStar = lam;
    this.slopeAtStar = this.dSlope;
    if (this.lval > this.bestL) this.bestL = this.lval;
    this.selA = this.kP; this.selB = this.kM;
    this.exact = true;
    return true;
  }

  // incumbent
  private incF = Infinity;

  /** Offers the plan k as an incumbent (kept when feasible and better). */
  offer(k: Float64Array): void {
    const f = this.objectiveOf(k);
    if (this.lastCash >= this.r - CASH_TOL && f < this.incF) {
      this.incF = f;
      this.best.set(k.subarray(0, this.n));
    }
  }

  // the root's domains (incumbents must be feasible there, whatever node found them)
  private rootLo = new Float64Array(0);
  private rootHi = new Float64Array(0);
  // candidate moves of polish(): asset, new k, change of F alone, change of cash use
  private mvA = new Int32Array(0);
  private mvK = new Float64Array(0);
  private mvD = new Float64Array(0);
  private mvG = new Float64Array(0);

  /** One lot up (dir 1) or down (-1) from k for whole-lot asset j, jumping across the min_trade gap. */
  private stepK(j: number, k: number, dir: number): number {
    if (dir > 0) return k === 0 ? this.mp[j] : k === -this.mn[j] ? 0 : k + 1;
    return k === 0 ? -this.mn[j] : k === this.mp[j] ? 0 : k - 1;
  }

  /** Adds the move of asset j from k to nk (when nk is allowed at the root) to the candidates. */
  private addMove(m: number, j: number, k: number, nk: number, u: number, c: number): number {
    if (nk === k || nk < this.rootLo[j] || nk > this.rootHi[j]) return m;
    if (nk !== 0 && (nk > 0 ? nk < this.mp[j] : -nk < this.mn[j])) return m;
    const a = this.g(j, nk) - this.g(j, k);
    if (c - a < this.r - CASH_TOL && a > 0) return m; // never spends below the floor (pairs may still add cash)
    const e = this.e0[j] + k * this.delta[j];
    const en = this.e0[j] + nk * this.delta[j];
    this.mvA[m] = j; this.mvK[m] = nk; this.mvD[m] = en * en - e * e + (u - a) * (u - a) - u * u; this.mvG[m] = a;
    return m + 1;
  }

  /**
   * Local search on the incumbent: the best single move (one lot either way, across the min_trade
   * gap, a fractional asset's exact 1-D optimum) or pair of moves, applied until none lowers F.
   * Pairs: "all" (every pair of moves, up to POLISH_PAIRS_ALL_MAX moves: the plan a stopped search
   * returns), "top" (among the
   * POLISH_PAIRS_TOP moves that change F least: the root) or "none" (incumbents found in the search).
   */
  private polish(pairs: PairSearch = "top"): void {
    const n = this.n;
    if (this.incF === Infinity) return;
    const k = this.best;
    if (this.mvA.length < 4 * n) { const c4 = 4 * n; this.mvA = new Int32Array(c4); this.mvK = new Float64Array(c4); this.mvD = new Float64Array(c4); this.mvG = new Float64Array(c4); }
    let f = this.objectiveOf(k);
    let c = this.lastCash;
    const rounds = Math.max(2, Math.min(POLISH_ROUNDS, Math.floor(POLISH_WORK / Math.max(1, n))));
    for (let round = 0; round < rounds; round++) {
      const u = c - this.dc;
      let m = 0;
      for (let j = 0; j < n; j++) {
        const kj = k[j];
        if (this.isInt[j]) {
          m = this.addMove(m, j, kj, this.stepK(j, kj, 1), u, c);
          m = this.addMove(m, j, kj, this.stepK(j, kj, -1), u, c);
        } else {
          // exact 1-D optimum of (e + x delta)^2 + (u - x delta beta)^2 on each side, and zero
          const d = this.delta[j];
          const e = this.e0[j] + kj * d;
          for (let side = 1; side >= -1; side -= 2) {
            const beta = 1 + side * this.b;
            const x = (u * beta - e) / (d * (1 + beta * beta));
            let nk = kj + x;
            if (side > 0 ? nk <= 0 : nk >= 0) continue;
            if (side > 0 && nk < this.mp[j]) nk = this.mp[j];
            if (side < 0 && -nk < this.mn[j]) nk = -this.mn[j];
            m = this.addMove(m, j, kj, Math.min(Math.max(nk, this.rootLo[j]), this.rootHi[j]), u, c);
          }
          m = this.addMove(m, j, kj, 0, u, c);
        }
      }
      const tol = Math.max(1e-15 * f, 1e-300);
      let bestD = -tol;
      let p1 = -1;
      let p2 = -1;
      for (let a = 0; a < m; a++) if (this.mvD[a] < bestD && c - this.mvG[a] >= this.r - CASH_TOL) { bestD = this.mvD[a]; p1 = a; }
      // pairs (restricted to the moves that change F least in large books)
      let top = pairs === "none" ? 0 : m;
      if ((pairs === "top" && m > POLISH_PAIRS_TOP) || m > POLISH_PAIRS_ALL_MAX) {
        // the POLISH_PAIRS_TOP moves that change F least, by insertion into a sorted prefix
        top = POLISH_PAIRS_TOP;
        for (let a = 1; a < top; a++) for (let b = a; b > 0 && this.mvD[b] < this.mvD[b - 1]; b--) this.swapMoves(b, b - 1);
        for (let a = top; a < m; a++) {
          if (!(this.mvD[a] < this.mvD[top - 1])) continue;
          this.swapMoves(a, top - 1);
          for (let b = top - 1; b > 0 && this.mvD[b] < this.mvD[b - 1]; b--) this.swapMoves(b, b - 1);
        }
        if (p1 >= 0) { p1 = -1; bestD = -tol; for (let a = 0; a < m; a++) if (this.mvD[a] < bestD && c - this.mvG[a] >= this.r - CASH_TOL) { bestD = this.mvD[a]; p1 = a; } }
      }
      for (let a = 0; a < top; a++) {
        const da = this.mvD[a], ga = this.mvG[a], ja = this.mvA[a];
        for (let b = a + 1; b < top; b++) {
          if (this.mvA[b] === ja) continue;
          const dd = da + this.mvD[b] + 2 * ga * this.mvG[b];
          if (dd < bestD && c - ga - this.mvG[b] >= this.r - CASH_TOL) { bestD = dd; p1 = a; p2 = b; }
        }
      }
      if (p1 < 0) break;
      const j1 = this.mvA[p1];
      const old1 = k[j1];
      const j2 = p2 >= 0 ? this.mvA[p2] : -1;
      const old2 = j2 >= 0 ? k[j2] : 0;
      k[j1] = this.mvK[p1];
      if (j2 >= 0) k[j2] = this.mvK[p2];
      const nf = this.objectiveOf(k);
      if (!(nf < f) || this.lastCash < this.r - CASH_TOL) { // lost to rounding: undo and stop
        k[j1] = old1;
        if (j2 >= 0) k[j2] = old2;
        break;
      }
      f = nf;
      c = this.lastCash;
    }
    this.incF = this.objectiveOf(k);
  }

  private swapMoves(a: number, b: number): void {
    const t = this.mvA[a]; this.mvA[a] = this.mvA[b]; this.mvA[b] = t;
    let x = this.mvK[a]; this.mvK[a] = this.mvK[b]; this.mvK[b] = x;
    x = this.mvD[a]; this.mvD[a] = this.mvD[b]; this.mvD[b] = x;
    x = this.mvG[a]; this.mvG[a] = this.mvG[b]; this.mvG[b] = x;
  }

  // cashFill(): the items (asset, its alternative k, own-term change of F, cash change) and the DP
  private fillA = new Int32Array(0);
  private fillK = new Float64Array(0);
  private fillD = new Float64Array(0);
  private fillC = new Float64Array(0);
  private fillR = new Float64Array(0);
  private dpBest = new Float64Array(0);
  private dpNext = new Float64Array(0);
  private dpPick = new Uint8Array(0);
  private rootSel = new Float64Array(0);

  /**
   * A primal for books where the bound is tight but the cash balance is a subset-sum puzzle (many
   * near-tied assets): from the node's cash-feasible selection, every asset may move one step up or
   * down; a dynamic programme over the cash those moves use (FILL_BUCKETS buckets, the FILL_ITEMS
   * moves of smallest reduced cost) picks the combination minimising F = sum of the own terms + the
   * cash term. The plan it finds is offered with its exact F (the buckets only guide the choice).
   */
  private cashFill(sel: Float64Array, lam: number): void {
    const n = this.n;
    const base = this.cur;
    base.set(sel.subarray(0, n));
    this.objectiveOf(base);
    const c0 = this.lastCash;
    const u = c0 - this.dc;
    if (this.fillA.length < 2 * n) {
      const c2 = 2 * n;
      this.fillA = new Int32Array(c2); this.fillK = new Float64Array(c2); this.fillD = new Float64Array(c2);
      this.fillC = new Float64Array(c2); this.fillR = new Float64Array(c2);
    }
    // candidate moves, one step either way (across the min_trade gap where there is one)
    let m = 0;
    for (let j = 0; j < n; j++) {
      if (!this.isInt[j]) continue;
      const k = base[j];
      for (let dir = 1; dir >= -1; dir -= 2) {
        const nk = this.stepK(j, k, dir);
        if (nk < this.rootLo[j] || nk > this.rootHi[j]) continue;
        if (nk !== 0 && (nk > 0 ? nk < this.mp[j] : -nk < this.mn[j])) continue;
        const e = this.e0[j] + k * this.delta[j];
        const en = this.e0[j] + nk * this.delta[j];
        const a = this.g(j, k) - this.g(j, nk); // cash the move frees (negative: it spends)
        this.fillA[m] = j; this.fillK[m] = nk; this.fillD[m] = en * en - e * e; this.fillC[m] = a;
        this.fillR[m] = en * en - e * e + lam * a; // reduced cost at lambda*
        m++;
      }
    }
    if (m === 0) return;
    // keep the FILL_ITEMS moves of smallest reduced cost (a partial insertion sort)
    const M = Math.min(m, FILL_ITEMS);
    for (let a = 1; a < m; a++) {
      if (a >= M && !(this.fillR[a] < this.fillR[M - 1])) continue;
      let b = Math.min(a, M - 1);
      const tA = this.fillA[a], tK = this.fillK[a], tD = this.fillD[a], tC = this.fillC[a], tR = this.fillR[a];
      for (; b > 0 && this.fillR[b - 1] > tR; b--) {
        this.fillA[b] = this.fillA[b - 1]; this.fillK[b] = this.fillK[b - 1]; this.fillD[b] = this.fillD[b - 1];
        this.fillC[b] = this.fillC[b - 1]; this.fillR[b] = this.fillR[b - 1];
      }
      this.fillA[b] = tA; this.fillK[b] = tK; this.fillD[b] = tD; this.fillC[b] = tC; this.fillR[b] = tR;
    }
    // the cash range the moves span, in buckets
    let lo = 0, hi = 0;
    for (let t = 0; t < M; t++) { if (this.fillC[t] < 0) lo += this.fillC[t]; else hi += this.fillC[t]; }
    if (!(hi > lo)) return;
    const h = (hi - lo) / (FILL_BUCKETS - 1);
    const B = FILL_BUCKETS;
    if (this.dpBest.length < B) { this.dpBest = new Float64Array(B); this.dpNext = new Float64Array(B); }
    if (this.dpPick.length < M * B) this.dpPick = new Uint8Array(M * B);
    let best = this.dpBest, next = this.dpNext;
    best.fill(Infinity, 0, B);
    const b0 = Math.round(-lo / h);
    best[b0] = 0;
    // items grouped by asset: an asset takes at most one of its moves
    for (let t = 0; t < M; t++) {
      const sh = Math.round(this.fillC[t] / h);
      const d = this.fillD[t];
      const pick = this.dpPick.subarray(t * B, (t + 1) * B);
      // a second move of the same asset in the list is taken from the state before the first
      const prevSame = t > 0 ? this.findPrevSame(t) : -1;
      for (let b = 0; b < B; b++) { next[b] = best[b]; pick[b] = 0; }
      for (let b = 0; b < B; b++) {
        const src = b - sh;
        if (src < 0 || src >= B) continue;
        let v = best[src];
        if (prevSame >= 0 && this.dpPick[prevSame * B + src] === 1) v = Infinity; // the same asset already moved
        if (v + d < next[b]) { next[b] = v + d; pick[b] = 1; }
      }
      const tmp = best; best = next; next = tmp;
    }
    let bb = -1;
    let bestObj = Infinity;
    for (let b = 0; b < B; b++) {
      if (best[b] === Infinity) continue;
      const S = (b - b0) * h;
      if (c0 + S < this.r - CASH_TOL) continue;
      const o = best[b] + (u + S) * (u + S);
      if (o < bestObj) { bestObj = o; bb = b; }
    }
    if (bb < 0) return;
    const plan = this.cur;
    for (let t = M - 1; t >= 0; t--) {
      if (this.dpPick[t * B + bb] !== 1) continue;
      plan[this.fillA[t]] = this.fillK[t];
      bb -= Math.round(this.fillC[t] / h);
      if (bb < 0 || bb >= B) break;
    }
    this.offer(plan);
  }

  /** The earlier move (index) of the same asset as move t in the fill list, or -1. */
  private findPrevSame(t: number): number {
    const j = this.fillA[t];
    for (let s = t - 1; s >= 0; s--) if (this.fillA[s] === j) return s;
    return -1;
  }

  /** Primal from the node's selections: selA, then tied assets moved to selB while feasible and better. */
  private primal(): void {
    const n = this.n;
    const cur = this.cur;
    cur.set(this.selA.subarray(0, n));
    let f = this.objectiveOf(cur);
    let c = this.lastCash;
    for (let i = 0; i < n; i++) {
      const alt = this.selB[i];
      if (alt === cur[i]) continue;
      const old = cur[i];
      const dg = this.g(i, alt) - this.g(i, old);
      if (c - dg < this.r - CASH_TOL) continue;
      const eo = this.e0[i] + old * this.delta[i];
      const en = this.e0[i] + alt * this.delta[i];
      const cn = c - dg;
      const df = en * en - eo * eo + (cn - this.dc) * (cn - this.dc) - (c - this.dc) * (c - this.dc);
      if (df < 0) { cur[i] = alt; c = cn; f += df; }
    }
    if (c >= this.r - CASH_TOL && f < this.incF) {
      // recompute exactly (the running sum drifts by rounding)
      this.offer(cur);
    }
  }

  private prunes(bound: number): boolean {
    return bound >= this.incF - Math.max(OPTIMALITY_TOL * this.incF, F_ABS_TOL);
  }

  /**
   * Runs the branch and bound. `start` (length n, may be null) is a plan to offer first (e.g. the
   * rounded relaxation); `warm` a starting lambda; `budget` caps the per-asset evaluations. The best
   * plan is left in `best`.
   */
  solve(start: Float64Array | null, warm: number, budget: number = WORK_BUDGET): LotPlanResult {
    const n = this.n;
    this.incF = Infinity;
    this.work = 0;
    this.bandOn = false;
    this.nFrz = 0;
    this.best.fill(0, 0, n);
    if (start) this.offer(start);
    const zero = this.cur;
    zero.fill(0, 0, n);
    this.offer(zero);
    let nodes = 1;
    if (!this.solveDual(warm)) {
      return { objective: this.incF === Infinity ? this.objectiveOf(this.best) : this.incF, bound: this.incF, nodes, proven: true, feasible: this.incF !== Infinity };
    }
    if (this.rootLo.length < n) { this.rootLo = new Float64Array(this.lo.length); this.rootHi = new Float64Array(this.lo.length); }
    this.rootLo.set(this.lo.subarray(0, n));
    this.rootHi.set(this.hi.subarray(0, n));
    this.primal();
    let rootBound = this.bestL;
    if (this.prunes(rootBound)) return this.result(nodes, rootBound, true);
    this.polish(ROOT_PAIRS);
    if (this.prunes(rootBound)) return this.result(nodes, rootBound, true);
    // the root's selection and lambda*, for cashFill once the search has spent FILL_AFTER_NODES nodes
    if (this.rootSel.length < n) this.rootSel = new Float64Array(this.lo.length);
    this.rootSel.set(this.selA.subarray(0, n));
    const rootLam = this.lamStar;
    // depth-first search
    this.sp = 0;
    let tp = 0;
    let openMin = Infinity;
    this.unresolved = Infinity;
    this.pushChildren(0, rootBound);
    this.makeBand(this.lamStar);
    let stopped = false;
    while (this.sp > 0) {
      if (this.work > budget) { stopped = true; break; }
      this.sp--;
      const j = this.stAsset[this.sp];
      const depth = this.stDepth[this.sp];
      const pb = this.stBound[this.sp];
      // undo the trail down to this node's parent
      while (tp > 0 && this.trDepth[tp - 1] >= depth) { tp--; const a = this.trAsset[tp]; this.lo[a] = this.trLo[tp]; this.hi[a] = this.trHi[tp]; }
      if (this.prunes(pb)) continue;
      this.ensureTrail(tp + 1);
      this.trAsset[tp] = j; this.trLo[tp] = this.lo[j]; this.trHi[tp] = this.hi[j]; this.trDepth[tp] = depth; tp++;
      this.lo[j] = this.stLo[this.sp]; this.hi[j] = this.stHi[this.sp];
      nodes++;
      if (nodes === FILL_AFTER_NODES) {
        // a hard book: try the subset-sum fill from the root's selection
        const before = this.incF;
        this.cashFill(this.rootSel, rootLam);
        if (this.incF < before) this.polish("none");
      }
      if (!this.solveDual(this.stLambda[this.sp])) continue;
      const bound = Math.max(this.bestL, pb);
      const before = this.incF;
      this.primal();
      if (this.incF < before) this.polish("none");
      if (this.prunes(bound)) continue;
      this.pushChildren(depth, bound);
    }
    while (tp > 0) { tp--; const a = this.trAsset[tp]; this.lo[a] = this.trLo[tp]; this.hi[a] = this.trHi[tp]; }
    if (stopped) {
      for (let s = 0; s < this.sp; s++) if (this.stBound[s] < openMin) openMin = this.stBound[s];
      // the node being split when the budget ran out is among the open ones (its children)
      rootBound = Math.min(openMin, this.unresolved, this.incF);
      this.polish("all"); // the plan returned unproven has no improving single or pair move
      return this.result(nodes, rootBound, false);
    }
    if (!this.prunes(this.unresolved)) return this.result(nodes, this.unresolved, false);
    return this.result(nodes, this.incF, true);
  }

  private result(nodes: number, bound: number, proven: boolean): LotPlanResult {
    const feasible = this.incF !== Infinity;
    const objective = feasible ? this.incF : this.objectiveOf(this.best);
    return { objective, bound: Math.min(bound, objective), nodes, proven, feasible, evals: this.work };
  }

/** Pushes the two children of the node just solved (branching on its tied asset), or records an open leaf. */
private pushChildren(depth: number, bound: number): void {
    const j = this.branchAsset();
    if (j < 0) { if (bound < this.unresolved) this.unresolved = bound; return; } // nothing left to branch on: a leaf the rounding kept open
    const split = this.selA[j] < this.selB[j] ? this.selA[j] : this.selB[j];
    const lo = this.lo[j];
    const hi = this.hi[j];
    let loHi: number, hiLo: number; // child 1: [lo, loHi]; child 2: [hiLo, hi]
    if (this.isInt[j]) { loHi = split; hiLo = split + 1; }
    else if (split < 0) { loHi = Math.min(hi, -this.mn[j]); hiLo = 0; } // sales | zero and buys
    else { loHi = 0; hiLo = this.mp[j] > 0 ? this.mp[j] : Number.MIN_VALUE; } // sales and zero | buys
    this.ensureStack(this.sp + 2);
    // explore first the child without the cash-feasible selection's choice (pushed last): it holds
    // the other side of the tie, which the primal did not try; measured fewer nodes than the reverse
    const aFirst = !(this.selA[j] <= split);
    for (let t = 0; t < 2; t++) {
      const low = (t === 0) !== aFirst; // the pushed-first child is explored second
      this.stAsset[this.sp] = j; this.stDepth[this.sp] = depth + 1; this.stBound[this.sp] = bound; this.stLambda[this.sp] = this.lamStar;
      if (low) { this.stLo[this.sp] = lo; this.stHi[this.sp] = loHi; } else { this.stLo[this.sp] = hiLo; this.stHi[this.sp] = hi; }
      this.sp++;
    }
}

  /** The asset to branch on: the first whose two selections differ discretely, or -1. */
  private branchAsset(): number {
    for (let i = 0; i < this.n; i++) if (this.selA[i] !== this.selB[i] && this.differ(i, this.selA[i], this.selB[i])) return i;
    return -1;
  }

  private ensureStack(m: number): void {
    if (this.stAsset.length >= m) return;
    const c = Math.max(m, 2 * this.stAsset.length, 64);
    const i32 = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const b = new Int32Array(c); b.set(a); return b; };
    const f64 = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => { const b = new Float64Array(c); b.set(a); return b; };
    this.stAsset = i32(this.stAsset); this.stDepth = i32(this.stDepth);
    this.stLo = f64(this.stLo); this.stHi = f64(this.stHi); this.stBound = f64(this.stBound); this.stLambda = f64(this.stLambda);
  }

  private ensureTrail(m: number): void {
    if (this.trAsset.length >= m) return;
    const c = Math.max(m, 2 * this.trAsset.length, 64);
    const i32 = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const b = new Int32Array(c); b.set(a); return b; };
    const f64 = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => { const b = new Float64Array(c); b.set(a); return b; };
    this.trAsset = i32(this.trAsset); this.trDepth = i32(this.trDepth);
    this.trLo = f64(this.trLo); this.trHi = f64(this.trHi);
  }

  /** The lambda of the last dual solve (for warm starts). */
  get lambda(): number { return this.lamStar; }

  /**
   * Solves the continuous problem (every asset fractional, no gap, no fixed cost: the convex
   * relaxation) exactly and leaves its k in `best`; returns lambda*.
   */
  solveConvex(warm: number): number {
    this.convexBound = -Infinity;
    this.bandOn = false;
    this.nFrz = 0;
    for (let i = 0; i < this.n; i++) { this.isInt[i] = 0; this.mp[i] = 0; this.mn[i] = 0; }
    const f = this.f;
    this.f = 0;
    const ok = this.solveDual(warm);
    this.f = f;
    if (!ok) { this.best.set(this.lo.subarray(0, this.n)); for (let i = 0; i < this.n; i++) if (!Number.isFinite(this.best[i])) this.best[i] = 0; return -Infinity; }
    this.best.set(this.selA.subarray(0, this.n));
    this.convexBound = this.bestL;
    return this.lamStar;
  }

  /** The dual bound the last solveConvex proved (a lower bound on F of the fractional plan). */
  convexBound = -Infinity;

  /** Highest cash (weight) any plan in the current domains can leave. */
  maxCash(): number {
    let c = this.c0;
    for (let i = 0; i < this.n; i++) {
      const lo = this.lo[i], hi = this.hi[i];
      let gmin = Infinity;
      if (lo <= 0 && 0 <= hi) gmin = 0;
      const nh = Math.min(hi, -this.mn[i]);
      if (lo <= nh) gmin = Math.min(gmin, lo === -Infinity ? -Infinity : this.g(i, lo));
      const pl = Math.max(lo, this.mp[i]);
      if (pl <= hi) gmin = Math.min(gmin, this.g(i, pl));
      c -= gmin;
    }
    return c;
  }

  /** Lets the caller lower the cash floor (when even the most cash any plan raises is below it). */
  setFloor(r: number): void { this.r = r; }
}
