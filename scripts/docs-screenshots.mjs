#!/usr/bin/env node
// Regenerates the curated screenshots in docs/screenshots/ (shown by docs/taskpane.md); npm test never
// writes there. Runs the browser tests with REBAL_SCREENSHOTS set to a temporary folder (they write
// every screen at 320 and 450 px there), copies the curated set, and, where LibreOffice is installed
// (Debian: apt-get install libreoffice-calc-nogui poppler-utils), renders the command line's xlsx trade
// sheet as LibreOffice prints it (cli-trade-sheet-libreoffice.png). Needs a current `npm run build`.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const docs = path.join(root, "docs", "screenshots");
const tmp = mkdtempSync(path.join(os.tmpdir(), "rebal-docs-shots-"));
const CURATED = {
  // file in the test folder -> file in docs/screenshots
  "320-list-drift.png": "policy-list-320.png",
  "450-list-drift.png": "policy-list.png",
  "320-list-dark.png": "policy-list-dark.png",
  "320-editor-new.png": "policy-editor-320.png",
  "450-editor-three-errors.png": "policy-editor-validation.png",
  "320-editor-save-error.png": "policy-editor-save-error.png",
  "320-menu.png": "policy-menu.png",
  "320-delete-dialog.png": "policy-delete.png",
  "320-preview-deposit.png": "trade-preview.png",
  "450-preview-not-due.png": "trade-preview-not-due.png",
  "320-after-write.png": "trade-sheet-written.png",
  "policy-editor.png": "policy-editor.png",
  "error-deleted-binding.png": "error-deleted-binding.png",
  "live-formulas-refused.png": "live-formulas-refused.png",
  "live-formulas-inserted.png": "live-formulas-inserted.png",
  "compare-setup.png": "compare-setup.png",
  "compare-progress.png": "compare-progress.png",
  "compare-done.png": "compare-done.png",
  "compare-error.png": "compare-error.png",
};
const jest = spawnSync("npx", ["jest", "test/browser/layout", "test/browser/pane", "test/browser/compare"], {
  cwd: root, stdio: "inherit", env: { ...process.env, REBAL_SCREENSHOTS: tmp },
});
if (jest.status !== 0) process.exit(jest.status ?? 1);
for (const [from, to] of Object.entries(CURATED)) {
  const src = path.join(tmp, from);
  if (!existsSync(src)) throw new Error(`the browser tests wrote no ${from} (in ${tmp})`);
  copyFileSync(src, path.join(docs, to));
}
const soffice = spawnSync("soffice", ["--version"], { encoding: "utf8" });
if (soffice.status === 0) {
  const rows = ["asset,quantity,price,target"];
  const book = [["AAPL", 30, 375.95], ["MSFT", 22, 253.48], ["AMZN", 175, 394.15], ["GOOGL", 10, 383.08], ["META", 170, 192.64], ["NVDA", 86, 155.46],
    ["BRK.B", 170, 347.54], ["JPM", 198, 311.99], ["XOM", 57, 177.56], ["JNJ", 57, 527.42], ["TLT", 189, 264.47], ["IEF", 8, 419.28]];
  for (const [a, q, p] of book) rows.push(`${a},${q},${p},${(1 / 13).toFixed(4)}`);
  writeFileSync(path.join(tmp, "book.csv"), rows.join("\n") + "\n");
  execFileSync("node", [path.join(root, "bin", "rebal.js"), "trades", path.join(tmp, "book.csv"), "--cash", "5000", "--policy", "band_abs=0.03; min_trade=500; cost_bps=5", "--format", "xlsx", "--out", path.join(tmp, "trades.xlsx")], { stdio: "inherit" });
  execFileSync("soffice", ["--headless", "--convert-to", "pdf", "--outdir", tmp, path.join(tmp, "trades.xlsx")], { stdio: "ignore" });
  execFileSync("pdftoppm", ["-png", "-r", "90", "-singlefile", path.join(tmp, "trades.pdf"), path.join(docs, "cli-trade-sheet-libreoffice")]);
} else {
  console.log("LibreOffice (soffice) not found: cli-trade-sheet-libreoffice.png left as it was");
}
console.log(`docs/screenshots updated from ${tmp}`);
