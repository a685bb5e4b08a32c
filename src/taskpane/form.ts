/**
 * The policy editor's form model: every policy key as text, validated by the one parser
 * (parsePolicy) on every change; the error is attached to the field whose key the message names
 * first (a message naming no key goes to the form as a whole).
 */
import { RebalError } from "../core/errors";
import { DEFAULT_POLICY, POLICY_KEYS, Policy, parsePolicy, policyToPairs } from "../core/policy";
import { validatePolicyName } from "../core/policyStore";

export type PolicyKey = (typeof POLICY_KEYS)[number];
export type FormValues = Record<PolicyKey, string>;

export function formFromPolicy(p: Policy = DEFAULT_POLICY): FormValues {
  const v = Object.fromEntries(POLICY_KEYS.map((k) => [k, ""])) as FormValues;
  for (const [k, x] of policyToPairs(p)) v[k as PolicyKey] = typeof x === "boolean" ? (x ? "TRUE" : "FALSE") : String(x);
  return v;
}

export interface Validation {
  policy: Policy | null;
  /** The message and the key it names ("" = the form). */
  error: { key: PolicyKey | ""; message: string } | null;
}

/** The key a message names first (after its "where:" prefix), or "". */
export function keyOfMessage(message: string): PolicyKey | "" {
  let best: PolicyKey | "" = "";
  let at = Infinity;
  for (const k of POLICY_KEYS) {
    const m = new RegExp(`(^|[^A-Za-z0-9_])${k}([^A-Za-z0-9_]|$)`).exec(message);
    if (m && m.index < at) {
      at = m.index;
      best = k;
    }
  }
  return best;
}

export function validateForm(values: FormValues): Validation {
  const rows = POLICY_KEYS.filter((k) => values[k].trim() !== "").map((k) => [k, values[k]]);
  try {
    if (values.name.trim() === "") throw new RebalError("policy: name is required");
    validatePolicyName(values.name);
    const { policy } = parsePolicy(rows, "policy");
    return { policy, error: null };
  } catch (e) {
    const message = (e as Error).message;
    return { policy: null, error: { key: keyOfMessage(message), message } };
  }
}
