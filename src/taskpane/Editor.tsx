/**
 * The policy editor: every policy key in an adviser's words (the key shown small beside the label,
 * so the pane and the formula reference agree), a hint under every field, presets, and validation
 * that shows every field's problem at once — only for fields already touched, or all of them once
 * Save is pressed — next to the field. Save-time problems from the workbook (a holdings range that
 * does not exist, a name taken) mark their field, which is focused and scrolled into view. Focus
 * moves into the editor when it opens (the name field); Escape cancels; the caller returns focus to
 * the button that opened it. UI only: validation is form.ts (core's parser), saving src/workbook.
 */
import * as React from "react";
import { Button, Card, Checkbox, Field, Input, Select, Title3, Caption1 } from "@fluentui/react-components";
import { POLICY_KEYS } from "../core/policy";
import { errorMessage } from "../workbook/excel";
import { selectedAddress } from "../workbook/ranges";
import { CHOICES, FIELDS, FieldKey, FormValues, PRESETS, PolicyKey, applyPreset, choiceHint, validateForm } from "./form";
import { Notice, useNotice } from "./Notice";
import { useShared } from "./styles";

export interface Editing {
  original: string | null;
  values: FormValues;
  holdings: string;
  cash: string;
}

export interface SaveError { field: FieldKey | null; message: string }

const GROUPS: { title: string; keys: PolicyKey[] }[] = [
  { title: "When to rebalance", keys: ["trigger", "band_abs", "band_rel", "frequency", "anchor"] },
  { title: "How to trade", keys: ["destination", "scope", "mode", "lot", "min_trade", "cash_reserve", "cost_bps", "cost_fixed", "allow_short"] },
];

const fieldId = (k: FieldKey) => `policy-field-${k}`;

