/**
 * The pane's "Compare policies" view (issue #5): pick a price range (header row: dates, then one
 * ticker per column) and two or more stored policies, set initial_value, run, and get a results
 * sheet (src/workbook/compare.ts: metric table, equity and drawdown line charts, stamp).
 *
 * Flow: read the inputs (one Excel.run, no writes) -> run the backtests in a dedicated Web Worker
 * (compare.worker.ts, src/core only), which posts progress (rows done over all policies) shown as a
 * ProgressBar -> write the sheet (one Excel.run). Cancel terminates the worker (a synchronous
 * backtest cannot see a message) and nothing is written; a cancelled run's late results are ignored
 * (each run has a token). The pane stays responsive while the worker runs. Bad input is a message
 * from the workbook layer and nothing is written. UI only; text from cells is rendered as React text.
 * "Simulate" runs the same picked policies over `paths` bootstrap-resampled histories in the same
 * worker (core simulate/compareSimulation.ts: common random numbers, seed 1, 10 years, block 21) with
 * progress (paths done) and cancel, then writes a "Simulate" sheet: the percentile table and a fan
 * chart of value percentiles (src/workbook/compare.ts writeSimulation).
 * "Sweep" backtests each picked policy (one or more) over a grid of one or two of its keys (values
 * comma-separated, as REBAL.SWEEP reads them) in the worker (core simulate/compareSweep.ts), with
 * progress (grid cells) and cancel, then writes a "Sweep" sheet: one grid per policy with a heat map.
 */
import * as React from "react";
import {
  Button, Caption1, Checkbox, Field, Input, MessageBar, MessageBarBody, ProgressBar, Text, Title3, makeStyles, tokens,
} from "@fluentui/react-components";
import type { CompareJob, CompareResult } from "../core/backtest/compare";
import { DEFAULT_BACKTEST_OPTIONS } from "../core/backtest/options";
import { RebalError } from "../core/errors";
import { readComparison, readInitialValue, writeComparison, writeSimulation, writeSweep } from "../workbook/compare";
import type { SweepJob, SweepJobResult } from "../core/simulate/compareSweep";
import { parseSweepValues, SWEEP_STATISTICS, SweepAxis, SweepStatistic } from "../core/simulate/sweep";
import type { SimulationJob, SimulationResult } from "../core/simulate/compareSimulation";
import { parseSimulateOptions } from "../core/simulate/simulate";
import { errorMessage } from "../workbook/excel";
import { StoredPolicy, listPolicies } from "../workbook/policies";
import { selectedAddress } from "../workbook/ranges";
import type { CompareReply, CompareRequest } from "./compare.worker";

const useStyles = makeStyles({
  section: { display: "flex", flexDirection: "column", gap: "10px", minWidth: 0 },
  row: { display: "flex", gap: "6px", flexWrap: "wrap", alignItems: "center" },
  fieldset: { border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, padding: "6px 10px", margin: 0, minWidth: 0 },
  legend: { padding: "0 4px", fontWeight: 600 },
  table: { borderCollapse: "collapse", fontSize: "12px", width: "100%" },
  cell: { padding: "2px 4px", textAlign: "right", borderBottom: `1px solid ${tokens.colorNeutralStroke2}` },
  name: { padding: "2px 4px", textAlign: "left", borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, overflowWrap: "anywhere" },
});

type Phase = "idle" | "reading" | "running" | "writing";

interface Summary {
  sheetName: string;
  rows: { name: string; cagr: number; volatility: number; maxDrawdown: number; sharpe: number; rebalances: number }[];
}

class Cancelled extends Error {}

/** Runs a job in a new worker; `onProgress` gets the worker's reports; `hold` receives the worker (to terminate it). */
function runInWorker(job: CompareJob, onProgress: (done: number, total: number) => void, hold: (w: Worker, cancel: () => void) => void): Promise<CompareResult> {
  return inWorker({ type: "run", job }, (m) => (m.type === "done" ? m.result : undefined), onProgress, hold);
}

/** The same for a simulation. */
function simulateInWorker(job: SimulationJob, onProgress: (done: number, total: number) => void, hold: (w: Worker, cancel: () => void) => void): Promise<SimulationResult> {
  return inWorker({ type: "simulate", job }, (m) => (m.type === "simulated" ? m.result : undefined), onProgress, hold);
}

