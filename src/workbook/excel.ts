/**
 * The one door to Office.js: running a batch against the workbook (Excel.run), the host's
 * readiness and its theme. Every other src/workbook module goes through `runExcel`, so outside
 * Excel (a browser, a test without a stub) a call fails with one clear message instead of a
 * ReferenceError. Conventions: errors meant for the user are RebalError (src/core/errors).
 */
import { RebalError } from "../core/errors";

/** Injected by webpack's DefinePlugin from package.json ("dev" where it is not defined, e.g. jest). */
declare const __REBAL_VERSION__: string;
export const ADDIN_VERSION: string = typeof __REBAL_VERSION__ !== "undefined" ? __REBAL_VERSION__ : "dev";

export function excelAvailable(): boolean {
  return typeof Excel !== "undefined" && typeof Excel.run === "function";
}

/** Excel.run, or a RebalError outside Excel. */
export function runExcel<T>(batch: (context: Excel.RequestContext) => Promise<T>): Promise<T> {
  if (!excelAvailable()) return Promise.reject(new RebalError("Excel is not available: open Rebal from Excel."));
  return Excel.run(batch);
}

/** Resolves when Office is ready; true when the host is Excel. */
export async function officeReady(): Promise<boolean> {
  if (typeof Office === "undefined" || typeof Office.onReady !== "function") return false;
  const info = await Office.onReady();
  return info.host === Office.HostType.Excel;
}

/** "dark" when Office reports a dark body background, "light" otherwise (or when it says nothing). */
export function officeThemeKind(): "light" | "dark" {
  try {
    const bg = typeof Office !== "undefined" ? Office.context?.officeTheme?.bodyBackgroundColor : undefined;
    const m = typeof bg === "string" ? /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(bg.trim()) : null;
    if (!m) return "light";
    const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
  } catch {
    return "light";
  }
}

/** A message for the user from anything thrown by a batch (Office errors carry code + message). */
export function errorMessage(e: unknown): string {
  if (e instanceof RebalError) return e.message;
  if (e && typeof e === "object" && "message" in e) {
    const code = (e as { code?: unknown }).code;
    const msg = String((e as { message: unknown }).message);
    return typeof code === "string" && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(e);
}
