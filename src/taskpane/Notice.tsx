/**
 * A dismissible Fluent message bar for one view of the pane (each tab keeps its own, so a message
 * never follows the user to another tab), and its state hook. Text is rendered as React text.
 */
import * as React from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody } from "@fluentui/react-components";

export type NoticeIntent = "error" | "success" | "info" | "warning";
export interface NoticeState { intent: NoticeIntent; text: string }

export function useNotice() {
  const [notice, setNotice] = React.useState<NoticeState | null>(null);
  return { notice, setNotice, clear: React.useCallback(() => setNotice(null), []) };
}

export function Notice(props: { notice: NoticeState | null; onDismiss: () => void; label?: string }) {
  if (!props.notice) return null;
  return (
    <MessageBar intent={props.notice.intent} aria-live="polite" aria-label={props.label} style={{ minWidth: 0 }}>
      <MessageBarBody style={{ overflowWrap: "anywhere" }}>{props.notice.text}</MessageBarBody>
      <MessageBarActions containerAction={<Button appearance="transparent" size="small" aria-label="Dismiss message" onClick={props.onDismiss}>✕</Button>} />
    </MessageBar>
  );
}
