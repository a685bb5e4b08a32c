/**
 * Property tests are reproducible: fast-check uses a fixed seed unless REBAL_FC_SEED is set (use
 * REBAL_FC_SEED=random, or a number, to explore other inputs locally). A failure prints its seed
 * and counterexample either way.
 */
const fc = require("fast-check");
const env = process.env.REBAL_FC_SEED;
if (env !== "random") fc.configureGlobal({ seed: env ? Number(env) : 20261121 });
