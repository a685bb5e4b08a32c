// `npm start`: builds the add-in (development) and sideloads it.
// - Windows / macOS: `office-addin-debugging start manifest.xml` (starts the dev server through
//   the package.json "dev-server" script and sideloads into desktop Excel).
// - Linux (no desktop Excel): starts the https dev server on https://localhost:3000 in the
//   background (pid in .cache/dev-server.pid, log in .cache/dev-server.log) and prints how to
//   sideload manifest.xml into Excel on the web. `npm stop` ends it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const webpackCli = require.resolve("webpack-cli/bin/cli.js");
const port = Number(process.env.npm_package_config_dev_server_port || 3000);
const cacheDir = path.join(root, ".cache");
const pidFile = path.join(cacheDir, "dev-server.pid");
const logFile = path.join(cacheDir, "dev-server.log");
const url = `https://localhost:${port}/taskpane.html`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function probe() {
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

console.log("Building (development)...");
run(process.execPath, [webpackCli, "--mode", "development"]);

if (process.platform === "win32" || process.platform === "darwin") {
  const cli = require.resolve("office-addin-debugging/cli.js");
  run(process.execPath, [cli, "start", "manifest.xml", "desktop"]);
  process.exit(0);
}

// Linux and others: dev server only, then sideload by hand into Excel on the web.
mkdirSync(cacheDir, { recursive: true });
if (existsSync(pidFile)) {
  const old = Number(readFileSync(pidFile, "utf8"));
  if (old && alive(old)) {
    console.log(`The dev server is already running (pid ${old}). Run \`npm stop\` first to restart it.`);
    process.exit(0);
  }
}
const log = openSync(logFile, "w");
const child = spawn(process.execPath, [webpackCli, "serve", "--mode", "development"], {
  cwd: root,
  detached: true,
  stdio: ["ignore", log, log],
});
writeFileSync(pidFile, String(child.pid));
let exited = null;
child.on("exit", (code) => (exited = code ?? 1));
child.unref();

const deadline = Date.now() + 120_000;
while (!(await probe())) {
  if (exited !== null || Date.now() > deadline) {
    console.error(`The dev server did not start (see ${path.relative(root, logFile)}):`);
    console.error(readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n"));
    if (exited === null) process.kill(-child.pid, "SIGTERM");
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}

console.log(`
Rebal dev server running on https://localhost:${port}/ (pid ${child.pid}, log ${path.relative(root, logFile)}).
There is no desktop Excel on ${process.platform}: sideload into Excel on the web instead.

  1. Open ${url} in your browser once and accept the self-signed certificate
     (unless the Office dev certificates are installed: npx office-addin-dev-certs install).
  2. Open a workbook at https://excel.cloud.microsoft/ (or office.com > Excel).
  3. Home (or Insert) > Add-ins > More Add-ins > My Add-ins > Upload My Add-in,
     then choose ${path.join(root, "manifest.xml")} and Upload.
  4. Type =REBAL. in a cell; open the pane with the Rebal button on the Home tab.

Stop the server with: npm stop
`);
