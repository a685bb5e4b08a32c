/**
 * The rebalancing policy: its model, defaults and its one parser.
 *
 * A policy is a name plus the keys of product.md ("Policies"): trigger, frequency, anchor,
 * band_abs, band_rel, destination, scope, mode, lot, min_trade, cash_reserve, cost_bps,
 * cost_fixed, allow_short. Every input shape (text "k=v; k=v", 2-column or 2-row range, or the
 * workbook's stored policy table) goes through `parsePolicy`, so a formula, the task pane and the
 * command line all read a policy the same way. An unknown key or a bad value is a RebalError that
 * names the key and where it was; nothing is silently ignored.
 *
 * Defaults: trigger = threshold when a band is set, else always; anchor = start (bt's convention:
 * first trading day of a new period); destination = target; scope = all; mode = full; lot = 1
 * (0 = fractional); min_trade = 0; cash_reserve = 0; costs 0; allow_short = FALSE.
 */
import { RebalError } from "./errors";
import { KeyValue, readKeyValues, rejectUnknownKeys, valueAsBoolean, valueAsChoice, valueAsNumber } from "./keyvalues";

export const TRIGGERS = ["calendar", "threshold", "hybrid", "either", "always", "none"] as const;
export const FREQUENCIES = ["daily", "weekly", "monthly", "quarterly", "semiannual", "annual"] as const;
export const DESTINATIONS = ["target", "edge", "midpoint"] as const;
export const SCOPES = ["all", "breached"] as const;
export const MODES = ["full", "buy_only", "sell_only"] as const;
export const ANCHORS = ["start", "end"] as const;

export type Trigger = (typeof TRIGGERS)[number];
export type Frequency = (typeof FREQUENCIES)[number];
export type Destination = (typeof DESTINATIONS)[number];
export type Scope = (typeof SCOPES)[number];
export type Mode = (typeof MODES)[number];
export type Anchor = (typeof ANCHORS)[number];

export interface Policy {
  name: string;
  trigger: Trigger;
  frequency: Frequency | null;
  anchor: Anchor;
  /** Absolute band half-width in weight (0.05 = 5 percentage points); null = not set. */
  bandAbs: number | null;
  /** Relative band half-width as a fraction of the target (0.25 = 25%); null = not set. */
  bandRel: number | null;
  destination: Destination;
  scope: Scope;
  mode: Mode;
  /** Trade size unit in shares; 0 = fractional. */
  lot: number;
  /** Smallest trade value (currency) worth making. */
  minTrade: number;
  /** Cash kept after trading, as a fraction of total value. */
  cashReserve: number;
  costBps: number;
  costFixed: number;
  allowShort: boolean;
}

/** Policy keys in their canonical spelling, in the order they are documented and stored. */
export const POLICY_KEYS = [
  "name", "trigger", "frequency", "anchor", "band_abs", "band_rel", "destination", "scope", "mode",
  "lot", "min_trade", "cash_reserve", "cost_bps", "cost_fixed", "allow_short",
] as const;

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  name: "",
  trigger: "always",
  frequency: null,
  anchor: "start",
  bandAbs: null,
  bandRel: null,
  destination: "target",
  scope: "all",
  mode: "full",
  lot: 1,
  minTrade: 0,
  cashReserve: 0,
  costBps: 0,
  costFixed: 0,
  allowShort: false,
});

function nonNegative(p: KeyValue, max = Infinity, strictMin = false): number {
  const x = valueAsNumber(p);
  if (strictMin ? x <= 0 : x < 0) throw new RebalError(`${p.where}: ${p.key} must be ${strictMin ? "greater than 0" : "0 or more"}, got ${x}`);
  if (x > max) throw new RebalError(`${p.where}: ${p.key} must be at most ${max}, got ${x}`);
  return x;
}

/**
 * Reads a policy from any accepted shape (see keyvalues.ts). `arg` names the argument in messages.
 * `extraKeys` are keys the caller handles itself (for example `measure` in DRIFT's options); they
 * are returned untouched in `extras`.
 */
export function parsePolicy(input: unknown, arg = "policy", extraKeys: readonly string[] = []): { policy: Policy; extras: KeyValue[] } {
  const pairs = readKeyValues(input, arg);
  return policyFromPairs(pairs, arg, extraKeys);
}

