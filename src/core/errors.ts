/**
 * RebalError: the one error type the engine throws for bad input or an infeasible request.
 * Its message says what is wrong and where (argument, row, key) in words an analyst can act on;
 * the formula layer turns it into `#VALUE!` with that message. Anything else thrown from core is a
 * bug, and the formula layer reports it as `#VALUE!` "internal error" rather than letting it escape.
 */
export class RebalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RebalError";
  }
}

/** Formats a number for a message: short, without trailing noise. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e9 || Math.abs(x) < 1e-4)) return x.toExponential(4);
  return String(Number(x.toPrecision(8)));
}
