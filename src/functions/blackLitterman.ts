/**
 * The Black-Litterman formulas' bodies: IMPLIEDRETURNS, RISKAVERSION, BLACKLITTERMAN. Parsing and
 * shaping only; the model is src/core/optimize/blackLitterman.ts (PyPortfolioOpt conventions).
 *
 * `views` is K rows (an optional first row of text is a header): N picking weights (blank = 0 in this
 * range only: a view names the assets it is about), then the view return Q (required), then an
 * optional confidence in [0, 1] (Idzorek). Results are vectors in the orientation of the asset vector
 * argument (market_caps, prior; a 1 x N row when the prior is blank), or N x N for output=cov.
 */
import { RebalError } from "../core/errors";
import { valueAsChoice, valueAsBoolean, valueAsNumber } from "../core/keyvalues";
import { blackLitterman, impliedReturns, marketRiskAversion, View } from "../core/optimize/blackLitterman";
import { isBlank, matrixArg, numberCell, optionalNumber, Orientation, shapeVector, vectorArg } from "./args";
import { covArg, muArg, options } from "./optimization";

type Out = (number | string | boolean)[][];

const isText = (v: unknown) => typeof v === "string" && v.trim() !== "" && !Number.isFinite(Number(v.trim().replace(/,/g, "")));

export function impliedReturnsFn(cov: unknown, marketCaps: unknown, riskAversion: unknown, riskFreeRate: unknown): Out {
  const c = covArg(cov);
  const n = c.cov.length;
  let m = matrixArg(marketCaps, "market_caps");
  let names = c.names;
  if (m.length === 2 && m[0].length > 1 && m[0].some(isText)) { names = names ?? m[0].map(String); m = [m[1]]; }
  const v = vectorArg(m, "market_caps");
  if (v.cells.length !== n) throw new RebalError(`market_caps has ${v.cells.length} values but cov is ${n} x ${n}`);
  const caps = v.cells.map((x, i) => numberCell(x, `market_caps ${v.orientation === "column" ? "row" : "column"} ${i + 1}`));
  const delta = optionalNumber(riskAversion, "risk_aversion", 1);
  const rf = optionalNumber(riskFreeRate, "risk_free_rate", 0);
  return shapeVector(impliedReturns(c.cov, caps, delta, rf, names), v.orientation);
}

export function riskAversionFn(marketPrices: unknown, opts: unknown): number {
  let cells = vectorArg(marketPrices, "market_prices").cells;
  if (cells.length > 0 && isText(cells[0])) cells = cells.slice(1);
  const o: Parameters<typeof marketRiskAversion>[1] = {};
  for (const kv of options(opts, "options", ["frequency", "risk_free_rate", "returns_data"])) {
    if (kv.key === "frequency") o.frequency = valueAsNumber(kv);
    else if (kv.key === "risk_free_rate") o.riskFreeRate = valueAsNumber(kv);
    else o.returnsData = valueAsBoolean(kv);
  }
  const series = cells.map((x, i) => (isBlank(x) ? null : numberCell(x, `market_prices row ${i + 1}`)));
  return marketRiskAversion(series, o);
}

/** The views range: K rows of N picks (blank 0), Q, optional confidence (see header). */
export function viewsArg(value: unknown, n: number): View[] {
  let m = matrixArg(value, "views");
  let h = 0;
  if (m[0].some(isText)) { h = 1; m = m.slice(1); if (m.length === 0) throw new RebalError("views has a header row but no views"); }
  const w = m[0].length;
  if (w !== n + 1 && w !== n + 2) throw new RebalError(`views has ${w} columns: it needs ${n} picking weights (one per asset), then Q, then optionally a confidence (${n + 1} or ${n + 2} columns)`);
  return m.map((row, k) => {
    const r = k + 1 + h;
    const picks = new Float64Array(n);
    for (let i = 0; i < n; i++) picks[i] = isBlank(row[i]) ? 0 : numberCell(row[i], `views row ${r}, column ${i + 1}`);
    if (isBlank(row[n])) throw new RebalError(`views row ${r}, column ${n + 1} (the view return Q) is blank`);
    const q = numberCell(row[n], `views row ${r}, column ${n + 1} (Q)`);
    const confidence = w === n + 2 && !isBlank(row[n + 1]) ? numberCell(row[n + 1], `views row ${r}, column ${n + 2} (confidence)`) : null;
    return { picks, q, confidence };
  });
}

const BL_KEYS = ["tau", "omega", "risk_aversion", "output"] as const;

export function blackLittermanFn(cov: unknown, prior: unknown, views: unknown, opts: unknown): Out {
  const c = covArg(cov);
  const n = c.cov.length;
  const p = muArg(prior, "prior");
  if (p.mu && p.mu.length !== n) throw new RebalError(`prior has ${p.mu.length} values but cov is ${n} x ${n}`);
  const orientation: Orientation = p.mu ? p.orientation : "row";
  const o: Parameters<typeof blackLitterman>[3] = { names: c.names ?? p.names };
  let output: "returns" | "cov" | "weights" = "returns";
  for (const kv of options(opts, "options", BL_KEYS)) {
    if (kv.key === "tau") o.tau = valueAsNumber(kv);
    else if (kv.key === "omega") o.omega = valueAsChoice(kv, ["default", "idzorek"] as const);
    else if (kv.key === "risk_aversion") o.riskAversion = valueAsNumber(kv);
    else output = valueAsChoice(kv, ["returns", "cov", "weights"] as const);
  }
  if (o.riskAversion !== undefined && output !== "weights") throw new RebalError(`options: risk_aversion is used only by output=weights (output is ${output})`);
  const r = blackLitterman(c.cov, p.mu, viewsArg(views, n), o);
  if (output === "returns") return shapeVector(r.returns, orientation);
  if (output === "weights") return shapeVector(r.weights(), orientation);
  const S = r.covariance();
  const out: Out = [];
  for (let i = 0; i < n; i++) out.push(Array.from(S.subarray(i * n, (i + 1) * n)));
  return out;
}
