/**
 * Gram-matrix kernels for the covariance estimators: `C = A'B` for T x N data.
 *
 * Layout: inputs are asset-major (`xt[i * T + t]` is asset i at row t). For each time chunk of
 * KC rows the assets are packed into panels of 3 interleaved columns, so the 3 x 3 register-blocked
 * micro-kernel (nine accumulators + six operands: fits the 16 x64 FP registers, no spills) streams
 * two contiguous panels that stay in L1. For a symmetric product only upper-triangle panels are
 * computed and mirrored: `gramSym` does T*N^2/2 multiply-adds (T*N^2 flops).
 * Hand-written because it is the hot loop of every covariance estimator (ml-matrix's covariance
 * is a naive triple loop over a number[][] and ~10x slower).
 */

const KC = 256;
const MR = 3;

function pack(src: Float64Array, T: number, N: number, t0: number, L: number, P: Float64Array): void {
  P.fill(0);
  for (let i = 0; i < N; i++) {
    const blk = (i / MR) | 0;
    const base = blk * MR * L + (i - blk * MR);
    const s = i * T + t0;
    for (let t = 0; t < L; t++) P[base + MR * t] = src[s + t];
  }
}

/** Transposes a row-major T x N matrix into asset-major N x T. */
export function transpose(x: Float64Array, T: number, N: number): Float64Array {
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    const row = t * N;
    for (let i = 0; i < N; i++) out[i * T + t] = x[row + i];
  }
  return out;
}

/** Symmetric Gram product of asset-major data: the N x N row-major `X'X`. */
export function gramSym(xt: Float64Array, T: number, N: number): Float64Array {
  return gramGeneral(xt, xt, T, N);
}

/**
 * Product of two asset-major N x T matrices: `out[i*N+j] = sum_t a[i*T+t] * b[j*T+t]`
 * (row-major N x N). When `a === b` only the upper triangle is computed and mirrored.
 */
export function gramGeneral(a: Float64Array, b: Float64Array, T: number, N: number): Float64Array {
  const symmetric = a === b;
  const NB = Math.ceil(N / MR);
  const M = NB * MR;
  const C = new Float64Array(M * M);
  const PA = new Float64Array(M * Math.min(KC, Math.max(T, 1)));
  const PB = symmetric ? PA : new Float64Array(PA.length);
  for (let t0 = 0; t0 < T; t0 += KC) {
    const L = Math.min(T, t0 + KC) - t0;
    pack(a, T, N, t0, L, PA);
    if (!symmetric) pack(b, T, N, t0, L, PB);
    for (let bi = 0; bi < NB; bi++) {
      const pa = bi * MR * L;
      const end = pa + MR * L;
      for (let bj = symmetric ? bi : 0; bj < NB; bj++) {
        const pb = bj * MR * L;
        let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;
        for (let ia = pa, ib = pb; ia < end; ia += 3, ib += 3) {
          const x0 = PA[ia], x1 = PA[ia + 1], x2 = PA[ia + 2];
          const y0 = PB[ib], y1 = PB[ib + 1], y2 = PB[ib + 2];
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2;
        }
        let r = bi * MR * M + bj * MR;
        C[r] += c00; C[r + 1] += c01; C[r + 2] += c02; r += M;
        C[r] += c10; C[r + 1] += c11; C[r + 2] += c12; r += M;
        C[r] += c20; C[r + 1] += c21; C[r + 2] += c22;
      }
    }
  }
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      out[i * N + j] = symmetric && j < i ? C[j * M + i] : C[i * M + j];
    }
  }
  return out;
}