/** The same for a sweep. */
function sweepInWorker(job: SweepJob, onProgress: (done: number, total: number) => void, hold: (w: Worker, cancel: () => void) => void): Promise<SweepJobResult> {
  return inWorker({ type: "sweep", job }, (m) => (m.type === "swept" ? m.result : undefined), onProgress, hold);
}

/** The sweep's axes and statistic from the form, or the first problem's message. */
function sweepForm(key: string, values: string, key2: string, values2: string, statistic: string): { axis1: SweepAxis; axis2: SweepAxis | null; statistic: SweepStatistic } | string {
  try {
    if (key.trim() === "") return "name a policy key to sweep, e.g. band_abs";
    const axis1 = parseSweepValues(key, values, "values");
    const axis2 = key2.trim() === "" ? null : parseSweepValues(key2, values2, "values2");
    if (axis2 !== null && axis2.key === axis1.key) return "key 2 is the same key as key";
    const st = statistic.trim().toLowerCase();
    if (!(SWEEP_STATISTICS as readonly string[]).includes(st)) return `statistic must be one of ${SWEEP_STATISTICS.join(", ")}`;
    return { axis1, axis2, statistic: st as SweepStatistic };
  } catch (e) {
    return errorMessage(e);
  }
}

function inWorker<R>(request: CompareRequest, result: (m: CompareReply) => R | undefined, onProgress: (done: number, total: number) => void, hold: (w: Worker, cancel: () => void) => void): Promise<R> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(/* webpackChunkName: "compare-worker" */ new URL("./compare.worker.ts", import.meta.url));
    hold(worker, () => {
      worker.terminate();
      reject(new Cancelled());
    });
    worker.onmessage = (ev: MessageEvent<CompareReply>) => {
      const m = ev.data;
      if (m.type === "progress") onProgress(m.done, m.total);
      else {
        worker.terminate();
        const r = result(m);
        if (r !== undefined) resolve(r);
        else reject(new RebalError(m.type === "error" ? m.message : `internal error: unexpected reply ${m.type}`));
      }
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(`the comparison worker failed: ${ev.message || "could not start"}`));
    };
    worker.postMessage(request);
  });
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a");
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

