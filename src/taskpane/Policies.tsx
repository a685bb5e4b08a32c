/**
 * The pane's Policies view: the workbook's policies, each a compact card — name, status badge (Due /
 * Not due / Awaiting execution), a one-line summary (largest drift, assets outside their bands, the
 * calendar), "Review trades" and an overflow menu (Edit, Duplicate, Insert live formulas, Delete
 * with a confirmation dialog) whose accessible names include the policy name — and a collapsible
 * drift table. "Review trades" opens the preview (Preview.tsx); "Write trade sheet" writes it; the
 * policy then reads "Awaiting execution" until its inputs change (the hash of the cells differs from
 * the written sheet's stamp). The editor (Editor.tsx) and the preview replace the list while open;
 * closing them returns focus to the button that opened them. Messages belong to this view
 * (dismissible, cleared when the editor or preview opens or closes). The list and statuses follow
 * changes made elsewhere (workbook events, debounced; Refresh as fallback). UI only.
 */
import * as React from "react";
import {
  Badge, Button, Caption1, Card, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Menu, MenuItem, MenuList,
  MenuPopover, MenuTrigger, Spinner, Text, Title3, tokens,
} from "@fluentui/react-components";
import { DEFAULT_POLICY } from "../core/policy";
import { errorMessage } from "../workbook/excel";
import { WorkbookWatch, watchWorkbook } from "../workbook/events";
import { inputsHash } from "../workbook/hash";
import { readPolicyInputs } from "../workbook/inputs";
import { insertLiveFormulas } from "../workbook/liveFormulas";
import { PolicyList, StoredPolicy, deletePolicy, duplicatePolicy, listPolicies, savePolicy } from "../workbook/policies";
import { previewTradeSheet, writeTradeSheet } from "../workbook/tradeSheet";
import { DriftTable } from "./DriftTable";
import { Editing, Editor, SaveError } from "./Editor";
import { fieldOfSaveError, formFromPolicy, validateForm } from "./form";
import { Notice, useNotice } from "./Notice";
import { Preview, PreviewState, readCashFlow } from "./Preview";
import { PolicyStatus, policyStatus, todaySerial } from "./status";
import { useShared } from "./styles";

type Status = { ok: true; status: PolicyStatus; hash: string } | { ok: false; error: string };

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function StatusBadge({ s, awaiting }: { s: Status | undefined; awaiting: boolean }) {
  if (!s || !s.ok) return null;
  if (awaiting) return <Badge appearance="tint" color="informative">Awaiting execution</Badge>;
  return <Badge appearance="filled" color={s.status.due ? "danger" : "success"}>{s.status.due ? "Due" : "Not due"}</Badge>;
}

function StatusSummary({ p, s, awaiting }: { p: StoredPolicy; s: Status | undefined; awaiting: string | null }) {
  if (p.error) return <Text role="status" style={{ color: tokens.colorPaletteRedForeground1, overflowWrap: "anywhere" }}>Cannot read this policy: {p.error}</Text>;
  if (!s) return <Caption1>Status: reading…</Caption1>;
  if (!s.ok) return <Caption1 style={{ color: tokens.colorPaletteDarkOrangeForeground1, overflowWrap: "anywhere" }}>{s.error}</Caption1>;
  const st = s.status;
  const parts = [
    awaiting ? `trade sheet "${awaiting}" written; waiting for the holdings to change` : st.reason.replace(/^not due: /, "not due, "),
    `max drift ${pct(st.maxDrift)}${st.maxDriftAsset ? ` (${st.maxDriftAsset})` : ""}`,
    p.policy && (p.policy.bandAbs !== null || p.policy.bandRel !== null) ? `outside bands: ${st.breached.length ? st.breached.join(", ") : "none"}` : "",
    st.nextDate ? `next calendar date ${st.nextDate}` : "",
    st.lastRebalance ? `last rebalance ${st.lastRebalance}` : p.policy?.frequency ? "no rebalance recorded" : "",
  ].filter(Boolean);
  return <Caption1 as="p" style={{ margin: 0, overflowWrap: "anywhere" }}>{parts.join(" · ")}</Caption1>;
}