export function policyFromPairs(pairs: KeyValue[], arg = "policy", extraKeys: readonly string[] = []): { policy: Policy; extras: KeyValue[] } {
  rejectUnknownKeys(pairs, [...POLICY_KEYS, "version", ...extraKeys], arg);
  const p: Policy = { ...DEFAULT_POLICY };
  let trigger: Trigger | null = null;
  const extras: KeyValue[] = [];
  for (const kv of pairs) {
    if (kv.value === null || kv.value === undefined || (typeof kv.value === "string" && kv.value.trim() === "")) {
      if (kv.key === "name" || kv.key === "frequency" || kv.key === "band_abs" || kv.key === "band_rel") continue; // blank = not set
      throw new RebalError(`${kv.where}: ${kv.key} has no value`);
    }
    switch (kv.key) {
      case "name": p.name = String(kv.value).trim(); break;
      case "version": {
        const v = valueAsNumber(kv);
        if (v !== 1) throw new RebalError(`${kv.where}: policy format version ${v} is not supported (this add-in reads version 1)`);
        break;
      }
      case "trigger": trigger = valueAsChoice(kv, TRIGGERS); break;
      case "frequency": p.frequency = valueAsChoice(kv, FREQUENCIES); break;
      case "anchor": p.anchor = valueAsChoice(kv, ANCHORS); break;
      case "band_abs": p.bandAbs = nonNegative(kv, 1, true); break;
      case "band_rel": p.bandRel = nonNegative(kv, 100, true); break;
      case "destination": p.destination = valueAsChoice(kv, DESTINATIONS); break;
      case "scope": p.scope = valueAsChoice(kv, SCOPES); break;
      case "mode": p.mode = valueAsChoice(kv, MODES); break;
      case "lot": p.lot = nonNegative(kv); break;
      case "min_trade": p.minTrade = nonNegative(kv); break;
      case "cash_reserve": {
        p.cashReserve = nonNegative(kv);
        if (p.cashReserve >= 1) throw new RebalError(`${kv.where}: cash_reserve is a fraction of total value and must be below 1, got ${p.cashReserve}`);
        break;
      }
      case "cost_bps": p.costBps = nonNegative(kv, 9999); break;
      case "cost_fixed": p.costFixed = nonNegative(kv); break;
      case "allow_short": p.allowShort = valueAsBoolean(kv); break;
      default: extras.push(kv);
    }
  }
  const hasBand = p.bandAbs !== null || p.bandRel !== null;
  p.trigger = trigger ?? (hasBand ? "threshold" : "always");
  if ((p.trigger === "threshold" || p.trigger === "hybrid") && !hasBand) {
    throw new RebalError(`${arg}: trigger=${p.trigger} needs a band: set band_abs and/or band_rel`);
  }
  if ((p.trigger === "calendar" || p.trigger === "hybrid" || p.trigger === "either") && p.frequency === null) {
    throw new RebalError(`${arg}: trigger=${p.trigger} needs a frequency (${FREQUENCIES.join(", ")})`);
  }
  return { policy: p, extras };
}

/** The policy as canonical key/value rows (the stored format and the pane's editor use this). */
export function policyToPairs(p: Policy): [string, string | number | boolean][] {
  const rows: [string, string | number | boolean][] = [["name", p.name], ["trigger", p.trigger]];
  if (p.frequency) rows.push(["frequency", p.frequency]);
  rows.push(["anchor", p.anchor]);
  if (p.bandAbs !== null) rows.push(["band_abs", p.bandAbs]);
  if (p.bandRel !== null) rows.push(["band_rel", p.bandRel]);
  rows.push(
    ["destination", p.destination], ["scope", p.scope], ["mode", p.mode], ["lot", p.lot],
    ["min_trade", p.minTrade], ["cash_reserve", p.cashReserve], ["cost_bps", p.costBps],
    ["cost_fixed", p.costFixed], ["allow_short", p.allowShort],
  );
  return rows;
}

/** The policy as text "k=v; k=v" (round-trips through parsePolicy). */
export function policyToText(p: Policy): string {
  return policyToPairs(p).filter(([k, v]) => !(k === "name" && v === "")).map(([k, v]) => `${k}=${v}`).join("; ");
}
