import { Hono } from "hono";
import type { RouterEnv } from "./env";
import { requireTenant } from "./middleware/auth";
import { methodNotAllowed, notFound, onError } from "./middleware/errors";
import { requestLog } from "./middleware/request-log";
import { agentRoutes } from "./routes/agents";
import { approvalRoutes } from "./routes/approvals";
import { liveUpgrade, ticketRoutes } from "./routes/live";
import { mcpRoutes } from "./routes/mcp";
import { sessionRoutes } from "./routes/sessions";
import { taskRoutes } from "./routes/tasks";
import { turnRoutes } from "./routes/turns";
import { usageRoutes } from "./routes/usage";

/** The router: authenticates, validates and hands each request to its session's object. */
export const app = new Hono<RouterEnv>()
  .use(requestLog)
  .get("/healthz", (c) => c.json({ ok: true }))
  .all("/healthz", methodNotAllowed(["GET"]))
  .route("/v1/sessions", liveUpgrade)
  // MCP clients get JSON-RPC errors, auth failures included: the endpoint authenticates itself
  .route("/v1/mcp", mcpRoutes)
  .use("/v1/*", requireTenant)
  .route("/v1/agents", agentRoutes)
  .route("/v1/usage", usageRoutes)
  .route("/v1/sessions", ticketRoutes)
  .route("/v1/sessions", turnRoutes)
  .route("/v1/sessions", sessionRoutes)
  .route("/v1/sessions", taskRoutes)
  .route("/v1/sessions", approvalRoutes)
  .notFound(notFound)
  .onError(onError);
