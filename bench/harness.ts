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
