/**
 * The per-asset drift view of a book under a policy (the pane's drift table): weight, target, band
 * half-width, absolute drift (w − t) and relative drift ((w − t) / t, undefined for a zero target, as
 * REBAL.DRIFT measure=rel), and whether the asset is inside or outside its band (bands.ts: the same
 * half-widths and breach test as REBAL.BANDS / REBAL.CHECK). A policy without bands has no band
 * status: its assets are "no band", never "breached". Rows are sorted by how far out they are: the
 * share of the band used (|drift| / half-width) where there is a band, else |drift|; ties keep the
 * holdings order.
 */
import { BAND_TOLERANCE, halfWidths } from "./bands";
import { Policy } from "./policy";

export type BandStatus = "inside" | "breached" | "no band";

export interface DriftRow {
  asset: string;
  weight: number;
  target: number;
  /** Band half-width (weight), null when the policy sets no band. */
  band: number | null;
  drift: number;
  /** (w − t) / t; null for a zero target. */
  relDrift: number | null;
  status: BandStatus;
  /** |drift| / band (1 = on the edge), or |drift| without a band: the sort key. */
  outBy: number;
}

export function hasBands(policy: Pick<Policy, "bandAbs" | "bandRel">): boolean {
  return policy.bandAbs !== null || policy.bandRel !== null;
}

export function driftRows(assets: readonly string[], weights: ArrayLike<number>, targets: ArrayLike<number>, policy: Pick<Policy, "bandAbs" | "bandRel">): DriftRow[] {
  const banded = hasBands(policy);
  const h = halfWidths(targets, policy);
  const rows = assets.map((asset, i): DriftRow & { i: number } => {
    const d = weights[i] - targets[i];
    const band = banded ? h[i] : null;
    const status: BandStatus = band === null ? "no band" : Math.abs(d) > band + BAND_TOLERANCE ? "breached" : "inside";
    const outBy = band === null ? Math.abs(d) : band > 0 ? Math.abs(d) / band : Math.abs(d) > BAND_TOLERANCE ? Infinity : 0;
    return { asset, weight: weights[i], target: targets[i], band, drift: d, relDrift: targets[i] === 0 ? null : d / targets[i], status, outBy, i };
  });
  rows.sort((a, b) => (b.outBy - a.outBy) || (a.i - b.i));
  return rows.map(({ i: _i, ...r }) => r);
}
