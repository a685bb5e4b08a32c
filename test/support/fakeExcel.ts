/**
 * A small in-memory stand-in for the subset of the Excel JavaScript API that src/workbook uses,
 * for unit tests (jest, Node) and the browser end-to-end test (bundled and injected into the page).
 * Self-contained: no imports, JSON-serialisable state.
 *
 * Behaviour modelled after Office.js where it matters for correctness:
 * - proxies: scalar properties (values, address, isNullObject, formula, items...) throw
 *   "PropertyNotLoaded" unless `load` was called and `context.sync()` has run since;
 * - getItemOrNullObject / getRangeOrNullObject / getUsedRangeOrNullObject return null objects;
 * - writing `values` / `numberFormat` needs a 2-D array of the range's exact size;
 * - sheet names are unique (case-insensitive), at most 31 characters, without []:*?/\ ;
 * - defined names are unique (case-insensitive) and refer to formulas "=Sheet!$A$1:$B$2",
 *   "=Table[#All]" or "=#REF!" (a deleted reference).
 * Writes apply immediately (stricter than Office, which applies them at sync): a test that checks
 * "nothing was written" after an error therefore also sees writes queued before the error.
 * Every write is appended to state.log ("write 'Sheet'!A1:B2", "addName X", ...).
 * Formulas: `range.formulas = [["=..."]]` stores the text (sheet.formulas; not evaluated: the cell's
 * value stays blank), `range.formulas` reads a cell's formula, or its value when it has none.
 * Events: worksheets.onChanged / onAdded / onDeleted handlers (add -> { context, remove() }, removed
 * inside Excel.run(handler.context, ...)) get WorksheetChangedEventArgs-like objects after every
 * write (source "Local") and after `edit` (a co-author's or a hand edit: source "Remote"); worksheet
 * ids are "{sheet:<lower-case name>}".
 */

export type CellValue = number | string | boolean;

export interface FakeSheet {
  name: string;
  /** "row,col" (0-based) -> value; blank cells are absent. */
  cells: Record<string, CellValue>;
  formats: Record<string, string>;
  /** "row,col" -> formula text ("=..."), for cells written through `formulas`. */
  formulas?: Record<string, string>;
  bold: string[];
  /** Layout writes (trade sheets): merged areas, font sizes / italics by cell, column widths in
   * points by column letter, frozen rows, page layout. Absent until written. */
  merges?: string[];
  fontSizes?: Record<string, number>;
  italic?: string[];
  columnWidths?: Record<string, number>;
  freezeRows?: number;
  pageLayout?: { orientation?: string; zoom?: { horizontalFitToPages?: number; verticalFitToPages?: number }; printArea?: string; printTitleRows?: string };
  /** Conditional formats added to ranges (heat maps): the range, the type and the criteria set. Absent until written. */
  conditionalFormats?: { address: string; type: string; criteria?: unknown }[];
  charts: {
    type: string; source: string; seriesBy: string; title: string; position: string;
    /** Per series (set through chart.series.getItemAt(k)): its name and category (x) range. */
    series?: { name?: string; xValues?: string }[];
  }[];
}

export interface FakeState {
  sheets: FakeSheet[];
  names: { name: string; formula: string; comment?: string }[];
  tables: { name: string; sheet: string; address: string; style?: string }[];
  active: string;
  /** The selected range on the active sheet, e.g. "B2:E6". */
  selection: string;
  log: string[];
  syncs: number;
  runs: number;
  /**
   * Optional, like Excel's request size limit: reading `values` of a range of more cells throws
   * (e.g. a whole-column reference loaded in full).
   */
  readLimit?: number;
  /**
   * Optional, like Excel: a string written as a value that starts with = + - or @ (and is not a
   * number) becomes a formula ("=" added when missing; the cell's value reads "#NAME?") unless the
   * cell's number format is already Text ("@").
   */
  textAsFormula?: boolean;
}

