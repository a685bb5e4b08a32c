/**
 * Shared Griffel styles of the pane. The pane must work from 320 px wide: nothing has a fixed
 * width; grids use auto-fit columns of at least 150 px (one column at 320 px, two at 450 px), and
 * every flex or grid child may shrink (minWidth 0), so no control runs out of its card.
 */
import { makeStyles, tokens } from "@fluentui/react-components";

export const useShared = makeStyles({
  row: { display: "flex", gap: "6px", flexWrap: "wrap", alignItems: "center", minWidth: 0 },
  grid: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(150px, 1fr))", gap: "8px 12px", alignItems: "start", minWidth: 0 },
  full: { gridColumn: "1 / -1" },
  card: { padding: "10px", maxWidth: "100%", boxSizing: "border-box", minWidth: 0 },
  control: { width: "100%", minWidth: 0, maxWidth: "100%", boxSizing: "border-box" },
  fieldset: { border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, padding: "6px 10px 10px", margin: 0, minWidth: 0 },
  legend: { padding: "0 4px", fontWeight: 600 },
  key: { fontFamily: "Consolas, 'Courier New', monospace", fontSize: "11px", color: tokens.colorNeutralForeground3, marginLeft: "6px", fontWeight: 400 },
  table: { borderCollapse: "collapse", fontSize: "12px", width: "100%", tableLayout: "fixed" },
  th: { padding: "2px 3px", textAlign: "right", fontWeight: 600, borderBottom: `1px solid ${tokens.colorNeutralStroke1}`, overflowWrap: "break-word" },
  td: { padding: "2px 3px", textAlign: "right", borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, overflowWrap: "break-word", fontVariantNumeric: "tabular-nums" },
  left: { textAlign: "left" },
  small: { fontSize: "11px", color: tokens.colorNeutralForeground3 },
});
