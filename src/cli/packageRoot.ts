/**
 * The folder of Rebal's package.json (the repository root in a clone, the installed package's folder
 * otherwise), found by walking up from this module: src/cli in a clone, build/cli/cli when
 * compiled. The version and the bundled demo data (data/) are read relative to it.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** How many folders up to look for package.json. */
const MAX_LEVELS = 6;

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  let d = __dirname;
  for (let k = 0; k < MAX_LEVELS; k++, d = path.dirname(d)) {
    const f = path.join(d, "package.json");
    if (existsSync(f)) {
      try {
        if ((JSON.parse(readFileSync(f, "utf8")) as { name?: string }).name === "rebal") return (cached = d);
      } catch { /* not ours */ }
    }
  }
  return (cached = path.resolve(__dirname, "..", ".."));
}
