import { Hono } from "hono";
import { gatewayShards } from "../../durable-objects/stubs";
import { type TenantUsage, tenantUsageSchema, type UsageLine, type UsageTotals } from "../../shared/contracts/usage";
import { fromFailure } from "../../shared/errors";
import { mergeGatewayUsage } from "../../shared/models/gateway-shards";
import { settingsOf } from "../../shared/settings";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";

const NONE: UsageTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };

function add(sum: UsageTotals, line: UsageTotals): UsageTotals {
  return {
    calls: sum.calls + line.calls,
    inputTokens: sum.inputTokens + line.inputTokens,
    outputTokens: sum.outputTokens + line.outputTokens,
    costUsd: sum.costUsd + line.costUsd,
  };
}

function group(lines: readonly UsageLine[], key: "model" | "agent"): TenantUsage["byModel"] {
  const groups = new Map<string, UsageTotals>();
  for (const line of lines) groups.set(line[key], add(groups.get(line[key]) ?? NONE, line));
  return [...groups].map(([name, totals]) => ({ name, ...totals }));
}

/** GET /v1/usage: the tenant's model usage and cost per model and agent, and its central budget. */
export const usageRoutes = new Hono<RouterEnv>()
  .get(
    "/",
    describe({
      operationId: "getUsage",
      tag: "usage",
      summary: "The tenant's usage and cost",
      description:
        "Calls, tokens and cost per model and per agent, and the central budget of the period. Local calls are reported by sessions in batches, so totals lag by seconds.",
      responses: { 200: answer("the tenant's usage", json(tenantUsageSchema)) },
      errors: [503],
    }),
    async (c) => {
      // a bad shard count would silently leave shards' usage out: refuse instead
      const settings = settingsOf(c.env).require(["EDGENT_GATEWAY_SHARDS"]);
      if (!settings.ok) throw fromFailure(settings.failure);
      // a sharded gateway's totals are the sum of its shards'
      const usage = mergeGatewayUsage(await Promise.all(gatewayShards(c.env, c.get("tenant")).map((g) => g.usage())));
      const body: TenantUsage = {
        tenant: c.get("tenant"),
        totals: usage.lines.reduce(add, NONE),
        byModel: group(usage.lines, "model"),
        byAgent: group(usage.lines, "agent"),
        lines: usage.lines,
        budget: usage.budget,
      };
      return c.json(body);
    },
  )
  .all("/", methodNotAllowed(["GET"]));