export function Editor(props: {
  editing: Editing;
  onChange: (e: Editing) => void;
  onSave: () => Promise<SaveError | null>;
  onCancel: () => void;
  busy: boolean;
}) {
  const s = useShared();
  const { editing, onChange } = props;
  const [touched, setTouched] = React.useState<Set<FieldKey>>(() => new Set());
  const [submitted, setSubmitted] = React.useState(false);
  const [saveError, setSaveError] = React.useState<SaveError | null>(null);
  const form = useNotice();
  const cardRef = React.useRef<HTMLDivElement>(null);
  const v = validateForm(editing.values);

  React.useEffect(() => {
    document.getElementById(fieldId("name"))?.focus();
  }, []);

  const touch = (k: FieldKey) => setTouched((t) => (t.has(k) ? t : new Set(t).add(k)));
  const set = (k: PolicyKey, x: string) => {
    if (saveError?.field === k) setSaveError(null);
    onChange({ ...editing, values: { ...editing.values, [k]: x } });
  };
  const shown = (k: FieldKey): string | undefined => {
    if (saveError && saveError.field === k) return saveError.message;
    const e = k === "holdings" || k === "cash" ? undefined : v.errors[k];
    return e && (submitted || touched.has(k)) ? e : undefined;
  };
  const focusField = (k: FieldKey) => {
    const el = document.getElementById(fieldId(k));
    el?.scrollIntoView({ block: "center" });
    el?.focus();
  };
  const useSelection = async (which: "holdings" | "cash") => {
    try {
      const addr = await selectedAddress();
      if (saveError?.field === which) setSaveError(null);
      onChange({ ...editing, [which]: addr });
    } catch (e) {
      form.setNotice({ intent: "error", text: errorMessage(e) });
    }
  };
  const submit = async () => {
    setSubmitted(true);
    form.clear();
    const first = POLICY_KEYS.find((k) => v.errors[k]);
    if (first) {
      focusField(first);
      return;
    }
    const err = await props.onSave();
    setSaveError(err);
    if (err?.field) setTimeout(() => focusField(err.field!), 0);
    else if (err) form.setNotice({ intent: "error", text: err.message });
  };

  const label = (k: FieldKey) => (
    <>
      {FIELDS[k].label}
      {k !== "holdings" && k !== "cash" ? <span className={s.key} aria-hidden="true">{k}</span> : null}
    </>
  );
  const fieldFor = (k: PolicyKey) => {
    const err = shown(k);
    const info = FIELDS[k];
    const hint = CHOICES[k] ? choiceHint(k, editing.values[k]) : info.hint;
    const common = { validationState: err ? ("error" as const) : ("none" as const), validationMessage: err, hint: err ? undefined : hint };
    if (k === "allow_short") {
      return (
        <Field key={k} {...common} className={s.full}>
          <Checkbox id={fieldId(k)} label={label(k)} checked={/^true$/i.test(editing.values[k])} onChange={(_, d) => { touch(k); set(k, d.checked ? "TRUE" : "FALSE"); }} />
        </Field>
      );
    }
    const choices = CHOICES[k];
    return (
      <Field key={k} label={label(k)} {...common} className={k === "name" ? s.full : undefined}>
        {choices ? (
          <Select id={fieldId(k)} className={s.control} value={editing.values[k]} onChange={(_, d) => { touch(k); set(k, d.value); }}>
            {choices.map((c) => <option key={c.value} value={c.value}>{c.text}</option>)}
          </Select>
        ) : (
          <Input id={fieldId(k)} className={s.control} value={editing.values[k]} onChange={(_, d) => set(k, d.value)} onBlur={() => touch(k)} inputMode={info.unit === "text" ? undefined : "decimal"} />
        )}
      </Field>
    );
  };
  const binding = (which: "holdings" | "cash") => {
    const err = shown(which);
    return (
      <Field label={label(which)} className={s.full} validationState={err ? "error" : "none"} validationMessage={err} hint={err ? undefined : FIELDS[which].hint}>
        <div className={s.row}>
          <Input id={fieldId(which)} className={s.control} style={{ flex: "1 1 140px", width: "auto" }} value={editing[which]}
            onChange={(_, d) => { if (saveError?.field === which) setSaveError(null); onChange({ ...editing, [which]: d.value }); }} />
          <Button onClick={() => void useSelection(which)} aria-label={`Use current selection for ${which === "holdings" ? "holdings" : "the cash cell"}`}>Use selection</Button>
        </div>
      </Field>
    );
  };
  const errorCount = POLICY_KEYS.filter((k) => v.errors[k]).length;
  return (
    <Card ref={cardRef} className={s.card} role="region" aria-label="Policy editor"
      onKeyDown={(ev) => { if (ev.key === "Escape") { ev.preventDefault(); props.onCancel(); } }}>
      <Title3 as="h2" style={{ margin: 0 }}>{editing.original === null ? "New policy" : `Edit ${editing.original}`}</Title3>
      <form noValidate onSubmit={(ev) => { ev.preventDefault(); void submit(); }} style={{ display: "flex", flexDirection: "column", gap: 10, minWidth: 0 }}>
        {fieldFor("name")}
        <div role="group" aria-label="Presets">
          <Caption1 as="p" style={{ margin: "0 0 4px" }}>Start from a preset:</Caption1>
          <div className={s.row}>
            {PRESETS.map((p) => (
              <Button key={p.id} size="small" onClick={() => { onChange({ ...editing, values: applyPreset(editing.values, p) }); }}>{p.label}</Button>
            ))}
          </div>
        </div>
        {GROUPS.map((g) => (
          <fieldset key={g.title} className={s.fieldset}>
            <legend className={s.legend}>{g.title}</legend>
            <div className={s.grid}>{g.keys.map(fieldFor)}</div>
          </fieldset>
        ))}
        <fieldset className={s.fieldset}>
          <legend className={s.legend}>Inputs</legend>
          <div className={s.grid}>
            {binding("holdings")}
            {binding("cash")}
          </div>
        </fieldset>
        <Notice notice={form.notice} onDismiss={form.clear} />
        {submitted && errorCount > 0 ? <Caption1 role="alert">{errorCount} field{errorCount === 1 ? "" : "s"} to fix before saving.</Caption1> : null}
        <div className={s.row}>
          <Button appearance="primary" type="submit" disabledFocusable={props.busy}>Save policy</Button>
          <Button onClick={props.onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}
