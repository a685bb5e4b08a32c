/**
 * Drift and tolerance bands.
 *
 * Drift (product.md, REBAL.DRIFT): absolute `w - t`, relative `(w - t) / t` (undefined for t = 0).
 * Band half-width per asset (conventions.md, "Drift bands"): `band_abs` alone; `band_rel * t` alone;
 * both set -> `min(band_abs, band_rel * t)` (the 5/25 rule is band_abs=0.05, band_rel=0.25).
 * No band set -> half-width 0: any deviation counts as outside the band.
 * An asset is breached when `|w - t| > half-width` (a weight exactly on the edge is inside),
 * compared with a tolerance of 1e-12 so that a book rebalanced onto an edge is not re-flagged.
 */
import { Policy } from "./policy";

export const BAND_TOLERANCE = 1e-12;

export function halfWidth(target: number, bandAbs: number | null, bandRel: number | null): number {
  const rel = bandRel === null ? Infinity : bandRel * Math.abs(target);
  const abs = bandAbs === null ? Infinity : bandAbs;
  const h = Math.min(abs, rel);
  return h === Infinity ? 0 : h;
}

/** Half-widths for every asset under `policy`. */
export function halfWidths(targets: ArrayLike<number>, policy: Pick<Policy, "bandAbs" | "bandRel">): Float64Array {
  const h = new Float64Array(targets.length);
  for (let i = 0; i < h.length; i++) h[i] = halfWidth(targets[i], policy.bandAbs, policy.bandRel);
  return h;
}

/** Lower and upper weight bounds `t -/+ h`; the lower bound is floored at 0 unless shorts are allowed. */
export function bandBounds(targets: ArrayLike<number>, policy: Pick<Policy, "bandAbs" | "bandRel" | "allowShort">): { lower: Float64Array; upper: Float64Array } {
  const h = halfWidths(targets, policy);
  const lower = new Float64Array(h.length);
  const upper = new Float64Array(h.length);
  for (let i = 0; i < h.length; i++) {
    lower[i] = policy.allowShort ? targets[i] - h[i] : Math.max(0, targets[i] - h[i]);
    upper[i] = targets[i] + h[i];
  }
  return { lower, upper };
}

export type DriftMeasure = "abs" | "rel";

/** Drift per asset; relative drift of a zero target is NaN (the caller reports it as not defined). */
export function drift(w: ArrayLike<number>, t: ArrayLike<number>, measure: DriftMeasure = "abs"): Float64Array {
  const d = new Float64Array(w.length);
  for (let i = 0; i < d.length; i++) d[i] = measure === "abs" ? w[i] - t[i] : t[i] === 0 ? NaN : (w[i] - t[i]) / t[i];
  return d;
}

/** Flags assets outside their band. */
export function breaches(w: ArrayLike<number>, t: ArrayLike<number>, h: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(w.length);
  for (let i = 0; i < b.length; i++) b[i] = Math.abs(w[i] - t[i]) > h[i] + BAND_TOLERANCE ? 1 : 0;
  return b;
}
