import { z } from "zod";
import { defineTool, ToolError } from "./define";
import {
  ACCOUNT_CONTACTS,
  formatUsd,
  HELP_ARTICLES,
  type HelpArticle,
  INVOICES,
  type Invoice,
  PLANS,
  type Plan,
  REFUND_POLICY,
} from "./support-data";

const DAY_MS = 24 * 60 * 60 * 1000;
const SNIPPET_CHARS = 240;

/** Describes one plan or the whole catalog, with prices both in cents and formatted. */
export const planCatalog = defineTool({
  description:
    "Look up the subscription plans: monthly price, seats and features. Give a plan name for one plan, or omit it for all.",
  parameters: z.object({
    plan: z.string().max(64).optional().describe("plan name, e.g. 'pro'; all plans when omitted"),
  }),
  execute({ plan }) {
    if (plan === undefined) return { plans: PLANS.map(describePlan) };
    const wanted = plan.trim().toLowerCase();
    const found = PLANS.find((candidate) => candidate.name === wanted);
    if (!found) {
      throw new ToolError(`unknown plan '${plan}'; valid plans are ${PLANS.map((p) => p.name).join(", ")}`);
    }
    return { plan: describePlan(found) };
  },
});

/** Fetches an invoice and whether the refund policy still allows refunding it today. */
export const invoiceLookup = defineTool({
  description:
    "Look up an invoice by id (e.g. INV-1001): account, plan, amount, status, issue date, and whether it can still be refunded.",
  parameters: z.object({
    invoiceId: z
      .string()
      .regex(/^INV-\d{4,8}$/, "invoice ids look like INV-1001")
      .describe("the invoice id, e.g. INV-1001"),
  }),
  execute({ invoiceId }, { now }) {
    const invoice = INVOICES.find((candidate) => candidate.id === invoiceId);
    if (!invoice) throw new ToolError(`no invoice with id '${invoiceId}'`);
    return { ...invoice, amount: formatUsd(invoice.amountCents), ...refundStatus(invoice, now()) };
  },
});

/** An account's billing contact and payment details, as the billing system keeps them. */
export const accountContact = defineTool({
  description: "Look up an account's billing contact (name, email, phone) and payment details.",
  parameters: z.object({ accountId: z.string().min(1).max(64).describe("the account id, e.g. acct_4821") }),
  execute({ accountId }) {
    const contact = ACCOUNT_CONTACTS.find((candidate) => candidate.accountId === accountId);
    if (!contact) throw new ToolError(`no account with id '${accountId}'`);
    return contact;
  },
});

/**
 * Refunds part or all of an invoice. Refunds above $100 wait for a person's approval and
 * those above $1,000 are refused outright: limits the tool declares (see `arg_limits`).
 */
export const issueRefund = defineTool({
  description:
    "Refund an invoice, in full or in part. Refunds above $100 need a person's approval; above $1,000 they are refused.",
  parameters: z.object({
    invoiceId: z
      .string()
      .regex(/^INV-\d{4,8}$/, "invoice ids look like INV-1001")
      .describe("the invoice to refund"),
    amountCents: z.number().int().positive().describe("how much to refund, in USD cents"),
    reason: z.string().min(1).max(500).describe("why, in the customer's words"),
  }),
  limits: [
    { arg: "amountCents", max: 10_000, over: "approval" },
    { arg: "amountCents", max: 100_000, over: "refuse" },
  ],
  execute({ invoiceId, amountCents, reason }, { memory }) {
    const invoice = INVOICES.find((candidate) => candidate.id === invoiceId);
    if (!invoice) throw new ToolError(`no invoice with id '${invoiceId}'`);
    if (amountCents > invoice.amountCents) {
      throw new ToolError(
        `cannot refund ${formatUsd(amountCents)}: ${invoiceId} is for ${formatUsd(invoice.amountCents)}`,
      );
    }
    const refund = { invoiceId, amount: formatUsd(amountCents), amountCents, reason };
    memory.remember(`refund ${invoiceId}`, JSON.stringify(refund));
    return { refunded: true, ...refund };
  },
});

/** Finds help-center articles sharing the most words with the query. */
export const searchHelpCenter = defineTool({
  description:
    "Search the help center for articles about how-to and policy questions. Returns the best matches with their ids.",
  parameters: z.object({
    query: z.string().min(1).max(200).describe("what to look for, e.g. 'reset password'"),
    limit: z.number().int().min(1).max(5).default(3).describe("most articles to return (1-5, default 3)"),
  }),
  execute({ query, limit }) {
    return { articles: searchArticles(query, limit) };
  },
});

function describePlan(plan: Plan) {
  return { ...plan, monthlyPrice: formatUsd(plan.monthlyPriceCents) };
}

/** Applies REFUND_POLICY: statuses it excludes are never refundable, so they get no deadline. */
function refundStatus(invoice: Invoice, now: Date): { refundable: boolean; refundableUntil: string | null } {
  if (!REFUND_POLICY.refundableStatuses.includes(invoice.status)) return { refundable: false, refundableUntil: null };
  // a date-only ISO string parses as UTC midnight, so the deadline does not depend on the runtime's zone
  const until = Date.parse(invoice.issuedAt) + REFUND_POLICY.windowDays * DAY_MS;
  return { refundable: now.getTime() <= until, refundableUntil: new Date(until).toISOString() };
}

// words too common to say anything about which article fits
const STOP_WORD_LIST =
  "a an and are at be by can do does for from get how i in is it me my of on or our the this to we what when why with you your";
const STOP_WORDS = new Set(STOP_WORD_LIST.split(" "));

/** Lower-cased words without stop words, plural `s` dropped so "refunds" matches "refund". */
function terms(text: string): Set<string> {
  const words = text.toLowerCase().split(/[^a-z0-9]+/);
  const result = new Set<string>();
  for (const word of words) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    result.add(word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word);
  }
  return result;
}

interface IndexedArticle {
  article: HelpArticle;
  tags: Set<string>;
  title: Set<string>;
  body: Set<string>;
}

// built once: the articles are fixed
const INDEX: readonly IndexedArticle[] = HELP_ARTICLES.map((article) => ({
  article,
  tags: terms(article.tags.join(" ")),
  title: terms(article.title),
  body: terms(article.body),
}));

/** Scores each article by the query terms it shares, tags weighing most, then title, then body; ties by id. */
function searchArticles(query: string, limit: number): { id: string; title: string; snippet: string }[] {
  const wanted = terms(query);
  return INDEX.map((entry) => {
    let score = 0;
    for (const term of wanted) {
      if (entry.tags.has(term)) score += 3;
      if (entry.title.has(term)) score += 2;
      if (entry.body.has(term)) score += 1;
    }
    return { article: entry.article, score };
  })
    .filter(({ score }) => score > 0)
    .sort((a, b) => b.score - a.score || (a.article.id < b.article.id ? -1 : a.article.id > b.article.id ? 1 : 0))
    .slice(0, limit)
    .map(({ article }) => ({ id: article.id, title: article.title, snippet: snippet(article.body) }));
}

function snippet(body: string): string {
  if (body.length <= SNIPPET_CHARS) return body;
  const cut = body.slice(0, SNIPPET_CHARS);
  return `${cut.slice(0, cut.lastIndexOf(" "))}…`;
}
