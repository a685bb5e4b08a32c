/**
 * A stand-in for Excel's CustomFunctions runtime, installed on globalThis before the formula modules
 * are imported: an Error class carrying code and message, and the ErrorCode values used by Rebal.
 */
export class StubCustomFunctionsError extends Error {
  constructor(public code: string, message?: string) {
    super(message);
    this.name = "CustomFunctions.Error";
  }
}
export const ErrorCode = { invalidValue: "#VALUE!", divisionByZero: "#DIV/0!", notAvailable: "#N/A" } as const;
(globalThis as unknown as { CustomFunctions: unknown }).CustomFunctions = { Error: StubCustomFunctionsError, ErrorCode };

/** Runs f and returns the CustomFunctions.Error it throws (fails if it returns or throws anything else than #VALUE!). */
export function excelError(f: () => unknown): StubCustomFunctionsError {
  let out: unknown;
  try {
    out = f();
  } catch (e) {
    if (!(e instanceof StubCustomFunctionsError)) throw new Error(`threw something else: ${String(e)}`);
    expect(e.code).toBe(ErrorCode.invalidValue);
    return e;
  }
  throw new Error(`expected #VALUE!, got ${JSON.stringify(out)}`);
}
