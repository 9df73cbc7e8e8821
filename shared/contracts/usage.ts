import { z } from "zod";
import type { UsageLine } from "./gateway";

/** Calls, tokens and cost summed over some of a tenant's usage lines. */
const usageTotalsSchema = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});

/** One line of a tenant's usage, per model and agent (its type is gateway's `UsageLine`). */
export const usageLineSchema = usageTotalsSchema.extend({
  model: z.string(),
  agent: z.string(),
  tier: z.enum(["local", "central"]),
}) satisfies z.ZodType<UsageLine>;

/** Response of GET /v1/usage. */
export const tenantUsageSchema = z.object({
  tenant: z.string(),
  totals: usageTotalsSchema,
  byModel: z.array(usageTotalsSchema.extend({ name: z.string() })),
  byAgent: z.array(usageTotalsSchema.extend({ name: z.string() })),
  lines: z.array(usageLineSchema),
  /** the central model's token budget for the current period */
  budget: z.object({
    period: z.string(),
    spentTokens: z.number().int().nonnegative(),
    budgetTokens: z.number().int().nonnegative(),
  }),
});
export type TenantUsage = z.infer<typeof tenantUsageSchema>;
