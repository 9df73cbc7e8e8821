/**
 * Fixed data behind the customer-service demo agents. Kept in code and deterministic so the
 * demo and its tests behave the same everywhere; a real deployment would query its billing
 * system and help center instead.
 */

export type PlanName = "free" | "starter" | "pro" | "enterprise";

export interface Plan {
  name: PlanName;
  /** monthly list price in USD cents, so sums stay exact */
  monthlyPriceCents: number;
  seats: number;
  features: readonly string[];
}

export type InvoiceStatus = "paid" | "open" | "refunded";

export interface Invoice {
  id: string;
  accountId: string;
  plan: PlanName;
  amountCents: number;
  status: InvoiceStatus;
  /** ISO date (UTC) the invoice was issued */
  issuedAt: string;
}

export interface RefundPolicy {
  /** days after the issue instant (UTC midnight) during which an invoice can be refunded */
  windowDays: number;
  refundableStatuses: readonly InvoiceStatus[];
  summary: string;
}

export interface HelpArticle {
  id: string;
  title: string;
  body: string;
  tags: readonly string[];
}

export const PLANS: readonly Plan[] = [
  { name: "free", monthlyPriceCents: 0, seats: 1, features: ["1 project", "community support", "7-day history"] },
  {
    name: "starter",
    monthlyPriceCents: 1_900,
    seats: 3,
    features: ["10 projects", "email support", "30-day history", "data export"],
  },
  {
    name: "pro",
    monthlyPriceCents: 4_900,
    seats: 10,
    features: ["unlimited projects", "priority support", "1-year history", "data export", "API access"],
  },
  {
    name: "enterprise",
    monthlyPriceCents: 49_900,
    seats: 100,
    features: ["unlimited projects", "dedicated support", "unlimited history", "data export", "API access", "SSO"],
  },
];

export const INVOICES: readonly Invoice[] = [
  {
    id: "INV-1001",
    accountId: "acct_4821",
    plan: "starter",
    amountCents: 1_900,
    status: "paid",
    issuedAt: "2025-03-01",
  },
  { id: "INV-1002", accountId: "acct_4821", plan: "pro", amountCents: 4_900, status: "paid", issuedAt: "2025-04-01" },
  { id: "INV-1003", accountId: "acct_7310", plan: "pro", amountCents: 4_900, status: "open", issuedAt: "2025-04-15" },
  {
    id: "INV-1004",
    accountId: "acct_7310",
    plan: "pro",
    amountCents: 4_900,
    status: "refunded",
    issuedAt: "2025-03-15",
  },
  {
    id: "INV-1005",
    accountId: "acct_9052",
    plan: "enterprise",
    amountCents: 49_900,
    status: "paid",
    issuedAt: "2025-04-20",
  },
  {
    id: "INV-1006",
    accountId: "acct_1187",
    plan: "starter",
    amountCents: 1_900,
    status: "paid",
    issuedAt: "2025-02-10",
  },
];

/**
 * Billing contacts as the (legacy) billing export has them: full card numbers and bank
 * accounts included. Agents may read them to do their job; the `pii` guardrail keeps them
 * from leaving a turn.
 */
export const ACCOUNT_CONTACTS: ReadonlyArray<{
  accountId: string;
  name: string;
  email: string;
  phone: string;
  cardNumber?: string;
  iban?: string;
}> = [
  {
    accountId: "acct_4821",
    name: "Northwind Traders",
    email: "billing@northwind.example",
    phone: "+1 415 555 0134",
    cardNumber: "4111 1111 1111 1111",
  },
  {
    accountId: "acct_7310",
    name: "Contoso GmbH",
    email: "buchhaltung@contoso.example",
    phone: "+49 30 901820",
    iban: "DE89 3704 0044 0532 0130 00",
  },
];

export const REFUND_POLICY: RefundPolicy = {
  windowDays: 30,
  refundableStatuses: ["paid"],
  summary: "Paid invoices can be refunded in full within 30 days of the issue date; open or refunded invoices cannot.",
};

export const HELP_ARTICLES: readonly HelpArticle[] = [
  {
    id: "KB-101",
    title: "How billing cycles work",
    body: "Paid plans are billed monthly on the day you first subscribed. Each invoice covers the month ahead and is issued on that day.",
    tags: ["billing", "invoice", "cycle", "payment"],
  },
  {
    id: "KB-102",
    title: "Requesting a refund",
    body: "Paid invoices can be refunded in full within 30 days of the issue date. Contact support with the invoice id; refunds reach your card in 5-10 business days.",
    tags: ["billing", "refund", "invoice", "money back"],
  },
  {
    id: "KB-103",
    title: "Resetting your password",
    body: "Choose 'Forgot password' on the sign-in page and follow the link we email you; it expires after one hour. Accounts that sign in with SSO reset their password with their identity provider.",
    tags: ["account", "password", "login", "sign in"],
  },
  {
    id: "KB-104",
    title: "Setting up single sign-on (SSO)",
    body: "Enterprise workspaces can sign in through SAML 2.0 or OIDC identity providers such as Okta and Azure AD. An admin enables SSO under Settings > Security.",
    tags: ["sso", "saml", "okta", "security", "enterprise", "login"],
  },
  {
    id: "KB-105",
    title: "API rate limits",
    body: "The API allows 60 requests per minute on Pro and 600 on Enterprise. Requests over the limit get HTTP 429 with a Retry-After header.",
    tags: ["api", "rate limit", "429", "throttling"],
  },
  {
    id: "KB-106",
    title: "Exporting your data",
    body: "Starter, Pro and Enterprise workspaces can export all projects as CSV or JSON from Settings > Data. Large exports are emailed as a download link.",
    tags: ["export", "data", "csv", "json", "backup"],
  },
  {
    id: "KB-107",
    title: "Cancelling your subscription",
    body: "Cancel any time under Settings > Billing; your plan stays active until the end of the paid billing cycle. Cancelling does not refund past invoices.",
    tags: ["cancel", "subscription", "billing", "downgrade"],
  },
  {
    id: "KB-108",
    title: "Upgrading your plan",
    body: "Upgrade under Settings > Billing; the new plan starts at once and you pay a prorated difference for the rest of the cycle.",
    tags: ["upgrade", "plan", "billing", "prorated", "seats"],
  },
];

/** Formats USD cents for people, e.g. 4900 → "$49.00". */
export function formatUsd(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}
