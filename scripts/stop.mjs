// `npm stop`: ends what `npm start` started.
// - Windows / macOS: `office-addin-debugging stop manifest.xml` (unregisters the sideloaded
//   add-in and stops the dev server).
// - Linux: kills the dev server whose pid `npm start` wrote to .cache/dev-server.pid.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const pidFile = path.join(root, ".cache", "dev-server.pid");

if (process.platform === "win32" || process.platform === "darwin") {
  const cli = require.resolve("office-addin-debugging/cli.js");
  const r = spawnSync(process.execPath, [cli, "stop", "manifest.xml"], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

if (!existsSync(pidFile)) {
  console.log("No dev server recorded (.cache/dev-server.pid is missing): nothing to stop.");
  process.exit(0);
}
const pid = Number(readFileSync(pidFile, "utf8"));
rmSync(pidFile);
try {
  // `npm start` spawned the server detached, so it leads its own process group: end the group.
  process.kill(-pid, "SIGTERM");
  console.log(`Stopped the dev server (pid ${pid}).`);
} catch (err) {
  if (err.code === "ESRCH") console.log(`The dev server (pid ${pid}) was not running.`);
  else throw err;
}
