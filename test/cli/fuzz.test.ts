/**
 * Issue 11, build 8: fast-check over generated holdings files. CSV text with random delimiters,
 * decimal marks, thousands grouping, quoting (none / when needed / always), BOM, line endings,
 * huge and tiny numbers, percentages and truncation; .xlsx bytes with numbers as numbers or as text,
 * truncated or with a damaged byte. The reader (loadInputs, the CLI's) either returns exactly the
 * numbers that were written, or fails with a RebalError (exit 1) that names the file and the row and
 * column (or says what the whole file lacks) — never a different number, never another exception,
 * never NaN. A well-formed file read with its --decimal must be accepted (so the property cannot
 * pass by refusing everything). End to end, main() on the same files exits 0 or 1 and writes no NaN.
 * Files go to a temporary folder.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ExcelJS from "exceljs";
import { loadInputs, LoadedInput } from "../../src/cli/inputs";
import { main } from "../../src/cli/main";
import { RebalError } from "../../src/core/errors";
import { MAX_AMOUNT } from "../../src/core/holdingsTable";

let dir: string;
let seq = 0;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), "rebal-fuzz-")); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

type Mark = "." | ",";
interface Num { neg: boolean; int: string; frac: string; exp: number | null; pct: boolean }
const num = (pct: boolean) => fc.record({
  neg: fc.constant(false),
  int: fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,4}$/) }, { weight: 1, arbitrary: fc.constant("0") }, { weight: 1, arbitrary: fc.stringMatching(/^[1-9][0-9]{5,20}$/) }),
  frac: fc.stringMatching(/^[0-9]{0,7}$/),
  exp: fc.option(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -6, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: -330, max: 330 }) }), { freq: 8 }),
  pct: fc.constant(pct),
});
const value = (n: Num) => Number(`${n.neg ? "-" : ""}${n.int}${n.frac ? "." + n.frac : ""}${n.exp !== null ? "e" + n.exp : ""}`) / (n.pct ? 100 : 1);
function render(n: Num, mark: Mark, group: boolean): string {
  const g = mark === "." ? "," : ".";
  const int = group && n.exp === null ? n.int.replace(/\B(?=(\d{3})+(?!\d))/g, g) : n.int;
  return `${n.neg ? "-" : ""}${int}${n.frac ? mark + n.frac : ""}${n.exp !== null ? "e" + n.exp : ""}${n.pct ? "%" : ""}`;
}
/** The number is representable and not flushed to zero (else the reader must refuse it). */
const representable = (n: Num) => { const v = value(n); return Number.isFinite(v) && (v !== 0 || !/[1-9]/.test(n.int + n.frac)); };

/** Targets that a planner accepts (at most 0.19 or 9% each, so four of them sum below 1), now and then any number. */
const target = fc.oneof(
  { weight: 4, arbitrary: fc.record({ neg: fc.constant(false), int: fc.constant("0"), frac: fc.stringMatching(/^[01][0-9]{0,3}$/), exp: fc.constant(null), pct: fc.constant(false) }) },
  { weight: 2, arbitrary: fc.record({ neg: fc.constant(false), int: fc.stringMatching(/^[1-9]$/), frac: fc.stringMatching(/^[0-9]{0,2}$/), exp: fc.constant(null), pct: fc.constant(true) }) },
  { weight: 1, arbitrary: num(false) },
);
const holding = fc.record({ q: num(false), p: num(false), t: target });
const book = fc.record({
  rows: fc.array(holding, { minLength: 1, maxLength: 4 }),
  names: fc.array(fc.constantFrom("VTI", "BND", "A;B", 'Q"X', "=1+2", "1,5", "2.5", " pad ", "x\ty"), { minLength: 4, maxLength: 4 }),
  mark: fc.constantFrom<Mark>(".", ","),
  group: fc.boolean(),
  delimiter: fc.constantFrom(",", ";", "\t", "|"),
  quoting: fc.constantFrom("needed", "always", "none"),
  bom: fc.boolean(),
  eol: fc.constantFrom("\n", "\r\n"),
  passDecimal: fc.boolean(),
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
});
type Book = typeof book extends fc.Arbitrary<infer T> ? T : never;

