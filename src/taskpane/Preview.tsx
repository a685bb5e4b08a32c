/**
 * The trade preview: the planned orders of a policy before anything is written (src/workbook
 * previewTradeSheet): side, quantity, symbol, value and reason per order, the assets needing no
 * trade, totals and the optimality ("optimal (proven)" or the gap). Each order can be excluded (the
 * others are re-planned around it), a deposit or withdrawal entered (cash-flow rebalancing), and
 * only then "Write trade sheet" (for a policy that is not due, after a confirmation). Escape or
 * Cancel closes it; focus starts on its heading. UI only.
 */
import * as React from "react";
import { Badge, Button, Caption1, Card, Checkbox, Field, Input, MessageBar, MessageBarBody, Spinner, Text, mergeClasses, tokens } from "@fluentui/react-components";
import { parseNumberText } from "../core/numberText";
import type { TradePreview } from "../workbook/tradeSheet";
import { useShared } from "./styles";

const money = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const qty = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 8 });
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export interface PreviewState {
  policy: string;
  exclude: number[];
  /** The cash flow the preview was planned with (the one written). */
  cashFlow: number;
  /** The cash flow as typed (applied with "Update preview"). */
  cashFlowText: string;
  preview: TradePreview | null;
  error: string | null;
  loading: boolean;
}

/** The cash flow typed ("10,000", "-$2,500"), or an error message. */
export function readCashFlow(text: string): { value: number } | { error: string } {
  if (text.trim() === "") return { value: 0 };
  try {
    const x = parseNumberText(text, ".", "deposit / withdrawal");
    return x === null ? { error: `"${text.trim()}" is not an amount (e.g. 10,000 or -2,500)` } : { value: x };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function Preview(props: {
  state: PreviewState;
  busy: boolean;
  onExclude: (index: number, excluded: boolean) => void;
  onCashFlow: (text: string) => void;
  onApplyCashFlow: () => void;
  onWrite: () => void;
  onCancel: () => void;
}) {
  const s = useShared();
  const { state } = props;
  const p = state.preview;
  const [confirm, setConfirm] = React.useState(false);
  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => heading.current?.focus(), []);
  const flow = readCashFlow(state.cashFlowText);
  const orders = p ? p.lines.filter((l) => l.quantity !== 0 || l.excluded) : [];
  const holds = p ? p.lines.filter((l) => l.quantity === 0 && !l.excluded) : [];
  const write = () => {
    if (p && !p.due && !confirm) setConfirm(true);
    else props.onWrite();
  };
  return (
    <Card className={s.card} role="region" aria-label={`Trade preview for ${state.policy}`}
      onKeyDown={(ev) => { if (ev.key === "Escape") { ev.preventDefault(); props.onCancel(); } }}>
      <h2 ref={heading} tabIndex={-1} style={{ outline: "none", margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold, overflowWrap: "anywhere" }}>Review trades: {state.policy}</h2>
      {state.loading && !p ? <Spinner size="tiny" label="Planning…" /> : null}
      {state.error ? <MessageBar intent="error"><MessageBarBody style={{ overflowWrap: "anywhere" }}>{state.error}</MessageBarBody></MessageBar> : null}
      {p ? (
        <>
          <div className={s.row}>
            <Badge appearance="filled" color={p.due ? "danger" : "success"}>{p.due ? "Due" : "Not due"}</Badge>
            <Text size={200} style={{ minWidth: 0, overflowWrap: "anywhere" }}>{p.decision}</Text>
          </div>
          <Field label="Deposit (+) or withdrawal (−) with this rebalance ($)" validationState={"error" in flow ? "error" : "none"}
            validationMessage={"error" in flow ? flow.error : undefined} hint={"error" in flow ? undefined : "invested with buys only, or raised with sales only, toward the targets"}>
            <div className={s.row}>
              <Input className={s.control} style={{ flex: "1 1 120px", width: "auto" }} inputMode="decimal" value={state.cashFlowText} aria-label="Deposit or withdrawal"
                onChange={(_, d) => props.onCashFlow(d.value)} onKeyDown={(ev) => { if (ev.key === "Enter") { ev.preventDefault(); props.onApplyCashFlow(); } }} />
              <Button onClick={props.onApplyCashFlow} disabled={"error" in flow || props.busy || ("value" in flow && flow.value === state.cashFlow)}>Update preview</Button>
            </div>
          </Field>
          <section aria-label="Planned orders">
            <Text weight="semibold" as="h3" style={{ margin: "4px 0" }}>{p.orders} order{p.orders === 1 ? "" : "s"}</Text>
            {orders.length === 0 ? <Caption1>No trades: {holds.length ? "every asset is where the policy wants it" : ""}</Caption1> : null}
            <ul style={{ listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: 6 }}>
              {orders.map((l) => {
                const text = l.excluded ? `${l.asset} (excluded)` : `${l.side} ${qty(l.quantity)} ${l.asset}`;
                return (
                  <li key={l.index} style={{ minWidth: 0 }}>
                    <div className={s.row} style={{ flexWrap: "nowrap", justifyContent: "space-between" }}>
                      <Checkbox checked={!l.excluded} label={text} aria-label={`Include ${text}`} disabled={props.busy}
                        onChange={(_, d) => props.onExclude(l.index, d.checked !== true)} style={{ minWidth: 0 }} />
                      <Text style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}>{l.excluded ? "" : money(l.value)}</Text>
                    </div>
                    <Caption1 as="p" style={{ margin: "0 0 0 30px", overflowWrap: "anywhere" }}>{l.reason}</Caption1>
                  </li>
                );
              })}
            </ul>
            {holds.length ? <Caption1 as="p" style={{ overflowWrap: "anywhere" }}>No trade: {holds.map((l) => l.asset).join(", ")}</Caption1> : null}
          </section>
          <table className={s.table} aria-label="Totals">
            <tbody>
              {([
                ["Buys", money(p.totals.buys)], ["Sells", money(p.totals.sells)], ["Estimated costs", money(p.totals.costs)],
                ["Net cash", money(p.totals.netCash)], ["Cash after", money(p.totals.cashAfter)], ["Turnover", pct(p.totals.turnover)],
                ["Optimality", p.optimality],
              ] as const).map(([k, v]) => (
                <tr key={k}><th scope="row" className={mergeClasses(s.td, s.left)} style={{ fontWeight: 400 }}>{k}</th><td className={s.td}>{v}</td></tr>
              ))}
            </tbody>
          </table>
          {confirm ? (
            <MessageBar intent="warning" role="alertdialog" aria-label="Policy not due">
              <MessageBarBody style={{ overflowWrap: "anywhere" }}>This policy is not due ({p.decision.replace(/^No rebalance: /, "")}). Write a trade sheet anyway?</MessageBarBody>
            </MessageBar>
          ) : null}
          <div className={s.row}>
            <Button appearance="primary" disabledFocusable={props.busy || state.loading} onClick={write}>{confirm ? "Write anyway" : "Write trade sheet"}</Button>
            <Button onClick={confirm ? () => setConfirm(false) : props.onCancel}>{confirm ? "Back" : "Cancel"}</Button>
          </div>
        </>
      ) : null}
      {!p && !state.loading ? <div className={s.row}><Button onClick={props.onCancel}>Close</Button></div> : null}
    </Card>
  );
}
