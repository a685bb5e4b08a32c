/**
 * Benchmark plumbing: warm up, then time repeated runs and report the median (these machines are
 * noisy, so medians and ratios, never single timings). No thresholds here: figures go to BENCHMARKS.md.
 */
export interface BenchRow {
  name: string;
  medianMs: number;
  runs?: number;
  note?: string;
}

export function measure(name: string, fn: () => unknown, opts: { minRuns?: number; minMs?: number; warmup?: number; note?: string } = {}): BenchRow {
  const { minRuns = 20, minMs = 1000, warmup = 5 } = opts;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (times.length > 100000) break;
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[times.length >> 1], runs: times.length, note: opts.note };
}

export async function measureAsync(name: string, fn: () => Promise<unknown>, opts: { minRuns?: number; minMs?: number; warmup?: number; note?: string } = {}): Promise<BenchRow> {
  const { minRuns = 10, minMs = 1000, warmup = 2 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[times.length >> 1], runs: times.length, note: opts.note };
}

/** A seeded uniform RNG (Park-Miller), so every run benchmarks the same data. */
export function rng(seed = 42): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}\n`);
  console.log("| case | median ms | runs | note |");
  console.log("|---|---:|---:|---|");
  for (const r of rows) console.log(`| ${r.name} | ${r.medianMs < 1 ? r.medianMs.toFixed(3) : r.medianMs.toFixed(2)} | ${r.runs ?? ""} | ${r.note ?? ""} |`);
}

/**
 * Quick mode (smoke runs: few books, few repetitions, figures not for BENCHMARKS.md):
 * `npm run bench -- trades --quick` or `REBAL_BENCH_QUICK=1 npm run bench -- trades`.
 */
export const QUICK = process.env.REBAL_BENCH_QUICK === "1" || process.argv.includes("--quick");

/** Nearest-rank quantile of ascending `sorted` (q = 0.99: the value 99% of samples do not exceed). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

/** A timing with its tail: median, p99 (nearest rank; with fewer than 100 runs that is the maximum) and maximum. */
export interface Timing {
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  runs: number;
}

export function summarize(times: number[]): Timing {
  const s = [...times].sort((a, b) => a - b);
  return { medianMs: quantile(s, 0.5), p99Ms: quantile(s, 0.99), maxMs: s[s.length - 1], runs: s.length };
}

/**
 * Times `fn` run by run (every run timed alone, so the tail is real: GC pauses and slow cases stay in
 * the p99). Warm-up runs first; then runs until `minRuns` and `minMs` are both reached, or until
 * `maxMs` has passed and at least `slowRuns` runs are in. A warm-up run slower than `slowMs` ends the
 * warm-up and is kept as a sample (a case taking seconds is not JIT-bound), and a run slower than
 * `hugeMs` ends the measurement, so a cliff costs a run or a few, not minutes.
 */
export function timeRuns(fn: () => unknown, opts: { warmup?: number; minRuns?: number; minMs?: number; maxMs?: number; slowMs?: number; slowRuns?: number; hugeMs?: number } = {}): Timing {
  const { warmup = 3, minRuns = 20, minMs = 1000, maxMs = 10000, slowMs = 1000, slowRuns = 3, hugeMs = 10000 } = opts;
  const times: number[] = [];
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    if (dt > slowMs) { times.push(dt); break; }
  }
  const start = performance.now();
  while (times.length < 100000) {
    if (times.length > 0 && times[times.length - 1] > hugeMs) break;
    if (times.length >= minRuns && performance.now() - start >= minMs) break;
    if (times.length >= Math.min(slowRuns, minRuns) && performance.now() - start >= maxMs) break;
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** Milliseconds for a table cell: 3 significant digits below 10, else 1 decimal (at least). */
export function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x < 0.01) return x.toFixed(4);
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  if (x < 1000) return x.toFixed(1);
  return Math.round(x).toLocaleString("en-US");
}

/** A markdown table ready to paste into BENCHMARKS.md, with the command that reproduces it. */
export interface Table {
  title: string;
  /** The command that reproduces the table, e.g. "npm run bench -- trades". */
  command: string;
  head: string[];
  /** "l" or "r" per column (default: first column left, the others right). */
  align?: ("l" | "r")[];
  rows: string[][];
  /** Lines printed under the table (conditions, definitions). */
  notes?: string[];
}

export function isTableList(x: unknown): x is Table[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === "object" && x[0] !== null && "head" in x[0] && "rows" in x[0];
}

/** Renders `t` as markdown: a `###` title, the reproduce command, the table, then its notes. */
export function markdownTable(t: Table): string {
  const align = t.align ?? t.head.map((_, i) => (i === 0 ? "l" : "r"));
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  const line = (cells: string[]) => `| ${cells.map(esc).join(" | ")} |`;
  const out = [`### ${t.title}`, "", `Reproduce: \`${t.command}\``, "", line(t.head), `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`];
  for (const r of t.rows) out.push(line(r));
  if (t.notes?.length) out.push("", ...t.notes);
  return out.join("\n");
}

export function printMarkdown(t: Table): void {
  console.log("\n" + markdownTable(t));
}
