import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { log } from "../../shared/log";
import type { RouterEnv } from "../env";

/** Gives each request an id and writes one log line for it when it is answered. */
export const requestLog: MiddlewareHandler<RouterEnv> = async (c, next) => {
  const started = Date.now();
  const requestId = crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  c.header("X-Request-Id", requestId);
  log({
    event: "request",
    requestId,
    method: c.req.method,
    route: routePath(c, -1) || new URL(c.req.url).pathname,
    status: c.res.status,
    durationMs: Date.now() - started,
    ...(c.get("tenant") ? { tenant: c.get("tenant") } : {}),
    ...(c.get("sessionId") ? { sessionId: c.get("sessionId") } : {}),
    ...(c.get("turnId") ? { turnId: c.get("turnId") } : {}),
    ...(c.get("errorCode") ? { errorCode: c.get("errorCode") } : {}),
    ...(c.get("trace") ? { trace_id: c.get("trace")?.traceId, span_id: c.get("trace")?.spanId } : {}),
  });
};
