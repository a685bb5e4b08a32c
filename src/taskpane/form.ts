/**
 * The policy editor's form model: every policy key as the text an adviser types, in adviser units
 * (bands and the cash reserve in percent, amounts in currency), turned into the policy's stored
 * values and checked by the one parser (core parsePolicy). Every field is validated on its own, so
 * three wrong fields give three messages; then the rules between fields (a threshold needs a band, a
 * calendar needs a frequency) are attached to the field that fixes them. Numbers are read by core's
 * numberText reader with the decimal point: "5", "5%", "$250", "1,000" and "1,000,000" all read.
 * Also: the presets (5/25 rule, ±5 points, quarterly calendar, quarterly review + 5-point bands),
 * the labels and hints, and the field a save-time error belongs to.
 */
import { parseNumberText } from "../core/numberText";
import { DEFAULT_POLICY, POLICY_KEYS, Policy, parsePolicy, policyToPairs } from "../core/policy";
import { validatePolicyName } from "../core/policyStore";

export type PolicyKey = (typeof POLICY_KEYS)[number];
export type FormValues = Record<PolicyKey, string>;
/** A form field: a policy key, or one of the bindings. */
export type FieldKey = PolicyKey | "holdings" | "cash";

type Unit = "percent" | "money" | "number" | "text" | "choice" | "boolean";

export interface FieldInfo {
  label: string;
  hint: string;
  unit: Unit;
}

/** Labels in an adviser's words (the policy key is shown small beside each) and a hint for every field. */
export const FIELDS: Record<FieldKey, FieldInfo> = {
  name: { label: "Policy name", hint: "how formulas refer to it: REBAL_POLICY_<name>", unit: "text" },
  trigger: { label: "Rebalance when", hint: "", unit: "choice" },
  frequency: { label: "Calendar", hint: "how often a calendar or review date comes round; (none) for band-only policies", unit: "choice" },
  anchor: { label: "Calendar date falls at", hint: "start: first trading day of each period; end: its last day", unit: "choice" },
  band_abs: { label: "Tolerance band (± percentage points)", hint: "5 = rebalance when a 40% target drifts below 35% or above 45%; blank = none", unit: "percent" },
  band_rel: { label: "Relative band (% of target)", hint: "25 = ± a quarter of each target (10% → ± 2.5 points); with a tolerance band the tighter one counts (5/25 rule)", unit: "percent" },
  destination: { label: "Trade back to", hint: "", unit: "choice" },
  scope: { label: "Assets traded", hint: "", unit: "choice" },
  mode: { label: "Trades allowed", hint: "", unit: "choice" },
  lot: { label: "Lot size (shares)", hint: "trades are whole multiples of it; 0 = fractional shares", unit: "number" },
  min_trade: { label: "Minimum trade ($)", hint: "smaller trades are not made, e.g. 250 or $1,000", unit: "money" },
  cash_reserve: { label: "Cash to keep (% of value)", hint: "cash left after trading, e.g. 2 for 2% of the portfolio", unit: "percent" },
  cost_bps: { label: "Cost per trade (basis points)", hint: "commission and spread estimate: 5 = 0.05% of each trade's value", unit: "number" },
  cost_fixed: { label: "Fixed cost per trade ($)", hint: "a ticket charge added to every trade", unit: "money" },
  allow_short: { label: "Allow short positions", hint: "off: never sells below zero shares", unit: "boolean" },
  holdings: { label: "Holdings", hint: "a range with a header row (asset, quantity, price, target), a table name or a defined name", unit: "text" },
  cash: { label: "Cash cell (optional)", hint: "one cell with the account's cash; empty = no cash", unit: "text" },
};

/** The choices of each choice field, with what each means. */
export const CHOICES: Partial<Record<PolicyKey, { value: string; text: string }[]>> = {
  trigger: [
    { value: "threshold", text: "an asset leaves its band (threshold)" },
    { value: "calendar", text: "on each calendar date (calendar)" },
    { value: "hybrid", text: "on calendar dates, only if out of band (hybrid)" },
    { value: "either", text: "on calendar dates or any time out of band (either)" },
    { value: "always", text: "every time it is checked (always)" },
    { value: "none", text: "never: buy and hold (none)" },
  ],
  frequency: [{ value: "", text: "(none)" }, ...["daily", "weekly", "monthly", "quarterly", "semiannual", "annual"].map((f) => ({ value: f, text: f }))],
  anchor: [{ value: "start", text: "start of the period" }, { value: "end", text: "end of the period" }],
  destination: [
    { value: "target", text: "the target weight (target)" },
    { value: "edge", text: "the nearest band edge: least trading (edge)" },
    { value: "midpoint", text: "halfway between edge and target (midpoint)" },
  ],
  scope: [{ value: "all", text: "all assets once one is out (all)" }, { value: "breached", text: "only the assets out of band (breached)" }],
  mode: [
    { value: "full", text: "buys and sells (full)" },
    { value: "buy_only", text: "buys only: invest cash, never sell (buy_only)" },
    { value: "sell_only", text: "sells only: raise cash (sell_only)" },
  ],
};