function csvText(b: Book): { text: string; fullLength: number; names: string[] } {
  const names = b.rows.map((_, i) => `${b.names[i]}${i}`);
  const field = (s: string) => {
    const special = s.includes(b.delimiter) || s.includes('"') || s.includes("\n") || s.includes("\r") || s !== s.trim();
    if (b.quoting === "always" || (b.quoting === "needed" && special)) return `"${s.replace(/"/g, '""')}"`;
    return s;
  };
  const lines = [["asset", "quantity", "price", "target"].map(field).join(b.delimiter)];
  b.rows.forEach((r, i) => lines.push([names[i], render(r.q, b.mark, b.group), render(r.p, b.mark, b.group), render(r.t, b.mark, b.group)].map(field).join(b.delimiter)));
  const full = (b.bom ? "\uFEFF" : "") + lines.join(b.eol) + b.eol;
  const text = b.cut === null ? full : full.slice(0, Math.floor(b.cut * full.length));
  return { text, fullLength: full.length, names };
}

/** The file is well formed: nothing cut, every field intact, every number in range. */
function wellFormed(b: Book, names: string[]): boolean {
  if (b.cut !== null) return false;
  if (b.quoting === "none") {
    const texts = [...names, ...b.rows.flatMap((r) => [r.q, r.p, r.t].map((n) => render(n, b.mark, b.group)))];
    if (texts.some((s) => s.includes(b.delimiter) || s.includes('"') || s !== s.trim())) return false;
  }
  let total = 0;
  for (const r of b.rows) {
    if (![r.q, r.p, r.t].every(representable)) return false;
    const q = value(r.q), p = value(r.p);
    if (q > MAX_AMOUNT || p > MAX_AMOUNT || q * p > MAX_AMOUNT) return false;
    total += q * p;
  }
  return total <= MAX_AMOUNT;
}

const FILE_LEVEL = /the file is empty|has a header row but no holdings|needs a header row and at least one holding|no "\w+" column in the header row|cannot tell the decimal mark: row \d+, column [A-Z]+/;
const CELL = /row \d+, column [A-Z]+/;

function checkError(e: unknown, file: string): void {
  if (!(e instanceof RebalError)) throw e;
  expect(e.message).toContain(file);
  if (!CELL.test(e.message)) expect(e.message).toMatch(FILE_LEVEL);
}

function checkNumbers(res: LoadedInput, b: Book, exactRows: number): void {
  expect(res.accounts).toHaveLength(1);
  const bk = res.accounts[0].book;
  for (let i = 0; i < bk.quantities.length; i++) {
    for (const x of [bk.quantities[i], bk.prices[i], bk.targets[i]]) expect(Number.isFinite(x)).toBe(true);
    if (i >= exactRows) continue;
    const r = b.rows[i];
    expect([bk.quantities[i], bk.prices[i], bk.targets[i]]).toEqual([value(r.q) + 0, value(r.p) + 0, value(r.t) + 0]);
  }
}

