/**
 * "Verify workbook" (issue 15): one button that recomputes the rebalance log's hash chain and every
 * logged trade sheet from the open workbook (src/workbook/verify.ts, the same check as `rebal
 * verify`) and says the result in this view's own message: intact (with the chain head to keep
 * outside the workbook), changed (the first sheet and cell or log row that no longer matches), or
 * nothing to verify. Reads only; never writes.
 */
import * as React from "react";
import { Button } from "@fluentui/react-components";
import { errorMessage } from "../workbook/excel";
import { verifyOpenWorkbook } from "../workbook/verify";
import { Notice, useNotice } from "./Notice";

export function Verify(props: { ready: boolean }) {
  const { notice, setNotice, clear } = useNotice();
  const [busy, setBusy] = React.useState(false);
  const run = React.useCallback(() => {
    setBusy(true);
    verifyOpenWorkbook().then((r) => {
      if (r.intact) setNotice({ intent: "success", text: `Workbook intact: ${r.rows} log row${r.rows === 1 ? "" : "s"} and their trade sheets match. Chain head ${r.head}.${r.notes.length ? ` Note: ${r.notes.join(" ")}` : ""}` });
      else if (r.nothing) setNotice({ intent: "info", text: `Nothing to verify: ${r.problem}` });
      else setNotice({ intent: "error", text: `Changed: ${r.problem}` });
    }, (e) => setNotice({ intent: "error", text: errorMessage(e) })).finally(() => setBusy(false));
  }, [setNotice]);
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: "6px", minWidth: 0 }}>
      <Button id="verify-workbook" size="small" disabled={!props.ready || busy} onClick={run} style={{ alignSelf: "flex-start" }}>{busy ? "Verifying…" : "Verify workbook"}</Button>
      <Notice notice={notice} onDismiss={clear} label="Verification" />
    </div>
  );
}
