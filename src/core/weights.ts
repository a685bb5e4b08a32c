/**
 * Valuation and weights. A weight is an asset's value over the total: `v_i / sum(v)`, where the
 * total includes cash when cash is given (targets are weights of holdings plus cash, product.md).
 * Inputs are Float64Arrays; missing values are rejected by the caller before they get here.
 */
import { RebalError, fmt } from "./errors";

/** `v_i / total`, with total = sum(values) + cash. Errors when the total is not positive. */
export function weights(values: ArrayLike<number>, cash = 0): Float64Array {
  let total = cash;
  for (let i = 0; i < values.length; i++) total += values[i];
  if (!(total > 0)) throw new RebalError(`the total value (holdings plus cash) must be positive, got ${fmt(total)}`);
  const w = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) w[i] = values[i] / total;
  return w;
}

