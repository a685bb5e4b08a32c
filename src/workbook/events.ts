/**
 * Watching the workbook for changes made elsewhere — a co-author, a hand edit, another add-in — so
 * the pane's policy list and statuses follow them.
 *
 * - Worksheet events (ExcelApi 1.9: worksheets.onChanged, onAdded, onDeleted; both local and remote
 *   changes, event.source says which). A change counts when it is on a *watched* sheet: the policy
 *   sheet, or a sheet holding a bound holdings range or cash cell (resolved through the
 *   REBAL_BIND_* defined names; `retarget` re-resolves them after the list changed). Adding or
 *   deleting a sheet always counts (the policy sheet may be one of them).
 * - Debounced: one callback `debounceMs` after the last counted event, so typing a column of
 *   prices or a co-author's burst of edits gives one refresh.
 * - `stop` removes the handlers (in a batch on the context they were added with, as Office.js
 *   requires) and cancels a pending callback; the pane calls it on unmount.
 * Defined names have no change event: a binding changed elsewhere shows after the next refresh
 * (the pane's Refresh button, or any counted change).
 * Outside Excel, or where ExcelApi 1.9 is not supported, watchWorkbook resolves to null.
 */
import { BINDING_PREFIX, POLICY_SHEET } from "../core/policyStore";
import { excelAvailable, runExcel } from "./excel";

export interface WorkbookWatch {
  /** Re-reads which sheets hold the policy sheet and the bindings (one Excel.run, reads only). */
  retarget(): Promise<void>;
  /** Removes the handlers; no callback fires afterwards. */
  stop(): Promise<void>;
  /** Ids of the watched sheets (for tests and diagnostics). */
  watched(): string[];
}

export function eventsSupported(): boolean {
  if (!excelAvailable()) return false;
  try {
    const req = typeof Office !== "undefined" ? Office.context?.requirements : undefined;
    return !req || typeof req.isSetSupported !== "function" || req.isSetSupported("ExcelApi", "1.9");
  } catch {
    return false;
  }
}

/** Ids of the policy sheet and of every sheet a REBAL_BIND_ name points at (inside a batch). */
async function watchedSheetIds(context: Excel.RequestContext): Promise<string[]> {
  const wb = context.workbook;
  const policySheet = wb.worksheets.getItemOrNullObject(POLICY_SHEET);
  policySheet.load("id");
  const names = wb.names;
  names.load("items/name");
  await context.sync();
  const ranges = names.items
    .filter((n) => n.name.toUpperCase().startsWith(BINDING_PREFIX))
    .map((n) => n.getRangeOrNullObject());
  ranges.forEach((r) => r.load("address")); // any load; isNullObject is known after the sync
  await context.sync();
  const sheets = ranges;
  const live = sheets.filter((r) => !r.isNullObject).map((r) => r.worksheet);
  live.forEach((s) => s.load("id"));
  await context.sync();
  const ids = new Set<string>(live.map((s) => s.id));
  if (!policySheet.isNullObject) ids.add(policySheet.id);
  return [...ids];
}

/**
 * Calls `onChange` (debounced) after changes to the policy sheet or the bound ranges' sheets, and
 * after a sheet is added or deleted. Null when worksheet events are not available.
 */
export async function watchWorkbook(onChange: () => void, debounceMs = 400): Promise<WorkbookWatch | null> {
  if (!eventsSupported()) return null;
  let ids = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!stopped) onChange();
    }, debounceMs);
  };
  const results: OfficeExtension.EventHandlerResult<unknown>[] = [];
  await runExcel(async (context) => {
    const ws = context.workbook.worksheets;
    results.push(ws.onChanged.add(async (e: Excel.WorksheetChangedEventArgs) => {
      if (ids.has(e.worksheetId)) fire();
    }) as OfficeExtension.EventHandlerResult<unknown>);
    results.push(ws.onAdded.add(async () => fire()) as OfficeExtension.EventHandlerResult<unknown>);
    results.push(ws.onDeleted.add(async () => fire()) as OfficeExtension.EventHandlerResult<unknown>);
    await context.sync();
    ids = new Set(await watchedSheetIds(context));
  });
  return {
    async retarget() {
      if (stopped) return;
      const next = await runExcel((context) => watchedSheetIds(context));
      ids = new Set(next);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!results.length) return;
      await Excel.run(results[0].context, async (context) => {
        results.forEach((r) => r.remove());
        await context.sync();
      });
    },
    watched: () => [...ids],
  };
}