describe("fast-check: CSV text", () => {
  test("the reader returns exactly the written numbers, or a RebalError naming the row and column", async () => {
    let accepted = 0, refused = 0;
    await fc.assert(fc.asyncProperty(book, async (b) => {
      const { text, names } = csvText(b);
      const file = path.join(dir, `f${seq++}.csv`);
      writeFileSync(file, text, "utf8");
      // rows wholly before the cut must read exactly; the cut row reads as its surviving text says
      const complete = b.cut === null ? b.rows.length : Math.max(0, text.split(/\r?\n/).length - 2);
      let res: LoadedInput | null = null;
      try {
        res = await loadInputs([file], { cash: null, policy: null, policiesFile: null, sheet: null, read: { decimal: b.passDecimal ? b.mark : null, limits: { maxBytes: 2 ** 20, maxCells: 1000 } } });
      } catch (e) {
        checkError(e, file);
        refused++;
        if (wellFormed(b, names) && b.passDecimal) throw new Error(`a well-formed file was refused: ${(e as Error).message}\n${text}`);
        return;
      }
      accepted++;
      checkNumbers(res, b, complete);
    }), { numRuns: 400 });
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  test("end to end: rebal trades exits 0 or 1, never writes NaN/Infinity, and names the row and column when it refuses", async () => {
    const codes = [0, 0];
    await fc.assert(fc.asyncProperty(book, async (b) => {
      const { text } = csvText(b);
      const file = path.join(dir, `e${seq++}.csv`);
      writeFileSync(file, text, "utf8");
      let out = "", err = "";
      const args = ["trades", file, "--format", "json", "--cash", "1000", ...(b.passDecimal ? ["--decimal", b.mark] : [])];
      const code = await main(args, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
      expect([0, 1]).toContain(code);
      codes[code]++;
      expect(out).not.toMatch(/NaN|Infinity|null/);
      if (code === 1 && !CELL.test(err)) expect(err).toMatch(new RegExp(`${FILE_LEVEL.source}|trade|target|cash|weight|price|lot`));
      if (code === 0) for (const r of JSON.parse(out) as Record<string, unknown>[]) for (const v of Object.values(r)) if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
    }), { numRuns: 60 });
    expect(codes[0]).toBeGreaterThan(5);
    expect(codes[1]).toBeGreaterThan(5);
  });
});

describe("fast-check: .xlsx bytes", () => {
  const xbook = fc.record({
    rows: fc.array(holding, { minLength: 1, maxLength: 4 }),
    asText: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    mark: fc.constantFrom<Mark>(".", ","),
    damage: fc.oneof(fc.constant<null>(null), fc.record({ kind: fc.constantFrom("cut", "flip"), at: fc.double({ min: 0, max: 1, noNaN: true }), bits: fc.integer({ min: 1, max: 255 }) })),
  });
  test("exceljs-written workbooks, intact, truncated or with a flipped byte: exact numbers or a RebalError", async () => {
    let accepted = 0, refused = 0;
    await fc.assert(fc.asyncProperty(xbook, async (x) => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet("Holdings");
      ws.addRow(["asset", "quantity", "price", "target"]);
      const numbersOk = x.rows.every((r) => [r.q, r.p, r.t].every(representable));
      x.rows.forEach((r, i) => {
        const cells = [r.q, r.p, r.t].map((n, j) => (x.asText[i * 3 + j] || !representable(n) ? render(n, x.mark, false) : value(n)));
        ws.addRow([`A${i}`, ...cells]);
      });
      let bytes = Buffer.from(await wb.xlsx.writeBuffer());
      if (x.damage) {
        const at = Math.min(bytes.length - 1, Math.floor(x.damage.at * bytes.length));
        if (x.damage.kind === "cut") bytes = bytes.subarray(0, at);
        else { bytes = Buffer.from(bytes); bytes[at] ^= x.damage.bits; }
      }
      const file = path.join(dir, `w${seq++}.xlsx`);
      writeFileSync(file, bytes);
      let res: LoadedInput;
      try {
        res = await loadInputs([file], { cash: null, policy: null, policiesFile: null, sheet: null, read: { decimal: x.mark, limits: { maxBytes: 4 * 2 ** 20, maxCells: 10000 } } });
      } catch (e) {
        if (!(e instanceof RebalError)) throw e;
        expect(e.message).toContain(file);
        refused++;
        let total = 0;
        for (const r of x.rows) total += value(r.q) * value(r.p);
        if (!x.damage && numbersOk && total <= MAX_AMOUNT && x.rows.every((r) => value(r.q) <= MAX_AMOUNT && value(r.p) <= MAX_AMOUNT)) throw new Error(`an intact workbook was refused: ${e.message}`);
        return;
      }
      accepted++;
      const bk = res.accounts[0].book;
      expect(bk.quantities.length).toBe(x.rows.length);
      x.rows.forEach((r, i) => expect([bk.quantities[i], bk.prices[i], bk.targets[i]]).toEqual([value(r.q) + 0, value(r.p) + 0, value(r.t) + 0]));
    }), { numRuns: 150 });
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});
