/**
 * Rebal task pane entry: renders the React pane (App.tsx) into #root. No HTML strings: React
 * escapes all text (see the CSP in taskpane.html).
 */
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const root = document.getElementById("root");
if (root) createRoot(root).render(createElement(App));
