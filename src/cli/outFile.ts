/**
 * Output files, safely: the one writer of every file the CLI creates (--out of trades, demo).
 *
 * Rules (issue 11, "Output safety"):
 * - An output is never one of the inputs: the same file (device + inode, so symbolic and hard links
 *   count) is refused even with --force.
 * - An existing output is refused unless --force.
 * - Bytes go to a temporary file in the output's folder, are flushed to disk, then moved into place
 *   in one step: a hard link (fails if the name was taken meanwhile) without --force, a rename with
 *   --force. An interrupted run leaves the old file (or none), never a half-written one; the
 *   temporary file is removed on failure and on SIGINT/SIGTERM.
 * - The format follows the extension (.csv, .json, .xlsx, .txt = table) unless --format is given;
 *   a known extension that disagrees with --format is a usage error.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import * as path from "node:path";
import { FileError, UsageError } from "./errors";

/** Output formats by file extension. */
export const FORMAT_OF_EXTENSION: Record<string, string> = { ".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table" };

/**
 * The format of an output: --format when given (and consistent with a known extension of --out),
 * else the extension's, else `fallback` (stdout, or an --out without a known extension and no --format).
 */
export function outputFormat(formatOpt: string | undefined, out: string | undefined, fallback: string): string {
  const ext = out ? path.extname(out).toLowerCase() : "";
  const byExt = FORMAT_OF_EXTENSION[ext];
  if (formatOpt !== undefined && byExt !== undefined && formatOpt !== byExt) {
    throw new UsageError(`--out ${out} is a ${ext} file but --format is ${formatOpt} (use --format ${byExt}, or an --out name ending in the format's extension)`);
  }
  if (formatOpt !== undefined) return formatOpt;
  if (byExt !== undefined) return byExt;
  if (out) throw new UsageError(`--out ${out}: cannot tell the format from the name (use a .csv, .json, .xlsx or .txt name, or --format)`);
  return fallback;
}

function identity(file: string): { dev: number; ino: number } | null {
  try {
    const s = statSync(file);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

/**
 * Checks before any work is done: `out` is none of `inputs`, and does not exist unless `force`.
 * Throws FileError (exit 3) naming the file and the way out.
 */
export function checkOutput(out: string, inputs: readonly string[], force: boolean): void {
  const o = identity(out);
  if (!o) {
    const dir = path.dirname(path.resolve(out));
    const d = identity(dir);
    if (!d) throw new FileError(`${out}: cannot write (folder ${dir} does not exist)`);
    return;
  }
  for (const inp of inputs) {
    const i = identity(inp);
    if (i && i.dev === o.dev && i.ino === o.ino) throw new FileError(`${out}: is the input ${inp}; refusing to write over an input (even with --force): choose another --out`);
  }
  if (statSync(out).isDirectory()) throw new FileError(`${out}: is a folder`);
  if (!force) throw new FileError(`${out}: already exists; refusing to overwrite it (add --force to replace it)`);
}

const pending = new Set<string>();
let handlersInstalled = false;

function installSignalCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const f of pending) { try { unlinkSync(f); } catch { /* already gone */ } }
      process.exit(128 + (sig === "SIGINT" ? 2 : 15));
    });
  }
}

/**
 * Writes `data` to `out` through a temporary file in the same folder (see the header). Re-checks
 * the input and existence rules at the moment of the move.
 */
export function writeOutput(out: string, data: string | Buffer, inputs: readonly string[], force: boolean): void {
  checkOutput(out, inputs, force);
  const dir = path.dirname(path.resolve(out));
  const tmp = path.join(dir, `.${path.basename(out)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fail = (e: unknown): never => {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EEXIST") throw new FileError(`${out}: already exists; refusing to overwrite it (add --force to replace it)`);
    throw new FileError(`${out}: cannot write (${err.code ?? err.message})`);
  };
  installSignalCleanup();
  pending.add(tmp);
  try {
    let fd: number;
    try {
      fd = openSync(tmp, "wx", 0o644);
    } catch (e) {
      return fail(e);
    }
    try {
      const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } catch (e) {
      return fail(e);
    } finally {
      closeSync(fd);
    }
    try {
      if (force) renameSync(tmp, out);
      else {
        try {
          linkSync(tmp, out); // atomic, and fails with EEXIST if the name was taken meanwhile
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") throw e;
          // file systems without hard links: the existence check above, then a rename
          if (identity(out)) throw Object.assign(new Error("exists"), { code: "EEXIST" });
          renameSync(tmp, out);
        }
      }
    } catch (e) {
      return fail(e);
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* moved into place */ }
    pending.delete(tmp);
  }
}
