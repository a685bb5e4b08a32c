/**
 * Access to the built add-in in dist/ for the tests that check the build output. Never skips:
 * a missing, stale or development dist/ is a failure that says which command to run
 * (`npm test` builds first). Staleness uses .cache/build-info.json, written by the build
 * (webpack.config.js BuildInfoPlugin): the files the bundle was made from and when.
 */
import { existsSync, readFileSync, statSync } from "fs";
import path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const DIST = path.join(ROOT, "dist");
const BUILD_INFO = path.join(ROOT, ".cache", "build-info.json");

interface BuildInfo {
  mode: string;
  builtAt: number;
  files: string[];
}

/** Throws unless dist/ holds a production build newer than every file it was made from. */
export function requireDist(...files: string[]): void {
  for (const f of ["functions.js", "functions.json", "taskpane.html", "taskpane.js", "manifest.xml", ...files]) {
    if (!existsSync(path.join(DIST, f))) {
      throw new Error(`dist/${f} is missing: run \`npm run build\` first (\`npm test\` does it).`);
    }
  }
  if (!existsSync(BUILD_INFO)) throw new Error("no .cache/build-info.json: run `npm run build` first.");
  const info = JSON.parse(readFileSync(BUILD_INFO, "utf8")) as BuildInfo;
  if (info.mode !== "production") {
    throw new Error(`dist/ is a ${info.mode} build: run \`npm run build\` (production) first.`);
  }
  const inputs = [...new Set([...info.files, "webpack.config.js", "manifest.xml", "package.json"])];
  const stale = inputs.filter((f) => {
    const p = path.join(ROOT, f);
    if (!existsSync(p)) return true; // an input was deleted or renamed
    const st = statSync(p);
    return st.isFile() && st.mtimeMs > info.builtAt;
  });
  if (stale.length) {
    throw new Error(`dist/ is older than ${stale.slice(0, 5).join(", ")}${stale.length > 5 ? ", ..." : ""}: run \`npm run build\` again.`);
  }
}

export function readDist(file: string): string {
  requireDist(file);
  return readFileSync(path.join(DIST, file), "utf8");
}
