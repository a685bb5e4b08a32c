/**
 * The Office theme (src/workbook/excel.ts): its kind from Office.context.officeTheme, and
 * watchOfficeTheme re-reading it on visibility, focus and task-pane-shown events (Excel has no
 * theme-changed event), calling back only on a change, and unsubscribing cleanly.
 */
import { officeThemeKind, watchOfficeTheme } from "../../src/workbook/excel";

type G = { Office?: unknown; window?: unknown; document?: unknown };
const g = globalThis as unknown as G;
let theme: Record<string, unknown>;
let visibilityHandler: ((m: { visibilityMode: string }) => void) | null;
let removed: number;

beforeEach(() => {
  theme = { bodyBackgroundColor: "#ffffff" };
  visibilityHandler = null;
  removed = 0;
  g.Office = {
    context: { get officeTheme() { return theme; } },
    addin: {
      onVisibilityModeChanged(h: (m: { visibilityMode: string }) => void) {
        visibilityHandler = h;
        return Promise.resolve(async () => {
          removed++;
          visibilityHandler = null;
        });
      },
    },
  };
  g.window = new EventTarget();
  g.document = Object.assign(new EventTarget(), { visibilityState: "visible" });
});
afterEach(() => {
  delete g.Office;
  delete g.window;
  delete g.document;
});

describe("officeThemeKind", () => {
  test.each([
    [{ bodyBackgroundColor: "#ffffff" }, "light"],
    [{ bodyBackgroundColor: "#1f1f1f" }, "dark"],
    [{ bodyBackgroundColor: "262626" }, "dark"],
    [{ bodyBackgroundColor: "#E6E6E6" }, "light"],
    [{ isDarkTheme: true, bodyBackgroundColor: "#ffffff" }, "dark"], // isDarkTheme wins where given
    [{ isDarkTheme: false, bodyBackgroundColor: "#000000" }, "light"],
    [{ bodyBackgroundColor: "not a colour" }, "light"],
    [{}, "light"],
  ])("%j -> %s", (t, kind) => {
    theme = t;
    expect(officeThemeKind()).toBe(kind);
  });

  test("no Office at all: light", () => {
    delete g.Office;
    expect(officeThemeKind()).toBe("light");
  });
});

describe("watchOfficeTheme", () => {
  test("re-reads on focus, visibility and task pane shown; calls back on changes only; unsubscribes", async () => {
    const seen: string[] = [];
    const stop = watchOfficeTheme((k) => seen.push(k));
    await Promise.resolve(); // onVisibilityModeChanged's promise
    (g.window as EventTarget).dispatchEvent(new Event("focus"));
    expect(seen).toEqual([]); // unchanged: no call
    theme = { bodyBackgroundColor: "#000000" };
    (g.window as EventTarget).dispatchEvent(new Event("focus"));
    expect(seen).toEqual(["dark"]);
    theme = { isDarkTheme: false };
    (g.document as EventTarget).dispatchEvent(new Event("visibilitychange"));
    expect(seen).toEqual(["dark", "light"]);
    theme = { isDarkTheme: true };
    visibilityHandler!({ visibilityMode: "Hidden" });
    expect(seen).toEqual(["dark", "light"]); // hidden: nothing to repaint
    visibilityHandler!({ visibilityMode: "Taskpane" });
    expect(seen).toEqual(["dark", "light", "dark"]);
    stop();
    await Promise.resolve();
    expect(removed).toBe(1);
    theme = { isDarkTheme: false };
    (g.window as EventTarget).dispatchEvent(new Event("focus"));
    (g.document as EventTarget).dispatchEvent(new Event("visibilitychange"));
    expect(seen).toEqual(["dark", "light", "dark"]);
  });

  test("a hidden page does not re-read on visibilitychange", () => {
    const seen: string[] = [];
    const stop = watchOfficeTheme((k) => seen.push(k));
    (g.document as { visibilityState: string }).visibilityState = "hidden";
    theme = { isDarkTheme: true };
    (g.document as EventTarget).dispatchEvent(new Event("visibilitychange"));
    expect(seen).toEqual([]);
    stop();
  });
});
