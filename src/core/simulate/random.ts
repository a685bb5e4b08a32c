/**
 * Seeded pseudo-random numbers for simulations: xoshiro128** (Blackman and Vigna) on 32-bit integer
 * arithmetic (Math.imul, >>> 0), so a seed gives the same stream on every machine and JavaScript
 * engine. The 128-bit state of a stream is filled by SplitMix32 from (seed, stream): path k of a
 * simulation draws from stream k, so its numbers do not depend on how paths are split into chunks or
 * worker threads. `uniform()` returns a double in [0, 1) with 53 random bits (two 32-bit outputs).
 * Pure TypeScript; no module-level state (each generator owns its state).
 */

/** SplitMix32 step: returns the next 32-bit output of state s (the caller advances s by 0x9e3779b9). */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for (seed, stream); seed and stream are reduced to 32-bit unsigned integers. */
  constructor(seed: number, stream = 0) {
    let s = (mix32((seed >>> 0) ^ 0x5bd1e995) ^ Math.imul(stream >>> 0, 0x9e3779b9)) >>> 0;
    s = (s + 0x9e3779b9) >>> 0; this.a = mix32(s);
    s = (s + 0x9e3779b9) >>> 0; this.b = mix32(s);
    s = (s + 0x9e3779b9) >>> 0; this.c = mix32(s);
    s = (s + 0x9e3779b9) >>> 0; this.d = mix32(s);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** The next 32-bit unsigned output. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** A double uniform on [0, 1): 53 bits from two outputs. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniform on [0, m) (m <= 2^32), by the floor of uniform() * m. */
  below(m: number): number {
    return Math.floor(this.uniform() * m);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
