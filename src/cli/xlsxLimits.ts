/**
 * Hostile .xlsx files: size and cell limits checked before a workbook is handed to exceljs (which
 * inflates everything into memory and needs about 600 bytes of heap per cell).
 *
 * An .xlsx is a zip. Two passes, neither of which keeps more than one entry inflated:
 * 1. The central directory (APPNOTE.TXT 4.3.12-4.3.16, with the zip64 records) is read without
 *    inflating anything: the declared uncompressed sizes must add up to at most `maxBytes`.
 * 2. Each entry is inflated with an output cap (its declared size, and what is left of `maxBytes`),
 *    so an entry that lies about its size stops at the cap, and its CRC-32 is checked (JSZip, under
 *    exceljs, does not: a damaged byte could otherwise change a digit). Worksheet XML is scanned for
 *    <row> and <c> elements, which count against `maxCells`.
 * Only then does exceljs read the file. Every refusal is a RebalError (exit 1) naming the file, the
 * limit and the option that raises it.
 */
import { inflateRawSync } from "node:zlib";
import { RebalError } from "../core/errors";

/** Default cap on the uncompressed size of an .xlsx (all entries together). */
export const DEFAULT_MAX_XLSX_MIB = 200;
/**
 * Default cap on worksheet cells + rows of an .xlsx: exceljs needs about 600 bytes of heap per cell,
 * so 5 million cells take about 3 GiB, inside Node's default heap (4 GiB on a 64-bit machine with
 * 16 GiB or more). Raise it with --max-cells and NODE_OPTIONS=--max-old-space-size=MiB.
 */
export const DEFAULT_MAX_CELLS = 5_000_000;

export interface XlsxLimits { maxBytes: number; maxCells: number }

export const defaultXlsxLimits = (): XlsxLimits => ({ maxBytes: DEFAULT_MAX_XLSX_MIB * 2 ** 20, maxCells: DEFAULT_MAX_CELLS });

const SIG = { eocd: 0x06054b50, zip64Locator: 0x07064b50, zip64Eocd: 0x06064b50, central: 0x02014b50, local: 0x04034b50 };
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const MIB = 2 ** 20;

export interface ZipEntry { name: string; method: number; crc: number; compressedSize: number; size: number; localOffset: number }

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as zip uses), unsigned. */
export function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

