/**
 * Account types of a household (product.md, "Households, accounts and asset classes"): `taxable`
 * (the default; realized gains count), `deferred` and `exempt` (trades realize no taxable gain), and
 * `hold` (a do-not-trade account: its positions count towards the household but never trade).
 */
export const ACCOUNT_TYPES = ["taxable", "deferred", "exempt", "hold"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const isAccountType = (s: string): s is AccountType => (ACCOUNT_TYPES as readonly string[]).includes(s);
