/**
 * Browser test harness: runs the built add-in (dist/) in real headless Chromium (Debian
 * /usr/bin/chromium driven by playwright-core). dist/ is served by a tiny Node http server on
 * 127.0.0.1 (random port); every other host is aborted, except the office.js CDN URL, which is
 * answered with a stub. Nothing is ever skipped: a missing Chromium or dist/ is a failure.
 *
 *   const h = await Harness.start();
 *   await h.openFunctions();            // a page with a CustomFunctions stub + dist/functions.js only
 *   await h.call("WEIGHTS", [[100], [300]]);   // -> [[0.25], [0.75]] or {error, message}
 *                                              // (arguments shaped as Excel would: see call)
 *   await h.close();
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import http from "http";
import type { AddressInfo } from "net";
import os from "os";
import path from "path";
import { chromium, type BrowserContext, type Page, type Route } from "playwright-core";
import ts from "typescript";
import type { FakeState } from "../support/fakeExcel";
import { DIST, requireDist } from "../support/dist";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
export const OFFICE_JS_URL = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

/**
 * In-page stand-in for the runtime's `CustomFunctions` object, shaped like the real one
 * (@types/custom-functions-runtime): associate(id, fn) or associate({id: fn}), an Error class
 * `new CustomFunctions.Error(code, message)` with .code and .message, and the ErrorCode enum.
 */
export const CUSTOM_FUNCTIONS_STUB = `
(function () {
  var registered = {};
  var ErrorCode = {
    invalidValue: "#VALUE!",
    notAvailable: "#N/A",
    divisionByZero: "#DIV/0!",
    invalidNumber: "#NUM!",
    nullReference: "#NULL!",
    invalidName: "#NAME?",
    invalidReference: "#REF!"
  };
  function CFError(code, message) {
    this.code = code === undefined ? ErrorCode.invalidValue : code;
    if (message !== undefined) this.message = message;
  }
  window.__registered = registered;
  window.CustomFunctions = {
    ErrorCode: ErrorCode,
    Error: CFError,
    associate: function (id, fn) {
      if (typeof id === "string") { registered[id.toUpperCase()] = fn; return; }
      for (var k in id) registered[k.toUpperCase()] = id[k];
    }
  };
  function ser(v) {
    if (v instanceof CFError) return { error: v.code, message: v.message };
    if (Array.isArray(v)) return v.map(ser);
    return v;
  }
  window.__call = async function (id, args) {
    var fn = registered[id];
    if (typeof fn !== "function") return { notRegistered: id };
    try {
      return ser(await fn.apply(null, args));
    } catch (e) {
      if (e instanceof CFError) return { error: e.code, message: e.message };
      return { thrown: (e && e.constructor && e.constructor.name) || typeof e, message: String(e && e.message || e) };
    }
  };
})();
`;

/** office.js stand-in for the task pane: Office.onReady reports Excel, plus the CustomFunctions stub. */
export const OFFICE_STUB = `
${CUSTOM_FUNCTIONS_STUB}
window.Office = {
  HostType: { Excel: "Excel", Word: "Word", PowerPoint: "PowerPoint", Outlook: "Outlook" },
  PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline", Mac: "Mac" },
  context: { requirements: { isSetSupported: function () { return true; } }, document: { settings: {} } },
  onReady: function (cb) {
    var info = { host: "Excel", platform: "OfficeOnline" };
    var p = Promise.resolve(info);
    if (cb) p.then(cb);
    return p;
  }
};
window.Office.initialize = function () {};
`;

