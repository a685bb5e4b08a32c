/**
 * Custom functions metadata: what Excel will see. Runs custom-functions-metadata on
 * src/functions/functions.ts (as the webpack plugin does) and checks it against the source, the
 * formula catalogue in ../shared/notes/product.md, and the built dist/functions.json.
 */
import { existsSync, readFileSync } from "fs";
import path from "path";
import ts from "typescript";
import { generateCustomFunctionsMetadata, type ICustomFunctionsMetadata, type IGenerateResult } from "custom-functions-metadata";
import { ROOT, readDist } from "./support/dist";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toProductionUrls } = require("../webpack.config.js") as { toProductionUrls: (s: string) => string };

const FILE = path.join(ROOT, "src", "functions", "functions.ts");

/** The foundation set that must always be there. */
const FOUNDATION = ["WEIGHTS", "DRIFT", "BANDS", "CHECK", "NEXTDATE", "TRADES", "TRADESHEET"];

/** product.md's formula catalogue: parameter names in order, `?` = optional. Extra trailing optional parameters are allowed. */
const CATALOGUE: Record<string, string[]> = {
  WEIGHTS: ["values"],
  DRIFT: ["values", "targets", "options?"],
  BANDS: ["targets", "policy?"],
  CHECK: ["values", "targets", "policy?", "asof?", "last_rebalance?"],
  NEXTDATE: ["last_rebalance", "frequency_or_policy", "asof?"],
  TRADES: ["quantities", "prices", "targets", "cash?", "policy?"],
  TRADESHEET: ["holdings", "cash?", "policy?"],
  RETURNS: ["prices", "method?", "options?", "benchmark?"],
  COV: ["prices", "method?", "options?"],
  OPTIMIZE: ["expected_returns", "cov", "objective?", "options?", "lower?", "upper?"],
  PERFORMANCE: ["weights", "expected_returns", "cov", "risk_free_rate?"],
  FRONTIER: ["expected_returns", "cov", "points?", "options?"],
  ALLOCATE: ["weights", "prices", "total_value", "options?"],
  BACKTEST: ["dates", "prices", "targets", "policy?", "options?"],
  EQUITY: ["dates", "prices", "targets", "policy?", "options?"],
  STATS: ["dates", "values", "options?"],
  TARGETSHISTORY: ["dates", "prices", "spec"],
  SIMULATE: ["dates", "prices", "targets", "policies", "options?"],
  SWEEP: ["dates", "prices", "targets", "base_policy", "key", "values", "key2?", "values2?", "statistic?"],
  SELLLOTS: ["lots", "trades", "policy?", "asof?"],
  HARVEST: ["lots", "prices", "policy?", "asof?", "recent_buys?"],
};

/** Parameters that take ranges (asset vectors, matrices, key|value option tables): must be matrix. */
const RANGE_PARAMETERS = new Set([
  "values", "targets", "quantities", "prices", "holdings", "options", "policy", "frequency_or_policy",
  "expected_returns", "cov", "weights", "lower", "upper", "dates", "benchmark", "lots", "trades", "recent_buys",
]);

interface SourceFunction {
  id: string;
  functionName: string;
  parameters: { name: string; type: string }[];
}

/** Top-level `function` declarations with a @customfunction tag, read with the TypeScript compiler API. */
function customFunctionsInSource(file: string): SourceFunction[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2020, true);
  const found: SourceFunction[] = [];
  for (const st of sf.statements) {
    if (!ts.isFunctionDeclaration(st) || !st.name) continue;
    const tag = ts.getJSDocTags(st).find((t) => t.tagName.text.toLowerCase() === "customfunction");
    if (!tag) continue;
    const comment = (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();
    const id = (comment.split(/\s+/)[0] || st.name.text).toUpperCase();
    found.push({
      id,
      functionName: st.name.text,
      parameters: st.parameters.map((p) => ({ name: p.name.getText(sf), type: p.type ? p.type.getText(sf) : "any" })),
    });
  }
  return found;
}

let result: IGenerateResult;
let metadata: ICustomFunctionsMetadata;
let source: SourceFunction[];

beforeAll(async () => {
  if (!existsSync(FILE)) throw new Error(`${path.relative(ROOT, FILE)} does not exist yet`);
  result = await generateCustomFunctionsMetadata(FILE, false);
  metadata = JSON.parse(result.metadataJson || '{"functions":[]}') as ICustomFunctionsMetadata;
  source = customFunctionsInSource(FILE);
});

describe("custom functions metadata (src/functions/functions.ts)", () => {
  test("generates without errors", () => {
    expect(result.errors).toEqual([]);
  });

  test("registers exactly the @customfunction declarations, including the foundation set", () => {
    const ids = metadata.functions.map((f) => f.id);
    expect([...ids].sort()).toEqual(source.map((f) => f.id).sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(FOUNDATION));
    expect(result.associate.map((a) => `${a.id}=${a.functionName}`).sort()).toEqual(
      source.map((f) => `${f.id}=${f.functionName}`).sort(),
    );
  });

  test("every function has a description and an https helpUrl; every parameter a description", () => {
    const problems: string[] = [];
    for (const f of metadata.functions) {
      if (!f.description?.trim()) problems.push(`${f.id}: no description`);
      if (!f.helpUrl?.trim()) problems.push(`${f.id}: no helpUrl`);
      else if (!/^https:\/\/\S+$/.test(f.helpUrl)) problems.push(`${f.id}: helpUrl is not an https URL: ${f.helpUrl}`);
      for (const p of f.parameters) if (!p.description?.trim()) problems.push(`${f.id}(${p.name}): no description`);
    }
    expect(problems).toEqual([]);
  });

  test("range parameters are matrices; no parameter is repeating (1-D arrays are variadic)", () => {
    const problems: string[] = [];
    for (const f of metadata.functions) {
      const src = source.find((s) => s.id === f.id)!;
      for (const p of f.parameters) {
        const type = src.parameters.find((s) => s.name === p.name)?.type ?? "";
        const isRange = /\[\]\s*\[\]/.test(type) || RANGE_PARAMETERS.has(p.name);
        if (isRange && p.dimensionality !== "matrix") problems.push(`${f.id}(${p.name}: ${type}) is ${p.dimensionality ?? "scalar"}, not matrix`);
        if (p.repeating) problems.push(`${f.id}(${p.name}: ${type}) is repeating`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("signatures follow the formula catalogue (product.md)", () => {
    const problems: string[] = [];
    for (const f of metadata.functions) {
      const expected = CATALOGUE[f.id];
      if (!expected) continue; // a new function: welcome
      const actual = f.parameters.map((p) => p.name + (p.optional ? "?" : ""));
      const prefix = actual.slice(0, expected.length);
      const extra = actual.slice(expected.length);
      if (prefix.join(",") !== expected.join(",") || extra.some((p) => !p.endsWith("?"))) {
        problems.push(`${f.id}(${actual.join(", ")}) != catalogue ${f.id}(${expected.join(", ")})`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("dist/functions.json (production build)", () => {
  test("is the metadata of the current source, with production URLs", () => {
    const built = JSON.parse(readDist("functions.json"));
    expect(built).toEqual(JSON.parse(toProductionUrls(result.metadataJson)));
    expect(JSON.stringify(built)).not.toMatch(/localhost|127\.0\.0\.1/);
  });
});
