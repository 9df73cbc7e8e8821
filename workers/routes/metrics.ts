import { Hono } from "hono";
import { z } from "zod";
import { metricsApi } from "../../durable-objects/stubs";
import { metricsQuerySchema, metricsResponseSchema } from "../../shared/contracts/metrics";
import { prometheusText } from "../../shared/metrics/aggregate";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json, media } from "../openapi/describe";

/**
 * GET /v1/metrics: the tenant's turn metrics over a window (1h, 24h, 7d), overall, per agent
 * and per model; Prometheus text with `Accept: text/plain` or `?format=prometheus`.
 */
export const metricsRoutes = new Hono<RouterEnv>()
  .get(
    "/",
    describe({
      operationId: "getMetrics",
      tag: "metrics",
      summary: "The tenant's turn metrics",
      description:
        "Turns, outcomes, latency percentiles, tokens, cost, escalations, tool errors and delegations over a window (1h, 24h or 7d, in 5-minute buckets), overall, per agent and per answering model. Prometheus text exposition with `Accept: text/plain` or `format=prometheus`.",
      query: metricsQuerySchema,
      responses: {
        200: answer("the metrics", {
          ...json(metricsResponseSchema),
          ...media("text/plain", z.string().describe("Prometheus text exposition format 0.0.4")),
        }),
      },
      errors: [400],
    }),
    async (c) => {
      const query = validate(metricsQuerySchema, c.req.query(), "query");
      const tenant = c.get("tenant");
      const { response, lines } = await metricsApi(c.env, tenant).query(tenant, query.window);
      const accept = c.req.header("accept") ?? "";
      const prometheus =
        query.format === "prometheus" || (query.format === undefined && /\btext\/plain\b/.test(accept));
      if (!prometheus) return c.json(response);
      return c.body(prometheusText(lines, response), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      });
    },
  )
  .all("/", methodNotAllowed(["GET"]));
