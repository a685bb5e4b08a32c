/**
 * Offline checks of manifest.xml (office-addin-manifest validate needs a Microsoft web service)
 * and of the production copy in dist/manifest.xml. See ../shared/notes/toolchain.md "Manifest".
 */
import { DOMParser } from "@xmldom/xmldom";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { ROOT, readDist } from "./support/dist";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { urlDev, urlProd } = require("../webpack.config.js") as { urlDev: string; urlProd: string };

const SOURCE = readFileSync(path.join(ROOT, "manifest.xml"), "utf8");

type El = Element;

function parse(xml: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== "warning") problems.push(`${level}: ${msg}`);
    },
  }).parseFromString(xml, "text/xml");
  if (problems.length) throw new Error(`manifest.xml is not well-formed XML:\n${problems.join("\n")}`);
  return doc as unknown as Document;
}

const doc = parse(SOURCE);
const all = (): El[] => Array.from(doc.getElementsByTagName("*")) as El[];
const byLocalName = (name: string, root: Document | El = doc): El[] =>
  (Array.from(root.getElementsByTagName("*")) as El[]).filter((e) => e.localName === name);
const childElements = (e: El): El[] => (Array.from(e.childNodes) as Node[]).filter((n): n is El => n.nodeType === 1);
const child = (e: El, name: string): El | undefined => childElements(e).find((c) => c.localName === name);
const xsiType = (e: El): string | null => e.getAttributeNS("http://www.w3.org/2001/XMLSchema-instance", "type");

/** Resources: id -> DefaultValue for bt:Image, bt:Url, bt:String. */
const resources = new Map<string, string>();
const resourcesEl = byLocalName("Resources")[0];
for (const kind of ["Image", "Url", "String"]) {
  for (const e of byLocalName(kind, resourcesEl)) {
    if (e.getAttribute("id")) resources.set(e.getAttribute("id")!, e.getAttribute("DefaultValue") ?? "");
  }
}
const versionHost = byLocalName("Host").find((h) => xsiType(h) === "Workbook")!;
const customFunctions = byLocalName("ExtensionPoint").find((e) => xsiType(e) === "CustomFunctions")!;

function resid(e: El | undefined, what: string): string {
  const id = e?.getAttribute("resid");
  if (!id) throw new Error(`${what} has no resid`);
  return id;
}

describe("manifest.xml", () => {
  test("is a TaskPaneApp for the Excel workbook host with a fixed GUID id", () => {
    const root = doc.documentElement!;
    expect(root.localName).toBe("OfficeApp");
    expect(xsiType(root as unknown as El)).toBe("TaskPaneApp");
    expect(byLocalName("Id")[0].textContent).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    expect(byLocalName("Host").map((h) => h.getAttribute("Name")).filter(Boolean)).toEqual(["Workbook"]);
    expect(versionHost).toBeDefined();
    expect(byLocalName("SupportUrl")[0]?.getAttribute("DefaultValue")).toMatch(/^https:\/\//);
  });

  test("every resid resolves to a resource", () => {
    const used = all().filter((e) => e.hasAttribute("resid"));
    expect(used.length).toBeGreaterThan(10);
    const missing = used.map((e) => e.getAttribute("resid")!).filter((id) => !resources.has(id));
    expect(missing).toEqual([]);
  });

  test("resource ids are unique", () => {
    const ids = byLocalName("Resources")
      .flatMap((r) => ["Image", "Url", "String"].flatMap((kind) => byLocalName(kind, r)))
      .map((e) => e.getAttribute("id"));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("shared runtime: Runtime, CustomFunctions Page and FunctionFile share one resid", () => {
    const runtimes = byLocalName("Runtime");
    expect(runtimes).toHaveLength(1);
    expect(runtimes[0].getAttribute("lifetime")).toBe("long");
    const runtime = resid(runtimes[0], "Runtime");
    const page = resid(child(child(customFunctions, "Page")!, "SourceLocation"), "CustomFunctions Page");
    const functionFile = resid(byLocalName("FunctionFile")[0], "FunctionFile");
    expect({ page, functionFile }).toEqual({ page: runtime, functionFile: runtime });
    expect(resources.get(runtime)).toMatch(/\/taskpane\.html$/);
    // the ribbon button opens the same page
    const action = byLocalName("Action").find((a) => xsiType(a) === "ShowTaskpane")!;
    expect(resid(child(action, "SourceLocation"), "ShowTaskpane action")).toBe(runtime);
    const defaultSettings = child(byLocalName("DefaultSettings")[0], "SourceLocation")!;
    expect(defaultSettings.getAttribute("DefaultValue")).toBe(resources.get(runtime));
  });

  test("<Runtimes> comes first in <Host>", () => {
    expect(childElements(versionHost)[0]?.localName).toBe("Runtimes");
  });

  test("custom functions: Script -> functions.js, Metadata -> functions.json, namespace REBAL", () => {
    const script = resid(child(child(customFunctions, "Script")!, "SourceLocation"), "Script");
    const metadata = resid(child(child(customFunctions, "Metadata")!, "SourceLocation"), "Metadata");
    expect(resources.get(script)).toMatch(/\/functions\.js$/);
    expect(resources.get(metadata)).toMatch(/\/functions\.json$/);
    const ns = resid(child(customFunctions, "Namespace"), "Namespace");
    expect(byLocalName("ShortStrings")[0] && byLocalName("String", byLocalName("ShortStrings")[0]).some((s) => s.getAttribute("id") === ns)).toBe(true);
    expect(resources.get(ns)).toBe("REBAL");
  });

  test("requires SharedRuntime 1.1 and CustomFunctionsRuntime 1.3", () => {
    const sets = Object.fromEntries(byLocalName("Set").map((s) => [s.getAttribute("Name"), s.getAttribute("MinVersion")]));
    expect(sets).toMatchObject({ SharedRuntime: "1.1", CustomFunctionsRuntime: "1.3" });
  });

  test("all URLs are https (namespace URIs aside)", () => {
    const urls: string[] = [];
    for (const e of all()) {
      for (const a of Array.from(e.attributes)) {
        if (a.name === "xmlns" || a.name.startsWith("xmlns:")) continue;
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a.value)) urls.push(a.value);
      }
      if (childElements(e).length === 0 && /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(e.textContent ?? "")) urls.push(e.textContent!.trim());
    }
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((u) => !u.startsWith("https://"))).toEqual([]);
  });

  test("every dev URL is under the dev server root, and icons exist with the right size", () => {
    for (const url of resources.values()) {
      if (!url.startsWith("https://")) continue;
      expect(url.startsWith(urlDev)).toBe(true);
    }
    for (const img of byLocalName("Image", resourcesEl)) {
      const size = Number(/(\d+)x\1$/.exec(img.getAttribute("id")!)![1]);
      const file = path.join(ROOT, img.getAttribute("DefaultValue")!.slice(urlDev.length));
      expect(existsSync(file)).toBe(true);
      const png = readFileSync(file);
      expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });
});

describe("dist/manifest.xml (production build)", () => {
  test("contains no localhost anywhere and every dev URL is rewritten to urlProd", () => {
    const built = readDist("manifest.xml");
    expect(built.match(/localhost|127\.0\.0\.1/gi) ?? []).toEqual([]);
    expect(urlProd).toMatch(/^https:\/\/[^/]+\/$/);
    expect(built).toBe(SOURCE.split(urlDev).join(urlProd));
    parse(built);
  });
});
