/**
 * Rebal task pane (minimal placeholder until the React pane): shows the add-in version and
 * whether Office is ready. DOM updates use textContent only (no innerHTML: see the CSP).
 */

/** Injected by webpack's DefinePlugin from package.json. */
declare const __REBAL_VERSION__: string;

function setText(id: string, text: string): void {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
}

setText("version", `Rebal ${__REBAL_VERSION__}`);

if (typeof Office === "undefined") {
  setText("status", "Office.js is not available: open this page from Excel.");
} else {
  Office.onReady((info) => {
    setText(
      "status",
      info.host === Office.HostType.Excel
        ? "Ready. The formulas recalculate with your workbook."
        : "Open Rebal from Excel to use the formulas and the pane.",
    );
  });
}
