import { Hono } from "hono";
import type { RouterEnv } from "./env";
import { requireTenant } from "./middleware/auth";
import { notFound, onError, openAiErrors } from "./middleware/errors";
import { requestLog } from "./middleware/request-log";
import { traceRequests } from "./middleware/trace";
import { agentRoutes } from "./routes/agents";
import { approvalRoutes } from "./routes/approvals";
import { chatRoutes } from "./routes/chat";
import { docRoutes, healthRoutes } from "./routes/docs";
import { liveUpgrade, ticketRoutes } from "./routes/live";
import { mcpRoutes } from "./routes/mcp";
import { metricsRoutes } from "./routes/metrics";
import { openAiRoutes } from "./routes/openai";
import { sessionRoutes } from "./routes/sessions";
import { taskRoutes } from "./routes/tasks";
import { turnRoutes } from "./routes/turns";
import { usageRoutes } from "./routes/usage";

const api = new Hono<RouterEnv>()
  .use(traceRequests)
  .use(requestLog)
  .route("/", healthRoutes)
  .route("/v1/sessions", liveUpgrade)
  // MCP clients get JSON-RPC errors, auth failures included: the endpoint authenticates itself
  .route("/v1/mcp", mcpRoutes)
  // the OpenAI-compatible routes answer errors (authentication's too) in OpenAI's envelope
  .use("/v1/chat/*", openAiErrors)
  .use("/v1/models/*", openAiErrors)
  .use("/v1/*", requireTenant)
  .route("/v1/agents", agentRoutes)
  .route("/v1/usage", usageRoutes)
  .route("/v1/metrics", metricsRoutes)
  .route("/v1", openAiRoutes)
  .route("/v1/sessions", ticketRoutes)
  .route("/v1/sessions", turnRoutes)
  .route("/v1/sessions", sessionRoutes)
  .route("/v1/sessions", taskRoutes)
  .route("/v1/sessions", approvalRoutes)
  .route("/v1/sessions", chatRoutes);

/** The router: authenticates, validates and hands each request to its session's object. */
export const app = api.route("/", docRoutes(api)).notFound(notFound).onError(onError);
