import { Hono } from "hono";
import { gatewayApi } from "../../durable-objects/stubs";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";

/** GET /v1/usage: the tenant's model usage and cost per model and agent, and its central budget. */
export const usageRoutes = new Hono<RouterEnv>()
  .get("/", async (c) => {
    const usage = await gatewayApi(c.env, c.get("tenant")).usage();
    const totals = usage.lines.reduce(
      (sum, line) => ({
        calls: sum.calls + line.calls,
        inputTokens: sum.inputTokens + line.inputTokens,
        outputTokens: sum.outputTokens + line.outputTokens,
        costUsd: sum.costUsd + line.costUsd,
      }),
      { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
    );
    const group = (key: "model" | "agent") =>
      Object.values(
        usage.lines.reduce<
          Record<string, { name: string; calls: number; inputTokens: number; outputTokens: number; costUsd: number }>
        >((groups, line) => {
          const name = line[key];
          const group = groups[name] ?? { name, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
          groups[name] = {
            name,
            calls: group.calls + line.calls,
            inputTokens: group.inputTokens + line.inputTokens,
            outputTokens: group.outputTokens + line.outputTokens,
            costUsd: group.costUsd + line.costUsd,
          };
          return groups;
        }, {}),
      );
    return c.json({
      tenant: c.get("tenant"),
      totals,
      byModel: group("model"),
      byAgent: group("agent"),
      lines: usage.lines,
      budget: usage.budget,
    });
  })
  .all("/", methodNotAllowed(["GET"]));
