#!/usr/bin/python3
"""cvxopt side of bench/optimize16.ts's tail-risk rows, on the *same* data: the seeded 5-factor model
of bench/optimize.ts (mulberry32 + Box-Muller, ported bit for bit), T = 1,260 returns, N = 50 and 200.
min CVaR (beta 0.95, long only, sum w = 1) as the Rockafellar-Uryasev LP through cvxopt.solvers.lp
(sparse G), timed as the median of 3 solves; prints the objective so it can be compared with ours
(`npx tsx bench/optimize16.ts` prints the same problem's timings; the objectives agree to ~2e-8 relative, cvxopt's default tolerances).
Run: /usr/bin/python3 bench/cvxopt16.py
"""
import math, time
import numpy as np
from cvxopt import matrix, spmatrix, sparse, solvers

solvers.options.update(show_progress=False)
M32 = 0xFFFFFFFF

def imul(a, b):
    return ((a & M32) * (b & M32)) & M32

def rng(seed):
    s = seed & M32
    def nxt():
        nonlocal s
        s = (s + 0x6D2B79F5) & M32
        t = s
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        t &= M32
        return ((t ^ (t >> 14)) & M32) / 4294967296
    return nxt

def factor_returns(T, N, seed):
    r = rng(seed)
    g = lambda: math.sqrt(-2 * math.log(r() + 1e-300)) * math.cos(2 * math.pi * r())
    K = 5
    B = [0.5 + 0.5 * g() for _ in range(N * K)]
    x = np.zeros((T, N))
    for t in range(T):
        f = [0.01 * g() / (k + 1) for k in range(K)]
        for i in range(N):
            v = 0.0003 + 0.015 * g()
            for k in range(K):
                v += B[i * K + k] * f[k]
            x[t, i] = v
    return x

def min_cvar(R, beta=0.95):
    T, N = R.shape
    c = np.zeros(N + 1 + T); c[N] = 1; c[N + 1:] = 1 / ((1 - beta) * T)
    G1 = sparse([[matrix(-R)], [matrix(-np.ones((T, 1)))], [spmatrix(-1.0, range(T), range(T))]])
    G2 = sparse([[spmatrix([], [], [], (T, N))], [spmatrix([], [], [], (T, 1))], [spmatrix(-1.0, range(T), range(T))]])
    G3 = sparse([[spmatrix(-1.0, range(N), range(N))], [spmatrix([], [], [], (N, 1 + T))]])
    G4 = sparse([[spmatrix(1.0, range(N), range(N))], [spmatrix([], [], [], (N, 1 + T))]])
    G = sparse([G1, G2, G3, G4]); h = matrix(np.concatenate([np.zeros(2 * T + N), np.ones(N)]))
    A = matrix(np.concatenate([np.ones(N), np.zeros(1 + T)])[None, :]); b = matrix(1.0)
    ts = []
    for _ in range(3):
        t0 = time.perf_counter(); sol = solvers.lp(matrix(c), G, h, A, b); ts.append(time.perf_counter() - t0)
    return sorted(ts)[1] * 1000, sol["status"], sol["primal objective"]

for N in (50, 200):
    R = factor_returns(1260, N, 7 + N)
    ms, status, obj = min_cvar(R)
    print(f"cvxopt lp min_cvar T=1260 N={N}: {ms:.0f} ms (median of 3), {status}, CVaR {obj:.10g}")
