/**
 * A policy's inputs as bound in the workbook: its stored block (through REBAL_POLICY_<Name>), the
 * holdings range (REBAL_BIND_<Name>_HOLDINGS, a header row then one asset per row: the same reader
 * as REBAL.TRADESHEET) and the cash cell (REBAL_BIND_<Name>_CASH; unbound = 0, like an omitted
 * cash argument; bound but blank = an error: blank is missing, never zero).
 * Every problem is a RebalError saying which binding is wrong and how to fix it; nothing is written.
 */
import { RebalError } from "../core/errors";
import { Policy } from "../core/policy";
import { cashBindingName, holdingsBindingName, nameKey, policyDefinedName, readPolicyBlock } from "../core/policyStore";
import { numberCell, isBlank } from "../core/cells";
import { Holdings, readHoldings } from "../core/holdings";
import { runExcel, errorMessage } from "./excel";

export type { Holdings };

export interface PolicyInputs {
  policy: Policy;
  policyRows: unknown[][];
  policyAddress: string;
  holdings: Holdings;
  holdingsValues: unknown[][];
  holdingsAddress: string;
  /** The holdings binding's formula as stored ("=Book[#All]", "=Portfolio!$B$2:$E$5"). */
  holdingsBinding: string;
  cash: number;
  /** The cash cell's value as read (null when unbound). */
  cashValue: unknown;
  cashAddress: string | null;
  /** The cash binding's formula as stored, null when unbound. */
  cashBinding: string | null;
}

/** Reads one policy's inputs inside a batch (2 syncs). */
export async function readInputs(context: Excel.RequestContext, policyName: string): Promise<PolicyInputs> {
  nameKey(policyName); // a RebalError for a name without letters or digits
  const names = context.workbook.names;
  const pName = policyDefinedName(policyName);
  const hName = holdingsBindingName(policyName);
  const cName = cashBindingName(policyName);
  const items = [pName, hName, cName].map((n) => names.getItemOrNullObject(n));
  items.forEach((i) => i.load(["name", "formula"]));
  await context.sync();
  const [pItem, hItem, cItem] = items;
  if (pItem.isNullObject) throw new RebalError(`policy "${policyName}": the defined name ${pName} is missing; save the policy again from the pane`);
  if (hItem.isNullObject) throw new RebalError(`policy "${policyName}": no holdings are bound (${hName}); edit the policy and bind a holdings range or table`);
  const ranges = items.map((i) => (i.isNullObject ? null : i.getRangeOrNullObject()));
  ranges.forEach((r) => r?.load(["address", "values", "rowCount", "columnCount"]));
  await context.sync();
  const [pRange, hRange, cRange] = ranges;
  const broken = (item: Excel.NamedItem, what: string) =>
    new RebalError(`policy "${policyName}": the ${what} binding ${item.name} refers to ${item.formula}${/#REF!/.test(item.formula) ? " (its cells were deleted)" : ""}; bind the ${what} again`);
  if (!pRange || pRange.isNullObject) throw new RebalError(`policy "${policyName}": ${pName} refers to ${pItem.formula}, not to the policy block; save the policy again`);
  if (!hRange || hRange.isNullObject) throw broken(hItem, "holdings");
  if (cRange && cRange.isNullObject) throw broken(cItem, "cash");

  const policyRows = pRange.values;
  const policy = readPolicyBlock(policyRows, `policy "${policyName}" (${pRange.address})`);
  if (nameKey(policy.name).toLowerCase() !== nameKey(policyName).toLowerCase()) {
    throw new RebalError(`${pName} (${pRange.address}) holds policy "${policy.name}", not "${policyName}"; save the policy again`);
  }
  const holdingsValues = hRange.values;
  const allBlank = holdingsValues.every((row) => row.every(isBlank));
  if (allBlank) throw new RebalError(`policy "${policyName}": the holdings range ${hRange.address} is empty`);
  const holdings = readHoldings(holdingsValues, `holdings ${hRange.address}`);
  let cash = 0;
  let cashValue: unknown = null;
  if (cRange) {
    if (cRange.rowCount !== 1 || cRange.columnCount !== 1) throw new RebalError(`policy "${policyName}": the cash binding ${cRange.address} is not one cell`);
    cashValue = cRange.values[0][0];
    if (isBlank(cashValue)) throw new RebalError(`policy "${policyName}": the cash cell ${cRange.address} is blank (enter 0 for no cash)`);
    cash = numberCell(cashValue, `cash cell ${cRange.address}`);
  }
  return {
    policy, policyRows, policyAddress: pRange.address, holdings, holdingsValues, holdingsAddress: hRange.address, holdingsBinding: hItem.formula,
    cash, cashValue, cashAddress: cRange ? cRange.address : null, cashBinding: cItem.isNullObject ? null : cItem.formula,
  };
}

export type InputsResult = { ok: true; inputs: PolicyInputs } | { ok: false; error: string };

/** Reads the inputs of several policies in one Excel.run; a failing policy gets its message. */
export function readPolicyInputs(policyNames: string[]): Promise<Record<string, InputsResult>> {
  return runExcel(async (context) => {
    const out: Record<string, InputsResult> = {};
    for (const name of policyNames) {
      try {
        out[name] = { ok: true, inputs: await readInputs(context, name) };
      } catch (e) {
        out[name] = { ok: false, error: errorMessage(e) };
      }
    }
    return out;
  });
}