export function Policies(props: { visible: boolean; ready: boolean }) {
  const s = useShared();
  const watch = React.useRef<WorkbookWatch | null>(null);
  const [list, setList] = React.useState<PolicyList | null>(null);
  const [statuses, setStatuses] = React.useState<Record<string, Status>>({});
  const [editing, setEditing] = React.useState<Editing | null>(null);
  const [preview, setPreview] = React.useState<PreviewState | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [confirmDelete, setConfirmDelete] = React.useState<string | null>(null);
  const [openDrift, setOpenDrift] = React.useState<Set<string>>(() => new Set());
  /** policy -> { sheet, hash } of the last trade sheet with orders written from this pane */
  const [written, setWritten] = React.useState<Record<string, { sheet: string; hash: string }>>({});
  const notice = useNotice();
  const returnFocus = React.useRef<string | null>(null);

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
          out[p.name] = { ok: true, status: policyStatus(p.policy, r.inputs.holdings, r.inputs.cash, today, p.lastRebalance), hash: await inputsHash(r.inputs) };
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
      notice.setNotice({ intent: "error", text: errorMessage(e) });
    }
  }, [refreshStatuses, notice.setNotice]);

  React.useEffect(() => {
    if (!props.ready) return;
    let unmounted = false;
    void (async () => {
      await load();
      // follow edits made elsewhere (co-authors, hand edits): debounced re-read of list and statuses
      const w = await watchWorkbook(() => void load()).catch(() => null);
      if (unmounted) await w?.stop().catch(() => undefined);
      else watch.current = w;
    })();
    return () => {
      unmounted = true;
      void watch.current?.stop().catch(() => undefined);
      watch.current = null;
    };
  }, [props.ready, load]);

  // focus goes back to the button that opened the editor or the preview
  React.useEffect(() => {
    if (editing || preview || !returnFocus.current) return;
    const id = returnFocus.current;
    returnFocus.current = null;
    document.getElementById(id)?.focus();
  }, [editing, preview]);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    notice.clear();
    try {
      await what();
    } catch (e) {
      notice.setNotice({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const openEditor = (e: Editing, opener: string) => {
    notice.clear();
    returnFocus.current = opener;
    setEditing(e);
  };
  const closeEditor = () => {
    notice.clear();
    setEditing(null);
  };
  const save = async (): Promise<SaveError | null> => {
    if (!editing) return null;
    const v = validateForm(editing.values);
    if (!v.policy) return null;
    setBusy(true);
    try {
      const l = await savePolicy({ policy: v.policy, holdings: editing.holdings, cash: editing.cash }, editing.original);
      setEditing(null);
      notice.setNotice({ intent: "success", text: `Saved policy "${v.policy.name}".` });
      await load(l);
      return null;
    } catch (e) {
      const message = errorMessage(e);
      return { field: fieldOfSaveError(message), message };
    } finally {
      setBusy(false);
    }
  };

  const plan = async (state: PreviewState) => {
    setPreview({ ...state, loading: true, error: null });
    try {
      const got = await previewTradeSheet(state.policy, { exclude: state.exclude, cashFlow: state.cashFlow });
      setPreview((cur) => (cur && cur.policy === state.policy ? { ...state, preview: got, loading: false, error: null } : cur));
    } catch (e) {
      setPreview((cur) => (cur && cur.policy === state.policy ? { ...state, preview: null, loading: false, error: errorMessage(e) } : cur));
    }
  };
  const openPreview = (name: string, opener: string) => {
    notice.clear();
    returnFocus.current = opener;
    void plan({ policy: name, exclude: [], cashFlow: 0, cashFlowText: "", preview: null, error: null, loading: true });
  };
  const writeSheet = () => act(async () => {
    if (!preview?.preview) return;
    const pv = preview.preview;
    try {
      const r = await writeTradeSheet(preview.policy, new Date(), { exclude: preview.exclude, cashFlow: preview.cashFlow }, pv.hash);
      if (r.trades > 0) setWritten((w) => ({ ...w, [preview.policy]: { sheet: r.sheetName, hash: r.hash } }));
      setPreview(null);
      notice.setNotice({
        intent: "success",
        text: `Wrote "${r.sheetName}": ${r.trades} order${r.trades === 1 ? "" : "s"}; ${pv.optimality}.${r.lastRebalance === null ? " No rebalance date recorded (no trade, and no calendar review was due)." : ""}`,
      });
    } catch (e) {
      // the inputs changed since the preview (or the write failed): plan again and say why
      const message = errorMessage(e);
      await plan({ ...preview, preview: null, loading: true, error: null });
      setPreview((cur) => (cur ? { ...cur, error: message } : cur));
      return;
    }
    await load(); // the rebalance log now has today's date
  });

  if (editing) {
    return <Editor editing={editing} onChange={setEditing} onSave={save} onCancel={closeEditor} busy={busy} />;
  }
  if (preview) {
    return (
      <Preview
        state={preview}
        busy={busy}
        onExclude={(i, ex) => void plan({ ...preview, exclude: ex ? [...preview.exclude, i] : preview.exclude.filter((x) => x !== i) })}
        onCashFlow={(text) => setPreview({ ...preview, cashFlowText: text })}
        onApplyCashFlow={() => {
          const f = readCashFlow(preview.cashFlowText);
          if ("value" in f) void plan({ ...preview, cashFlow: f.value });
        }}
        onWrite={() => void writeSheet()}
        onCancel={() => { notice.clear(); setPreview(null); }}
      />
    );
  }
  const policyOf = (name: string) => list?.policies.find((p) => p.name === name);
  return (
    <section aria-label="Policies" style={{ display: "flex", flexDirection: "column", gap: 8, minWidth: 0 }}>
      <div className={s.row} style={{ justifyContent: "space-between" }}>
        <Title3 as="h2" style={{ margin: 0 }}>Policies</Title3>
        <div className={s.row}>
          <Button id="new-policy" appearance="primary" disabled={list === null}
            onClick={() => openEditor({ original: null, values: { ...formFromPolicy({ ...DEFAULT_POLICY, trigger: "threshold", bandAbs: 0.05 }), name: "" }, holdings: "", cash: "" }, "new-policy")}>
            New policy
          </Button>
          <Button disabled={list === null || busy} onClick={() => void act(() => load())}>Refresh</Button>
        </div>
      </div>
      <Notice notice={notice.notice} onDismiss={notice.clear} />
      {busy ? <Spinner size="tiny" label="Working…" /> : null}
      {list?.sheetError ? <Caption1 style={{ color: tokens.colorPaletteDarkOrangeForeground1 }}>{list.sheetError}</Caption1> : null}
      {list?.logWarnings.length ? (
        <Caption1 role="note" aria-label="Rebalance log warnings" style={{ color: tokens.colorPaletteDarkOrangeForeground1, overflowWrap: "anywhere" }}>
          Rebalance log: {list.logWarnings.join("; ")} (those rows are ignored; the policies still work)
        </Caption1>
      ) : null}
      {list && list.policies.length === 0 ? <Text>No policies in this workbook yet: New policy starts one, with presets such as the 5/25 rule.</Text> : null}
      <ul aria-label="Policy list" style={{ listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: 8 }}>
        {list?.policies.map((p, idx) => {
          const st = statuses[p.name];
          const w = written[p.name];
          const awaiting = w && st?.ok && st.hash === w.hash ? w.sheet : null;
          const id = `policy-${idx}`;
          const driftOpen = openDrift.has(p.name);
          return (
            <li key={`${p.firstRow}-${p.name}`}>
              <Card className={s.card} aria-label={`Policy ${p.name}`} style={{ gap: 6 }}>
                <div className={s.row} style={{ flexWrap: "nowrap", justifyContent: "space-between" }}>
                  <div className={s.row} style={{ minWidth: 0 }}>
                    <Text weight="semibold" as="h3" style={{ margin: 0, overflowWrap: "anywhere" }}>{p.name || "(no name)"}</Text>
                    <StatusBadge s={st} awaiting={awaiting !== null} />
                  </div>
                  <Menu>
                    <MenuTrigger disableButtonEnhancement>
                      <Button id={`${id}-more`} appearance="subtle" aria-label={`More actions for ${p.name}`} disabled={busy}>⋯</Button>
                    </MenuTrigger>
                    <MenuPopover>
                      <MenuList>
                        <MenuItem disabled={!p.policy} onClick={() => p.policy && openEditor({ original: p.name, values: formFromPolicy(p.policy), holdings: p.holdings ?? "", cash: p.cash ?? "" }, `${id}-more`)}>Edit</MenuItem>
                        <MenuItem disabled={!p.policy} onClick={() => void act(async () => {
                          const r = await duplicatePolicy(p.name);
                          notice.setNotice({ intent: "success", text: `Duplicated as "${r.name}".` });
                          await load(r.list);
                        })}>Duplicate</MenuItem>
                        <MenuItem disabled={!p.policy || !p.holdings} onClick={() => void act(async () => {
                          const r = await insertLiveFormulas(p.name);
                          notice.setNotice({ intent: "success", text: `Inserted live Weight, Drift and Trade formulas at ${r.address}.` });
                        })}>Insert live formulas</MenuItem>
                        <MenuItem onClick={() => setConfirmDelete(p.name)}>Delete…</MenuItem>
                      </MenuList>
                    </MenuPopover>
                  </Menu>
                </div>
                <Caption1 style={{ overflowWrap: "anywhere" }}>
                  {p.holdings ? `holdings ${p.holdings}` : "holdings not bound"}{p.cash ? ` · cash ${p.cash}` : ""}
                </Caption1>
                <StatusSummary p={p} s={st} awaiting={awaiting} />
                <div className={s.row}>
                  <Button id={`${id}-review`} appearance="primary" size="small" disabled={!p.policy || busy} aria-label={`Review trades for ${p.name}`}
                    onClick={() => openPreview(p.name, `${id}-review`)}>Review trades</Button>
                  <Button size="small" aria-expanded={driftOpen} aria-controls={`${id}-drift`} disabled={!st?.ok} aria-label={`${driftOpen ? "Hide" : "Show"} drift of ${p.name}`}
                    onClick={() => setOpenDrift((o) => { const n = new Set(o); if (n.has(p.name)) n.delete(p.name); else n.add(p.name); return n; })}>
                    {driftOpen ? "Hide drift" : "Drift by asset"}
                  </Button>
                </div>
                {driftOpen && st?.ok ? <div id={`${id}-drift`}><DriftTable rows={st.status.drift} policy={p.name} /></div> : null}
              </Card>
            </li>
          );
        })}
      </ul>
      <Dialog open={confirmDelete !== null} onOpenChange={(_, d) => { if (!d.open) setConfirmDelete(null); }} modalType="alert">
        <DialogSurface style={{ maxWidth: "min(400px, calc(100vw - 24px))", boxSizing: "border-box" }}>
          <DialogBody>
            <DialogTitle>Delete {confirmDelete}?</DialogTitle>
            <DialogContent style={{ margin: 0, padding: 0, overflowWrap: "anywhere" }}>
              Removes the policy block, its defined name REBAL_POLICY_…, its bindings and its rebalance-log row.
              {policyOf(confirmDelete ?? "")?.lastRebalance ? " Its trade sheets stay." : ""} Formulas using it will show #NAME?.
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={() => {
                const name = confirmDelete!;
                setConfirmDelete(null);
                void act(async () => {
                  await load(await deletePolicy(name));
                  notice.setNotice({ intent: "success", text: `Deleted policy "${name}".` });
                });
              }}>Delete</Button>
              <Button onClick={() => setConfirmDelete(null)}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </section>
  );
}