export function Compare(props: { visible: boolean }) {
  const styles = useStyles();
  const [policies, setPolicies] = React.useState<StoredPolicy[] | null>(null);
  const [picked, setPicked] = React.useState<string[]>([]);
  const [priceRef, setPriceRef] = React.useState("");
  const [initial, setInitial] = React.useState(String(DEFAULT_BACKTEST_OPTIONS.initialValue));
  const [phase, setPhase] = React.useState<Phase>("idle");
  const [progress, setProgress] = React.useState<{ done: number; total: number; dates: number; names: string[]; paths?: boolean; cells?: boolean } | null>(null);
  const [paths, setPaths] = React.useState("1000");
  const [sw, setSw] = React.useState({ key: "band_abs", values: "0.01, 0.02, 0.05", key2: "", values2: "", statistic: "sharpe" });
  const [message, setMessage] = React.useState<{ intent: "error" | "success" | "info"; text: string } | null>(null);
  const [summary, setSummary] = React.useState<Summary | null>(null);
  const token = React.useRef(0);
  const cancelRef = React.useRef<(() => void) | null>(null);

  const refresh = React.useCallback(async () => {
    try {
      const list = await listPolicies();
      setPolicies(list.policies);
      setPicked((old) => old.filter((n) => list.policies.some((p) => p.name === n && p.policy)));
    } catch (e) {
      setMessage({ intent: "error", text: errorMessage(e) });
    }
  }, []);

  // the list is read again each time the view is shown (policies may have changed in the other view)
  React.useEffect(() => {
    if (props.visible) void refresh();
  }, [props.visible, refresh]);

  // a run in progress dies with the view (nothing is written)
  React.useEffect(() => () => {
    token.current++;
    cancelRef.current?.();
  }, []);

  let initialError: string | undefined;
  try {
    readInitialValue(initial);
  } catch (e) {
    initialError = errorMessage(e);
  }
  let pathsError: string | undefined;
  try {
    parseSimulateOptions(`paths=${paths.trim()}`, "paths");
  } catch (e) {
    pathsError = errorMessage(e).replace(/^paths item 1: /, "");
  }
  const busy = phase !== "idle";
  const canRun = !busy && picked.length >= 2 && !initialError && priceRef.trim() !== "";
  const sweepSpec = sweepForm(sw.key, sw.values, sw.key2, sw.values2, sw.statistic);
  const canSweep = !busy && picked.length >= 1 && !initialError && priceRef.trim() !== "" && typeof sweepSpec !== "string";

  /** Runs one job (compare, simulate, sweep): a new token, results cleared, its error shown unless cancelled or superseded, idle again at the end. */
  const task = async (body: (live: () => boolean) => Promise<void>): Promise<void> => {
    const mine = ++token.current;
    const live = () => token.current === mine;
    setMessage(null);
    setSummary(null);
    setProgress(null);
    setPhase("reading");
    try {
      await body(live);
    } catch (e) {
      if (live() && !(e instanceof Cancelled)) setMessage({ intent: "error", text: errorMessage(e) });
    } finally {
      if (live()) {
        cancelRef.current = null;
        setPhase("idle");
        setProgress(null);
      }
    }
  };

  const runSweep = async () => {
    if (typeof sweepSpec === "string") return;
    await task(async (live) => {
      const initialValue = readInitialValue(initial);
      const names = (policies ?? []).map((p) => p.name).filter((n) => picked.includes(n));
      const inputs = await readComparison(priceRef, names, initialValue, 1);
      if (!live()) return;
      setProgress({ done: 0, total: 1, dates: 0, names: inputs.policyNames, cells: true });
      setPhase("running");
      const result = await sweepInWorker(
        { compare: inputs.job, ...sweepSpec },
        (done, total) => live() && setProgress({ done, total, dates: 0, names: inputs.policyNames, cells: true }),
        (_w, cancel) => { cancelRef.current = cancel; },
      );
      cancelRef.current = null;
      if (!live()) return;
      setPhase("writing");
      const { sheetName } = await writeSweep(result, inputs.priceAddress, initialValue);
      if (!live()) return;
      const cells = sweepSpec.axis1.values.length * (sweepSpec.axis2 === null ? 1 : sweepSpec.axis2.values.length);
      setMessage({ intent: "success", text: `Wrote "${sheetName}": ${result.statistic} over ${cells} grid cells for ${result.names.length} ${result.names.length === 1 ? "policy" : "policies"}, with heat maps.` });
    });
  };

  const simulate = async () => {
    await task(async (live) => {
      const initialValue = readInitialValue(initial);
      const options = parseSimulateOptions(`paths=${paths.trim()}`, "paths");
      const names = (policies ?? []).map((p) => p.name).filter((n) => picked.includes(n));
      const inputs = await readComparison(priceRef, names, initialValue);
      if (!live()) return;
      setProgress({ done: 0, total: options.paths, dates: 0, names: inputs.policyNames, paths: true });
      setPhase("running");
      const result = await simulateInWorker(
        { compare: inputs.job, options },
        (done, total) => live() && setProgress({ done, total, dates: 0, names: inputs.policyNames, paths: true }),
        (_w, cancel) => { cancelRef.current = cancel; },
      );
      cancelRef.current = null;
      if (!live()) return;
      setPhase("writing");
      const { sheetName } = await writeSimulation(result, inputs.priceAddress, initialValue, options);
      if (!live()) return;
      setMessage({ intent: "success", text: `Wrote "${sheetName}": ${result.names.length} policies on the same ${options.paths.toLocaleString("en-US")} simulated paths of ${options.years} years, with the value-percentile chart.` });
    });
  };

  const run = async () => {
    await task(async (live) => {
      const initialValue = readInitialValue(initial);
      // the workbook's order, whatever the order of the clicks
      const names = (policies ?? []).map((p) => p.name).filter((n) => picked.includes(n));
      const inputs = await readComparison(priceRef, names, initialValue);
      if (!live()) return;
      const T = inputs.job.dates.length;
      setProgress({ done: 0, total: T * inputs.job.runs.length, dates: T, names: inputs.policyNames });
      setPhase("running");
      const result = await runInWorker(
        inputs.job,
        (done, total) => live() && setProgress({ done, total, dates: T, names: inputs.policyNames }),
        (_w, cancel) => { cancelRef.current = cancel; },
      );
      cancelRef.current = null;
      if (!live()) return;
      setPhase("writing");
      const { sheetName } = await writeComparison(result, inputs.priceAddress, initialValue);
      if (!live()) return;
      const metric = (r: CompareResult["runs"][number], name: string) => r.metrics.find((m) => m.name === name)?.value ?? NaN;
      setSummary({
        sheetName,
        rows: result.runs.map((r) => ({
          name: r.name, cagr: metric(r, "cagr"), volatility: metric(r, "volatility"), maxDrawdown: metric(r, "max_drawdown"),
          sharpe: metric(r, "sharpe"), rebalances: metric(r, "rebalances"),
        })),
    });
    setMessage({ intent: "success", text: `Wrote "${sheetName}": ${result.runs.length} policies over ${T} dates, with equity and drawdown charts.` });
    });
  };

  const cancel = () => {
    token.current++;
    cancelRef.current?.();
    cancelRef.current = null;
    setPhase("idle");
    setProgress(null);
    setMessage({ intent: "info", text: `${progress?.paths ? "Simulation" : progress?.cells ? "Sweep" : "Comparison"} cancelled: nothing was written.` });
  };

  const useSelection = async () => {
    try {
      setPriceRef(await selectedAddress());
    } catch (e) {
      setMessage({ intent: "error", text: errorMessage(e) });
    }
  };

  const toggle = (name: string, on: boolean) => setPicked((old) => (on ? [...old.filter((n) => n !== name), name] : old.filter((n) => n !== name)));

  let progressText = "Reading the price range and the policies…";
  if (progress && progress.cells) progressText = `Grid cell ${progress.done.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")}`;
  else if (progress && progress.paths) progressText = `Simulated path ${progress.done.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")}`;
  else if (progress && progress.total > 0) {
    const k = Math.min(progress.names.length - 1, Math.floor(Math.max(0, progress.done - 1) / progress.dates));
    const inPolicy = progress.done - k * progress.dates;
    progressText = `Policy ${k + 1} of ${progress.names.length} (${progress.names[k]}): ${inPolicy.toLocaleString("en-US")} of ${progress.dates.toLocaleString("en-US")} dates`;
  }
  if (phase === "writing") progressText = "Writing the results sheet…";

  return (
    <section aria-label="Compare policies" className={styles.section}>
      <Title3 as="h2">Compare policies</Title3>
      <Caption1>Backtest two or more stored policies on one price history; the results go to a new sheet.</Caption1>
      <Field label="Price range (address, table or name)" hint="header row: date, then one ticker per column; dates oldest first">
        <div className={styles.row}>
          <Input style={{ flexGrow: 1 }} value={priceRef} onChange={(_, d) => setPriceRef(d.value)} aria-label="Price range" disabled={busy} />
          <Button onClick={() => void useSelection()} disabled={busy}>Use current selection</Button>
        </div>
      </Field>
      <fieldset className={styles.fieldset} aria-label="Policies to compare">
        <legend className={styles.legend}>Policies (pick two or more)</legend>
        {policies === null ? <Caption1>Reading the policies…</Caption1> : null}
        {policies && policies.length === 0 ? <Text>No policies in this workbook yet: create some in the Policies view.</Text> : null}
        {policies?.map((p) => (
          <div key={`${p.firstRow}-${p.name}`}>
            <Checkbox
              label={p.name || "(no name)"}
              checked={picked.includes(p.name)}
              disabled={!p.policy || busy}
              onChange={(_, d) => toggle(p.name, d.checked === true)}
            />
            <Caption1 style={p.error ? { color: tokens.colorPaletteRedForeground1 } : undefined}>
              {p.error ? `cannot be read: ${p.error}` : `trigger ${p.policy?.trigger}; holdings ${p.holdings ?? "not bound"}`}
            </Caption1>
          </div>
        ))}
        <div className={styles.row}>
          <Button size="small" onClick={() => void refresh()} disabled={busy}>Refresh policies</Button>
        </div>
      </fieldset>
      <Field label="initial_value" validationState={initialError ? "error" : "none"} validationMessage={initialError} hint={initialError ? undefined : "cash invested on the first date (as REBAL.BACKTEST's option)"}>
        <Input value={initial} onChange={(_, d) => setInitial(d.value)} disabled={busy} />
      </Field>
      <Field label="Simulation paths" validationState={pathsError ? "error" : "none"} validationMessage={pathsError} hint={pathsError ? undefined : "Simulate: bootstrap-resampled 10-year histories, the same for every policy (seed 1)"}>
        <Input value={paths} onChange={(_, d) => setPaths(d.value)} disabled={busy} aria-label="Simulation paths" />
      </Field>
      <fieldset className={styles.fieldset} aria-label="Sweep">
        <legend className={styles.legend}>Sweep (each picked policy over a grid of its keys)</legend>
        <div className={styles.row}>
          <Input value={sw.key} onChange={(_, d) => setSw({ ...sw, key: d.value })} disabled={busy} aria-label="Sweep key" placeholder="key, e.g. band_abs" />
          <Input value={sw.values} onChange={(_, d) => setSw({ ...sw, values: d.value })} disabled={busy} aria-label="Sweep values" placeholder="0.01, 0.02, 0.05" />
        </div>
        <div className={styles.row}>
          <Input value={sw.key2} onChange={(_, d) => setSw({ ...sw, key2: d.value })} disabled={busy} aria-label="Sweep key 2" placeholder="key 2 (optional), e.g. frequency" />
          <Input value={sw.values2} onChange={(_, d) => setSw({ ...sw, values2: d.value })} disabled={busy} aria-label="Sweep values 2" placeholder="monthly, quarterly" />
        </div>
        <Field label="Statistic" validationState={typeof sweepSpec === "string" ? "error" : "none"} validationMessage={typeof sweepSpec === "string" ? sweepSpec : undefined}>
          <Input value={sw.statistic} onChange={(_, d) => setSw({ ...sw, statistic: d.value })} disabled={busy} aria-label="Sweep statistic" />
        </Field>
        <div className={styles.row}>
          <Button disabled={!canSweep} onClick={() => void runSweep()}>Sweep</Button>
        </div>
      </fieldset>
      {!busy && picked.length < 2 ? <Caption1>Pick at least two policies to compare.</Caption1> : null}
      <div className={styles.row}>
        <Button appearance="primary" disabled={!canRun} onClick={() => void run()}>Run comparison</Button>
        <Button disabled={!canRun || pathsError !== undefined} onClick={() => void simulate()}>Simulate</Button>
        {phase === "reading" || phase === "running" ? <Button onClick={cancel}>Cancel</Button> : null}
      </div>
      {busy ? (
        <Field validationMessage={progressText} validationState="none" aria-label="Comparison progress">
          <ProgressBar value={phase === "running" && progress && progress.total > 0 ? progress.done / progress.total : undefined} max={1} aria-label="Comparison progress" />
        </Field>
      ) : null}
      {message ? (
        <MessageBar intent={message.intent} aria-live="polite"><MessageBarBody>{message.text}</MessageBarBody></MessageBar>
      ) : null}
      {summary ? (
        <table className={styles.table} aria-label="Comparison summary">
          <thead>
            <tr><th className={styles.name}>Policy</th><th className={styles.cell}>CAGR</th><th className={styles.cell}>Volatility</th><th className={styles.cell}>Max DD</th><th className={styles.cell}>Sharpe</th><th className={styles.cell}>Rebal.</th></tr>
          </thead>
          <tbody>
            {summary.rows.map((r) => (
              <tr key={r.name}>
                <td className={styles.name}>{r.name}</td><td className={styles.cell}>{pct(r.cagr)}</td><td className={styles.cell}>{pct(r.volatility)}</td>
                <td className={styles.cell}>{pct(r.maxDrawdown)}</td><td className={styles.cell}>{num(r.sharpe)}</td><td className={styles.cell}>{r.rebalances}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