/** The entries of a zip's central directory (sizes as declared). Throws RebalError when it is not a zip. */
export function zipEntries(file: string, b: Buffer): ZipEntry[] {
  const bad = (why: string): never => { throw new RebalError(`${file}: not a readable .xlsx workbook (${why})`); };
  let e = -1;
  for (let i = b.length - EOCD_SIZE; i >= Math.max(0, b.length - EOCD_SIZE - MAX_COMMENT); i--) {
    if (b.readUInt32LE(i) === SIG.eocd) { e = i; break; }
  }
  if (e < 0) bad("no zip directory: the file is not a zip, or it is truncated");
  let count = b.readUInt16LE(e + 10);
  let cdSize = b.readUInt32LE(e + 12);
  let cdOffset = b.readUInt32LE(e + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = e - 20;
    if (loc < 0 || b.readUInt32LE(loc) !== SIG.zip64Locator) bad("zip64 directory locator missing");
    const z = u64(b, loc + 8);
    if (z + 56 > b.length || b.readUInt32LE(z) !== SIG.zip64Eocd) bad("zip64 directory record missing");
    count = u64(b, z + 32);
    cdSize = u64(b, z + 40);
    cdOffset = u64(b, z + 48);
  }
  if (cdOffset + cdSize > b.length) bad("the zip directory points past the end of the file (truncated?)");
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== SIG.central) bad(`zip directory entry ${k + 1} is damaged`);
    const method = b.readUInt16LE(p + 10);
    const crc = b.readUInt32LE(p + 16);
    let compressedSize = b.readUInt32LE(p + 20);
    let size = b.readUInt32LE(p + 24);
    const nameLen = b.readUInt16LE(p + 28), extraLen = b.readUInt16LE(p + 30), commentLen = b.readUInt16LE(p + 32);
    let localOffset = b.readUInt32LE(p + 42);
    const name = b.toString("utf8", p + 46, p + 46 + nameLen);
    // zip64 extended information (header 0x0001): the 64-bit values of the fields set to 0xffffffff, in order
    for (let x = p + 46 + nameLen, end = x + extraLen; x + 4 <= end;) {
      const id = b.readUInt16LE(x), len = b.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === 0xffffffff && q + 8 <= x + 4 + len) { size = u64(b, q); q += 8; }
        if (compressedSize === 0xffffffff && q + 8 <= x + 4 + len) { compressedSize = u64(b, q); q += 8; }
        if (localOffset === 0xffffffff && q + 8 <= x + 4 + len) { localOffset = u64(b, q); q += 8; }
      }
      x += 4 + len;
    }
    entries.push({ name, method, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const LT = 0x3c, COLON = 0x3a, LOWER_C = 0x63, LOWER_R = 0x72, LOWER_O = 0x6f, LOWER_W = 0x77;
/** Bytes that may follow an element name: space, tab, CR, LF, ">" and "/". */
const NAME_END = new Uint8Array(256);
for (const b of [0x20, 0x09, 0x0a, 0x0d, 0x3e, 0x2f]) NAME_END[b] = 1;
/** Bytes of a namespace prefix ("x" in <x:c>): letters and digits. */
const PREFIX = new Uint8Array(256);
for (let b = 0x30; b <= 0x39; b++) PREFIX[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) { PREFIX[b] = 1; PREFIX[b + 0x20] = 1; }
const MAX_PREFIX = 16;

/**
 * Counts <row> and <c> elements (with or without a namespace prefix) in worksheet XML, stopping
 * once the count passes `stopAbove` (the caller only needs to know that the limit is exceeded).
 */
export function countCellsAndRows(xml: Uint8Array, stopAbove = Infinity): number {
  let n = 0;
  const len = xml.length;
  for (let i = xml.indexOf(LT); i >= 0; i = xml.indexOf(LT, i + 1)) {
    let j = i + 1, k = j;
    while (k < len && k - j < MAX_PREFIX && PREFIX[xml[k]] === 1) k++;
    if (k < len && xml[k] === COLON) j = k + 1;
    if (j >= len) break;
    const b = xml[j];
    if (b === LOWER_C) {
      if (j + 1 >= len || NAME_END[xml[j + 1]] === 1) n++;
    } else if (b === LOWER_R && xml[j + 1] === LOWER_O && xml[j + 2] === LOWER_W && (j + 3 >= len || NAME_END[xml[j + 3]] === 1)) n++;
    else continue;
    if (n > stopAbove) return n;
  }
  return n;
}

const isWorksheet = (name: string) => /^xl\/(worksheets|chartsheets|dialogsheets|macrosheets)\/[^/]+\.xml$/i.test(name);

/** Checks an .xlsx against the limits (see the header); returns the uncompressed size and the cell count. */
export function checkXlsxLimits(file: string, bytes: Buffer, limits: XlsxLimits, optionNames = { bytes: "--max-xlsx-mib", cells: "--max-cells" }): { bytes: number; cells: number } {
  const entries = zipEntries(file, bytes);
  const tooBig = (what: string) => new RebalError(
    `${file}: ${what}, more than the limit of ${limits.maxBytes / MIB} MiB uncompressed (a zip bomb, or a very large workbook: raise the limit with ${optionNames.bytes} N)`,
  );
  const declared = entries.reduce((s, x) => s + x.size, 0);
  if (declared > limits.maxBytes) throw tooBig(`its contents declare ${(declared / MIB).toFixed(1)} MiB`);
  let used = 0, cells = 0;
  for (const x of entries) {
    if (x.size === 0 && x.compressedSize === 0) continue;
    const h = x.localOffset;
    if (h + 30 > bytes.length || bytes.readUInt32LE(h) !== SIG.local) throw new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} is damaged)`);
    const start = h + 30 + bytes.readUInt16LE(h + 26) + bytes.readUInt16LE(h + 28);
    const data = bytes.subarray(start, start + x.compressedSize);
    if (data.length < x.compressedSize) throw new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} is truncated)`);
    let out: Buffer;
    if (x.method === 0) out = data;
    else if (x.method === 8) {
      const cap = Math.min(x.size, limits.maxBytes - used);
      try {
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, cap + 1) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
          throw x.size > cap ? tooBig(`its entries inflate to more than ${(limits.maxBytes / MIB).toFixed(0)} MiB`) : new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} inflates to more than its declared ${x.size} bytes)`);
        }
        throw new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name}: ${(e as Error).message})`);
      }
      if (out.length > cap) throw x.size > cap ? tooBig(`its entries inflate to more than ${(limits.maxBytes / MIB).toFixed(0)} MiB`) : new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} inflates to more than its declared ${x.size} bytes)`);
    } else throw new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} uses zip method ${x.method}; only stored and deflated entries are read)`);
    if (out.length !== x.size || crc32(out) !== x.crc) throw new RebalError(`${file}: not a readable .xlsx workbook (entry ${x.name} is damaged: its size or CRC-32 does not match the zip directory)`);
    used += out.length;
    if (used > limits.maxBytes) throw tooBig(`its entries inflate to more than ${(limits.maxBytes / MIB).toFixed(0)} MiB`);
    if (isWorksheet(x.name)) {
      cells += countCellsAndRows(out, limits.maxCells - cells);
      if (cells > limits.maxCells) {
        throw new RebalError(`${file}: more than the limit of ${limits.maxCells.toLocaleString("en-US")} cells and rows in its sheets (raise it with ${optionNames.cells} N; exceljs needs about 600 bytes of memory per cell)`);
      }
    }
  }
  return { bytes: used, cells };
}
