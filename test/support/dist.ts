/**
 * Access to the built add-in in dist/ for the tests that check the build output. Never skips:
 * a missing or stale dist/ is a failure that says which command to run (`npm test` builds first).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const DIST = path.join(ROOT, "dist");

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, f) => Math.max(m, newestMtime(path.join(p, f))), st.mtimeMs);
}

/** Throws unless dist/ holds a build at least as new as src/, manifest.xml and assets/. */
export function requireDist(...files: string[]): void {
  for (const f of ["functions.js", "functions.json", "taskpane.html", "taskpane.js", "manifest.xml", ...files]) {
    if (!existsSync(path.join(DIST, f))) {
      throw new Error(`dist/${f} is missing: run \`npm run build\` first (\`npm test\` does it).`);
    }
  }
  const built = statSync(path.join(DIST, "functions.js")).mtimeMs;
  const sources = Math.max(
    newestMtime(path.join(ROOT, "src")),
    newestMtime(path.join(ROOT, "manifest.xml")),
    newestMtime(path.join(ROOT, "assets")),
    newestMtime(path.join(ROOT, "webpack.config.js")),
  );
  if (sources > built) {
    throw new Error("dist/ is older than src/ (or manifest.xml, assets/, webpack.config.js): run `npm run build` again.");
  }
}

export function readDist(file: string): string {
  requireDist(file);
  return readFileSync(path.join(DIST, file), "utf8");
}
