/**
 * A policy's drift view: one row per asset, furthest out first (core driftView.ts): weight and
 * target, absolute drift (points) and relative drift (% of target), the band (± points) and the
 * status. Built for 320 px: five fixed-layout columns, two figures stacked in a cell.
 */
import * as React from "react";
import { mergeClasses, tokens } from "@fluentui/react-components";
import type { DriftRow } from "../core/driftView";
import { useShared } from "./styles";

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const pts = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(2)}`;

export function DriftTable(props: { rows: DriftRow[]; policy: string }) {
  const s = useShared();
  return (
    <table className={s.table} aria-label={`Drift of ${props.policy}`}>
      <colgroup><col style={{ width: "24%" }} /><col style={{ width: "21%" }} /><col style={{ width: "20%" }} /><col style={{ width: "15%" }} /><col style={{ width: "20%" }} /></colgroup>
      <thead>
        <tr>
          <th className={mergeClasses(s.th, s.left)} scope="col">Asset</th>
          <th className={s.th} scope="col">Weight<br /><span className={s.small}>target</span></th>
          <th className={s.th} scope="col">Drift pts<br /><span className={s.small}>% of tgt</span></th>
          <th className={s.th} scope="col">Band ±</th>
          <th className={s.th} scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={r.asset}>
            <td className={mergeClasses(s.td, s.left)}>{r.asset}</td>
            <td className={s.td}>{pct(r.weight)}<br /><span className={s.small}>{pct(r.target)}</span></td>
            <td className={s.td}>{pts(r.drift)}<br /><span className={s.small}>{r.relDrift === null ? "n/a" : `${pts(r.relDrift)}%`}</span></td>
            <td className={s.td}>{r.band === null ? "—" : (r.band * 100).toFixed(2)}</td>
            <td className={s.td} style={r.status === "breached" ? { color: tokens.colorPaletteRedForeground1, fontWeight: 600 } : undefined}>
              {r.status === "breached" ? "Outside" : r.status === "inside" ? "Inside" : "No band"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
