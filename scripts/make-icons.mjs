// Writes the add-in icons assets/icon-{16,32,64,80,128}.png (no dependencies: zlib + CRC).
// A teal square with three white bars of a balanced "rebalance" chart. Run: node scripts/make-icons.mjs
import { writeFileSync, mkdirSync } from "node:fs";
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function icon(size) {
  const bg = [0x0f, 0x76, 0x6e, 255];
  const fg = [255, 255, 255, 255];
  const clear = [0, 0, 0, 0];
  const r = Math.max(1, Math.round(size * 0.15)); // corner radius
  const bars = [0.55, 0.8, 0.55]; // relative bar heights
  const pad = size * 0.2;
  const barW = (size - 2 * pad) / 5;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = [0]; // filter type none
    for (let x = 0; x < size; x++) {
      const cx = Math.min(Math.max(x + 0.5, r), size - r);
      const cy = Math.min(Math.max(y + 0.5, r), size - r);
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r;
      let px = inside ? bg : clear;
      if (inside) {
        for (let i = 0; i < 3; i++) {
          const x0 = pad + i * 2 * barW;
          const top = size - pad - bars[i] * (size - 2 * pad);
          if (x + 0.5 >= x0 && x + 0.5 < x0 + barW && y + 0.5 >= top && y + 0.5 < size - pad) px = fg;
        }
        // the "target" line across the bars
        const ly = Math.round(size * 0.42);
        if (y === ly && x + 0.5 >= pad * 0.6 && x + 0.5 < size - pad * 0.6) px = [0xf5, 0xb7, 0x00, 255];
      }
      row.push(...px);
    }
    rows.push(Buffer.from(row));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

mkdirSync(new URL("../assets/", import.meta.url), { recursive: true });
for (const size of [16, 32, 64, 80, 128]) {
  writeFileSync(new URL(`../assets/icon-${size}.png`, import.meta.url), icon(size));
}
console.log("assets/icon-{16,32,64,80,128}.png written");
