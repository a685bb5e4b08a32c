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
