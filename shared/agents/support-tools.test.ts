import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { type AgentTool, type ToolContext, ToolError } from "./define";
import { PLANS } from "./support-data";
import { invoiceLookup, planCatalog, searchHelpCenter } from "./support-tools";

const NOW = new Date("2025-04-20T12:00:00Z");

function contextAt(now: Date): ToolContext {
  return {
    tenant: "acme",
    sessionId: "session-1",
    turnId: "turn-1",
    memory: {
      remember: () => {
        throw new Error("unused");
      },
      recall: () => [],
    },
    now: () => now,
  };
}

/** Runs a tool as the runtime does: arguments are parsed by its schema first. */
function run<Params extends z.ZodType>(tool: AgentTool<Params>, args: unknown, now = NOW): unknown {
  return tool.execute(tool.parameters.parse(args), contextAt(now));
}

interface Articles {
  articles: { id: string; title: string; snippet: string }[];
}

describe("plan_catalog", () => {
  it("lists every plan without a name", () => {
    const result = run(planCatalog, {}) as { plans: { name: string }[] };
    expect(result.plans.map((plan) => plan.name)).toEqual(["free", "starter", "pro", "enterprise"]);
  });

  it("describes one plan, ignoring case", () => {
    expect(run(planCatalog, { plan: " Pro " })).toEqual({
      plan: { ...PLANS[2], monthlyPrice: "$49.00" },
    });
  });

  it("rejects an unknown plan, naming the valid ones", () => {
    expect(() => run(planCatalog, { plan: "platinum" })).toThrow(ToolError);
    expect(() => run(planCatalog, { plan: "platinum" })).toThrow("free, starter, pro, enterprise");
  });
});

describe("invoice_lookup", () => {
  it("returns a known invoice with its refund deadline", () => {
    expect(run(invoiceLookup, { invoiceId: "INV-1002" })).toEqual({
      id: "INV-1002",
      accountId: "acct_4821",
      plan: "pro",
      amountCents: 4_900,
      amount: "$49.00",
      status: "paid",
      issuedAt: "2025-04-01",
      refundable: true,
      refundableUntil: "2025-05-01T00:00:00.000Z",
    });
  });

  it.each([
    ["2025-04-30T23:59:59.999Z", true],
    ["2025-05-01T00:00:00.000Z", true],
    ["2025-05-01T00:00:00.001Z", false],
    ["2025-06-01T00:00:00.000Z", false],
  ])("at %s a paid invoice 30 days old is refundable: %s", (now, refundable) => {
    expect(run(invoiceLookup, { invoiceId: "INV-1002" }, new Date(now))).toMatchObject({ refundable });
  });

  it.each(["INV-1003", "INV-1004"])("never refunds %s, which is not paid", (invoiceId) => {
    expect(run(invoiceLookup, { invoiceId })).toMatchObject({ refundable: false, refundableUntil: null });
  });

  it("reports an unknown invoice as a ToolError", () => {
    expect(() => run(invoiceLookup, { invoiceId: "INV-9999" })).toThrow(ToolError);
  });

  it.each(["inv-1001", "INV-12", "INV-1001; drop table", "1001", ""])("rejects the malformed id %j", (invoiceId) => {
    const parsed = invoiceLookup.parameters.safeParse({ invoiceId });
    expect(parsed.success).toBe(false);
  });
});

describe("search_help_center", () => {
  it.each([
    ["How do I reset my password?", "KB-103"],
    ["Can I get my money back for invoice INV-1002? refunds", "KB-102"],
    ["what are the API rate limits", "KB-105"],
    ["set up SSO with Okta", "KB-104"],
    ["export my data as CSV", "KB-106"],
    ["I want to cancel my subscription", "KB-107"],
  ])("ranks the relevant article first for %j", (query, id) => {
    const { articles } = run(searchHelpCenter, { query }) as Articles;
    expect(articles[0]?.id).toBe(id);
  });

  it("returns at most three articles by default, each with id, title and snippet", () => {
    const { articles } = run(searchHelpCenter, { query: "billing plan invoice refund cancel upgrade" }) as Articles;
    expect(articles).toHaveLength(3);
    for (const article of articles) expect(Object.keys(article).sort()).toEqual(["id", "snippet", "title"]);
  });

  it("ranks tag, then title, then body matches and breaks ties by id", () => {
    // "billing": KB-101 has it in tags and title, KB-107 and KB-108 in tags and body, KB-102 in tags only
    const { articles } = run(searchHelpCenter, { query: "billing", limit: 5 }) as Articles;
    expect(articles.map((article) => article.id)).toEqual(["KB-101", "KB-107", "KB-108", "KB-102"]);
  });

  it("honours the limit", () => {
    const { articles } = run(searchHelpCenter, { query: "billing", limit: 2 }) as Articles;
    expect(articles.map((article) => article.id)).toEqual(["KB-101", "KB-107"]);
  });

  it("returns no articles when nothing matches", () => {
    expect(run(searchHelpCenter, { query: "quantum teleportation" })).toEqual({ articles: [] });
  });

  it.each([{ query: "" }, { query: "x".repeat(201) }, { query: "sso", limit: 6 }, { query: "sso", limit: 1.5 }])(
    "rejects the arguments %j",
    (args) => {
      expect(searchHelpCenter.parameters.safeParse(args).success).toBe(false);
    },
  );
});
