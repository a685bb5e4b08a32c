/**
 * Issue 11, build 4: a real package. A copy of the package's sources in a temporary folder (the
 * repository's node_modules linked in) is packed with `npm pack` (its `prepare` compiles the CLI to
 * build/cli), the tarball is installed with `npm install -g --omit=dev` under a temporary prefix, and
 * the installed `rebal` (no src/, no tsx, no TypeScript) plans the same trades as the sources, also
 * in worker threads. The production tree holds only the CLI's runtime: no pane libraries (Fluent
 * UI, React), no benchmark peers (quadprog, HiGHS), no build tools. Everything is written under a
 * temporary folder; --prefer-offline uses npm's cache (filled by `npm ci`).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import semver from "semver";

const ROOT = path.resolve(__dirname, "..", "..");
const PKG = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string; version: string; files: string[]; engines: { node: string };
  dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>;
};
/** What the compiled CLI requires at run time (exceljs: .xlsx, papaparse: CSV, ml-matrix: covariance repair). */
const CLI_RUNTIME = ["exceljs", "ml-matrix", "papaparse"];
/** Bundled into the add-in by webpack or used only by benchmarks: never runtime dependencies. */
const NOT_RUNTIME = ["@fluentui/react-components", "react", "react-dom", "quadprog", "highs", "tsx", "typescript", "webpack"];
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let dir: string;

beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-pkg-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 180000, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("package.json: runtime dependencies are the CLI's only; engines as the toolchain needs; the CLI is compiled on prepare", () => {
  expect(Object.keys(PKG.dependencies).sort()).toEqual(CLI_RUNTIME);
  for (const m of NOT_RUNTIME) expect(PKG.dependencies[m]).toBeUndefined();
  for (const m of ["@fluentui/react-components", "react", "react-dom", "quadprog", "highs"]) expect(PKG.devDependencies[m]).toBeDefined();
  expect(PKG.scripts.prepare).toBe("node scripts/build-cli.mjs");
  expect(PKG.files).toEqual(expect.arrayContaining(["bin/", "build/cli/", "data/"]));
  // every locked package accepts the lowest Node version of "engines" (no EBADENGINE on install)
  const lowest = /^>=(\d+\.\d+\.\d+)$/.exec(PKG.engines.node)![1];
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  const bad = Object.entries(lock.packages).filter(([, v]) => v.engines && !Array.isArray(v.engines) && typeof v.engines.node === "string" && !semver.satisfies(lowest, v.engines.node)).map(([k, v]) => `${k} ${JSON.stringify(v.engines)}`);
  expect(bad).toEqual([]);
});

test("npm pack + npm install -g --omit=dev: the installed rebal runs trades (also in worker threads) exactly as the sources do", () => {
  // a copy of what `npm pack` reads, with the repository's node_modules (TypeScript for prepare)
  const src = path.join(dir, "src-copy");
  for (const p of ["package.json", "package-lock.json", ".npmrc", "README.md", "tsconfig.cli.json", "bin", "data", "scripts", path.join("src", "cli"), path.join("src", "core")]) {
    if (existsSync(path.join(ROOT, p))) cpSync(path.join(ROOT, p), path.join(src, p), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(src, "node_modules"), "dir");
  const pack = run(npm, ["pack", "--pack-destination", dir], src);
  expect(pack.stderr).not.toMatch(/ERR!/);
  expect(pack.code).toBe(0);
  const tarball = path.join(dir, `${PKG.name}-${PKG.version}.tgz`);
  expect(existsSync(tarball)).toBe(true);
  const list = run("tar", ["tzf", tarball], dir).stdout.split("\n").filter(Boolean);
  expect(list).toEqual(expect.arrayContaining(["package/bin/rebal.js", "package/build/cli/cli/main.js", "package/build/cli/cli/worker.js", "package/data/factors_dataset.csv.gz"]));
  expect(list.filter((f) => /^package\/(src|test|bench|docs)\//.test(f))).toEqual([]);

  const prefix = path.join(dir, "global");
  const inst = run(npm, ["install", "-g", "--prefix", prefix, "--omit=dev", "--prefer-offline", tarball], dir);
  expect(inst.stderr).not.toMatch(/ERR!|EBADENGINE/);
  expect(inst.code).toBe(0);
  const installed = path.join(prefix, process.platform === "win32" ? "" : "lib", "node_modules", PKG.name);
  const modules = readdirSync(path.join(installed, "node_modules"));
  for (const m of ["exceljs", "papaparse", "ml-matrix"]) expect(modules).toContain(m);
  for (const m of ["@fluentui", "react", "react-dom", "quadprog", "highs", "tsx", "typescript", "webpack"]) expect(modules).not.toContain(m);
  expect(existsSync(path.join(installed, "src"))).toBe(false);

  const bin = path.join(prefix, "bin", "rebal");
  const book = path.join(dir, "book.csv");
  writeFileSync(book, "account,asset,quantity,price,target\n" + Array.from({ length: 40 }, (_, a) => ["AAA", "BBB", "CCC"].map((s, i) => `A${a},${s},${(a * 7 + i * 13) % 90},${[101.5, 48.25, 12.75][i]},${[0.5, 0.3, 0.15][i]}`).join("\n")).join("\n") + "\n");
  const fromPackage = run(bin, ["trades", book, "--cash", "2500", "--format", "json", "--jobs", "2"], dir);
  expect(fromPackage.stderr).toBe("");
  expect(fromPackage.code).toBe(0);
  const fromSources = run(process.execPath, [path.join(ROOT, "bin", "rebal.js"), "trades", book, "--cash", "2500", "--format", "json", "--jobs", "1"], dir);
  expect(fromSources.code).toBe(0);
  expect(JSON.parse(fromPackage.stdout)).toEqual(JSON.parse(fromSources.stdout));
  expect(run(bin, ["--version"], dir).stdout.trim()).toBe(PKG.version);
  const bad = run(bin, ["trades", path.join(ROOT, "test", "fixtures", "cli", "big_qty.csv")], dir);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/row 2, column B "quantity"/);
});
