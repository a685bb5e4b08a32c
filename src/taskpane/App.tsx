/**
 * The Rebal task pane (React + Fluent UI v9): the workbook's policies with a live status each,
 * a policy editor (every key, validated inline by parsePolicy; holdings and cash bindings typed or
 * taken from the selection), "Generate trade sheet" and "Insert live formulas" (REBAL formulas next
 * to the holdings). The list and statuses follow changes made elsewhere (workbook events, debounced,
 * removed on unmount; a Refresh button as fallback) and the pane follows the Office theme
 * (re-read on visibility/focus: Excel has no theme event). UI only: every workbook access goes
 * through src/workbook. Text from cells is rendered as React text (escaped), never as HTML.
 */
import * as React from "react";
import {
  Badge, Button, Caption1, Card, Checkbox, Field, FluentProvider, Input, MessageBar, MessageBarBody, Select, Spinner, Text,
  Title3, makeStyles, tokens, webDarkTheme, webLightTheme,
} from "@fluentui/react-components";
import { ANCHORS, DEFAULT_POLICY, DESTINATIONS, FREQUENCIES, MODES, POLICY_KEYS, SCOPES, TRIGGERS } from "../core/policy";
import { ADDIN_VERSION, errorMessage, officeReady, officeThemeKind, watchOfficeTheme } from "../workbook/excel";
import { WorkbookWatch, watchWorkbook } from "../workbook/events";
import { insertLiveFormulas } from "../workbook/liveFormulas";
import { readPolicyInputs } from "../workbook/inputs";
import { PolicyList, StoredPolicy, deletePolicy, duplicatePolicy, listPolicies, savePolicy } from "../workbook/policies";
import { selectedAddress } from "../workbook/ranges";
import { writeTradeSheet } from "../workbook/tradeSheet";
import { FormValues, PolicyKey, formFromPolicy, validateForm } from "./form";
import { PolicyStatus, policyStatus, todaySerial } from "./status";
import { Tab, TabList } from "@fluentui/react-components";
import { Compare } from "./Compare";

const useStyles = makeStyles({
  root: { minHeight: "100vh", display: "flex", flexDirection: "column", backgroundColor: tokens.colorNeutralBackground1 },
  header: { display: "flex", alignItems: "center", gap: "8px", padding: "10px 16px", backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand },
  h1: { margin: 0, fontSize: "20px", fontWeight: 600 },
  main: { padding: "8px 12px", display: "flex", flexDirection: "column", gap: "10px", flexGrow: 1, minWidth: 0 },
  row: { display: "flex", gap: "6px", flexWrap: "wrap", alignItems: "center" },
  grid: { display: "grid", gridTemplateColumns: "minmax(0, 1fr) minmax(0, 1fr)", gap: "8px 10px", alignItems: "start" },
  wide: { gridColumn: "1 / span 2" },
  footer: { padding: "6px 16px", fontSize: "12px", color: tokens.colorNeutralForeground3 },
  card: { padding: "10px", maxWidth: "100%", boxSizing: "border-box" },
});

const CHOICES: Partial<Record<PolicyKey, readonly string[]>> = {
  trigger: TRIGGERS, frequency: ["", ...FREQUENCIES], anchor: ANCHORS, destination: DESTINATIONS, scope: SCOPES, mode: MODES,
};
const HELP: Partial<Record<PolicyKey, string>> = {
  band_abs: "absolute band half-width (0.05 = 5 points); blank = none",
  band_rel: "relative band, fraction of target (0.25 = 25%); blank = none",
  lot: "trade unit in shares; 0 = fractional",
  min_trade: "smallest trade value worth making",
  cash_reserve: "cash kept, fraction of total value",
  cost_bps: "costs in basis points of traded value",
  cost_fixed: "fixed cost per trade",
};

type Status = { ok: true; status: PolicyStatus } | { ok: false; error: string };

