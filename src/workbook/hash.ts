/**
 * SHA-256 of a trade sheet's inputs (WebCrypto crypto.subtle, available in Excel's web views and
 * on secure/loopback origins), as lower-case hex. The inputs are serialised canonically:
 * JSON of { format: 1, policy rows, holdings values, cash value } exactly as read from the cells,
 * so a colleague can recompute it from the same cells.
 */
import { RebalError } from "../core/errors";

export function canonicalInputs(policyRows: unknown[][], holdingsValues: unknown[][], cashValue: unknown): string {
  return JSON.stringify({ format: 1, policy: policyRows, holdings: holdingsValues, cash: cashValue ?? null });
}

export async function sha256Hex(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new RebalError("this browser has no WebCrypto (crypto.subtle): cannot stamp the trade sheet");
  const digest = await subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of a policy's inputs as read (the trade sheet's stamp): equal hashes = unchanged cells. */
export function inputsHash(inputs: { policyRows: unknown[][]; holdingsValues: unknown[][]; cashValue: unknown }): Promise<string> {
  return sha256Hex(canonicalInputs(inputs.policyRows, inputs.holdingsValues, inputs.cashValue));
}
