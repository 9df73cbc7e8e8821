import { z } from "zod";

/** Calls, tokens and cost of one model for one agent of a tenant. */
export const usageLineSchema = z.object({
  model: z.string(),
  agent: z.string(),
  tier: z.enum(["local", "central"]),
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type UsageLine = z.infer<typeof usageLineSchema>;

/** Totals of a group of usage lines. */
export const usageTotalsSchema = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

/** The tenant's central model budget for the current period. */
export const budgetSchema = z.object({
  period: z.string(),
  spentTokens: z.number().nonnegative(),
  budgetTokens: z.number().nonnegative(),
});
export type Budget = z.infer<typeof budgetSchema>;

/** Response of GET /v1/usage. */
export const tenantUsageSchema = z
  .object({
    tenant: z.string(),
    totals: usageTotalsSchema,
    byModel: z.array(usageTotalsSchema.extend({ name: z.string() })),
    byAgent: z.array(usageTotalsSchema.extend({ name: z.string() })),
    lines: z.array(usageLineSchema),
    budget: budgetSchema,
  })
  .meta({ id: "TenantUsage" });
export type TenantUsage = z.infer<typeof tenantUsageSchema>;