/** Hints of choice fields: what the selected choice does. */
export function choiceHint(k: PolicyKey, value: string): string {
  const base: Partial<Record<PolicyKey, string>> = {
    trigger: "hybrid checks the bands only on calendar dates; either trades on calendar dates and whenever a band is breached",
    destination: "edge trades least and stays near the band; midpoint leaves room before the next breach",
    scope: "with 'all' every asset is brought back once the policy is due",
    mode: "buys only suits deposits, sells only withdrawals",
  };
  const chosen = CHOICES[k]?.find((c) => c.value === value)?.text ?? "";
  return [chosen && k !== "frequency" && k !== "anchor" ? `now: ${chosen}` : "", base[k] ?? FIELDS[k].hint].filter(Boolean).join("; ");
}

const PERCENT_KEYS = new Set<PolicyKey>(["band_abs", "band_rel", "cash_reserve"]);
const pctText = (x: number) => String(Number((x * 100).toPrecision(12)));

export function formFromPolicy(p: Policy = DEFAULT_POLICY): FormValues {
  const v = Object.fromEntries(POLICY_KEYS.map((k) => [k, ""])) as FormValues;
  for (const [k, x] of policyToPairs(p)) {
    const key = k as PolicyKey;
    v[key] = typeof x === "boolean" ? (x ? "TRUE" : "FALSE") : typeof x === "number" && PERCENT_KEYS.has(key) ? pctText(x) : String(x);
  }
  return v;
}

export interface Preset {
  id: string;
  label: string;
  values: Partial<FormValues>;
}

export const PRESETS: Preset[] = [
  { id: "5-25", label: "5/25 rule", values: { trigger: "threshold", frequency: "", band_abs: "5", band_rel: "25" } },
  { id: "5pt", label: "±5 points", values: { trigger: "threshold", frequency: "", band_abs: "5", band_rel: "" } },
  { id: "quarterly", label: "Quarterly calendar", values: { trigger: "calendar", frequency: "quarterly", band_abs: "", band_rel: "" } },
  { id: "hybrid", label: "Quarterly review + 5-point bands", values: { trigger: "hybrid", frequency: "quarterly", band_abs: "5", band_rel: "" } },
];

export function applyPreset(values: FormValues, preset: Preset): FormValues {
  return { ...values, ...preset.values };
}

export interface Validation {
  policy: Policy | null;
  /** One message per field that is wrong. */
  errors: Partial<Record<FieldKey, string>>;
}

/** The stored value of a field's text (percent -> fraction, currency and separators read), or an error. */
function storedValue(k: PolicyKey, text: string): { value: string | number } | { error: string } {
  const unit = FIELDS[k].unit;
  if (unit !== "percent" && unit !== "money" && unit !== "number") return { value: text };
  let x: number | null;
  try {
    x = parseNumberText(text, ".", FIELDS[k].label);
  } catch (e) {
    return { error: (e as Error).message.replace(/^[^:]*: /, "") };
  }
  if (x === null) return { error: `"${text.trim()}" is not a number (e.g. ${unit === "money" ? "250 or $1,000" : unit === "percent" ? "5 or 5%" : "5"})` };
  if (unit === "percent" && !/%\s*$/.test(text)) x /= 100; // "5" = 5 percent; "5%" was already divided
  return { value: x };
}

/** The parser's message for one field, in the field's own units and words. */
function friendly(k: PolicyKey, message: string): string {
  const at = message.indexOf(`${k} `);
  let rest = at >= 0 ? message.slice(at + k.length + 1) : message.replace(/^[^:]*: /, "");
  if (PERCENT_KEYS.has(k)) {
    const unit = k === "band_abs" ? " points" : "%";
    rest = rest.replace(/(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/gi, (n) => `${pctText(Number(n))}${unit}`);
  }
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/** Validates every field on its own, then the rules between fields. */
export function validateForm(values: FormValues): Validation {
  const errors: Validation["errors"] = {};
  const rows: [string, string | number][] = [];
  if (values.name.trim() === "") errors.name = "Give the policy a name";
  else {
    try {
      validatePolicyName(values.name);
    } catch (e) {
      errors.name = (e as Error).message.replace(/^policy name /, "The name ");
    }
  }
  for (const k of POLICY_KEYS) {
    const text = values[k];
    if (text.trim() === "") continue;
    const v = storedValue(k, text);
    if ("error" in v) {
      errors[k] = v.error;
      continue;
    }
    // the key alone through the parser (a neutral trigger, so no rule between fields fires here)
    const alone: [string, string | number][] = k === "trigger" ? [[k, v.value], ["band_abs", 0.05], ["frequency", "monthly"]] : k === "name" ? [[k, v.value]] : [["trigger", "always"], [k, v.value]];
    try {
      parsePolicy(alone, "policy");
      rows.push([k, v.value]);
    } catch (e) {
      errors[k] = friendly(k, (e as Error).message);
    }
  }
  if (Object.keys(errors).length) return { policy: null, errors };
  try {
    return { policy: parsePolicy(rows, "policy").policy, errors };
  } catch (e) {
    const m = (e as Error).message;
    if (/needs a band/.test(m)) errors.band_abs = `Set a tolerance band or a relative band: "${values.trigger}" rebalances when an asset leaves its band`;
    else if (/needs a frequency/.test(m)) errors.frequency = `Choose a calendar: "${values.trigger}" needs calendar dates`;
    else errors.name = m;
    return { policy: null, errors };
  }
}

/** The field a save-time message from the workbook belongs to (null = the form as a whole). */
export function fieldOfSaveError(message: string): FieldKey | null {
  if (/^holdings\b/i.test(message)) return "holdings";
  if (/^cash cell\b/i.test(message)) return "cash";
  if (/already exists|policy name/i.test(message)) return "name";
  return null;
}
