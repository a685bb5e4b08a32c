/**
 * Issue 11, build 6: the manifest's ExcelApi requirement set and the Office.js APIs the code calls
 * cannot drift apart. The TypeScript checker resolves every property access in src/workbook and
 * src/taskpane; each one declared in @types/office-js carries its set in the declaration's comment
 * ("[Api set: ExcelApi 1.7]"). Every ExcelApi member used must be in the manifest's
 * <Set Name="ExcelApi" MinVersion>, except in modules that feature-detect a higher set with
 * Office.context.requirements.isSetSupported("ExcelApi", V) (their members must be <= V); any other
 * requirement set an API names (ExcelApiOnline, ExcelApiDesktop, ...) must be declared too.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { DOMParser } from "@xmldom/xmldom";

const ROOT = path.resolve(__dirname, "..");
const DIRS = ["src/workbook", "src/taskpane"];
const files = DIRS.flatMap((d) => readdirSync(path.join(ROOT, d)).filter((f) => /\.tsx?$/.test(f)).map((f) => path.join(ROOT, d, f)));

const cmp = (a: string, b: string) => {
  const x = a.split(".").map(Number), y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

function manifestSets(): Record<string, string> {
  const doc = new DOMParser().parseFromString(readFileSync(path.join(ROOT, "manifest.xml"), "utf8"), "text/xml");
  const reqs = doc.getElementsByTagName("Requirements")[0];
  const out: Record<string, string> = {};
  const sets = reqs.getElementsByTagName("Set");
  for (let i = 0; i < sets.length; i++) out[sets[i].getAttribute("Name")!] = sets[i].getAttribute("MinVersion") ?? reqs.getElementsByTagName("Sets")[0].getAttribute("DefaultMinVersion")!;
  return out;
}

interface Use { file: string; line: number; api: string; set: string; version: string }

/** Every use of an Office.js member that names a requirement set, found by the type checker. */
function officeUses(): Use[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, jsx: ts.JsxEmit.ReactJSX,
    strict: true, skipLibCheck: true, esModuleInterop: true, noEmit: true, types: ["office-js", "custom-functions-runtime", "node"], lib: ["lib.es2020.d.ts", "lib.dom.d.ts"],
  });
  const checker = program.getTypeChecker();
  const uses: Use[] = [];
  for (const sf of program.getSourceFiles().filter((s) => files.includes(path.resolve(s.fileName)))) {
    const visit = (n: ts.Node) => {
      const name = ts.isPropertyAccessExpression(n) ? n.name : ts.isQualifiedName(n) ? n.right : null;
      if (name) {
        for (const d of checker.getSymbolAtLocation(name)?.declarations ?? []) {
          const decl = d.getSourceFile();
          if (!decl.fileName.includes(`${path.sep}@types${path.sep}office-js${path.sep}`) && !decl.fileName.includes("/@types/office-js/")) continue;
          for (const c of ts.getLeadingCommentRanges(decl.text, d.pos) ?? []) {
            for (const m of decl.text.slice(c.pos, c.end).matchAll(/\[Api set: ([A-Za-z]+) ([\d.]+)/g)) {
              const owner = ts.isPropertyAccessExpression(n) ? checker.typeToString(checker.getTypeAtLocation(n.expression)) : n.getText();
              uses.push({ file: path.relative(ROOT, sf.fileName), line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, api: `${owner}.${name.text}`, set: m[1], version: m[2] });
            }
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return uses;
}

/** Modules that feature-detect a higher ExcelApi version: file -> that version. */
function guardedModules(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const m = /isSetSupported\("ExcelApi", "([\d.]+)"\)/.exec(readFileSync(f, "utf8"));
    if (m) out[path.relative(ROOT, f)] = m[1];
  }
  return out;
}

describe("ExcelApi requirement set (manifest.xml) vs the Office.js calls of src/workbook and src/taskpane", () => {
  const sets = manifestSets();
  const uses = officeUses();
  const guarded = guardedModules();

  test("the manifest declares an ExcelApi minimum", () => {
    expect(sets.ExcelApi).toMatch(/^1\.\d+$/);
  });

  test("the checker finds the Office.js calls (the test is looking at real code)", () => {
    expect(uses.length).toBeGreaterThan(50);
    expect(uses.some((u) => u.api.endsWith(".getRange") && u.set === "ExcelApi")).toBe(true);
    expect(uses.some((u) => u.api.endsWith(".setXAxisValues") && u.version === "1.7")).toBe(true);
  });

  test("every ExcelApi member used is within the declared minimum, or within a module's isSetSupported guard", () => {
    const over = uses.filter((u) => u.set === "ExcelApi" && cmp(u.version, guarded[u.file] ?? sets.ExcelApi) > 0).map((u) => `${u.file}:${u.line} ${u.api} needs ExcelApi ${u.version}`);
    expect(over).toEqual([]);
  });

  test("the declared minimum is no higher than the unguarded code needs (the manifest does not shut out Excel versions for nothing)", () => {
    const needed = uses.filter((u) => u.set === "ExcelApi" && !guarded[u.file]).reduce((m, u) => (cmp(u.version, m) > 0 ? u.version : m), "1.1");
    expect(sets.ExcelApi).toBe(needed);
  });

  test("a module's guard is a real ExcelApi version check (Office.context.requirements.isSetSupported)", () => {
    for (const [file, v] of Object.entries(guarded)) {
      expect(v).toMatch(/^1\.\d+$/);
      expect(readFileSync(path.join(ROOT, file), "utf8")).toMatch(/Office\.context\??\.requirements/);
    }
  });

  test("no API from another requirement set (ExcelApiOnline, ExcelApiDesktop, ...) unless the manifest declares it", () => {
    const other = uses.filter((u) => u.set !== "ExcelApi" && !(sets[u.set] && cmp(u.version, sets[u.set]) <= 0)).map((u) => `${u.file}:${u.line} ${u.api} needs ${u.set} ${u.version}`);
    expect(other).toEqual([]);
  });
});
