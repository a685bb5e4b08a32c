/**
 * The Rebal task pane (React + Fluent UI v9): a header, two tabs — Policies (Policies.tsx: the
 * policies with their status and drift, the editor, the trade preview and the trade sheet) and
 * Compare policies (Compare.tsx) — and the version. Both views stay mounted while hidden (a preview
 * or a comparison survives a look at the other tab) and each keeps its own messages. The pane
 * follows the Office theme (re-read on visibility/focus: Excel has no theme event) and works from
 * 320 px wide. UI only: every workbook access goes through src/workbook. Text from cells is rendered
 * as React text (escaped), never as HTML.
 */
import * as React from "react";
import { FluentProvider, Tab, TabList, Text, makeStyles, tokens, webDarkTheme, webLightTheme } from "@fluentui/react-components";
import { ADDIN_VERSION, errorMessage, officeReady, officeThemeKind, watchOfficeTheme } from "../workbook/excel";
import { Compare } from "./Compare";
import { Policies } from "./Policies";
import { Verify } from "./Verify";

const useStyles = makeStyles({
  root: { minHeight: "100vh", display: "flex", flexDirection: "column", backgroundColor: tokens.colorNeutralBackground1, minWidth: 0 },
  header: { display: "flex", alignItems: "center", gap: "8px", padding: "8px 12px", backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand },
  h1: { margin: 0, fontSize: "18px", fontWeight: 600 },
  main: { padding: "6px 12px", display: "flex", flexDirection: "column", gap: "8px", flexGrow: 1, minWidth: 0 },
  footer: { padding: "6px 12px", fontSize: "12px", color: tokens.colorNeutralForeground3 },
  details: { minWidth: 0, overflowWrap: "anywhere" },
});

export function App() {
  const styles = useStyles();
  const [themeKind, setThemeKind] = React.useState(officeThemeKind);
  const theme = themeKind === "dark" ? webDarkTheme : webLightTheme;
  React.useEffect(() => watchOfficeTheme(setThemeKind), []);
  const [ready, setReady] = React.useState<string>("Loading…");
  const [excel, setExcel] = React.useState(false);
  const [view, setView] = React.useState<"policies" | "compare">("policies");

  React.useEffect(() => {
    officeReady().then((ok) => {
      if (!ok) return setReady("Open Rebal from Excel to use the formulas and the pane.");
      setReady("Ready. The formulas recalculate with your workbook.");
      setExcel(true);
    }, (e) => setReady(`Office did not start: ${errorMessage(e)}`));
  }, []);

  return (
    <FluentProvider theme={theme} className={styles.root}>
      <header className={styles.header}>
        <img src="assets/icon-32.png" alt="" width={24} height={24} />
        <h1 className={styles.h1}>Rebal</h1>
      </header>
      <main className={styles.main}>
        <TabList selectedValue={view} onTabSelect={(_, d) => setView(d.value === "compare" ? "compare" : "policies")} aria-label="Views" size="small">
          <Tab value="policies">Policies</Tab>
          <Tab value="compare">Compare policies</Tab>
        </TabList>
        <Text id="status" role="status" size={200}>{ready}</Text>
        {/* both kept mounted while hidden: a preview or a comparison survives a look at the other tab */}
        <div hidden={view !== "policies"} style={{ minWidth: 0 }}><Policies visible={view === "policies"} ready={excel} /></div>
        <div hidden={view !== "compare"} style={{ minWidth: 0 }}><Compare visible={view === "compare"} /></div>
        <Verify ready={excel} />
        <details className={styles.details}>
          <summary>Formulas</summary>
          <p>Type <code>=REBAL.</code> in a cell: WEIGHTS, DRIFT, BANDS, CHECK, NEXTDATE, TRADES, TRADESHEET, RETURNS, COV,
            OPTIMIZE, PERFORMANCE, FRONTIER, ALLOCATE, BACKTEST, EQUITY, STATS. A stored policy is <code>REBAL_POLICY_Name</code>.</p>
        </details>
      </main>
      <footer className={styles.footer}><span id="version">Rebal {ADDIN_VERSION}</span></footer>
    </FluentProvider>
  );
}
