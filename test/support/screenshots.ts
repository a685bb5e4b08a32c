/**
 * Where the browser tests write their screenshots: a temporary folder, so a test run never changes
 * tracked files. To refresh the documentation's images (docs/screenshots, shown by docs/taskpane.md),
 * run the browser tests with REBAL_SCREENSHOTS=docs/screenshots.
 */
import * as os from "node:os";
import * as path from "node:path";

export const SCREENSHOTS = process.env.REBAL_SCREENSHOTS
  ? path.resolve(process.env.REBAL_SCREENSHOTS)
  : path.join(os.tmpdir(), "rebal-screenshots");
