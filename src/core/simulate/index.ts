/**
 * Monte Carlo simulation of rebalancing policies (see each module's header): random.ts (seeded
 * xoshiro128** streams), bootstrap.ts (the stationary block bootstrap of return rows), simulate.ts
 * (policies on common paths, percentile summaries), sweep.ts (a backtest statistic over a grid of
 * policy keys), compareSimulation.ts and compareSweep.ts (the pane's Simulate and Sweep jobs).
 */
export * from "./random";
export * from "./bootstrap";
export * from "./simulate";
export * from "./sweep";