interface Rect {
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

export function colName(c: number): string {
  let s = "";
  let n = c + 1;
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Rows in a worksheet (a whole-column reference "A:F" spans all of them). */
export const SHEET_ROWS = 1_048_576;

export function parseA1(address: string): Rect {
  const cols = /^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$/.exec(address.trim());
  if (cols) {
    const c = (s: string) => s.toUpperCase().split("").reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
    const [c0, c1] = [c(cols[1]), c(cols[2])];
    return { r0: 0, c0: Math.min(c0, c1), r1: SHEET_ROWS - 1, c1: Math.max(c0, c1) };
  }
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$/.exec(address.trim());
  if (!m) throw new Error(`InvalidArgument: bad address "${address}"`);
  const col = (s: string) => s.toUpperCase().split("").reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const r0 = Number(m[2]) - 1;
  const c0 = col(m[1]);
  const r1 = m[4] ? Number(m[4]) - 1 : r0;
  const c1 = m[3] ? col(m[3]) : c0;
  return { r0: Math.min(r0, r1), c0: Math.min(c0, c1), r1: Math.max(r0, r1), c1: Math.max(c0, c1) };
}

export function rectA1(r: Rect, absolute = false): string {
  const d = absolute ? "$" : "";
  const a = `${d}${colName(r.c0)}${d}${r.r0 + 1}`;
  const b = `${d}${colName(r.c1)}${d}${r.r1 + 1}`;
  return a === b ? a : `${a}:${b}`;
}

export function quoteSheet(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** Splits "Sheet!A1:B2" / "'My sheet'!A1" into sheet and address. */
export function splitAddress(ref: string): { sheet: string | null; address: string } {
  const s = ref.trim().replace(/^=/, "");
  const bang = s.lastIndexOf("!");
  if (bang < 0) return { sheet: null, address: s };
  let sheet = s.slice(0, bang);
  if (sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
  return { sheet, address: s.slice(bang + 1) };
}

export function createFakeExcel(initial: Partial<FakeState>) {
  const state: FakeState = {
    sheets: [],
    names: [],
    tables: [],
    active: "",
    selection: "A1",
    log: [],
    syncs: 0,
    runs: 0,
    ...JSON.parse(JSON.stringify(initial)),
  };
  for (const s of state.sheets) {
    s.cells = s.cells ?? {};
    s.formats = s.formats ?? {};
    s.bold = s.bold ?? [];
    s.charts = s.charts ?? [];
  }
  if (!state.active && state.sheets.length) state.active = state.sheets[0].name;

  const findSheet = (name: string) => state.sheets.find((s) => s.name.toLowerCase() === name.toLowerCase());

  /** Resolves a name's formula to a sheet and rectangle (null = #REF! or unknown). */
  function resolveFormula(formula: string): { sheet: FakeSheet; rect: Rect } | null {
    const f = formula.trim().replace(/^=/, "");
    const t = /^([A-Za-z_][A-Za-z0-9_.]*)\[#All\]$/.exec(f);
    if (t) {
      const table = state.tables.find((x) => x.name.toLowerCase() === t[1].toLowerCase());
      const sheet = table && findSheet(table.sheet);
      return table && sheet ? { sheet, rect: parseA1(table.address) } : null;
    }
    if (f.includes("#REF!")) return null;
    const { sheet, address } = splitAddress(f);
    const ws = sheet ? findSheet(sheet) : undefined;
    if (!ws) return null;
    try {
      return { sheet: ws, rect: parseA1(address) };
    } catch {
      return null;
    }
  }

  let generation = 0;
  /** Base of every proxy: load/sync bookkeeping. */
  class Proxy {
    private loadedAt = -1;
    private pending = false;
    load(_props?: unknown) {
      this.pending = true;
      pendingLoads.add(this);
      return this;
    }
    markLoaded() {
      if (this.pending) this.loadedAt = generation;
      this.pending = false;
    }
    protected need(prop: string) {
      if (this.loadedAt < 0) throw new Error(`PropertyNotLoaded: ${this.constructor.name}.${prop} read before load() and sync()`);
    }
  }
  const pendingLoads = new Set<Proxy>();

  type Handler = (args: Record<string, unknown>) => Promise<unknown> | void;
  const handlers: { event: "changed" | "added" | "deleted"; fn: Handler }[] = [];
  const sheetId = (s: FakeSheet) => `{sheet:${s.name.toLowerCase()}}`;
  function emit(event: "changed" | "added" | "deleted", args: Record<string, unknown>) {
    const targets = handlers.filter((h) => h.event === event);
    if (targets.length) void Promise.resolve().then(() => targets.forEach((h) => { void h.fn(args); }));
  }
  const emitChanged = (sheet: FakeSheet, rect: Rect, source: "Local" | "Remote") =>
    emit("changed", { type: "WorksheetChanged", changeType: "RangeEdited", source, worksheetId: sheetId(sheet), address: rectA1(rect) });
  function eventSource(event: "changed" | "added" | "deleted") {
    return {
      add(fn: Handler) {
        const h = { event, fn };
        handlers.push(h);
        return {
          context,
          remove() {
            const i = handlers.indexOf(h);
            if (i >= 0) handlers.splice(i, 1);
          },
        };
      },
    };
  }

  class NullableProxy extends Proxy {
    constructor(protected readonly nullObject: boolean) {
      super();
    }
    get isNullObject() {
      this.need("isNullObject");
      return this.nullObject;
    }
    protected live(what: string) {
      if (this.nullObject) throw new Error(`ItemNotFound: ${what} does not exist`);
    }
  }

  class FakeRange extends NullableProxy {
    readonly format: { font: { bold: boolean; size: number; italic: boolean }; autofitColumns: () => void; columnWidth: number; horizontalAlignment: string };
    constructor(readonly sheet: FakeSheet | null, readonly rect: Rect | null) {
      super(sheet === null || rect === null);
      const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
      this.format = {
        font: {
          get bold() {
            return false;
          },
          set bold(v: boolean) {
            self.live("range");
            state.log.push(`bold ${self.ref()}`);
            if (v) self.forEachCell((k) => self.sheet!.bold.includes(k) || self.sheet!.bold.push(k));
          },
          get size() {
            return 11;
          },
          set size(v: number) {
            self.live("range");
            state.log.push(`fontSize ${self.ref()}`);
            const sizes = (self.sheet!.fontSizes = self.sheet!.fontSizes ?? {});
            self.forEachCell((k) => { sizes[k] = v; });
          },
          get italic() {
            return false;
          },
          set italic(v: boolean) {
            self.live("range");
            state.log.push(`italic ${self.ref()}`);
            const it = (self.sheet!.italic = self.sheet!.italic ?? []);
            if (v) self.forEachCell((k) => it.includes(k) || it.push(k));
          },
        },
        autofitColumns() {
          self.live("range");
          state.log.push(`autofit ${self.ref()}`);
        },
        get horizontalAlignment(): string {
          return "General";
        },
        set horizontalAlignment(v: string) {
          self.live("range");
          state.log.push(`align ${self.ref()} ${v}`);
        },
        get columnWidth(): number {
          throw new Error("PropertyNotLoaded: RangeFormat.columnWidth (not modelled)");
        },
        set columnWidth(v: number) {
          self.live("range");
          if (!(v >= 0 && v <= 255 * 7.5)) throw new Error(`InvalidArgument: column width ${v}`);
          state.log.push(`columnWidth ${self.ref()}`);
          const w = (self.sheet!.columnWidths = self.sheet!.columnWidths ?? {});
          for (let c = self.rect!.c0; c <= self.rect!.c1; c++) w[colName(c)] = v;
        },
      };
    }
    ref() {
      return `${quoteSheet(this.sheet!.name)}!${rectA1(this.rect!)}`;
    }
    get conditionalFormats() {
      this.live("range");
      const sheet = this.sheet!, address = rectA1(this.rect!);
      return {
        add(type: string) {
          const cf: { address: string; type: string; criteria?: unknown } = { address, type };
          (sheet.conditionalFormats = sheet.conditionalFormats ?? []).push(cf);
          state.log.push(`conditionalFormat ${quoteSheet(sheet.name)}!${address}`);
          return { colorScale: { set criteria(c: unknown) { cf.criteria = c; } } };
        },
      };
    }
    private forEachCell(fn: (key: string, i: number, j: number) => void) {
      const r = this.rect!;
      for (let i = r.r0; i <= r.r1; i++) for (let j = r.c0; j <= r.c1; j++) fn(`${i},${j}`, i - r.r0, j - r.c0);
    }
    get worksheet() {
      this.live("range");
      return new FakeWorksheet(this.sheet);
    }
    get address() {
      this.need("address");
      this.live("range");
      return this.ref();
    }
    get rowCount() {
      this.need("rowCount");
      return this.rect!.r1 - this.rect!.r0 + 1;
    }
    get columnCount() {
      this.need("columnCount");
      return this.rect!.c1 - this.rect!.c0 + 1;
    }
    get rowIndex() {
      this.need("rowIndex");
      return this.rect!.r0;
    }
    get columnIndex() {
      this.need("columnIndex");
      return this.rect!.c0;
    }
    get values(): CellValue[][] {
      this.need("values");
      this.live("range");
      const r = this.rect!;
      const n = (r.r1 - r.r0 + 1) * (r.c1 - r.c0 + 1);
      if (state.readLimit !== undefined && n > state.readLimit) throw new Error(`RequestPayloadSizeLimitExceeded: values of ${this.ref()} (${n} cells)`);
      const out: CellValue[][] = [];
      for (let i = r.r0; i <= r.r1; i++) {
        const row: CellValue[] = [];
        for (let j = r.c0; j <= r.c1; j++) row.push(this.sheet!.cells[`${i},${j}`] ?? "");
        out.push(row);
      }
      return out;
    }
    private checkShape(v: unknown[][], what: string) {
      const r = this.rect!;
      const rows = r.r1 - r.r0 + 1;
      const cols = r.c1 - r.c0 + 1;
      if (!Array.isArray(v) || v.length !== rows || v.some((row) => !Array.isArray(row) || row.length !== cols)) {
        throw new Error(`InvalidArgument: ${what} for ${this.ref()} must be ${rows} x ${cols}`);
      }
    }
    set values(v: CellValue[][]) {
      this.live("range");
      this.checkShape(v, "values");
      state.log.push(`write ${this.ref()}`);
      this.forEachCell((k, i, j) => {
        const x = v[i][j];
        if (this.sheet!.formulas) delete this.sheet!.formulas[k];
        if (x === "" || x === null || x === undefined) delete this.sheet!.cells[k];
        else if (typeof x === "number" && !Number.isFinite(x)) throw new Error(`InvalidArgument: non-finite number at ${k}`);
        else if (state.textAsFormula && typeof x === "string" && /^[=+\-@]/.test(x) && !Number.isFinite(Number(x)) && this.sheet!.formats[k] !== "@") {
          this.sheet!.formulas = this.sheet!.formulas ?? {};
          this.sheet!.formulas[k] = x.startsWith("=") ? x : `=${x}`;
          this.sheet!.cells[k] = "#NAME?";
        } else this.sheet!.cells[k] = x;
      });
      emitChanged(this.sheet!, this.rect!, "Local");
    }
    get formulas(): CellValue[][] {
      this.need("formulas");
      this.live("range");
      const r = this.rect!;
      const out: CellValue[][] = [];
      for (let i = r.r0; i <= r.r1; i++) {
        const row: CellValue[] = [];
        for (let j = r.c0; j <= r.c1; j++) row.push(this.sheet!.formulas?.[`${i},${j}`] ?? this.sheet!.cells[`${i},${j}`] ?? "");
        out.push(row);
      }
      return out;
    }
    set formulas(v: CellValue[][]) {
      this.live("range");
      this.checkShape(v, "formulas");
      state.log.push(`formulas ${this.ref()}`);
      const sheet = this.sheet!;
      this.forEachCell((k, i, j) => {
        const x = v[i][j];
        if (typeof x === "string" && x.startsWith("=")) {
          sheet.formulas = sheet.formulas ?? {};
          sheet.formulas[k] = x;
          delete sheet.cells[k];
        } else {
          if (sheet.formulas) delete sheet.formulas[k];
          if (x === "" || x === null || x === undefined) delete sheet.cells[k];
          else sheet.cells[k] = x;
        }
      });
      emitChanged(sheet, this.rect!, "Local");
    }
    get numberFormat(): string[][] {
      this.need("numberFormat");
      this.live("range");
      const r = this.rect!;
      const out: string[][] = [];
      for (let i = r.r0; i <= r.r1; i++) {
        const row: string[] = [];
        for (let j = r.c0; j <= r.c1; j++) row.push(this.sheet!.formats[`${i},${j}`] ?? "General");
        out.push(row);
      }
      return out;
    }
    set numberFormat(v: string[][]) {
      this.live("range");
      this.checkShape(v, "numberFormat");
      state.log.push(`numberFormat ${this.ref()}`);
      this.forEachCell((k, i, j) => {
        this.sheet!.formats[k] = v[i][j];
      });
    }
    /** Merges the range (one merged area; across = false). Overlapping an existing merge is refused. */
    merge(_across = false) {
      this.live("range");
      const merges = (this.sheet!.merges = this.sheet!.merges ?? []);
      const r = this.rect!;
      for (const m of merges) {
        const o = parseA1(m);
        if (!(o.r1 < r.r0 || o.r0 > r.r1 || o.c1 < r.c0 || o.c0 > r.c1)) throw new Error(`InvalidOperation: ${rectA1(r)} overlaps the merged ${m}`);
      }
      merges.push(rectA1(r));
      state.log.push(`merge ${this.ref()}`);
    }
    clear(_applyTo?: string) {
      this.live("range");
      state.log.push(`clear ${this.ref()}`);
      this.forEachCell((k) => {
        delete this.sheet!.cells[k];
        delete this.sheet!.formats[k];
        if (this.sheet!.formulas) delete this.sheet!.formulas[k];
      });
      emitChanged(this.sheet!, this.rect!, "Local");
    }
  }

  class FakeChart extends Proxy {
    constructor(private readonly chart: FakeSheet["charts"][number]) {
      super();
    }
    get title() {
      const c = this.chart;
      return {
        get text() {
          return c.title;
        },
        set text(v: string) {
          c.title = v;
        },
      };
    }
    setPosition(start: string, end?: string) {
      this.chart.position = end ? `${start}:${end}` : start;
    }
    /** Series k exists when the source has more than k columns (by columns) or rows (by rows). */
    get series() {
      const c = this.chart;
      return {
        getItemAt(k: number) {
          const r = parseA1(c.source);
          const count = c.seriesBy === "Rows" ? r.r1 - r.r0 : r.c1 - r.c0 + 1;
          if (!(k >= 0 && k < count)) throw new Error(`InvalidArgument: chart has ${count} series, no series ${k}`);
          c.series = c.series ?? [];
          while (c.series.length <= k) c.series.push({});
          const s = c.series[k];
          return {
            set name(v: string) {
              s.name = v;
            },
            setXAxisValues(range: FakeRange) {
              s.xValues = `${quoteSheet(range.sheet!.name)}!${rectA1(range.rect!)}`;
            },
          };
        },
      };
    }
  }

  class FakeWorksheet extends NullableProxy {
    constructor(readonly sheet: FakeSheet | null) {
      super(sheet === null);
    }
    get name() {
      this.need("name");
      this.live("worksheet");
      return this.sheet!.name;
    }
    get id() {
      this.need("id");
      this.live("worksheet");
      return sheetId(this.sheet!);
    }
    getRange(address: string) {
      this.live("worksheet");
      return new FakeRange(this.sheet, parseA1(address));
    }
    getUsedRangeOrNullObject(_valuesOnly?: boolean) {
      this.live("worksheet");
      const keys = [...Object.keys(this.sheet!.cells), ...Object.keys(this.sheet!.formulas ?? {})].map((k) => k.split(",").map(Number));
      if (keys.length === 0) return new FakeRange(null, null);
      // a loop, not Math.min(...keys): a large sheet would exceed the argument limit
      const rect = { r0: Infinity, c0: Infinity, r1: -Infinity, c1: -Infinity };
      for (const [r, c] of keys) {
        rect.r0 = Math.min(rect.r0, r);
        rect.c0 = Math.min(rect.c0, c);
        rect.r1 = Math.max(rect.r1, r);
        rect.c1 = Math.max(rect.c1, c);
      }
      return new FakeRange(this.sheet, rect);
    }
    activate() {
      this.live("worksheet");
      state.active = this.sheet!.name;
    }
    delete() {
      this.live("worksheet");
      state.sheets = state.sheets.filter((s) => s !== this.sheet);
      if (state.active === this.sheet!.name) state.active = state.sheets[0]?.name ?? "";
      state.log.push(`deleteSheet ${this.sheet!.name}`);
    }
    get tables() {
      this.live("worksheet");
      const sheet = this.sheet!;
      return {
        /** A table over `address` (header row included); its name must be unique in the workbook. */
        add(address: string, hasHeaders: boolean) {
          if (!hasHeaders) throw new Error("InvalidArgument: the fake models tables with headers only");
          const rect = parseA1(splitAddress(address).address);
          for (const m of sheet.merges ?? []) {
            const o = parseA1(m);
            if (!(o.r1 < rect.r0 || o.r0 > rect.r1 || o.c1 < rect.c0 || o.c0 > rect.c1)) throw new Error(`InvalidOperation: a table cannot overlap the merged ${m}`);
          }
          for (let c = rect.c0; c <= rect.c1; c++) {
            const h = sheet.cells[`${rect.r0},${c}`];
            if (typeof h !== "string" || h === "") throw new Error(`InvalidArgument: table header ${colName(c)}${rect.r0 + 1} is not text`);
          }
          let k = 1;
          while (state.tables.some((t) => t.name.toLowerCase() === `table${k}`)) k++;
          const t: FakeState["tables"][number] = { name: `Table${k}`, sheet: sheet.name, address: rectA1(rect) };
          state.tables.push(t);
          state.log.push(`addTable ${quoteSheet(sheet.name)}!${t.address}`);
          return {
            set name(v: string) {
              if (!/^[A-Za-z_\\][A-Za-z0-9_.]*$/.test(v) || /^[A-Za-z]{1,3}\d+$/.test(v)) throw new Error(`InvalidArgument: bad table name "${v}"`);
              if (state.tables.some((x) => x !== t && x.name.toLowerCase() === v.toLowerCase())) throw new Error(`ItemAlreadyExists: table ${v}`);
              if (state.names.some((n) => n.name.toLowerCase() === v.toLowerCase())) throw new Error(`ItemAlreadyExists: name ${v}`);
              t.name = v;
            },
            set style(v: string) {
              t.style = v;
            },
          };
        },
      };
    }
    get freezePanes() {
      this.live("worksheet");
      const sheet = this.sheet!;
      return {
        freezeRows(n: number) {
          sheet.freezeRows = n;
          state.log.push(`freezeRows ${quoteSheet(sheet.name)} ${n}`);
        },
      };
    }
    get pageLayout() {
      this.live("worksheet");
      const sheet = this.sheet!;
      const pl = () => (sheet.pageLayout = sheet.pageLayout ?? {});
      return {
        set orientation(v: string) {
          pl().orientation = v;
        },
        set zoom(v: { horizontalFitToPages?: number; verticalFitToPages?: number }) {
          pl().zoom = { ...v };
        },
        setPrintArea(address: string) {
          parseA1(address);
          pl().printArea = address;
        },
        setPrintTitleRows(rows: string) {
          if (!/^\$\d+:\$\d+$/.test(rows)) throw new Error(`InvalidArgument: print title rows "${rows}"`);
          pl().printTitleRows = rows;
        },
      };
    }
    get charts() {
      this.live("worksheet");
      const sheet = this.sheet!;
      return {
        add(type: string, source: FakeRange, seriesBy = "Auto") {
          if (source.sheet !== sheet) throw new Error("InvalidArgument: chart source on another sheet");
          const c = { type, source: rectA1(source.rect!), seriesBy, title: "", position: "" };
          sheet.charts.push(c);
          state.log.push(`chart ${quoteSheet(sheet.name)}!${c.source}`);
          return new FakeChart(c);
        },
      };
    }
  }

  class FakeNamedItem extends NullableProxy {
    constructor(private readonly item: FakeState["names"][number] | null) {
      super(item === null);
    }
    get name() {
      this.need("name");
      this.live("name");
      return this.item!.name;
    }
    get formula() {
      this.need("formula");
      this.live("name");
      return this.item!.formula;
    }
    get type() {
      this.need("type");
      return "Range";
    }
    getRangeOrNullObject() {
      if (this.item === null) return new FakeRange(null, null);
      const res = resolveFormula(this.item.formula);
      return res ? new FakeRange(res.sheet, res.rect) : new FakeRange(null, null);
    }
    delete() {
      this.live("name");
      state.names = state.names.filter((n) => n !== this.item);
      state.log.push(`deleteName ${this.item!.name}`);
    }
  }

  class FakeTable extends NullableProxy {
    constructor(private readonly table: FakeState["tables"][number] | null) {
      super(table === null);
    }
    get name() {
      this.need("name");
      this.live("table");
      return this.table!.name;
    }
    getRange() {
      this.live("table");
      const sheet = findSheet(this.table!.sheet)!;
      return new FakeRange(sheet, parseA1(this.table!.address));
    }
  }

  class Collection<T> extends Proxy {
    constructor(private readonly make: () => T[]) {
      super();
    }
    get items(): T[] {
      this.need("items");
      // a loaded collection's items have the requested properties loaded
      return this.make().map((item) => {
        const p = item as unknown as Proxy;
        p.load();
        p.markLoaded();
        pendingLoads.delete(p);
        return item;
      });
    }
  }

  const validSheetName = (name: string) => name.length > 0 && name.length <= 31 && !/[[\]:*?/\\]/.test(name) && !/^'|'$/.test(name);

  const workbook = {
    worksheets: Object.assign(
      new Collection(() => state.sheets.map((s) => new FakeWorksheet(s))),
      {
        getItemOrNullObject: (name: string) => new FakeWorksheet(findSheet(name) ?? null),
        getItem: (name: string) => {
          const s = findSheet(name);
          if (!s) throw new Error(`ItemNotFound: worksheet ${name}`);
          return new FakeWorksheet(s);
        },
        getActiveWorksheet: () => new FakeWorksheet(findSheet(state.active) ?? null),
        add: (name: string) => {
          if (!validSheetName(name)) throw new Error(`InvalidArgument: bad sheet name "${name}"`);
          if (findSheet(name)) throw new Error(`ItemAlreadyExists: worksheet ${name}`);
          const s: FakeSheet = { name, cells: {}, formats: {}, bold: [], charts: [] };
          state.sheets.push(s);
          state.log.push(`addSheet ${name}`);
          emit("added", { type: "WorksheetAdded", source: "Local", worksheetId: sheetId(s) });
          return new FakeWorksheet(s);
        },
        onChanged: eventSource("changed"),
        onAdded: eventSource("added"),
        onDeleted: eventSource("deleted"),
      },
    ),
    names: Object.assign(
      new Collection(() => state.names.map((n) => new FakeNamedItem(n))),
      {
        getItemOrNullObject: (name: string) =>
          new FakeNamedItem(state.names.find((n) => n.name.toLowerCase() === name.toLowerCase()) ?? null),
        getItem: (name: string) => {
          const n = state.names.find((x) => x.name.toLowerCase() === name.toLowerCase());
          if (!n) throw new Error(`ItemNotFound: name ${name}`);
          return new FakeNamedItem(n);
        },
        add: (name: string, reference: string | FakeRange, comment?: string) => {
          if (!/^[A-Za-z_\\][A-Za-z0-9_.]*$/.test(name)) throw new Error(`InvalidArgument: bad name "${name}"`);
          if (state.names.some((n) => n.name.toLowerCase() === name.toLowerCase())) throw new Error(`ItemAlreadyExists: name ${name}`);
          const formula =
            typeof reference === "string"
              ? (reference.startsWith("=") ? reference : `=${reference}`)
              : `=${quoteSheet(reference.sheet!.name)}!${rectA1(reference.rect!, true)}`;
          const item = { name, formula, ...(comment ? { comment } : {}) };
          state.names.push(item);
          state.log.push(`addName ${name}`);
          return new FakeNamedItem(item);
        },
      },
    ),
    tables: Object.assign(
      new Collection(() => state.tables.map((t) => new FakeTable(t))),
      {
        getItemOrNullObject: (name: string) =>
          new FakeTable(state.tables.find((t) => t.name.toLowerCase() === name.toLowerCase()) ?? null),
      },
    ),
    getSelectedRange: () => new FakeRange(findSheet(state.active) ?? null, parseA1(state.selection)),
  };

  const context = {
    workbook,
    async sync() {
      state.syncs++;
      generation++;
      for (const p of pendingLoads) p.markLoaded();
      pendingLoads.clear();
    },
  };

  const Excel = {
    /** Excel.run(batch), or Excel.run(objectOrContext, batch) (the same single context here). */
    async run<T>(first: unknown, second?: (ctx: typeof context) => Promise<T>): Promise<T> {
      const batch = (typeof first === "function" ? first : second) as (ctx: typeof context) => Promise<T>;
      state.runs++;
      pendingLoads.clear();
      const out = await batch(context);
      await context.sync();
      return out;
    },
    ChartType: { columnClustered: "ColumnClustered", line: "Line" },
    ChartSeriesBy: { columns: "Columns", rows: "Rows", auto: "Auto" },
    ConditionalFormatType: { colorScale: "ColorScale" },
    ConditionalFormatColorCriterionType: { lowestValue: "LowestValue", highestValue: "HighestValue", percentile: "Percentile" },
  };

  return {
    Excel,
    state,
    /** A deep copy of the state, for before/after comparisons. */
    snapshot(): FakeState {
      return JSON.parse(JSON.stringify(state));
    },
    /** Number of event handlers registered and not removed. */
    handlerCount(): number {
      return handlers.length;
    },
    /** An edit made outside the add-in (a co-author, the analyst typing): writes and emits onChanged. */
    edit(sheet: string, topLeft: string, values: CellValue[][], source: "Local" | "Remote" = "Remote") {
      this.put(sheet, topLeft, values);
      const s = findSheet(sheet)!;
      const r = parseA1(topLeft);
      emitChanged(s, { r0: r.r0, c0: r.c0, r1: r.r0 + values.length - 1, c1: r.c0 + Math.max(1, ...values.map((x) => x.length)) - 1 }, source);
    },
    /** Formula text of a sheet's cell ("" when none). */
    formula(sheet: string, address: string): string {
      const s = findSheet(sheet);
      if (!s) throw new Error(`no sheet ${sheet}`);
      const r = parseA1(address);
      return s.formulas?.[`${r.r0},${r.c0}`] ?? "";
    },
    /** Values of a sheet's rectangle ("" for blanks). */
    read(sheet: string, address: string): CellValue[][] {
      const s = findSheet(sheet);
      if (!s) throw new Error(`no sheet ${sheet}`);
      const r = parseA1(address);
      const out: CellValue[][] = [];
      for (let i = r.r0; i <= r.r1; i++) {
        const row: CellValue[] = [];
        for (let j = r.c0; j <= r.c1; j++) row.push(s.cells[`${i},${j}`] ?? "");
        out.push(row);
      }
      return out;
    },
    /** Writes values without logging (test setup). */
    put(sheet: string, topLeft: string, values: CellValue[][]) {
      let s = findSheet(sheet);
      if (!s) {
        s = { name: sheet, cells: {}, formats: {}, bold: [], charts: [] };
        state.sheets.push(s);
        if (!state.active) state.active = sheet;
      }
      const r = parseA1(topLeft);
      values.forEach((row, i) =>
        row.forEach((v, j) => {
          if (v === "" || v === null || v === undefined) delete s!.cells[`${r.r0 + i},${r.c0 + j}`];
          else s!.cells[`${r.r0 + i},${r.c0 + j}`] = v;
        }),
      );
    },
    /** The bounding-box values of a sheet (used range from A1). */
    usedValues(sheet: string): CellValue[][] {
      const s = findSheet(sheet);
      if (!s) throw new Error(`no sheet ${sheet}`);
      const keys = Object.keys(s.cells).map((k) => k.split(",").map(Number));
      if (!keys.length) return [];
      const r1 = Math.max(...keys.map((k) => k[0]));
      const c1 = Math.max(...keys.map((k) => k[1]));
      return this.read(sheet, rectA1({ r0: 0, c0: 0, r1, c1 }));
    },
  };
}

export type FakeExcel = ReturnType<typeof createFakeExcel>;
