/**
 * A minimal zip writer for tests (APPNOTE.TXT: local headers, central directory, end record; no
 * zip64): rebuilds an .xlsx with replaced or damaged entries, e.g. a sheet that inflates to many MiB,
 * or an entry whose declared size lies. Entries are read back with src/cli/xlsxLimits.ts.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { crc32, zipEntries } from "../../src/cli/xlsxLimits";

export interface ZipInput {
  name: string;
  /** uncompressed bytes (ignored when `raw` is given) */
  data?: Buffer;
  /** already-deflated bytes and their true uncompressed size and CRC */
  raw?: { deflated: Buffer; size: number; crc: number };
  /** sizes and CRC written to the headers instead of the true ones (a lying or damaged entry) */
  declaredSize?: number;
  declaredCrc?: number;
}

/** The entries of a zip, inflated. */
export function unzip(buf: Buffer): { name: string; data: Buffer }[] {
  return zipEntries("zip", buf).map((e) => {
    const h = e.localOffset;
    const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
    const body = buf.subarray(start, start + e.compressedSize);
    return { name: e.name, data: e.method === 8 ? inflateRawSync(body) : Buffer.from(body) };
  });
}

/** A deflated zip of the entries. */
export function zip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const deflated = e.raw ? e.raw.deflated : deflateRawSync(e.data!);
    const size = e.declaredSize ?? (e.raw ? e.raw.size : e.data!.length);
    const crc = e.declaredCrc ?? (e.raw ? e.raw.crc : crc32(e.data!));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(deflated.length, 18); local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(deflated.length, 20); central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += 30 + name.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A worksheet that inflates to about `mib` MiB: a holdings header, then rows of one cell (as the make_bomb.py). */
export function bombSheet(mib: number): { deflated: Buffer; size: number; crc: number } {
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    '<row r="1"><c r="A1" t="inlineStr"><is><t>asset</t></is></c><c r="B1" t="inlineStr"><is><t>quantity</t></is></c><c r="C1" t="inlineStr"><is><t>price</t></is></c><c r="D1" t="inlineStr"><is><t>target</t></is></c></row>');
  const row = Buffer.from("<row><c><v>1</v></c></row>");
  const body = Buffer.alloc(Math.ceil((mib * 2 ** 20) / row.length) * row.length);
  for (let o = 0; o < body.length; o += row.length) row.copy(body, o);
  const data = Buffer.concat([head, body, Buffer.from("</sheetData></worksheet>")]);
  return { deflated: deflateRawSync(data, { level: 9 }), size: data.length, crc: crc32(data) };
}
