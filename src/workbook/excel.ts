/**
 * The one door to Office.js: running a batch against the workbook (Excel.run), the host's
 * readiness and its theme. Every other src/workbook module goes through `runExcel`, so outside
 * Excel (a browser, a test without a stub) a call fails with one clear message instead of a
 * ReferenceError. Conventions: errors meant for the user are RebalError (src/core/errors).
 *
 * Theme: Office.context.officeTheme (isDarkTheme where the host gives it, else the luminance of
 * bodyBackgroundColor). Office.js has no theme-changed event for Excel (OfficeThemeChanged is
 * Outlook-only, Mailbox 1.14), so watchOfficeTheme re-reads the theme whenever the pane may have
 * been away while the user switched it: when the page becomes visible again, when it gets focus,
 * and when the shared runtime reports the task pane shown (Office.addin.onVisibilityModeChanged,
 * SharedRuntime 1.1). Subscribers are called only when the kind (light/dark) changes.
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

export type ThemeKind = "light" | "dark";

/** "dark" when Office reports a dark theme (isDarkTheme, else a dark body background), "light" otherwise (or when it says nothing). */
export function officeThemeKind(): ThemeKind {
  try {
    const theme = typeof Office !== "undefined" ? Office.context?.officeTheme : undefined;
    if (typeof theme?.isDarkTheme === "boolean") return theme.isDarkTheme ? "dark" : "light";
    const bg = theme?.bodyBackgroundColor;
    const m = typeof bg === "string" ? /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(bg.trim()) : null;
    if (!m) return "light";
    const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h, 16));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
  } catch {
    return "light";
  }
}

/**
 * Calls `onChange(kind)` whenever the Office theme's kind differs from the last one seen, checking
 * on visibility, focus and task-pane-shown events (see the header). Returns the unsubscribe.
 */
export function watchOfficeTheme(onChange: (kind: ThemeKind) => void, read: () => ThemeKind = officeThemeKind): () => void {
  let last = read();
  let active = true;
  const check = () => {
    if (!active) return;
    const now = read();
    if (now !== last) {
      last = now;
      onChange(now);
    }
  };
  const onVisibility = () => {
    if (typeof document === "undefined" || document.visibilityState === "visible") check();
  };
  if (typeof document !== "undefined") document.addEventListener("visibilitychange", onVisibility);
  if (typeof window !== "undefined") window.addEventListener("focus", check);
  let removeAddin: (() => Promise<void>) | null = null;
  try {
    const addin = typeof Office !== "undefined" ? (Office as { addin?: { onVisibilityModeChanged?: typeof Office.addin.onVisibilityModeChanged } }).addin : undefined;
    if (addin && typeof addin.onVisibilityModeChanged === "function") {
      addin.onVisibilityModeChanged((m) => {
        if (String(m.visibilityMode) === "Taskpane") check();
      }).then((remove) => {
        if (active) removeAddin = remove;
        else void remove().catch(() => undefined);
      }, () => undefined);
    }
  } catch {
    // not a shared runtime: visibility and focus remain
  }
  return () => {
    active = false;
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", onVisibility);
    if (typeof window !== "undefined") window.removeEventListener("focus", check);
    if (removeAddin) void removeAddin().catch(() => undefined);
    removeAddin = null;
  };
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