const FUNCTIONS_PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>functions harness</title>
<script src="/__harness__/cf-stub.js"></script>
<script src="/functions.js"></script>
</head><body></body></html>`;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".xml": "application/xml; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/** A serialised CustomFunctions.Error, or a plain exception the function should not have thrown. */
export interface CallError {
  error?: string;
  message?: string;
  thrown?: string;
  notRegistered?: string;
}

export function isCallError(v: unknown): v is CallError {
  return typeof v === "object" && v !== null && !Array.isArray(v) && ("error" in v || "thrown" in v || "notRegistered" in v);
}

function serve(): Promise<{ server: http.Server; origin: string }> {
  const root = path.resolve(DIST);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let body: Buffer | string | undefined;
    let ext = path.extname(url.pathname);
    if (url.pathname === "/__harness__/functions.html") body = FUNCTIONS_PAGE;
    else if (url.pathname === "/__harness__/cf-stub.js") body = CUSTOM_FUNCTIONS_STUB;
    else {
      const file = path.resolve(root, "." + decodeURIComponent(url.pathname === "/" ? "/taskpane.html" : url.pathname));
      if (file.startsWith(root + path.sep) && existsSync(file)) body = readFileSync(file);
      ext = path.extname(file);
    }
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

export class Harness {
  /** Console errors, uncaught page errors, aborted requests and failed local requests. */
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  readonly blockedRequests: string[] = [];
  readonly failedRequests: string[] = [];
  page!: Page;
  /** Parameters of each function in dist/functions.json. */
  readonly metadata = new Map<string, { name: string; dimensionality?: string }[]>();

  private constructor(
    readonly origin: string,
    private readonly server: http.Server,
    readonly context: BrowserContext,
    private readonly userDataDir: string,
  ) {}

  static async start(): Promise<Harness> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}. The browser tests never skip: install it with ` +
          "`apt-get install -y chromium` (Debian; .ci/run does this) and run the tests again.",
      );
    }
    requireDist();
    const { server, origin } = await serve();
    const userDataDir = mkdtempSync(path.join(os.tmpdir(), "rebal-chromium-"));
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        offline: false,
      });
    } catch (err) {
      server.close();
      rmSync(userDataDir, { recursive: true, force: true });
      throw new Error(`Could not launch ${CHROMIUM}: ${(err as Error).message}`);
    }
    const h = new Harness(origin, server, context, userDataDir);
    const meta = JSON.parse(readFileSync(path.join(DIST, "functions.json"), "utf8")) as {
      functions: { id: string; parameters: { name: string; dimensionality?: string }[] }[];
    };
    for (const f of meta.functions) h.metadata.set(f.id, f.parameters);
    await context.route("**/*", (route) => h.route(route));
    h.page = context.pages()[0] ?? (await context.newPage());
    h.page.on("console", (msg) => {
      if (msg.type() === "error") h.consoleErrors.push(msg.text());
    });
    h.page.on("pageerror", (err) => h.pageErrors.push(String(err)));
    h.page.on("requestfailed", (req) => {
      if (req.url().startsWith(origin)) h.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`);
    });
    h.page.on("response", (res) => {
      if (res.url().startsWith(origin) && res.status() >= 400) h.failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
    });
    return h;
  }

  private async route(route: Route): Promise<void> {
    const url = route.request().url();
    if (url.startsWith(this.origin + "/")) return route.continue();
    if (url === OFFICE_JS_URL) {
      return route.fulfill({ status: 200, contentType: "text/javascript; charset=utf-8", body: OFFICE_STUB });
    }
    this.blockedRequests.push(url);
    return route.abort("blockedbyclient");
  }

  /** Loads a page that defines the CustomFunctions stub and then dist/functions.js alone. */
  async openFunctions(): Promise<void> {
    await this.page.goto(`${this.origin}/__harness__/functions.html`, { waitUntil: "load" });
  }

  /** Ids registered through CustomFunctions.associate in the current page. */
  async registered(): Promise<Record<string, string>> {
    return this.page.evaluate(() => {
      const reg = (window as unknown as { __registered: Record<string, unknown> }).__registered ?? {};
      return Object.fromEntries(Object.entries(reg).map(([k, v]) => [k, typeof v]));
    });
  }

  /**
   * Calls a registered custom function in the page: its result, or a serialised error.
   * Arguments are passed the way Excel would, per dist/functions.json: a scalar given to a
   * matrix parameter is wrapped as [[x]] (a typed literal), a one-cell range given to a scalar
   * parameter is unwrapped to its value, and a larger range given to a scalar parameter is
   * refused — Excel would never pass it whole.
   */
  async call(id: string, ...args: unknown[]): Promise<unknown> {
    const params = this.metadata.get(id);
    if (params) {
      args = args.map((a, i) => {
        const p = params[i];
        if (!p || a === null || a === undefined) return a;
        if (p.dimensionality === "matrix") return Array.isArray(a) ? a : [[a]];
        if (Array.isArray(a) && a.length === 1 && Array.isArray(a[0]) && a[0].length === 1) return a[0][0]; // one cell
        if (Array.isArray(a)) {
          throw new Error(`${id}: parameter ${p.name} is scalar in functions.json, so Excel cannot pass it a range (${JSON.stringify(a)})`);
        }
        return a;
      });
    }
    return this.page.evaluate(
      ([fid, fargs]) => (window as unknown as { __call: (i: string, a: unknown[]) => Promise<unknown> }).__call(fid, fargs),
      [id, args] as [string, unknown[]],
    );
  }

  /**
   * Before the page's scripts: the in-memory workbook of test/support/fakeExcel.ts (which has no
   * imports, so it is transpiled alone and wrapped) as `window.Excel`, created from `state` and kept
   * as `window.__fake`; CSP violations collected in `window.__csp` (watchCsp).
   */
  async installFakeWorkbook(state: FakeState): Promise<void> {
    const js = ts.transpileModule(readFileSync(path.join(__dirname, "..", "support", "fakeExcel.ts"), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    }).outputText;
    const lib = `(function () { var exports = {}; var module = { exports: exports }; ${js}\n window.FakeExcelLib = exports; })()`;
    await this.page.addInitScript({
      content: `${lib};
        window.__fake = FakeExcelLib.createFakeExcel(${JSON.stringify(state)});
        window.Excel = window.__fake.Excel;`,
    });
    await this.watchCsp();
  }

  /** Before the page's scripts: CSP violations are collected in `window.__csp`. */
  async watchCsp(): Promise<void> {
    await this.page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
    });
  }

  /** Opens dist/taskpane.html (stub Office, no workbook) and waits until it reports "Ready". */
  async openReadyPane(): Promise<void> {
    await this.page.goto(`${this.origin}/taskpane.html`, { waitUntil: "load" });
    await this.page.waitForFunction(() => document.getElementById("status")?.textContent?.startsWith("Ready"), null, { timeout: 10_000 });
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}