interface Editing {
  original: string | null;
  values: FormValues;
  holdings: string;
  cash: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function StatusLine({ p, s }: { p: StoredPolicy; s: Status | undefined }) {
  if (p.error) return <Text role="status" style={{ color: tokens.colorPaletteRedForeground1 }}>Cannot read this policy: {p.error}</Text>;
  if (!s) return <Caption1>Status: reading…</Caption1>;
  if (!s.ok) return <Caption1 style={{ color: tokens.colorPaletteDarkOrangeForeground1 }}>{s.error}</Caption1>;
  const st = s.status;
  return (
    <div>
      <Badge appearance="filled" color={st.due ? "danger" : "success"}>{st.due ? "Due" : "Not due"}</Badge>{" "}
      <Caption1>
        max drift {pct(st.maxDrift)}; breached: {st.breached.length ? st.breached.join(", ") : "none"}
        {st.nextDate ? `; next calendar date ${st.nextDate}` : ""}
        {st.lastRebalance ? `; last rebalance ${st.lastRebalance}` : p.policy?.frequency ? "; no rebalance recorded" : ""}; {st.reason}
      </Caption1>
    </div>
  );
}

function Editor(props: { editing: Editing; onChange: (e: Editing) => void; onSave: () => void; onCancel: () => void; busy: boolean }) {
  const styles = useStyles();
  const { editing, onChange } = props;
  const v = validateForm(editing.values);
  const set = (k: PolicyKey, x: string) => onChange({ ...editing, values: { ...editing.values, [k]: x } });
  const useSelection = async (which: "holdings" | "cash") => {
    try {
      const addr = await selectedAddress();
      onChange({ ...editing, [which]: addr });
    } catch (e) {
      onChange({ ...editing, [which]: editing[which] });
      alertError(errorMessage(e));
    }
  };
  const fieldFor = (k: PolicyKey) => {
    const err = v.error && v.error.key === k ? v.error.message : undefined;
    const common = { validationState: err ? ("error" as const) : ("none" as const), validationMessage: err, hint: err ? undefined : HELP[k] };
    const choices = CHOICES[k];
    if (k === "allow_short") {
      return (
        <Field key={k} {...common}>
          <Checkbox label="allow_short" checked={/^true$/i.test(editing.values[k])} onChange={(_, d) => set(k, d.checked ? "TRUE" : "FALSE")} />
        </Field>
      );
    }
    return (
      <Field key={k} label={k} {...common} className={k === "name" ? styles.wide : undefined}>
        {choices ? (
          <Select value={editing.values[k]} onChange={(_, d) => set(k, d.value)}>
            {choices.map((c) => <option key={c} value={c}>{c === "" ? "(none)" : c}</option>)}
          </Select>
        ) : (
          <Input value={editing.values[k]} onChange={(_, d) => set(k, d.value)} />
        )}
      </Field>
    );
  };
  return (
    <Card className={styles.card} aria-label="Policy editor">
      <Title3 as="h2">{editing.original === null ? "New policy" : `Edit ${editing.original}`}</Title3>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          if (v.policy) props.onSave();
        }}
      >
        <div className={styles.grid}>
          {POLICY_KEYS.map(fieldFor)}
          <Field label="Holdings (address, table or name)" className={styles.wide} hint="header row: asset, quantity, price, target">
            <div className={styles.row}>
              <Input style={{ flexGrow: 1 }} value={editing.holdings} onChange={(_, d) => onChange({ ...editing, holdings: d.value })} aria-label="Holdings" />
              <Button onClick={() => void useSelection("holdings")}>Use current selection</Button>
            </div>
          </Field>
          <Field label="Cash cell (optional)" className={styles.wide}>
            <div className={styles.row}>
              <Input style={{ flexGrow: 1 }} value={editing.cash} onChange={(_, d) => onChange({ ...editing, cash: d.value })} aria-label="Cash cell" />
              <Button onClick={() => void useSelection("cash")}>Use current selection</Button>
            </div>
          </Field>
        </div>
        {v.error && v.error.key === "" ? <MessageBar intent="error"><MessageBarBody>{v.error.message}</MessageBarBody></MessageBar> : null}
        <div className={styles.row} style={{ marginTop: 10 }}>
          <Button appearance="primary" type="submit" disabled={!v.policy || props.busy}>Save policy</Button>
          <Button onClick={props.onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}

let alertError: (m: string) => void = () => undefined;

export function App() {
  const styles = useStyles();
  const [themeKind, setThemeKind] = React.useState(officeThemeKind);
  const theme = themeKind === "dark" ? webDarkTheme : webLightTheme;
  React.useEffect(() => watchOfficeTheme(setThemeKind), []);
  const watch = React.useRef<WorkbookWatch | null>(null);
  const [ready, setReady] = React.useState<string>("Loading…");
  const [list, setList] = React.useState<PolicyList | null>(null);
  const [statuses, setStatuses] = React.useState<Record<string, Status>>({});
  const [editing, setEditing] = React.useState<Editing | null>(null);
  const [message, setMessage] = React.useState<{ intent: "error" | "success"; text: string } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [confirmDelete, setConfirmDelete] = React.useState<string | null>(null);
  const [view, setView] = React.useState<"policies" | "compare">("policies");
  alertError = (text) => setMessage({ intent: "error", text });

  const refreshStatuses = React.useCallback(async (l: PolicyList) => {
    const names = l.policies.filter((p) => p.policy).map((p) => p.name);
    if (!names.length) return setStatuses({});
    const inputs = await readPolicyInputs(names);
    const today = todaySerial();
    const out: Record<string, Status> = {};
    for (const p of l.policies) {
      const r = inputs[p.name];
      if (!p.policy || !r) continue;
      if (!r.ok) out[p.name] = { ok: false, error: r.error };
      else {
        try {
          out[p.name] = { ok: true, status: policyStatus(p.policy, r.inputs.holdings, r.inputs.cash, today, p.lastRebalance) };
        } catch (e) {
          out[p.name] = { ok: false, error: errorMessage(e) };
        }
      }
    }
    setStatuses(out);
  }, []);

  const load = React.useCallback(async (l?: PolicyList) => {
    try {
      const got = l ?? (await listPolicies());
      setList(got);
      await refreshStatuses(got);
      await watch.current?.retarget(); // bindings may have moved to other sheets
    } catch (e) {
      setMessage({ intent: "error", text: errorMessage(e) });
    }
  }, [refreshStatuses]);

  React.useEffect(() => {
    let unmounted = false;
    officeReady().then(async (excel) => {
      if (!excel) return setReady("Open Rebal from Excel to use the formulas and the pane.");
      setReady("Ready. The formulas recalculate with your workbook.");
      await load();
      // follow edits made elsewhere (co-authors, hand edits): debounced re-read of list and statuses
      const w = await watchWorkbook(() => void load()).catch(() => null);
      if (unmounted) await w?.stop().catch(() => undefined);
      else watch.current = w;
    }, (e) => setReady(`Office did not start: ${errorMessage(e)}`));
    return () => {
      unmounted = true;
      void watch.current?.stop().catch(() => undefined);
      watch.current = null;
    };
  }, [load]);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await what();
    } catch (e) {
      setMessage({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    act(async () => {
      if (!editing) return;
      const v = validateForm(editing.values);
      if (!v.policy) return;
      const l = await savePolicy({ policy: v.policy, holdings: editing.holdings, cash: editing.cash }, editing.original);
      setEditing(null);
      setMessage({ intent: "success", text: `Saved policy "${v.policy.name}".` });
      await load(l);
    });

  return (
    <FluentProvider theme={theme} className={styles.root}>
      <header className={styles.header}>
        <img src="assets/icon-32.png" alt="" width={32} height={32} />
        <h1 className={styles.h1}>Rebal</h1>
      </header>
      <main className={styles.main}>
        <TabList selectedValue={view} onTabSelect={(_, d) => setView(d.value === "compare" ? "compare" : "policies")} aria-label="Views">
          <Tab value="policies">Policies</Tab>
          <Tab value="compare">Compare policies</Tab>
        </TabList>
        <Text id="status" role="status">{ready}</Text>
        {message ? (
          <MessageBar intent={message.intent} aria-live="polite"><MessageBarBody>{message.text}</MessageBarBody></MessageBar>
        ) : null}
        {busy ? <Spinner size="tiny" label="Working…" /> : null}
        {view !== "policies" ? null : editing ? (
          <Editor editing={editing} onChange={setEditing} onSave={() => void save()} onCancel={() => setEditing(null)} busy={busy} />
        ) : (
          <section aria-label="Policies">
            <div className={styles.row}>
              <Title3 as="h2">Policies</Title3>
              <Button appearance="primary" disabled={list === null} onClick={() => setEditing({ original: null, values: formFromPolicy({ ...DEFAULT_POLICY, trigger: "threshold", bandAbs: 0.05 }), holdings: "", cash: "" })}>
                New policy
              </Button>
              <Button disabled={list === null || busy} onClick={() => void act(() => load())}>Refresh</Button>
            </div>
            {list?.sheetError ? <MessageBar intent="warning"><MessageBarBody>{list.sheetError}</MessageBarBody></MessageBar> : null}
            {list?.logWarnings.length ? (
              <MessageBar intent="warning" aria-label="Rebalance log warnings">
                <MessageBarBody>Rebalance log: {list.logWarnings.join("; ")} (those rows are ignored; the policies still work)</MessageBarBody>
              </MessageBar>
            ) : null}
            {list && list.policies.length === 0 ? <Text>No policies in this workbook yet.</Text> : null}
            <ul aria-label="Policy list" style={{ listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: 8 }}>
              {list?.policies.map((p) => (
                <li key={`${p.firstRow}-${p.name}`}>
                  <Card className={styles.card} aria-label={`Policy ${p.name}`}>
                    <Text weight="semibold" as="h3" style={{ margin: 0 }}>{p.name || "(no name)"}</Text>
                    <Caption1>
                      {p.policy ? `trigger ${p.policy.trigger}` : ""} · rows {p.firstRow}-{p.lastRow} · holdings {p.holdings ?? "not bound"} · cash {p.cash ?? "not bound"}
                    </Caption1>
                    <StatusLine p={p} s={statuses[p.name]} />
                    <div className={styles.row}>
                      <Button appearance="primary" disabled={!p.policy || busy} onClick={() => void act(async () => {
                        const r = await writeTradeSheet(p.name);
                        setMessage({ intent: "success", text: `Wrote "${r.sheetName}": ${r.trades} trade(s); ${r.decision}.${r.lastRebalance === null ? " No rebalance date recorded (no trade, and no calendar review was due)." : ""}` });
                        await load(); // the rebalance log now has today's date
                      })}>Generate trade sheet</Button>
                      <Button disabled={!p.policy || !p.holdings || busy} onClick={() => void act(async () => {
                        const r = await insertLiveFormulas(p.name);
                        setMessage({ intent: "success", text: `Inserted live Weight, Drift and Trade formulas at ${r.address}.` });
                      })}>Insert live formulas</Button>
                      <Button disabled={!p.policy || busy} onClick={() => p.policy && setEditing({ original: p.name, values: formFromPolicy(p.policy), holdings: p.holdings ?? "", cash: p.cash ?? "" })}>Edit</Button>
                      <Button disabled={!p.policy || busy} onClick={() => void act(async () => {
                        const r = await duplicatePolicy(p.name);
                        setMessage({ intent: "success", text: `Duplicated as "${r.name}".` });
                        await load(r.list);
                      })}>Duplicate</Button>
                      {confirmDelete === p.name ? (
                        <Button disabled={busy} onClick={() => void act(async () => {
                          setConfirmDelete(null);
                          await load(await deletePolicy(p.name));
                        })}>Confirm delete</Button>
                      ) : (
                        <Button disabled={busy} onClick={() => setConfirmDelete(p.name)}>Delete</Button>
                      )}
                    </div>
                  </Card>
                </li>
              ))}
            </ul>
          </section>
        )}
        {/* kept mounted while hidden, so a comparison keeps running when the Policies view is shown */}
        <div hidden={view !== "compare"}><Compare visible={view === "compare"} /></div>
        <details>
          <summary>Formulas</summary>
          <p>Type <code>=REBAL.</code> in a cell: WEIGHTS, DRIFT, BANDS, CHECK, NEXTDATE, TRADES, TRADESHEET, RETURNS, COV,
            OPTIMIZE, PERFORMANCE, FRONTIER, ALLOCATE, BACKTEST, EQUITY, STATS.</p>
        </details>
      </main>
      <footer className={styles.footer}><span id="version">Rebal {ADDIN_VERSION}</span></footer>
    </FluentProvider>
  );
}

